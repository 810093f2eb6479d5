import { App, Chart } from 'cdk8s';
import { AiInferencePod } from './index';

/**
 * The example app: the seed tutorial's "Professional" pod, written with the library.
 * `npm run synth` writes it to dist/.
 */
export function buildExampleApp(outdir = 'dist'): App {
  const app = new App({ outdir });
  const chart = new Chart(app, 'ai-inference');
  new AiInferencePod(chart, 'ai-inference-pod', {
    metadata: { name: 'ai-inference-pod', labels: { app: 'ai-engine', tier: 'backend' } },
    server: {
      name: 'fastapi-container',
      image: 'myrepo/ai-fastapi:v1.2',
      port: 8000,
      env: { MODEL_NAME: 'claude-3-sonnet' },
      resources: {
        cpu: { request: '500m', limit: '1000m' },
        memory: { request: '1Gi', limit: '2Gi' },
      },
    },
  });
  return app;
}

if (require.main === module) {
  try {
    buildExampleApp(process.env.CDK8S_OUTDIR ?? 'dist').synth();
  } catch (e) {
    // A synth-time validation failure is a message for the user, not a stack trace.
    process.stderr.write(`${(e as Error).message}\n`);
    process.exit(1);
  }
}
