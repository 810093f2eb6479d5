import { App, Chart, Duration } from 'cdk8s';
import { synthAndReport } from './_synth-report';
import {
  Accelerator, AiInferenceDeployment, AiInferencePod, CacheAccessMode, GpuClaim, HealthCheck, InferenceEngine, KubernetesTarget, LogSidecar,
  ModelCache, ModelPrepInit, ModelProfile, ModelSource, ProxyAuth, ProxySidecar, ProxyTls,
} from './index';

/**
 * The example app that `npm run synth` writes to dist/:
 * - `ai-inference`: the seed tutorial's "Professional" pod, field for field;
 * - `llm-deployment`: a production LLM Deployment with every construct of the library;
 * - `llm-cluster-aware`: the same model for a 1.35 cluster: an engine preset, GPUs claimed
 *   through DRA and checked by the GPU-fit plan, weights mounted from an OCI image.
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

  const clusterAware = new Chart(app, 'llm-cluster-aware', { namespace: 'inference' });
  const modern = new AiInferenceDeployment(clusterAware, 'llm', {
    metadata: { name: 'llama-3-8b-h100', labels: { app: 'llama-3-8b-h100' } },
    target: KubernetesTarget.V1_35,
    replicas: 2,
    server: {
      engine: InferenceEngine.vllm({ maxModelLength: 32768, servedModelName: 'llama-3.1-8b' }),
      env: { HOME: '/tmp' },
      resources: { cpu: { request: '8' }, memory: { request: '64Gi', limit: '64Gi' } },
    },
    // 2 × H100 through the NVIDIA DRA driver; synth fails if Llama-3.1-8B with 16 full-length sequences does not fit
    gpu: { count: 2, accelerator: Accelerator.NVIDIA_H100, claim: GpuClaim.dra({ productName: 'H100' }) },
    model: { profile: ModelProfile.LLAMA_3_1_8B, concurrentSequences: 16 },
    modelLoadTimeout: Duration.minutes(20),
  });
  new ModelPrepInit(modern, 'model', {
    source: ModelSource.ociImage('registry.example.com/models/llama-3.1-8b-instruct@sha256:9f2c4e8b1d7a3f6e5c0b2a9d8e7f6c5b4a3d2e1f0a9b8c7d6e5f4a3b2c1d0e9f'),
  });
  new ProxySidecar(modern, 'auth-proxy', { tls: ProxyTls.fromSecret('llama-tls'), auth: ProxyAuth.bearerTokens('llama-api-tokens') });
  return app;
}

if (require.main === module) {
  process.exitCode = synthAndReport(() => buildExampleApp(process.env.CDK8S_OUTDIR ?? 'dist'));
}
