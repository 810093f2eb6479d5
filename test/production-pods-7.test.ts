/**
 * Production pods, seventh batch (new-user review 7, 2026-11): serving systems not covered by
 * production-pods*.test.ts — vLLM reading its weights through the GKE Cloud Storage FUSE CSI driver,
 * vLLM on AWS Inferentia2 (NeuronCores), the official Ollama Helm chart with its model pull, TGI
 * admitted by Kueue with a preempting priority class (GKE), and a KubeRay RayService on Inferentia2
 * (head and worker group pods). Each describe names the public manifest it follows; each pod goes
 * through the real App synth, the official schema and the object rules, and the fields that matter
 * are asserted. Where the real pod has a field the library cannot express, the test says so and shows
 * the escape hatch (a JSON patch).
 */
import { ApiObject, Duration, Testing } from 'cdk8s';
import {
  AiInferenceDeployment, AiInferencePod, DeploymentRollout, HealthCheck, ImagePullPolicy, PodSecurityLevel, PodVolume, Probe,
  SeccompProfileType,
} from '../src';
import { env, mount, synthWithWarnings, templateOf, volume } from './helpers/pod-parts';
import { container, manifestOf, newChart, podSpec } from './helpers/synth';

// Source: GoogleCloudPlatform/kubernetes-engine-samples ai-ml/gcsfuse-shared-cache/vllm-a.yaml (d230dfb7):
// vLLM on one L4 serving /data/Llama-3.1-8B-Instruct from a Cloud Storage bucket mounted through the
// gcsfuse.csi.storage.gke.io CSI driver as an inline (ephemeral) volume, read-only, with the file-cache
// mount options; the pod annotation gke-gcsfuse/volumes: "true" makes GKE's webhook inject the
// gke-gcsfuse-sidecar, which finds its file cache in the volume named gke-gcsfuse-cache (a PVC on a
// local-SSD RAID) that no container of the manifest mounts; the KSA bucket-sa (Workload Identity);
// a toleration nvidia.com/gpu=present:NoSchedule (operator Equal), the node selector
// cloud.google.com/gke-accelerator: nvidia-l4, cpu 4 / memory 25Gi / one GPU as requests = limits, a
// memory-backed /dev/shm, no probes, no ports, no Service.
describe('vLLM with a Cloud Storage FUSE CSI volume (kubernetes-engine-samples gcsfuse-shared-cache/vllm-a.yaml)', () => {
  const args = ['vllm serve /data/Llama-3.1-8B-Instruct --max-model-len 8192 --gpu-memory-utilization=0.95 --served-model-name unsloth/Llama-3.1-8B-Instruct'];
  const mountOptions = 'implicit-dirs,file-cache:enable-parallel-downloads:true,file-cache:cache-file-for-range-read:false,file-cache:download-chunk-size-mb:32,'
    + 'file-cache:max-size-mb:-1,metadata-cache:stat-cache-max-size-mb:32,metadata-cache:ttl-secs:3600,metadata-cache:type-cache-max-size-mb:4';
  const csiVolume = {
    name: 'gcs-fuse-csi-ephemeral',
    csi: { driver: 'gcsfuse.csi.storage.gke.io', readOnly: true, volumeAttributes: { bucketName: 'epam-team-gpu-benchmark', mountOptions } },
  };

  test('the pod annotation for the sidecar webhook, a CSI inline volume (PodVolume.csi) and an unmounted cache claim (volumes), tolerations with Equal', () => {
    const chart = newChart('gcsfuse-vllm');
    new AiInferenceDeployment(chart, 'vllm-a', {
      metadata: { name: 'vllm-a', labels: { app: 'vllm-a' } },
      podMetadata: { annotations: { 'gke-gcsfuse/volumes': 'true' } },
      server: {
        name: 'inference-server',
        image: 'us-central1-docker.pkg.dev/psch-joonix/vllm-runai/vllm-runai-gcs:v0.10.2-fix',
        command: ['/bin/sh', '-c'],
        args,
        // the manifest runs the image as root; as user 1000 vLLM needs a writable HOME (README "Images that write to their home")
        env: { HOME: '/home/vllm' },
        volumeMounts: [
          { volume: PodVolume.emptyDir('home'), path: '/home/vllm' },
          { volume: PodVolume.csi(csiVolume.name, csiVolume.csi.driver, { readOnly: true, volumeAttributes: csiVolume.csi.volumeAttributes }), path: '/data' },
        ],
        health: HealthCheck.none(),
        resources: { cpu: { request: '4', limit: '4' }, memory: { request: '25Gi', limit: '25Gi' } },
      },
      gpu: { count: 1, tolerate: false, nodeSelector: { 'cloud.google.com/gke-accelerator': 'nvidia-l4' } },
      tolerations: [{ key: 'nvidia.com/gpu', operator: 'Equal', value: 'present', effect: 'NoSchedule' }],
      serviceAccountName: 'bucket-sa',
      service: false,
      // the cache volume only GKE's injected sidecar mounts
      volumes: [PodVolume.persistentVolumeClaim('gke-gcsfuse-cache', 'local-raid-pvc')],
    });
    const { manifests, warnings } = synthWithWarnings(chart);
    expect(manifests.map(m => m.kind)).toEqual(['Deployment']);
    const deploy = manifestOf(manifests, 'Deployment');
    const spec = podSpec(deploy);
    const c = container(deploy, 'inference-server');
    expect(deploy.spec.template.metadata.annotations).toEqual({ 'gke-gcsfuse/volumes': 'true' });
    expect(c.command).toEqual(['/bin/sh', '-c']);
    expect(c.args).toEqual(args);
    expect(c.resources).toEqual({ limits: { 'cpu': '4', 'memory': '25Gi', 'nvidia.com/gpu': '1' }, requests: { 'cpu': '4', 'memory': '25Gi', 'nvidia.com/gpu': '1' } });
    expect(c.startupProbe ?? c.readinessProbe ?? c.livenessProbe).toBeUndefined();
    expect(mount(c, '/data')).toEqual({ name: 'gcs-fuse-csi-ephemeral', mountPath: '/data', readOnly: true });
    expect(volume(spec, 'gcs-fuse-csi-ephemeral')).toEqual(csiVolume);
    expect(volume(spec, 'gke-gcsfuse-cache').persistentVolumeClaim).toEqual({ claimName: 'local-raid-pvc' });
    // the manifest's /dev/shm has no size limit; the library always writes one (gpu.shmSize, default 1Gi)
    expect(volume(spec, 'dshm').emptyDir).toEqual({ medium: 'Memory', sizeLimit: '1Gi' });
    expect(spec.tolerations).toEqual([{ effect: 'NoSchedule', key: 'nvidia.com/gpu', operator: 'Equal', value: 'present' }]);
    expect(spec.nodeSelector).toEqual({ 'cloud.google.com/gke-accelerator': 'nvidia-l4' });
    expect(spec.serviceAccountName).toBe('bucket-sa');
    // a CSI volume is allowed by PSS restricted, and the cache claim that only the injected sidecar mounts is not reported
    expect(warnings).toBe('');
  });
});

