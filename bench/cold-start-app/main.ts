// A default `cdk8s init typescript-app` style app, run the way its `cdk8s synth` runs it:
// ts-node with type-checking. The cold-start baseline of `npm run bench`.
import { App, Chart, ChartProps } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';

export class MyChart extends Chart {
  constructor(scope: Construct, id: string, props: ChartProps = {}) {
    super(scope, id, props);
    new kplus.Pod(this, 'ai-inference-pod', {
      metadata: { name: 'ai-inference-pod', labels: { app: 'ai-engine', tier: 'backend' } },
      containers: [{ name: 'fastapi-container', image: 'myrepo/ai-fastapi:v1.2', portNumber: 8000, envVariables: { MODEL_NAME: kplus.EnvValue.fromValue('claude-3-sonnet') } }],
    });
  }
}

const app = new App({ outdir: process.env.CDK8S_OUTDIR ?? 'dist' });
new MyChart(app, 'cold-start');
app.synth();
