import { App, Chart, Duration } from 'cdk8s';
import { synthAndReport } from './_synth-report';
import {
  AiInferenceDeployment, AiInferencePod, CacheAccessMode, HealthCheck, LogSidecar, ModelCache, ModelPrepInit, ModelSource, ProxyAuth, ProxySidecar, ProxyTls,
} from './index';

/**
 * The example app that `npm run synth` writes to dist/:
 * - `ai-inference`: the seed tutorial's "Professional" pod, field for field;
 * - `llm-deployment`: a production LLM Deployment with every construct of the library.
 */
export function buildExampleApp(outdir = 'dist'): App {
  const app = new App({ outdir });
  const seed = new Chart(app, 'ai-inference');
  new AiInferencePod(seed, 'ai-inference-pod', {
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

  const production = new Chart(app, 'llm-deployment', { namespace: 'inference' });
  const llm = new AiInferenceDeployment(production, 'llm', {
    metadata: { name: 'llama-3-8b', labels: { app: 'llama-3-8b' } },
    replicas: 2,
    server: {
      name: 'vllm',
      image: 'vllm/vllm-openai:v0.6.3',
      args: ['--model', '/models/Llama-3.1-8B-Instruct', '--port', '8000'],
      // vLLM's image runs as root with HOME=/root; as a non-root user its caches go to /tmp
      env: { HOME: '/tmp', VLLM_LOGGING_LEVEL: 'INFO' },
      resources: { cpu: { request: '4' }, memory: { request: '32Gi', limit: '32Gi' } },
      health: HealthCheck.vllm(),
    },
    gpu: { count: 1, shmSize: '2Gi' },
    modelLoadTimeout: Duration.minutes(20),
  });
  new ModelPrepInit(llm, 'model-downloader', {
    source: ModelSource.s3('s3://my-models/Llama-3.1-8B-Instruct/'),
    cache: ModelCache.newPersistentVolumeClaim({ size: '100Gi', accessMode: CacheAccessMode.READ_WRITE_MANY, storageClassName: 'efs-sc' }),
    modelSize: '16Gi',
    loadThroughput: '100Mi',
  });
  new LogSidecar(llm, 'log-forwarder', { logDir: '/var/log/app' });
  new ProxySidecar(llm, 'auth-proxy', { tls: ProxyTls.fromSecret('llama-tls'), auth: ProxyAuth.bearerTokens('llama-api-tokens') });
  return app;
}

if (require.main === module) {
  process.exitCode = synthAndReport(() => buildExampleApp(process.env.CDK8S_OUTDIR ?? 'dist'));
}
