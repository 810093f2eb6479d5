/**
 * Production pods, twenty-second batch (new-user review 23, 2026-11): serving systems and shapes no
 * earlier batch covers — llmaz's vLLM pod (the model-loader init container, the draining preStop
 * script of its BackendRuntime), a KServe InferenceService whose transformer runs in the predictor's
 * pod (collocation: the transformer is the way in, TorchServe behind it on localhost), and two pods
 * on HAMi-virtualized NVIDIA GPUs (vLLM over two vGPUs of 30 % memory and cores each; SGLang on a
 * 12000 MiB slice of one card). Each describe names the public source it follows; each pod goes
 * through the real App synth, the official schema and the object rules, and the fields that matter
 * are asserted against the manifest.
 */
import { Chart, Duration } from 'cdk8s';
import {
  AiInferenceDeployment, AiInferencePod, HealthCheck, InferenceEngine, ModelCache, ModelCredentials, ModelPrepInit, ModelSource, Probe, Sidecar,
} from '../src';
import { env, mount, synthWithWarnings, volume } from './helpers/pod-parts';
import { expectRefused } from './helpers/refusal';
import { container, manifestOf, newChart, podSpec } from './helpers/synth';

// Source: InftyAI/llmaz chart/templates/backends/vllm.yaml (1ac38c3e; the BackendRuntime "vllm"), pkg/controller/inference/
// playground_controller.go (a8f8412b; buildTemplate), pkg/controller_helper/modelsource/modelhub.go (369ae1af) and
// modelsource.go, pkg/defaults.go (LOADER_IMAGE inftyai/model-loader:v0.0.5): the pod llmaz renders for a Playground of
// the OpenModel facebook/opt-125m (model hub Huggingface). Container "model-runner" (vllm/vllm-openai), command `python3 -m
// vllm.entrypoints.openai.api_server`, args --model /workspace/models/models--facebook--opt-125m --served-model-name
// opt-125m --host 0.0.0.0 --port 8080; one port "http" 8080/TCP; cpu 4 / memory 8Gi requested = limit (the "default"
// recommended config), sharedMemorySize 2Gi (a memory emptyDir "dshm" at /dev/shm); HUGGING_FACE_HUB_TOKEN and HF_TOKEN
// from the optional Secret modelhub-secret; startup GET /health on 8080 every 10 s, 30 failures; liveness (15 s delay, every
// 10 s, 3 failures) and readiness (5 s delay, every 5 s, 3 failures) on /health; a preStop exec script that polls
// vllm:num_requests_running / waiting on localhost:8000/metrics until both are 0.0 (vLLM listens on 8080: the
// curls fail, the script loops until the grace period ends). Init container "model-loader" with MODEL_SOURCE_TYPE
// modelhub, MODEL_ID, MODEL_HUB_NAME Huggingface and the token variables, writing into the emptyDir "model-volume" at
// /workspace/models/, which model-runner mounts read-only. No securityContext, no GPU in the BackendRuntime (the
// OpenModel's inference flavor adds nvidia.com/gpu: 1).
describe('llmaz vLLM pod with its model-loader (InftyAI/llmaz BackendRuntime vllm, modelhub.go)', () => {
  /** The BackendRuntime's preStop, pointed at the port vLLM serves on. */
  const drain = [
    '/bin/sh', '-c',
    'while true; do\n'
    + '  RUNNING=$(curl -s http://localhost:8080/metrics | grep \'vllm:num_requests_running\' | grep -v \'#\' | awk \'{print $2}\')\n'
    + '  WAITING=$(curl -s http://localhost:8080/metrics | grep \'vllm:num_requests_waiting\' | grep -v \'#\' | awk \'{print $2}\')\n'
    + '  if [ "$RUNNING" = "0.0" ] && [ "$WAITING" = "0.0" ]; then exit 0; fi\n'
    + '  sleep 5\n'
    + 'done\n',
  ];

  test('the loader\'s Hub download becomes ModelPrepInit, the probes and the draining preStop carry over, /dev/shm is 2Gi', () => {
    const chart = newChart('llmaz');
    const deployment = new AiInferenceDeployment(chart, 'opt-125m', {
      metadata: { name: 'opt-125m' },
      replicas: 1,
      server: {
        name: 'model-runner',
        engine: InferenceEngine.vllm({ image: 'vllm/vllm-openai:v0.8.5', port: 8080, servedModelName: 'opt-125m' }),
        portName: 'http',
        resources: { cpu: { request: '4', limit: '4' }, memory: { request: '8Gi', limit: '8Gi' } },
        health: HealthCheck.custom({
          startup: Probe.httpGet('/health', { period: Duration.seconds(10), failureThreshold: 30 }),
          readiness: Probe.httpGet('/health', { initialDelay: Duration.seconds(5), period: Duration.seconds(5), failureThreshold: 3 }),
          liveness: Probe.httpGet('/health', { initialDelay: Duration.seconds(15), period: Duration.seconds(10), failureThreshold: 3 }),
        }),
        preStopCommand: drain,
      },
      gpu: { count: 1, shmSize: '2Gi' },
      terminationGracePeriod: Duration.seconds(120),
    });
    new ModelPrepInit(deployment, 'model-loader', {
      name: 'model-loader',
      source: ModelSource.huggingFace('facebook/opt-125m', { revision: 'main', credentials: ModelCredentials.token('modelhub-secret', 'HF_TOKEN') }),
      cache: ModelCache.emptyDir(),
      mountPath: '/workspace/models',
      volumeName: 'model-volume',
    });
    const { manifests, warnings } = synthWithWarnings(chart);
    const deploy = manifestOf(manifests, 'Deployment');
    const spec = podSpec(deploy);
    const c = container(deploy, 'model-runner');
    expect(c.image).toBe('vllm/vllm-openai:v0.8.5');
    expect(c.args).toEqual(expect.arrayContaining(['--served-model-name', 'opt-125m', '--port', '8080']));
    expect(c.ports).toEqual([{ containerPort: 8080, name: 'http' }]);
    expect(c.startupProbe).toMatchObject({ httpGet: { path: '/health', port: 8080 }, periodSeconds: 10, failureThreshold: 30 });
    expect(c.readinessProbe).toMatchObject({ httpGet: { path: '/health', port: 8080 }, initialDelaySeconds: 5, periodSeconds: 5, failureThreshold: 3 });
    expect(c.livenessProbe).toMatchObject({ httpGet: { path: '/health', port: 8080 }, initialDelaySeconds: 15, periodSeconds: 10, failureThreshold: 3 });
    expect(c.lifecycle.preStop.exec.command).toEqual(drain);
    expect(c.resources).toMatchObject({ requests: { 'cpu': '4', 'memory': '8Gi', 'nvidia.com/gpu': '1' }, limits: { 'cpu': '4', 'memory': '8Gi', 'nvidia.com/gpu': '1' } });
    expect(volume(spec, 'dshm').emptyDir).toEqual({ medium: 'Memory', sizeLimit: '2Gi' });
    expect(mount(c, '/workspace/models')).toMatchObject({ name: 'model-volume', readOnly: true });
    expect(volume(spec, 'model-volume').emptyDir).toBeDefined();
    const loader = spec.initContainers.find((x: any) => x.name === 'model-loader');
    expect(mount(loader, '/workspace/models').readOnly).toBeFalsy();
    expect(env(loader, 'MODEL_HTTP_TOKEN').valueFrom).toEqual({ secretKeyRef: { name: 'modelhub-secret', key: 'HF_TOKEN' } });
    expect(env(c, 'MODEL_PATH').value).toBe('/workspace/models/opt-125m');
    expect(spec.terminationGracePeriodSeconds).toBe(120);
    expect(warnings).toBe('');
  });
});

