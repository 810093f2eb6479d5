/**
 * A "Worker Manager" (seed §6) in TypeScript: one inference pod per uploaded video, created at
 * run time with @kubernetes/client-node. The pod is the library's AiInferencePod rendered in
 * memory, so workers get the same validated, restricted pod as the YAML pipeline.
 *
 *   KUBE_API_SERVER=https://... KUBE_TOKEN=... node worker-manager.js <job-id> <video-uri>
 *   (KUBE_SKIP_TLS_VERIFY=true only for a local test server over plain HTTP)
 *
 * Without KUBE_API_SERVER it uses the in-cluster service account, as the seed's Python does.
 */
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { App, Chart } from 'cdk8s';
import { AiInferencePod, HealthCheck, LogSidecar, ModelPrepInit, ModelSource, PodNames, PodRestartPolicy } from '../../src';

/** The worker pod of one job, as a plain manifest object (validated; no files written). */
export function workerPodManifest(jobId: string, videoUri: string, namespace = 'default'): any {
  const chart = new Chart(new App(), 'worker', { namespace });
  const pod = new AiInferencePod(chart, 'worker', {
    metadata: { name: PodNames.forJob('worker', jobId), labels: { app: 'ai-processor', job: PodNames.forJob('job', jobId) } },
    // Done is done: the pod ends in Succeeded when the worker exits 0 (native sidecars stop with it).
    restartPolicy: PodRestartPolicy.NEVER,
    server: {
      name: 'worker',
      image: 'myrepo/ai-processor:1.4.2',
      env: { JOB_ID: jobId, VIDEO_URI: videoUri },
      resources: { cpu: { request: '2' }, memory: { request: '8Gi', limit: '8Gi' } },
      // a batch worker serves no HTTP: no probes
      health: HealthCheck.none(),
    },
  });
  new ModelPrepInit(pod, 'model-downloader', { source: ModelSource.s3('s3://my-models/video-captioner/') });
  new LogSidecar(pod, 'log-forwarder');
  return pod.toManifest();
}

/** Creates the worker pod of a job through the Kubernetes API. */
export async function createWorkerPod(api: CoreV1Api, jobId: string, videoUri: string, namespace = 'default'): Promise<string> {
  const body = workerPodManifest(jobId, videoUri, namespace);
  await api.createNamespacedPod({ namespace, body });
  return body.metadata.name;
}

function apiFromEnv(): CoreV1Api {
  const kc = new KubeConfig();
  if (process.env.KUBE_API_SERVER) {
    kc.loadFromOptions({
      clusters: [{ name: 'target', server: process.env.KUBE_API_SERVER, skipTLSVerify: process.env.KUBE_SKIP_TLS_VERIFY === 'true' }],
      users: [{ name: 'manager', token: process.env.KUBE_TOKEN }],
      contexts: [{ name: 'target', cluster: 'target', user: 'manager' }],
      currentContext: 'target',
    });
  } else {
    kc.loadFromCluster();
  }
  return kc.makeApiClient(CoreV1Api);
}

if (require.main === module) {
  const [jobId, videoUri] = process.argv.slice(2);
  createWorkerPod(apiFromEnv(), jobId, videoUri ?? `s3://uploads/${jobId}.mp4`)
    .then((name) => console.log(`Pod ${name} for job ${jobId} created`))
    .catch((e) => {
      console.error(`could not create the worker pod: ${e.message ?? e}`);
      process.exit(1);
    });
}