// Source: aws-samples/sample-genai-on-eks-starter-kit components/llm-model/vllm/model-qwen3-8b-neuron.template.yaml
// (422505a6): vLLM serving a Neuron-compiled Qwen3-8B on an inf2.xlarge — two NeuronCores
// (aws.amazon.com/neuroncore: 2 as request and limit; NEURON_RT_NUM_CORES / NEURON_RT_VISIBLE_CORES), a
// toleration of the aws.amazon.com/neuron taint (operator Exists: the taint is named after the device
// family, not after the neuroncore resource), requests cpu 3 / memory 12Gi and no memory limit, pod
// seccomp RuntimeDefault and no service-account token, the container dropping NET_RAW only with no
// privilege escalation, running as the image's root (HF_HOME under /root/.cache), no probes; the
// Service on 8000 named http.
describe('vLLM on AWS Inferentia2 (sample-genai-on-eks-starter-kit model-qwen3-8b-neuron)', () => {
  const args = [
    '/root/.cache/neuron/Qwen/Qwen3-8B', '--served-model-name=qwen3-8b-neuron', '--trust-remote-code', '--gpu-memory-utilization=0.90',
    '--enable-auto-tool-choice', '--tool-call-parser=hermes', '--reasoning-parser=qwen3', '--tensor-parallel-size=2', '--max-num-seqs=2', '--max-model-len=8192',
  ];

  function neuron(chart: any, gpu: any = {}): AiInferenceDeployment {
    return new AiInferenceDeployment(chart, 'qwen3', {
      metadata: { name: 'qwen3-8b-neuron', namespace: 'vllm', labels: { app: 'qwen3-8b-neuron' } },
      server: {
        name: 'vllm',
        image: 'public.ecr.aws/agentic-ai-platforms-on-k8s/vllm-neuron:qwen3-8b-optimum-neuron',
        imagePullPolicy: ImagePullPolicy.IF_NOT_PRESENT,
        command: ['vllm', 'serve'],
        args,
        env: { HF_HOME: '/root/.cache/huggingface', HF_HUB_CACHE: '/root/.cache/huggingface/hub', NEURON_RT_NUM_CORES: '2', NEURON_RT_VISIBLE_CORES: '0-1' },
        health: HealthCheck.none(),
        resources: { cpu: { request: '3' }, memory: { request: '12Gi' } },
        // the image's root writes the compiled-model and Hugging Face caches under /root
        security: {
          runAsUser: 0, runAsGroup: 0, runAsNonRoot: false, readOnlyRootFilesystem: false, dropAllCapabilities: false, dropCapabilities: ['NET_RAW'],
          seccompProfile: SeccompProfileType.RUNTIME_DEFAULT,
        },
      },
      gpu: { count: 2, resourceName: 'aws.amazon.com/neuroncore', sharedMemory: false, nodeSelector: { 'node.kubernetes.io/instance-type': 'inf2.xlarge' }, ...gpu },
      automountServiceAccountToken: false,
      security: { level: PodSecurityLevel.BASELINE },
    });
  }

  test('aws.amazon.com/neuroncore as request = limit, tolerating the aws.amazon.com/neuron taint by default, root with baseline', () => {
    const chart = newChart('vllm-neuron');
    neuron(chart);
    const { manifests, warnings } = synthWithWarnings(chart);
    const deploy = manifestOf(manifests, 'Deployment');
    const spec = podSpec(deploy);
    const c = container(deploy, 'vllm');
    expect(deploy.metadata.namespace).toBe('vllm');
    expect(c.command).toEqual(['vllm', 'serve']);
    expect(c.args).toEqual(args);
    expect(c.imagePullPolicy).toBe('IfNotPresent');
    expect(c.ports).toEqual([{ containerPort: 8000, name: 'http' }]);
    expect(env(c, 'NEURON_RT_VISIBLE_CORES').value).toBe('0-1');
    expect(c.resources).toEqual({ limits: { 'aws.amazon.com/neuroncore': '2' }, requests: { 'aws.amazon.com/neuroncore': '2', 'cpu': '3', 'memory': '12Gi' } });
    // the taint Neuron nodes carry, whatever Neuron resource the pod requests
    expect(spec.tolerations).toEqual([{ effect: 'NoSchedule', key: 'aws.amazon.com/neuron', operator: 'Exists' }]);
    expect(spec.nodeSelector).toEqual({ 'node.kubernetes.io/instance-type': 'inf2.xlarge' });
    expect(spec.automountServiceAccountToken).toBe(false);
    expect(spec.securityContext.seccompProfile).toEqual({ type: 'RuntimeDefault' });
    expect(c.securityContext).toMatchObject({
      allowPrivilegeEscalation: false, capabilities: { drop: ['NET_RAW'] }, seccompProfile: { type: 'RuntimeDefault' }, runAsUser: 0, runAsNonRoot: false,
    });
    expect(volume(spec, 'dshm')).toBeUndefined();
    expect(manifestOf(manifests, 'Service').spec.ports).toEqual([{ name: 'http', port: 8000, protocol: 'TCP', targetPort: 8000 }]);
    expect(warnings).toContain('the pod meets Pod Security Standard "baseline", not "restricted"');
  });

  test('every Neuron resource (neuroncore, neurondevice, neuron) tolerates the one aws.amazon.com/neuron taint', () => {
    for (const resourceName of ['aws.amazon.com/neuroncore', 'aws.amazon.com/neurondevice', 'aws.amazon.com/neuron']) {
      const chart = newChart('neuron-taint');
      neuron(chart, { resourceName });
      const spec = podSpec(manifestOf(synthWithWarnings(chart).manifests, 'Deployment'));
      expect(spec.tolerations).toEqual([{ effect: 'NoSchedule', key: 'aws.amazon.com/neuron', operator: 'Exists' }]);
    }
  });
});