// Source: kserve/website docs/modelserving/v1beta1/transformer/collocation/README.md, "Collocation with Custom Containers":
// InferenceService custom-transformer-collocation whose predictor holds two containers. kserve-container:
// pytorch/torchserve:0.9.0-cpu, args `torchserve --start --model-store=/mnt/models/model-store
// --ts-config=/mnt/models/config/config.properties` (the config puts the inference API on 8085), env TS_SERVICE_ENVELOPE
// kserve and STORAGE_URI gs://kfserving-examples/models/torchserve/image_classifier/v1 (the storage initializer downloads it
// into /mnt/models, mounted read-only in both containers), cpu 100m / 1, memory 256Mi / 1Gi, no port. transformer-container:
// kserve/image-transformer:latest, args --model_name=mnist --predictor_protocol=v1 --http_port=8080 --grpc_port=8081
// --predictor_host=localhost:8085 --enable_predictor_health_check, one port 8080/TCP, readiness GET /v1/models/mnist on 8080
// (5 s delay, every 10 s), the same resources. The Service of the predictor targets the transformer's 8080.
describe('KServe transformer collocated with the predictor (kserve/website transformer/collocation)', () => {
  test('TorchServe behind the transformer on localhost:8085; the transformer is the front door and reads the model volume', () => {
    const chart = newChart('collocation');
    const deployment = new AiInferenceDeployment(chart, 'predictor', {
      metadata: { name: 'custom-transformer-collocation-predictor' },
      replicas: 1,
      server: {
        name: 'kserve-container',
        image: 'pytorch/torchserve:0.9.0-cpu',
        args: ['torchserve', '--start', '--model-store=/mnt/models/model-store', '--ts-config=/mnt/models/config/config.properties'],
        env: { TS_SERVICE_ENVELOPE: 'kserve' },
        port: 8085,
        // TorchServe answers /ping on its inference address once its models are registered
        health: HealthCheck.http('/ping'),
        resources: { cpu: { request: '100m', limit: '1' }, memory: { request: '256Mi', limit: '1Gi' } },
      },
    });
    new ModelPrepInit(deployment, 'storage-initializer', {
      name: 'storage-initializer',
      source: ModelSource.gcs('gs://kfserving-examples/models/torchserve/image_classifier/v1/'),
      mountPath: '/mnt/models',
      consumers: ['kserve-container', 'transformer-container'],
    });
    new Sidecar(deployment, 'transformer', {
      name: 'transformer-container',
      image: 'kserve/image-transformer:v0.14.1',
      args: ['--model_name=mnist', '--predictor_protocol=v1', '--http_port=8080', '--grpc_port=8081', '--predictor_host=localhost:8085', '--enable_predictor_health_check'],
      ports: [{ number: 8080 }],
      health: HealthCheck.custom({ readiness: Probe.httpGet('/v1/models/mnist', { initialDelay: Duration.seconds(5), period: Duration.seconds(10) }) }),
      resources: { cpu: { request: '100m', limit: '1' }, memory: { request: '256Mi', limit: '1Gi' } },
      frontDoor: { port: 8080 },
    });
    const { manifests, warnings } = synthWithWarnings(chart);
    const deploy = manifestOf(manifests, 'Deployment');
    const spec = podSpec(deploy);
    const c = container(deploy, 'kserve-container');
    const transformer = [...(spec.initContainers ?? []), ...spec.containers].find((x: any) => x.name === 'transformer-container');
    expect(c.args).toEqual(['torchserve', '--start', '--model-store=/mnt/models/model-store', '--ts-config=/mnt/models/config/config.properties']);
    expect(env(c, 'TS_SERVICE_ENVELOPE').value).toBe('kserve');
    expect(mount(c, '/mnt/models').readOnly).toBe(true);
    expect(mount(transformer, '/mnt/models').readOnly).toBe(true);
    expect(transformer.readinessProbe).toMatchObject({ httpGet: { path: '/v1/models/mnist', port: 8080 }, initialDelaySeconds: 5, periodSeconds: 10 });
    expect(transformer.ports).toEqual([{ containerPort: 8080 }]);
    // KServe runs the transformer as a regular container; here it is a native sidecar placed after the download, so the
    // kubelet starts it once the model is in /mnt/models, and its readiness counts for the pod's as in KServe's pod
    expect(spec.initContainers.map((x: any) => [x.name, x.restartPolicy])).toEqual([['storage-initializer', undefined], ['transformer-container', 'Always']]);
    expect(env(transformer, 'MODEL_PATH').value).toBe('/mnt/models/v1');
    // the storage initializer's download, read-only for both readers
    expect(volume(spec, 'model-storage').emptyDir).toBeDefined();
    // the Service and the NetworkPolicy point at the transformer, not at TorchServe's 8085
    const service = manifestOf(manifests, 'Service');
    expect(service.spec.ports.map((p: any) => p.targetPort)).toEqual([8080]);
    expect(manifestOf(manifests, 'NetworkPolicy').spec.ingress).toEqual([{ ports: [{ port: 8080, protocol: 'TCP' }] }]);
    expect(warnings).toBe('');
  });

  test('consumers: a native sidecar after the download reads the model; a name of nothing lists the sidecars too', () => {
    const build = (consumers: string[]) => (chart: Chart) => {
      const pod = new AiInferencePod(chart, 'llm', { server: { image: 'pytorch/torchserve:0.9.0-cpu', port: 8085, health: HealthCheck.http('/ping') } });
      new ModelPrepInit(pod, 'model', { source: ModelSource.http('https://models.example.com/m.bin'), consumers });
      new Sidecar(pod, 'transformer', { name: 'transformer', image: 'kserve/image-transformer:v0.14.1', ports: [{ number: 8080 }] });
    };
    const chart = newChart('consumers');
    build(['server', 'transformer'])(chart);
    const pod = manifestOf(synthWithWarnings(chart).manifests, 'Pod');
    const transformer = podSpec(pod).initContainers.find((x: any) => x.name === 'transformer');
    expect(mount(transformer, '/models')).toEqual({ name: 'model-storage', mountPath: '/models', readOnly: true });
    expect(env(transformer, 'MODEL_PATH').value).toBe('/models/m.bin');
    expect(mount(container(pod, 'server'), '/models').readOnly).toBe(true);
    const lines = expectRefused(build(['server', 'ghost']), /\[\S+\/llm\/model\] consumers: container "ghost" is neither a regular container nor a native sidecar/);
    expect(lines.join('\n')).toContain('(have: server, transformer). Fix: name the server container, or a sidecar that reads the model');
  });
});

