import { App, Chart } from 'cdk8s';
import { AiInferencePod, HealthCheck, LogSidecar, ModelPrepInit, ModelSource, PodNames, PodRestartPolicy, ProxyAuth, ProxySidecar, ProxyTls } from '../src';

/** The full example pod i, with the library: server + GPU, model download, log sidecar, TLS/auth proxy. */
export function libraryPod(chart: Chart, i: number): void {
  const pod = new AiInferencePod(chart, `llm-${i}`, {
    metadata: { name: `llm-${i}`, labels: { app: 'llm' } },
    server: {
      image: 'vllm/vllm-openai:v0.6.3',
      env: { MODEL_NAME: `model-${i}` },
      health: HealthCheck.vllm(),
      resources: { cpu: { request: '4' }, memory: { request: '16Gi', limit: '16Gi' } },
    },
    gpu: { count: 1 },
  });
  new ModelPrepInit(pod, 'model-downloader', { source: ModelSource.s3(`s3://models/model-${i}/`) });
  new LogSidecar(pod, 'log-forwarder');
  new ProxySidecar(pod, 'auth-proxy', { tls: ProxyTls.fromSecret('tls'), auth: ProxyAuth.bearerTokens('tokens') });
}

/** One worker pod rendered in memory, as the worker-manager example does per job. */
export function workerManifest(jobId: string): any {
  const chart = new Chart(new App(), 'worker');
  const pod = new AiInferencePod(chart, 'worker', {
    metadata: { name: PodNames.forJob('worker', jobId) },
    restartPolicy: PodRestartPolicy.NEVER,
    server: { image: 'myrepo/ai-processor:1.4.2', env: { JOB_ID: jobId }, health: HealthCheck.none() },
  });
  new ModelPrepInit(pod, 'model-downloader', { source: ModelSource.s3('s3://my-models/captioner/') });
  new LogSidecar(pod, 'log-forwarder');
  return pod.toManifest();
}