// Source: otwld/ollama-helm test/__snapshots__/test_models.values.snap (4d6d69c5; chart 1.4.1, Ollama
// 0.5.7), the chart rendered with ollama.models.pull / run: [moondream] — Deployment strategy Recreate,
// the chart's ServiceAccount, port http 11434/TCP, liveness GET / on "http" (60 s delay, every 10 s,
// timeout 5, 6 failures) and readiness GET / on "http" (30 s, every 5 s, timeout 3, 6 failures), no
// startup probe, resources {} (no amounts), the data emptyDir at /root/.ollama, empty security contexts
// (the image's root), and a postStart exec hook that waits for the server and pulls and runs the models;
// the Service's port 11434 "http" targets the container port by name.
describe('Ollama Helm chart with a model pull (otwld/ollama-helm, test_models.values)', () => {
  const labels = {
    'helm.sh/chart': 'ollama-1.4.1', 'app.kubernetes.io/name': 'ollama', 'app.kubernetes.io/instance': 'chartsnap',
    'app.kubernetes.io/version': '0.5.7', 'app.kubernetes.io/managed-by': 'Helm',
  };
  const pull = 'while ! /bin/ollama ps > /dev/null 2>&1; do\n  sleep 5\ndone\necho "moondream" | xargs -n1 /bin/ollama pull \necho "moondream" | xargs -n1 /bin/ollama run\n';

  test('Recreate, liveness and readiness on "http" with the chart\'s timings, root, a postStart hook (postStartCommand)', () => {
    const chart = newChart('ollama');
    new AiInferenceDeployment(chart, 'ollama', {
      metadata: { name: 'chartsnap-ollama', namespace: 'default', labels },
      rollout: DeploymentRollout.recreate(),
      server: {
        name: 'ollama',
        image: 'ollama/ollama:0.5.7',
        imagePullPolicy: ImagePullPolicy.IF_NOT_PRESENT,
        port: 11434,
        health: HealthCheck.custom({
          liveness: Probe.httpGet('/', {
            portName: 'http', initialDelay: Duration.seconds(60), period: Duration.seconds(10), timeout: Duration.seconds(5), successThreshold: 1, failureThreshold: 6,
          }),
          readiness: Probe.httpGet('/', {
            portName: 'http', initialDelay: Duration.seconds(30), period: Duration.seconds(5), timeout: Duration.seconds(3), successThreshold: 1, failureThreshold: 6,
          }),
        }),
        resources: {},
        volumeMounts: [{ volume: PodVolume.emptyDir('ollama-data'), path: '/root/.ollama' }],
        // securityContext {}: the image's root, whose home (/root, mode 700) user 1000 could not enter
        security: { runAsUser: 0, runAsGroup: 0, runAsNonRoot: false },
        postStartCommand: ['/bin/sh', '-c', pull],
      },
      serviceAccountName: 'chartsnap-ollama',
      security: { level: PodSecurityLevel.BASELINE },
    });
    const { manifests } = synthWithWarnings(chart);
    const deploy = manifestOf(manifests, 'Deployment');
    const spec = podSpec(deploy);
    const c = container(deploy, 'ollama');
    expect(deploy.spec.strategy).toEqual({ type: 'Recreate' });
    expect(deploy.spec.template.metadata.labels).toMatchObject(labels);
    expect(c.ports).toEqual([{ containerPort: 11434, name: 'http' }]);
    expect(c.livenessProbe).toEqual({
      httpGet: { path: '/', port: 'http' }, initialDelaySeconds: 60, periodSeconds: 10, timeoutSeconds: 5, successThreshold: 1, failureThreshold: 6,
    });
    expect(c.readinessProbe).toEqual({
      httpGet: { path: '/', port: 'http' }, initialDelaySeconds: 30, periodSeconds: 5, timeoutSeconds: 3, successThreshold: 1, failureThreshold: 6,
    });
    expect(c.startupProbe).toBeUndefined();
    expect(c.resources).toBeUndefined();
    expect(c.lifecycle).toEqual({ postStart: { exec: { command: ['/bin/sh', '-c', pull] } } });
    expect(mount(c, '/root/.ollama')).toMatchObject({ name: 'ollama-data' });
    expect(volume(spec, 'ollama-data').emptyDir).toEqual({});
    expect(c.securityContext).toMatchObject({ runAsUser: 0, runAsNonRoot: false });
    expect(spec.serviceAccountName).toBe('chartsnap-ollama');
    expect(manifestOf(manifests, 'Service').spec.ports).toEqual([{ name: 'http', port: 11434, protocol: 'TCP', targetPort: 11434 }]);
  });
});