// Source: Project-HAMi/HAMi examples/nvidia/vllm_cross_vgpu.yaml (df6ac09e): Deployment vllm-cross-vgpu (label app, 1 replica,
// schedulerName default-scheduler — HAMi's webhook moves a pod asking for its resources to hami-scheduler), container vllm
// (vllm/vllm-openai:latest) running `/bin/sh -c "vllm serve Qwen/Qwen2.5-3B-Instruct --host 0.0.0.0 --port 8000
// --tensor-parallel-size 2 --max-model-len 32768 --max-num-batched-tokens 16384 --gpu-memory-utilization 0.95 --max-num-seqs
// 32 --block-size 16 --enable-prefix-caching --disable-custom-all-reduce"` (custom all-reduce uses CUDA IPC, which HAMi's
// virtual contexts break), env VLLM_NO_USAGE_STATS 1 and DO_NOT_TRACK 1, one unnamed port 8000; requests cpu 2 / memory 6Gi,
// limits cpu 8 / memory 20Gi, nvidia.com/gpu 2, nvidia.com/gpumem-percentage 30 and nvidia.com/gpucores 30 as requests and
// limits alike; the claim vllm-cross-vgpu-cache (60Gi, RWO) at /root/.cache/huggingface; /dev/shm a 2Gi memory emptyDir;
// liveness and readiness GET /health on 8000 after 180 s (every 10 s / 5 s); a toleration nvidia.com/gpu Exists NoSchedule.
describe('vLLM over two HAMi vGPUs (Project-HAMi/HAMi examples/nvidia/vllm_cross_vgpu.yaml)', () => {
  test('two vGPUs of 30 % memory and cores each, hami-scheduler, tensor parallel over both, the Hub cache on a claim', () => {
    const chart = newChart('hami-vllm');
    const deployment = new AiInferenceDeployment(chart, 'vllm', {
      metadata: { name: 'vllm-cross-vgpu', labels: { app: 'vllm-cross-vgpu' } },
      replicas: 1,
      schedulerName: 'hami-scheduler',
      server: {
        name: 'vllm',
        engine: InferenceEngine.vllm({
          image: 'vllm/vllm-openai:v0.8.5',
          // the manifest's clients ask for the Hub id: without it vLLM would name the model by its path
          servedModelName: 'Qwen/Qwen2.5-3B-Instruct',
          tensorParallelSize: 2,
          maxModelLength: 32768,
          gpuMemoryUtilization: 0.95,
          extraArgs: ['--max-num-batched-tokens', '16384', '--max-num-seqs', '32', '--block-size', '16', '--enable-prefix-caching', '--disable-custom-all-reduce'],
        }),
        env: { VLLM_NO_USAGE_STATS: '1', DO_NOT_TRACK: '1' },
        resources: {
          cpu: { request: '2', limit: '8' },
          memory: { request: '6Gi', limit: '20Gi' },
          extended: { 'nvidia.com/gpumem-percentage': '30', 'nvidia.com/gpucores': '30' },
        },
      },
      gpu: { count: 2, shmSize: '2Gi' },
    });
    new ModelPrepInit(deployment, 'model', {
      source: ModelSource.huggingFace('Qwen/Qwen2.5-3B-Instruct', { revision: 'main' }),
      cache: ModelCache.persistentVolumeClaim('vllm-cross-vgpu-cache'),
    });
    const { manifests, warnings } = synthWithWarnings(chart);
    const deploy = manifestOf(manifests, 'Deployment');
    const spec = podSpec(deploy);
    const c = container(deploy, 'vllm');
    expect(spec.schedulerName).toBe('hami-scheduler');
    const hami = { 'nvidia.com/gpu': '2', 'nvidia.com/gpumem-percentage': '30', 'nvidia.com/gpucores': '30' };
    expect(c.resources).toEqual({ requests: { cpu: '2', memory: '6Gi', ...hami }, limits: { cpu: '8', memory: '20Gi', ...hami } });
    expect(c.args).toEqual(expect.arrayContaining(['--tensor-parallel-size', '2', '--max-model-len', '32768', '--gpu-memory-utilization', '0.95', '--disable-custom-all-reduce']));
    expect(c.args.slice(0, 3)).toEqual(['$(MODEL_PATH)', '--served-model-name', 'Qwen/Qwen2.5-3B-Instruct']);
    expect(env(c, 'MODEL_PATH').value).toBe('/models/Qwen2.5-3B-Instruct');
    expect(env(c, 'VLLM_NO_USAGE_STATS').value).toBe('1');
    expect(spec.tolerations).toEqual([{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }]);
    expect(volume(spec, 'dshm').emptyDir).toEqual({ medium: 'Memory', sizeLimit: '2Gi' });
    expect(volume(spec, 'model-storage').persistentVolumeClaim).toEqual({ claimName: 'vllm-cross-vgpu-cache', readOnly: false });
    expect(warnings).toBe('');
  });
});

// Source: Project-HAMi/HAMi examples/nvidia/sglang_gpu_sharing.yaml (449db414): Deployment sglang-qwen (label app, 1 replica),
// container sglang (lmsysorg/sglang:latest), command `python3 -m sglang.launch_server --model-path=Qwen/Qwen3-1.7B
// --host=0.0.0.0 --port=30000 --mem-fraction-static=0.7 --context-length=8192 --attention-backend=triton` (the model from the
// Hub at start), one unnamed port 30000; limits only: nvidia.com/gpu 1, nvidia.com/gpumem 12000 (MiB), nvidia.com/gpucores 30;
// readiness GET /health on 30000 (30 s delay, every 10 s, timeout 5, 60 failures); /dev/shm a 4Gi memory emptyDir. Service
// sglang-qwen: ClusterIP, "sglang" 8000 → 30000.
describe('SGLang on a 12000 MiB HAMi slice of one GPU (Project-HAMi/HAMi examples/nvidia/sglang_gpu_sharing.yaml)', () => {
  test('gpumem in MiB and gpucores beside one vGPU; the static memory fraction of the slice', () => {
    const chart = newChart('hami-sglang');
    const deployment = new AiInferenceDeployment(chart, 'sglang', {
      metadata: { name: 'sglang-qwen', labels: { app: 'sglang-qwen' } },
      replicas: 1,
      schedulerName: 'hami-scheduler',
      server: {
        name: 'sglang',
        engine: InferenceEngine.sglang({
          image: 'lmsysorg/sglang:v0.5.12',
          port: 30000,
          maxModelLength: 8192,
          gpuMemoryUtilization: 0.7,
          extraArgs: ['--attention-backend=triton'],
        }),
        resources: { cpu: { request: '2' }, memory: { request: '8Gi', limit: '8Gi' }, extended: { 'nvidia.com/gpumem': '12000', 'nvidia.com/gpucores': '30' } },
      },
      gpu: { count: 1, shmSize: '4Gi' },
      serviceOptions: { name: 'sglang-qwen', port: 8000, portName: 'sglang' },
    });
    new ModelPrepInit(deployment, 'model', { source: ModelSource.huggingFace('Qwen/Qwen3-1.7B', { revision: 'main' }) });
    const { manifests, warnings } = synthWithWarnings(chart);
    const deploy = manifestOf(manifests, 'Deployment');
    const spec = podSpec(deploy);
    const c = container(deploy, 'sglang');
    expect(c.resources.limits).toMatchObject({ 'nvidia.com/gpu': '1', 'nvidia.com/gpumem': '12000', 'nvidia.com/gpucores': '30' });
    expect(c.args).toEqual(expect.arrayContaining(['--mem-fraction-static', '0.7', '--context-length', '8192', '--attention-backend=triton']));
    // no servedModelName: SGLang names the model by its path (README "Engines"), as the manifest's clients must then send it
    expect(c.args.slice(0, 2)).toEqual(['--model-path', '$(MODEL_PATH)']);
    expect(c.args).not.toContain('--served-model-name');
    expect(env(c, 'MODEL_PATH').value).toBe('/models/Qwen3-1.7B');
    expect(volume(spec, 'dshm').emptyDir).toEqual({ medium: 'Memory', sizeLimit: '4Gi' });
    const service = manifestOf(manifests, 'Service');
    expect(service.spec.ports).toEqual([expect.objectContaining({ name: 'sglang', port: 8000, targetPort: 30000 })]);
    expect(warnings).toBe('');
  });
});