// Source: GoogleCloudPlatform/kubernetes-engine-samples ai-ml/mix-train-and-inference/workloads/tgi-2b-it-1.1-hp.yaml
// (5a987256): TGI (Vertex AI's pytorch-hf-tgi-serve image) admitted through the Kueue LocalQueue "lq"
// (label kueue.x-k8s.io/queue-name on the pods) with priorityClassName high-priority-preempting so it
// preempts fine-tuning jobs; tolerations ondemand and nvidia.com/gpu (Exists, NoSchedule); cpu 2 /
// memory 7Gi / ephemeral-storage 20Gi / one GPU as requests = limits; args with $(MODEL_ID); PORT 8000,
// the port named "web"; the token from the hf-secret Secret; a memory-backed /dev/shm; the L4 selector.
describe('TGI behind Kueue with a preempting priority class (kubernetes-engine-samples mix-train-and-inference)', () => {
  test('priorityClassName, the queue label on the pods only, two tolerations, ephemeral-storage, a port named "web"', () => {
    const chart = newChart('tgi-kueue');
    new AiInferenceDeployment(chart, 'tgi', {
      metadata: { name: 'tgi-gemma-deployment', labels: { app: 'gemma-server' } },
      podMetadata: {
        labels: {
          'ai.gke.io/model': 'gemma-2b-1.1-it', 'ai.gke.io/inference-server': 'text-generation-inference',
          'examples.ai.gke.io/source': 'user-guide', 'kueue.x-k8s.io/queue-name': 'lq',
        },
      },
      server: {
        name: 'inference-server',
        image: 'us-docker.pkg.dev/vertex-ai/vertex-vision-model-garden-dockers/pytorch-hf-tgi-serve:20240328_0936_RC01',
        args: ['--model-id=$(MODEL_ID)', '--num-shard=1'],
        port: 8000,
        portName: 'web',
        env: { MODEL_ID: 'google/gemma-1.1-2b-it', PORT: '8000', HF_HOME: '/tmp/data' },
        secretEnv: { HUGGING_FACE_HUB_TOKEN: { secretName: 'hf-secret', key: 'hf_api_token' } },
        health: HealthCheck.none(),
        resources: {
          cpu: { request: '2', limit: '2' }, memory: { request: '7Gi', limit: '7Gi' }, ephemeralStorage: { request: '20Gi', limit: '20Gi' },
        },
      },
      // gpu.tolerate stays on: the manifest's own nvidia.com/gpu toleration is the library's, not written twice
      gpu: { count: 1, nodeSelector: { 'cloud.google.com/gke-accelerator': 'nvidia-l4' } },
      priorityClassName: 'high-priority-preempting',
      tolerations: [{ key: 'ondemand', operator: 'Exists', effect: 'NoSchedule' }, { key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }],
      service: false,
    });
    const { manifests, warnings } = synthWithWarnings(chart);
    const deploy = manifestOf(manifests, 'Deployment');
    const spec = podSpec(deploy);
    const c = container(deploy, 'inference-server');
    expect(deploy.metadata.labels).toEqual({ app: 'gemma-server' });
    expect(deploy.spec.template.metadata.labels).toMatchObject({ 'app': 'gemma-server', 'kueue.x-k8s.io/queue-name': 'lq' });
    expect(spec.priorityClassName).toBe('high-priority-preempting');
    expect(spec.tolerations).toEqual([
      { effect: 'NoSchedule', key: 'ondemand', operator: 'Exists' }, { effect: 'NoSchedule', key: 'nvidia.com/gpu', operator: 'Exists' },
    ]);
    expect(c.resources).toEqual({
      limits: { 'cpu': '2', 'ephemeral-storage': '20Gi', 'memory': '7Gi', 'nvidia.com/gpu': '1' },
      requests: { 'cpu': '2', 'ephemeral-storage': '20Gi', 'memory': '7Gi', 'nvidia.com/gpu': '1' },
    });
    expect(c.args).toEqual(['--model-id=$(MODEL_ID)', '--num-shard=1']);
    expect(c.ports).toEqual([{ containerPort: 8000, name: 'web' }]);
    expect(env(c, 'HUGGING_FACE_HUB_TOKEN').valueFrom).toEqual({ secretKeyRef: { name: 'hf-secret', key: 'hf_api_token' } });
    expect(volume(spec, 'dshm').emptyDir.medium).toBe('Memory');
    expect(warnings).toBe('');
  });

  test('the GPU toleration is added unless a toleration of the user\'s already tolerates the taint', () => {
    const cases: Array<[any[], number]> = [
      [[{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }], 1],
      [[{ key: 'nvidia.com/gpu' }], 1],
      [[{ operator: 'Exists' }], 1],
      // narrower than the library's (one value, or another effect only): both are written
      [[{ key: 'nvidia.com/gpu', operator: 'Equal', value: 'present', effect: 'NoSchedule' }], 2],
      [[{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoExecute' }], 2],
      [[{ key: 'ondemand', operator: 'Exists', effect: 'NoSchedule' }], 2],
    ];
    for (const [tolerations, count] of cases) {
      const chart = newChart('gpu-toleration');
      new AiInferenceDeployment(chart, 'tgi', { server: { image: 'ghcr.io/huggingface/text-generation-inference:3.0.1', health: HealthCheck.none() }, gpu: { count: 1 }, tolerations });
      const spec = podSpec(manifestOf(synthWithWarnings(chart).manifests, 'Deployment'));
      expect(spec.tolerations).toHaveLength(count);
      if (count === 2) {
        expect(spec.tolerations[1]).toEqual({ effect: 'NoSchedule', key: 'nvidia.com/gpu', operator: 'Exists' });
      }
    }
  });
});

// Source: aws-samples/sample-genai-on-eks-starter-kit components/llm-model/vllm-ray/rayservice-qwen3-8b-neuron.yaml
// (b66faee1): the RayService's head pod (ray start --head with --num-cpus=0, eight named ports among them
// dashboard-agent and dash-metrics, exec liveness / readiness probes with the chart's timings and no
// startup probe, cpu 3 → 4 and memory 8Gi → 12Gi, enableServiceLinks false, pulled Always, the Karpenter
// do-not-disrupt annotation) and its neuron-group worker pod (two NeuronCores, the aws.amazon.com/neuron
// toleration, ${RAY_ADDRESS:-${FQ_RAY_IP}:6379} expanded by bash, not by Kubernetes, an 8Gi /dev/shm, cpu 3
// requested and no CPU limit, memory 12Gi → 20Gi). Both as pod templates for the RayService object.
describe('KubeRay RayService on Inferentia2 (sample-genai-on-eks-starter-kit rayservice-qwen3-8b-neuron)', () => {
  const image = 'public.ecr.aws/agentic-ai-platforms-on-k8s/ray-vllm-neuron:latest';
  const healthz = ['bash', '-c', "python3 -c \"import urllib.request,sys; sys.exit(0 if b'success' in urllib.request.urlopen('http://localhost:52365/api/local_raylet_healthz',timeout=8).read() else 1)\""];
  const headStart = '/opt/rayvenv/bin/ray start --head --dashboard-host=0.0.0.0 --dashboard-port=8265 --num-cpus=0 --num-gpus=0 --metrics-export-port=8080 '
    + '--block --dashboard-agent-listen-port=52365 --no-monitor\n';
  /** The manifest's probe timings: a delay, a period and a failure threshold, each with a 10 s timeout. */
  const timing = (delay: number, period: number, failures: number) => ({
    initialDelay: Duration.seconds(delay), period: Duration.seconds(period), timeout: Duration.seconds(10), failureThreshold: failures,
  });
  const workerStart = '/opt/rayvenv/bin/ray start --address=${RAY_ADDRESS:-${FQ_RAY_IP}:6379} --resources=\'{"neuron_cores": 2}\' --dashboard-agent-listen-port=52365 '
    + '--metrics-export-port=8080 --block --num-cpus=2 --num-gpus=0 --no-monitor\n';

  test('head and worker pod templates: eight named ports, exec probes, Neuron cores and taint, shell ${...} left alone', () => {
    const chart = newChart('rayservice-neuron');
    const head = new AiInferencePod(chart, 'head', {
      metadata: { annotations: { 'karpenter.sh/do-not-disrupt': 'true' } },
      server: {
        name: 'ray-head',
        image,
        imagePullPolicy: ImagePullPolicy.ALWAYS,
        command: ['/bin/bash', '-lc'],
        args: [headStart],
        port: 6379,
        portName: 'gcs',
        extraPorts: [
          { number: 8265, name: 'dashboard' }, { number: 10001, name: 'client' }, { number: 8000, name: 'serve' }, { number: 52365, name: 'dashboard-agent' },
          { number: 8080, name: 'metrics' }, { number: 44217, name: 'as-metrics' }, { number: 44227, name: 'dash-metrics' },
        ],
        // Ray writes to HOME: user 1000 gets the writable /tmp (README "Images that write to their home")
        env: { PYTHONPATH: '/home/ray', RAY_SERVE_HTTP_HOST: '0.0.0.0', HOME: '/tmp' },
        health: HealthCheck.custom({
          liveness: Probe.exec(healthz, timing(60, 15, 10)),
          readiness: Probe.exec(['bash', '-c', '/opt/rayvenv/bin/ray health-check --address 127.0.0.1:6379 > /dev/null 2>&1'], {
            initialDelay: Duration.seconds(30), period: Duration.seconds(15), timeout: Duration.seconds(10), failureThreshold: 10,
          }),
        }),
        resources: { cpu: { request: '3', limit: '4' }, memory: { request: '8Gi', limit: '12Gi' } },
        tmpSize: '4Gi',
      },
      enableServiceLinks: false,
    });
    const worker = new AiInferencePod(chart, 'worker', {
      metadata: { annotations: { 'karpenter.sh/do-not-disrupt': 'true' } },
      server: {
        name: 'ray-worker',
        image,
        imagePullPolicy: ImagePullPolicy.ALWAYS,
        command: ['/bin/bash', '-lc'],
        args: [workerStart],
        env: {
          PYTHONPATH: '/home/ray', NEURON_RT_NUM_CORES: '2', NEURON_RT_VISIBLE_CORES: '0,1', HF_HOME: '/root/.cache/huggingface', HF_HUB_CACHE: '/root/.cache/huggingface/hub',
        },
        health: HealthCheck.custom({
          liveness: Probe.exec(healthz, timing(90, 20, 15)),
          readiness: Probe.exec(healthz, timing(45, 20, 15)),
        }),
        resources: { cpu: { request: '3' }, memory: { request: '12Gi', limit: '20Gi' } },
        security: { runAsUser: 0, runAsGroup: 0, runAsNonRoot: false, readOnlyRootFilesystem: false },
      },
      gpu: { count: 2, resourceName: 'aws.amazon.com/neuroncore', shmSize: '8Gi', nodeSelector: { 'kubernetes.io/arch': 'amd64', 'node.kubernetes.io/instance-type': 'inf2.xlarge' } },
      enableServiceLinks: false,
      security: { level: PodSecurityLevel.BASELINE },
    });
    const h = templateOf(head);
    const w = templateOf(worker);
    new ApiObject(chart, 'rayservice', {
      apiVersion: 'ray.io/v1',
      kind: 'RayService',
      metadata: { name: 'qwen3-ray', namespace: 'vllm' },
      spec: {
        rayClusterConfig: {
          rayVersion: '2.58.0',
          enableInTreeAutoscaling: true,
          headGroupSpec: { rayStartParams: {}, template: h.template },
          workerGroupSpecs: [{ replicas: 1, minReplicas: 1, maxReplicas: 2, groupName: 'neuron-group', rayStartParams: { resources: '"{\\"neuron_cores\\": 2}"' }, template: w.template }],
        },
      },
    });
    const hc = h.template.spec.containers[0];
    expect(h.template.metadata.annotations).toEqual({ 'karpenter.sh/do-not-disrupt': 'true' });
    expect(h.template.spec.enableServiceLinks).toBe(false);
    expect(hc.ports.map((p: any) => p.name)).toEqual(['gcs', 'dashboard', 'client', 'serve', 'dashboard-agent', 'metrics', 'as-metrics', 'dash-metrics']);
    expect(hc.livenessProbe).toEqual({
      exec: { command: healthz }, initialDelaySeconds: 60, periodSeconds: 15, timeoutSeconds: 10, failureThreshold: 10,
    });
    expect(hc.readinessProbe).toMatchObject({ initialDelaySeconds: 30, periodSeconds: 15, timeoutSeconds: 10, failureThreshold: 10 });
    expect(hc.startupProbe).toBeUndefined();
    expect(hc.resources).toEqual({ limits: { cpu: '4', memory: '12Gi' }, requests: { cpu: '3', memory: '8Gi' } });
    expect(hc.imagePullPolicy).toBe('Always');
    const ws = w.template.spec;
    const wc = ws.containers[0];
    expect(wc.args).toEqual([workerStart]);
    expect(wc.resources).toEqual({ limits: { 'aws.amazon.com/neuroncore': '2', 'memory': '20Gi' }, requests: { 'aws.amazon.com/neuroncore': '2', 'cpu': '3', 'memory': '12Gi' } });
    expect(ws.tolerations).toEqual([{ effect: 'NoSchedule', key: 'aws.amazon.com/neuron', operator: 'Exists' }]);
    expect(ws.nodeSelector).toEqual({ 'kubernetes.io/arch': 'amd64', 'node.kubernetes.io/instance-type': 'inf2.xlarge' });
    expect(ws.volumes.find((v: any) => v.name === 'dshm').emptyDir).toEqual({ medium: 'Memory', sizeLimit: '8Gi' });
    // ${RAY_ADDRESS:-...} is bash's, not a $(VAR) reference: nothing to warn about
    expect(w.warnings).not.toContain('RAY_ADDRESS');
    expect(w.warnings).not.toContain('FQ_RAY_IP');
    // the chart writes the RayService only (its pods are KubeRay's)
    expect(Testing.synth(chart).map((m: any) => m.kind)).toEqual(['RayService']);
  });
});
