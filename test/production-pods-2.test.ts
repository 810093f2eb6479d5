/**
 * More production pods from public serving systems (the second batch; see production-pods.test.ts
 * for the first). Each describe names the public manifest it follows; each pod goes through the
 * real App synth, the official schema and the object rules, and the fields that matter for that
 * engine are asserted. Where the manifest has a field the library cannot express, the test says
 * so and shows the escape hatch it needs (findings of the new-user review, 2026-11).
 */
import { ApiObject, Duration, JsonPatch } from 'cdk8s';
import {
  AiInferenceDeployment, AiInferencePod, HealthCheck, InitContainer, PodField, PodSecurityLevel, PodVolume, Probe, Sidecar,
} from '../src';
import { env, mount, synthWithWarnings, volume } from './helpers/pod-parts';
import { container, expectApiValid, manifestOf, newChart, podSpec, synthError } from './helpers/synth';

// Source: kserve/kserve config/runtimes/kserve-huggingfaceserver.yaml (ClusterServingRuntime
// kserve-huggingfaceserver) and the storage initializer KServe injects for storageUri hf://
// (pkg/webhook/admission/pod/storage_initializer_injector.go), for the InferenceService of
// kserve/website docs/modelserving/v1beta1/llm/huggingface/README.md (Llama 3, 1 GPU, 6 CPU, 24Gi).
describe('KServe Hugging Face runtime with its storage initializer (kserve-huggingfaceserver)', () => {
  test('hf:// pulled by storage-initializer into kserve-provision-location, served read-only from /mnt/models, /dev/shm for vLLM', () => {
    const chart = newChart('kserve-hf');
    const location = PodVolume.emptyDir('kserve-provision-location');
    const predictor = new AiInferenceDeployment(chart, 'predictor', {
      metadata: { name: 'huggingface-llama3-predictor', labels: { 'app': 'isvc.huggingface-llama3-predictor', 'serving.kserve.io/inferenceservice': 'huggingface-llama3' } },
      server: {
        name: 'kserve-container',
        image: 'kserve/huggingfaceserver:v0.15.2',
        args: ['--model_name=llama3', '--model_id=meta-llama/meta-llama-3-8b-instruct', '--model_dir=/mnt/models', '--http_port=8080'],
        port: 8080,
        // HF_HOME: the image's HOME is not writable by user 1000 under a read-only root filesystem
        env: { LMCACHE_USE_EXPERIMENTAL: 'True', SAFETENSORS_FAST_GPU: '1', HF_HOME: '/tmp/hf_home' },
        // KServe raw deployment: a TCP readiness probe on the user port; the runtime has no startup or liveness probe
        health: HealthCheck.custom({ readiness: Probe.tcp({ period: Duration.seconds(10), timeout: Duration.seconds(1) }) }),
        resources: { cpu: { request: '6', limit: '6' }, memory: { request: '24Gi', limit: '24Gi' } },
        volumeMounts: [{ volume: location, path: '/mnt/models', readOnly: true }],
      },
      gpu: { count: 1, shmSize: '8Gi' },
    });
    new InitContainer(predictor, 'storage-initializer', {
      name: 'storage-initializer',
      image: 'kserve/storage-initializer:v0.15.2',
      args: ['hf://meta-llama/meta-llama-3-8b-instruct', '/mnt/models'],
      secretEnv: { HF_TOKEN: { secretName: 'hf-secret', key: 'HF_TOKEN' } },
      env: { HF_HOME: '/tmp/hf_home' },
      resources: { cpu: { request: '100m', limit: '1' }, memory: { request: '100Mi', limit: '1Gi' } },
      podVolumeMounts: [{ volume: location, path: '/mnt/models' }],
    });
    const { manifests } = synthWithWarnings(chart);
    const deploy = manifestOf(manifests, 'Deployment');
    const spec = podSpec(deploy);
    const server = container(deploy, 'kserve-container');
    const init = container(deploy, 'storage-initializer');
    expect(init.args).toEqual(['hf://meta-llama/meta-llama-3-8b-instruct', '/mnt/models']);
    expect(env(init, 'HF_TOKEN').valueFrom.secretKeyRef).toEqual({ key: 'HF_TOKEN', name: 'hf-secret' });
    expect(mount(init, '/mnt/models')).toMatchObject({ name: 'kserve-provision-location', readOnly: false });
    expect(mount(server, '/mnt/models')).toMatchObject({ name: 'kserve-provision-location', readOnly: true });
    expect(server.securityContext).toMatchObject({ allowPrivilegeEscalation: false, runAsNonRoot: true, capabilities: { drop: ['ALL'] } });
    expect(server.resources).toEqual({ limits: { 'cpu': '6', 'memory': '24Gi', 'nvidia.com/gpu': '1' }, requests: { 'cpu': '6', 'memory': '24Gi', 'nvidia.com/gpu': '1' } });
    // the runtime's devshm (emptyDir Memory) is the library's dshm at the same path
    expect(mount(server, '/dev/shm').name).toBe('dshm');
    expect(volume(spec, 'dshm').emptyDir).toEqual({ medium: 'Memory', sizeLimit: '8Gi' });
    expect(spec.hostIPC).toBeUndefined();
    expect(manifestOf(manifests, 'Service').spec.ports[0].targetPort).toBe(8080);
  });
});

// Source: kubernetes-sigs/gateway-api-inference-extension config/manifests/vllm/gpu-deployment.yaml
// (vLLM with LoRA adapters loaded at run time by the lora-adapter-syncer native sidecar).
describe('vLLM serving LoRA adapters with the lora-syncer sidecar (gateway-api-inference-extension)', () => {
  function build(): { chart: any; llm: AiInferenceDeployment } {
    const chart = newChart('vllm-lora');
    const data = PodVolume.emptyDir('data');
    const adapters = PodVolume.emptyDir('adapters');
    const llm = new AiInferenceDeployment(chart, 'vllm', {
      metadata: { name: 'vllm-llama3-8b-instruct', labels: { app: 'vllm-llama3-8b-instruct' } },
      replicas: 3,
      server: {
        name: 'vllm',
        image: 'vllm/vllm-openai:v0.8.5',
        command: ['python3', '-m', 'vllm.entrypoints.openai.api_server'],
        args: ['--model', 'meta-llama/Llama-3.1-8B-Instruct', '--tensor-parallel-size', '1', '--port', '8000', '--max-num-seq', '1024',
          '--compilation-config', '3', '--enable-lora', '--max-loras', '2', '--max-lora-rank', '8', '--max-cpu-loras', '12'],
        // HF_HOME and HOME: the manifest runs as root and downloads into ~/.cache; as user 1000 it must be told where
        env: { VLLM_USE_V1: '1', PORT: '8000', VLLM_ALLOW_RUNTIME_LORA_UPDATING: 'true', HF_HOME: '/data', HOME: '/tmp' },
        secretEnv: { HUGGING_FACE_HUB_TOKEN: { secretName: 'hf-token', key: 'token' } },
        health: HealthCheck.custom({
          startup: Probe.httpGet('/health', { failureThreshold: 600, initialDelay: Duration.seconds(2), period: Duration.seconds(1) }),
          readiness: Probe.httpGet('/health', { period: Duration.seconds(1), successThreshold: 1, failureThreshold: 1, timeout: Duration.seconds(1) }),
          liveness: Probe.httpGet('/health', { period: Duration.seconds(1), successThreshold: 1, failureThreshold: 5, timeout: Duration.seconds(1) }),
        }),
        // the manifest's own fallback for clusters without preStop.sleep (there is no prop for the sleep action)
        preStopCommand: ['/usr/bin/sleep', '30'],
        // the manifest requests no cpu or memory; the library's default 4Gi limit would OOM-kill vLLM loading 16 GB of weights
        resources: { cpu: { request: '4' }, memory: { request: '32Gi', limit: '32Gi' } },
        volumeMounts: [{ volume: data, path: '/data' }, { volume: adapters, path: '/adapters' }],
      },
      gpu: { count: 1 },
      modelLoadTimeout: Duration.minutes(10),
      terminationGracePeriod: Duration.seconds(130),
    });
    new Sidecar(llm, 'lora-adapter-syncer', {
      name: 'lora-adapter-syncer',
      image: 'registry.k8s.io/gateway-api-inference-extension/lora-syncer:v1.0.0-rc.4',
      env: { DYNAMIC_LORA_ROLLOUT_CONFIG: '/config/configmap.yaml' },
      // no subPath: ConfigMap updates do not reach subPath mounts
      podVolumeMounts: [{ volume: PodVolume.configMap('config-volume', 'vllm-llama3-8b-instruct-adapters'), path: '/config' }],
    });
    return { chart, llm };
  }

  test('native lora-syncer sidecar with its ConfigMap, 1 s probes, preStop sleep, 130 s grace, /data and /adapters', () => {
    const { chart, llm } = build();
    // enableServiceLinks has no prop: a Service named "vllm" injects VLLM_PORT=tcp://… and vLLM crashes on it
    ApiObject.of(llm.deployment).addJsonPatch(JsonPatch.add('/spec/template/spec/enableServiceLinks', false));
    const { manifests } = synthWithWarnings(chart);
    const deploy = manifestOf(manifests, 'Deployment');
    const spec = podSpec(deploy);
    const c = container(deploy, 'vllm');
    const syncer = container(deploy, 'lora-adapter-syncer');
    expect(deploy.spec.replicas).toBe(3);
    expect(spec.enableServiceLinks).toBe(false);
    expect(spec.terminationGracePeriodSeconds).toBe(130);
    expect(syncer).toMatchObject({ restartPolicy: 'Always', image: 'registry.k8s.io/gateway-api-inference-extension/lora-syncer:v1.0.0-rc.4' });
    expect(mount(syncer, '/config')).toEqual({ mountPath: '/config', name: 'config-volume', readOnly: true });
    expect(volume(spec, 'config-volume').configMap).toEqual({ name: 'vllm-llama3-8b-instruct-adapters' });
    expect(c.startupProbe).toMatchObject({ httpGet: { path: '/health', port: 8000 }, failureThreshold: 600, initialDelaySeconds: 2, periodSeconds: 1 });
    expect(c.readinessProbe).toMatchObject({ periodSeconds: 1, failureThreshold: 1, timeoutSeconds: 1, successThreshold: 1 });
    expect(c.livenessProbe).toMatchObject({ periodSeconds: 1, failureThreshold: 5, timeoutSeconds: 1 });
    expect(c.lifecycle).toEqual({ preStop: { exec: { command: ['/usr/bin/sleep', '30'] } } });
    expect(mount(c, '/adapters')).toMatchObject({ name: 'adapters', readOnly: false });
    expect(env(c, 'HUGGING_FACE_HUB_TOKEN').valueFrom.secretKeyRef).toEqual({ key: 'token', name: 'hf-token' });
  });

  test('the manifest\'s preStop.sleep action is a JSON patch away, and is checked', () => {
    const { chart, llm } = build();
    ApiObject.of(llm.deployment).addJsonPatch(JsonPatch.replace('/spec/template/spec/containers/0/lifecycle', { preStop: { sleep: { seconds: 30 } } }));
    const { manifests } = synthWithWarnings(chart);
    expect(container(manifestOf(manifests, 'Deployment'), 'vllm').lifecycle).toEqual({ preStop: { sleep: { seconds: 30 } } });
  });
});

// Source: llm-d/llm-d guides/pd-disaggregation/modelserver/gpu/vllm/base/disaggregatedset.yaml
// (decode role: routing-proxy native sidecar on 8000 in front of vLLM on 8200; prefill role: vLLM on 8000).
describe('llm-d prefill/decode pods with the routing sidecar (llm-d guides/pd-disaggregation)', () => {
  const KV = (role: string) => `{"kv_connector":"NixlConnector","kv_role":"${role}","kv_buffer_device":"cuda","kv_connector_extra_config":{"backends":["UCX"]}}`;
  const ARGS = ['openai/gpt-oss-120b', '--disable-access-log-for-endpoints=/health,/metrics,/v1/models', '--block-size=128', '--enable-auto-tool-choice',
    '--tool-call-parser=openai', '--reasoning-parser=openai_gptoss'];
  const LABELS = { 'llm-d.ai/inference-serving': 'true', 'llm-d.ai/guide': 'pd-disaggregation', 'llm-d.ai/model': 'gpt-oss-120b' };

  function modelServer(role: 'prefill' | 'decode', port: number, gpus: number, extra: string[], shmSize = '20Gi'): any {
    return {
      metadata: { name: `pd-${role}`, labels: { ...LABELS, 'llm-d.ai/role': role } },
      serviceAccountName: 'pd-disagg-vllm',
      server: {
        name: 'modelserver',
        image: 'ghcr.io/llm-d/llm-d-cuda:v0.3.0',
        command: ['vllm', 'serve'],
        args: [...ARGS, `--tensor-parallel-size=${gpus}`, '--kv-transfer-config', KV(role === 'prefill' ? 'kv_producer' : 'kv_consumer'),
          '--no-disable-hybrid-kv-cache-manager', ...extra],
        port,
        portName: 'modelserver',
        extraPorts: [{ number: 5600, name: 'nixl' }],
        env: role === 'prefill' ? { VLLM_HTTP_TIMEOUT_KEEP_ALIVE: '120' } : {},
        secretEnv: { HF_TOKEN: { secretName: 'llm-d-hf-token', key: 'HF_TOKEN' } },
        fieldEnv: { VLLM_NIXL_SIDE_CHANNEL_HOST: PodField.POD_IP },
        health: HealthCheck.custom({
          startup: Probe.httpGet('/v1/models', { initialDelay: Duration.seconds(15), period: Duration.seconds(30), timeout: Duration.seconds(5), failureThreshold: 120 }),
          liveness: Probe.httpGet('/health', { period: Duration.seconds(10), timeout: Duration.seconds(5), failureThreshold: 3 }),
          readiness: Probe.httpGet('/v1/models', { period: Duration.seconds(5), timeout: Duration.seconds(2), failureThreshold: 3 }),
        }),
        resources: { cpu: { request: String(gpus * 4), limit: String(gpus * 4) }, memory: { request: `${gpus * 16}Gi`, limit: `${gpus * 16}Gi` } },
        // the image's HOME is /: torch.compile, vLLM's config and Triton's kernels cache under /.cache, /.config, /.triton
        volumeMounts: [
          { volume: PodVolume.emptyDir('torch-compile-cache'), path: '/.cache' },
          { volume: PodVolume.emptyDir('vllm-config'), path: '/.config' },
          { volume: PodVolume.emptyDir('triton-cache'), path: '/.triton' },
        ],
      },
      gpu: { count: gpus, shmSize },
      modelLoadTimeout: Duration.hours(1),
    };
  }

  function decode(networkPolicy?: boolean, admitPorts?: number[]): any {
    const chart = newChart('llmd-decode');
    const pod = new AiInferenceDeployment(chart, 'decode', modelServer('decode', 8200, 4, ['--port=8200']));
    new Sidecar(pod, 'routing-proxy', {
      name: 'routing-proxy',
      image: 'ghcr.io/llm-d/llm-d-routing-sidecar:v0.3.0',
      args: ['--port=8000', '--vllm-port=8200', '--kv-connector=nixlv2', '--zap-log-level=1', '--secure-serving=false'],
      ports: [{ number: 8000, name: 'sidecar' }],
      frontDoor: { port: 8000, networkPolicy, admitPorts },
    });
    return synthWithWarnings(chart).manifests;
  }

  test('decode: routing-proxy is the front door on 8000, vLLM on 8200 probed directly, NIXL side channel on the pod IP', () => {
    const manifests = decode(false);
    const deploy = manifestOf(manifests, 'Deployment');
    const spec = podSpec(deploy);
    const c = container(deploy, 'modelserver');
    const proxy = container(deploy, 'routing-proxy');
    expect(proxy).toMatchObject({ restartPolicy: 'Always', ports: [{ containerPort: 8000, name: 'sidecar' }] });
    expect(c.ports).toEqual([{ containerPort: 8200, name: 'modelserver' }, { containerPort: 5600, name: 'nixl' }]);
    expect(c.startupProbe).toMatchObject({ httpGet: { path: '/v1/models', port: 8200 }, initialDelaySeconds: 15, periodSeconds: 30, timeoutSeconds: 5, failureThreshold: 120 });
    expect(c.readinessProbe).toMatchObject({ httpGet: { path: '/v1/models', port: 8200 }, timeoutSeconds: 2 });
    expect(env(c, 'VLLM_NIXL_SIDE_CHANNEL_HOST')).toEqual({ name: 'VLLM_NIXL_SIDE_CHANNEL_HOST', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } });
    expect(c.resources.limits).toEqual({ 'cpu': '16', 'memory': '64Gi', 'nvidia.com/gpu': '4' });
    expect(mount(c, '/.cache')).toMatchObject({ name: 'torch-compile-cache', readOnly: false });
    expect(volume(spec, 'dshm').emptyDir).toEqual({ medium: 'Memory', sizeLimit: '20Gi' });
    expect(spec.serviceAccountName).toBe('pd-disagg-vllm');
    expect(manifestOf(manifests, 'Service').spec.ports[0].targetPort).toBe(8000);
    expect(manifests.filter((m: any) => m.kind === 'NetworkPolicy')).toEqual([]);
  });

  test('decode with the front door\'s NetworkPolicy: admitPorts opens the NIXL side channel to the prefill pods, nothing else', () => {
    const admitted = (manifests: any[]) => manifestOf(manifests, 'NetworkPolicy').spec.ingress.flatMap((rule: any) => rule.ports.map((p: any) => p.port));
    // by default only the front door: the KV cache transfer from the prefill pods would be blocked
    expect(admitted(decode())).toEqual([8000]);
    expect(admitted(decode(undefined, [5600]))).toEqual([8000, 5600]);
  });

  test('prefill: the guide\'s 20Gi /dev/shm against a 16Gi memory limit is written with a warning (a latent OOM in the guide)', () => {
    const chart = newChart('llmd-prefill-guide');
    new AiInferenceDeployment(chart, 'prefill', modelServer('prefill', 8000, 1, []));
    const { manifests, warnings } = synthWithWarnings(chart);
    expectApiValid(manifests);
    expect(warnings).toContain('memory limit "16Gi" is below the size of memory volume "dshm" ("20Gi")');
    expect(warnings).toContain('lower the volume size (gpu.shmSize)');
  });

  test('prefill: vLLM itself on 8000, no sidecar, keep-alive above the sidecar\'s idle timeout', () => {
    const chart = newChart('llmd-prefill');
    new AiInferenceDeployment(chart, 'prefill', modelServer('prefill', 8000, 1, [], '8Gi'));
    const deploy = manifestOf(synthWithWarnings(chart).manifests, 'Deployment');
    const c = container(deploy, 'modelserver');
    expect(podSpec(deploy).initContainers).toBeUndefined();
    expect(c.args).toContain('--tensor-parallel-size=1');
    expect(env(c, 'VLLM_HTTP_TIMEOUT_KEEP_ALIVE').value).toBe('120');
    expect(c.startupProbe.httpGet.port).toBe(8000);
  });
});

// Source: triton-inference-server/tutorials Deployment/Kubernetes/TensorRT-LLM_Autoscaling_and_Load_Balancing/chart/templates/deployment.yaml
// (an init container builds the TensorRT-LLM engine on the GPU, Triton serves it).
describe('TensorRT-LLM behind Triton (triton-inference-server/tutorials TensorRT-LLM autoscaling chart)', () => {
  const IMAGE = 'nvcr.io/example/triton_trt-llm:24.08';
  function build(): { chart: any; triton: AiInferenceDeployment } {
    const chart = newChart('trtllm');
    const models = PodVolume.persistentVolumeClaim('model-repository', 'nfs-claim-autoscaling-2');
    // the chart's engine-repository and transformers-cache are hostPath volumes (DirectoryOrCreate):
    // PodVolume has no hostPath, so these are claims here (see the next test for the hostPath itself)
    const engines = PodVolume.persistentVolumeClaim('engine-repository', 'trtllm-engines');
    const cache = PodVolume.persistentVolumeClaim('transformers-cache', 'hf-cache');
    const triton = new AiInferenceDeployment(chart, 'triton', {
      metadata: { name: 'llama-3-8b-instruct', labels: { 'app': 'llama-3-8b-instruct', 'app.kubernetes.io/component': 'server' } },
      server: {
        name: 'triton',
        image: IMAGE,
        command: ['python3', './server.py', 'exec', '--engine=trtllm', '--dt=float16', '--pp=1', '--tp=2'],
        port: 8000,
        extraPorts: [{ number: 8001, name: 'grpc' }, { number: 8002, name: 'metrics' }],
        env: { ENGINE_DEST_PATH: '/var/run/engines', HF_HOME: '/var/run/cache' },
        // the chart has liveness and readiness, no startup probe
        health: HealthCheck.custom({
          liveness: Probe.httpGet('/v2/health/live', { failureThreshold: 15, initialDelay: Duration.seconds(10), period: Duration.seconds(2), successThreshold: 1 }),
          readiness: Probe.httpGet('/v2/health/ready', { failureThreshold: 15, initialDelay: Duration.seconds(15), period: Duration.seconds(2), successThreshold: 1 }),
        }),
        resources: { cpu: { request: '4', limit: '4' }, memory: { request: '32Gi', limit: '32Gi' }, ephemeralStorage: { request: '1Gi', limit: '1Gi' } },
        volumeMounts: [
          { volume: engines, path: '/var/run/engines', readOnly: false },
          { volume: models, path: '/var/run/models' },
          { volume: cache, path: '/var/run/cache', readOnly: false },
        ],
      },
      // the chart's dshm is 512Gi against a 32Gi memory limit: the library warns about that (memoryVolumesFitLimit)
      gpu: { count: 2, shmSize: '16Gi' },
      affinity: {
        nodeAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: {
            nodeSelectorTerms: [{ matchExpressions: [{ key: 'nvidia.com/gpu', operator: 'Exists' }, { key: 'nvidia.com/gpu.product', operator: 'In', values: ['NVIDIA-A10G'] }] }],
          },
        },
      },
      terminationGracePeriod: Duration.seconds(30),
    });
    new InitContainer(triton, 'init', {
      name: 'init',
      image: IMAGE,
      command: ['python3', './server.py', 'init', '--model=llama-3-8b-instruct', '--engine=trtllm', '--dt=float16', '--pp=1', '--tp=2'],
      env: { ENGINE_DEST_PATH: '/var/run/engines', HF_HOME: '/var/run/cache', HF_HUB_DISABLE_PROGRESS_BARS: '1', HF_HUB_DISABLE_TELEMETRY: '1', HF_HUB_VERBOSITY: 'info', NO_COLOR: '1', TERM: 'none' },
      // building the engine needs the GPUs (and the library's /dev/shm, mounted by name)
      resources: { cpu: { request: '4', limit: '4' }, ephemeralStorage: { request: '96Gi', limit: '96Gi' }, extended: { 'nvidia.com/gpu': '2' } },
      podVolumeMounts: [{ volume: models, path: '/var/run/models' }, { volume: engines, path: '/var/run/engines', readOnly: false }, { volume: cache, path: '/var/run/cache', readOnly: false }],
      volumeMounts: [{ volume: 'dshm', path: '/dev/shm', readOnly: false }],
    });
    return { chart, triton };
  }

  test('engine built by a GPU init step, Triton on 8000/8001/8002, liveness and readiness every 2 s, GPU node affinity', () => {
    const { manifests } = synthWithWarnings(build().chart);
    const deploy = manifestOf(manifests, 'Deployment');
    const spec = podSpec(deploy);
    const c = container(deploy, 'triton');
    const init = container(deploy, 'init');
    expect(init.resources).toEqual({
      limits: { 'cpu': '4', 'ephemeral-storage': '96Gi', 'nvidia.com/gpu': '2' },
      requests: { 'cpu': '4', 'ephemeral-storage': '96Gi', 'nvidia.com/gpu': '2' },
    });
    expect(mount(init, '/dev/shm')).toEqual({ mountPath: '/dev/shm', name: 'dshm', readOnly: false });
    expect(mount(init, '/var/run/engines').readOnly).toBe(false);
    expect(c.resources.limits).toEqual({ 'cpu': '4', 'ephemeral-storage': '1Gi', 'memory': '32Gi', 'nvidia.com/gpu': '2' });
    expect(c.startupProbe).toBeUndefined();
    expect(c.livenessProbe).toMatchObject({ httpGet: { path: '/v2/health/live', port: 8000 }, initialDelaySeconds: 10, periodSeconds: 2, failureThreshold: 15 });
    expect(c.readinessProbe).toMatchObject({ httpGet: { path: '/v2/health/ready', port: 8000 }, initialDelaySeconds: 15, periodSeconds: 2 });
    expect(c.ports.map((p: any) => p.name)).toEqual(['http', 'grpc', 'metrics']);
    expect(spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[1].values).toEqual(['NVIDIA-A10G']);
    expect(spec.tolerations).toEqual([{ effect: 'NoSchedule', key: 'nvidia.com/gpu', operator: 'Exists' }]);
    expect(spec.terminationGracePeriodSeconds).toBe(30);
  });

  test('the chart\'s hostPath engine cache: only by JSON patch, and refused below the privileged level', () => {
    const patched = (level?: PodSecurityLevel) => {
      const chart = newChart('trtllm-hostpath');
      const triton = new AiInferenceDeployment(chart, 'triton', {
        metadata: { name: 'trtllm' },
        server: { image: IMAGE, command: ['python3', './server.py', 'exec'], health: HealthCheck.triton(), resources: { cpu: { request: '4' }, memory: { request: '32Gi', limit: '32Gi' } } },
        gpu: { count: 1 },
        security: level === undefined ? undefined : { level },
      });
      ApiObject.of(triton.deployment).addJsonPatch(
        JsonPatch.add('/spec/template/spec/volumes/-', { name: 'engine-repository', hostPath: { path: '/triton/models/llama/1x1/engines', type: 'DirectoryOrCreate' } }),
        JsonPatch.add('/spec/template/spec/containers/0/volumeMounts/-', { name: 'engine-repository', mountPath: '/var/run/engines' }),
      );
      return chart;
    };
    expect(synthError(patched())).toMatch(/volume engine-repository is a hostPath/);
    const deploy = manifestOf(synthWithWarnings(patched(PodSecurityLevel.PRIVILEGED)).manifests, 'Deployment');
    expect(volume(podSpec(deploy), 'engine-repository').hostPath.type).toBe('DirectoryOrCreate');
  });
});

// Source: SeldonIO/seldon-core operator/config/serverconfigs/mlserver.yaml (ServerConfig mlserver:
// rclone, the Seldon agent and MLServer sharing the model volume).
describe('Seldon Core v2 MLServer server (SeldonIO/seldon-core operator/config/serverconfigs/mlserver.yaml)', () => {
  test('rclone and agent sidecars writing /mnt/agent, MLServer reading it, v2 health probes on server-http, preStop sleep', () => {
    const chart = newChart('seldon');
    // the ServerConfig's volumeClaimTemplate mlserver-models; a claim of its own here (no StatefulSet claim templates)
    const models = PodVolume.persistentVolumeClaim('mlserver-models', 'mlserver-models');
    const pod = new AiInferencePod(chart, 'mlserver', {
      metadata: { name: 'mlserver-0', labels: { 'seldon-server-name': 'mlserver' } },
      serviceAccountName: 'seldon-server',
      terminationGracePeriod: Duration.seconds(30),
      security: { runAsUser: 1000, fsGroup: 2000 },
      server: {
        name: 'mlserver',
        image: 'seldonio/mlserver:1.6.1',
        port: 9000,
        portName: 'server-http',
        extraPorts: [{ number: 9500, name: 'server-grpc' }],
        env: {
          MLSERVER_HTTP_PORT: '9000', MLSERVER_GRPC_PORT: '9500', MLSERVER_MODELS_DIR: '/mnt/agent/models', MLSERVER_MODEL_PARALLEL_WORKERS: '1',
          MLSERVER_LOAD_MODELS_AT_STARTUP: 'false',
        },
        resources: { cpu: { request: '0.1' }, memory: { request: '1G' } },
        preStopCommand: ['/bin/sh', '-c', '/bin/sleep 10'],
        health: HealthCheck.custom({
          startup: Probe.httpGet('/v2/health/ready', { failureThreshold: 10, period: Duration.seconds(10) }),
          readiness: Probe.httpGet('/v2/health/ready', { initialDelay: Duration.seconds(5), period: Duration.seconds(5) }),
          liveness: Probe.httpGet('/v2/health/live'),
        }),
        volumeMounts: [{ volume: models, path: '/mnt/agent', readOnly: true }],
      },
    });
    new Sidecar(pod, 'rclone', {
      name: 'rclone',
      image: 'seldonio/seldon-rclone:2.9.1',
      ports: [{ number: 5572, name: 'rclone' }],
      health: HealthCheck.custom({
        readiness: Probe.tcp({ initialDelay: Duration.seconds(5), period: Duration.seconds(5), timeout: Duration.seconds(1) }),
      }),
      podVolumeMounts: [{ volume: models, path: '/mnt/agent', readOnly: false }],
    });
    new Sidecar(pod, 'agent', {
      name: 'agent',
      image: 'seldonio/seldon-agent:2.9.1',
      env: {
        SELDON_SERVER_CAPABILITIES: 'alibi-detect,lightgbm,mlflow,python,sklearn,spark-mlib,xgboost', SELDON_OVERCOMMIT_PERCENTAGE: '10',
        SELDON_SERVER_HTTP_PORT: '9000', SELDON_SERVER_GRPC_PORT: '9500', SELDON_REVERSE_PROXY_HTTP_PORT: '9001', SELDON_REVERSE_PROXY_GRPC_PORT: '9501',
        SELDON_SCHEDULER_HOST: 'seldon-scheduler', SELDON_SCHEDULER_PORT: '9005', SELDON_METRICS_PORT: '9006', SELDON_SERVER_TYPE: 'mlserver',
        OTEL_EXPORTER_OTLP_ENDPOINT: 'seldon-collector.seldon-mesh:4317',
        // the manifest's MEMORY_REQUEST is mlserver's requests.memory (resourceFieldRef.containerName: mlserver):
        // PodField.resource only reads the sidecar's own resources, so the value is written out here
        MEMORY_REQUEST: '1000000000',
      },
      fieldEnv: { POD_NAME: PodField.POD_NAME },
      ports: [{ number: 9501, name: 'grpc' }, { number: 9001, name: 'http' }, { number: 9006, name: 'metrics' }],
      podVolumeMounts: [{ volume: models, path: '/mnt/agent', readOnly: false }, { volume: PodVolume.configMap('config-volume', 'seldon-agent'), path: '/mnt/config' }],
    });
    const { manifests } = synthWithWarnings(chart);
    const spec = podSpec(manifests[0]);
    const server = container(manifests[0], 'mlserver');
    const agent = container(manifests[0], 'agent');
    expect(spec.initContainers.map((c: any) => c.name)).toEqual(['rclone', 'agent']);
    expect(spec.securityContext).toMatchObject({ runAsUser: 1000, fsGroup: 2000, runAsNonRoot: true });
    expect(spec.serviceAccountName).toBe('seldon-server');
    expect(server.resources).toEqual({ requests: { cpu: '0.1', memory: '1G' } });
    expect(server.lifecycle).toEqual({ preStop: { exec: { command: ['/bin/sh', '-c', '/bin/sleep 10'] } } });
    expect(server.livenessProbe.httpGet).toEqual({ path: '/v2/health/live', port: 9000 });
    expect(server.startupProbe).toMatchObject({ failureThreshold: 10, periodSeconds: 10 });
    expect(mount(server, '/mnt/agent').readOnly).toBe(true);
    expect(mount(agent, '/mnt/agent').readOnly).toBe(false);
    expect(mount(container(manifests[0], 'rclone'), '/mnt/agent').readOnly).toBe(false);
    expect(env(agent, 'POD_NAME').valueFrom.fieldRef.fieldPath).toBe('metadata.name');
    expect(agent.ports.map((p: any) => p.containerPort)).toEqual([9501, 9001, 9006]);
    expect(container(manifests[0], 'rclone').readinessProbe).toMatchObject({ tcpSocket: { port: 5572 }, initialDelaySeconds: 5, timeoutSeconds: 1 });
  });
});

// Source: kserve/kserve config/runtimes/kserve-torchserve.yaml (ClusterServingRuntime kserve-torchserve)
// with the storage initializer filling /mnt/models (model-store/ and config/config.properties).
describe('TorchServe (kserve/kserve config/runtimes/kserve-torchserve.yaml)', () => {
  test('torchserve --start on the model store, user 1000 as the runtime says, writable logs under the read-only root', () => {
    const chart = newChart('torchserve');
    const location = PodVolume.emptyDir('kserve-provision-location');
    const pod = new AiInferencePod(chart, 'predictor', {
      metadata: { name: 'torchserve-mnist-predictor' },
      server: {
        name: 'kserve-container',
        image: 'pytorch/torchserve-kfs:0.12.0',
        args: ['torchserve', '--start', '--model-store=/mnt/models/model-store', '--ts-config=/mnt/models/config/config.properties'],
        port: 8080,
        extraPorts: [{ number: 8082, name: 'metrics' }],
        env: { TS_SERVICE_ENVELOPE: 'kservev2' },
        security: { runAsUser: 1000 },
        health: HealthCheck.custom({ readiness: Probe.tcp({ period: Duration.seconds(10), timeout: Duration.seconds(1) }) }),
        resources: { cpu: { request: '1', limit: '1' }, memory: { request: '2Gi', limit: '2Gi' } },
        // TorchServe writes logs/ under its working directory /home/model-server
        volumeMounts: [{ volume: location, path: '/mnt/models', readOnly: true }, { volume: PodVolume.emptyDir('ts-logs'), path: '/home/model-server/logs' }],
      },
    });
    new InitContainer(pod, 'storage-initializer', {
      name: 'storage-initializer',
      image: 'kserve/storage-initializer:v0.15.2',
      args: ['gs://kfserving-examples/models/torchserve/image_classifier/v2', '/mnt/models'],
      resources: { cpu: { request: '100m', limit: '1' }, memory: { request: '100Mi', limit: '1Gi' } },
      podVolumeMounts: [{ volume: location, path: '/mnt/models' }],
    });
    const { manifests } = synthWithWarnings(chart);
    const c = container(manifests[0], 'kserve-container');
    expect(c.args.slice(0, 2)).toEqual(['torchserve', '--start']);
    expect(c.securityContext).toMatchObject({ runAsUser: 1000, runAsNonRoot: true, readOnlyRootFilesystem: true });
    expect(c.resources).toEqual({ limits: { cpu: '1', memory: '2Gi' }, requests: { cpu: '1', memory: '2Gi' } });
    expect(mount(c, '/home/model-server/logs').readOnly).toBe(false);
    expect(c.ports).toEqual([{ containerPort: 8080, name: 'http' }, { containerPort: 8082, name: 'metrics' }]);
  });
});

// Source: kserve/kserve config/runtimes/kserve-ovms.yaml (ClusterServingRuntime kserve-ovms).
describe('OpenVINO Model Server (kserve/kserve config/runtimes/kserve-ovms.yaml)', () => {
  const ARGS = (bind: string) => ['--model_name=resnet', '--port=8001', '--rest_port=8888', '--model_path=/mnt/models', '--file_system_poll_wait_seconds=0',
    `--grpc_bind_address=${bind}`, `--rest_bind_address=${bind}`];
  function ovms(bind: string): any {
    const chart = newChart('ovms');
    new AiInferencePod(chart, 'predictor', {
      metadata: { name: 'ovms-resnet-predictor' },
      server: {
        name: 'kserve-container',
        image: 'openvino/model_server:2024.5',
        args: ARGS(bind),
        port: 8888,
        extraPorts: [{ number: 8001, name: 'grpc' }],
        health: HealthCheck.http('/v2/health/ready', { livenessPath: '/v2/health/live' }),
        resources: { cpu: { request: '1', limit: '1' }, memory: { request: '2Gi', limit: '2Gi' } },
      },
    });
    return chart;
  }

  test('REST on 8888 and gRPC on 8001, probed on the v2 health endpoints when bound to 0.0.0.0', () => {
    const c = container(synthWithWarnings(ovms('0.0.0.0')).manifests[0], 'kserve-container');
    expect(c.readinessProbe.httpGet).toEqual({ path: '/v2/health/ready', port: 8888 });
    expect(c.ports).toEqual([{ containerPort: 8888, name: 'http' }, { containerPort: 8001, name: 'grpc' }]);
  });

  test('the runtime\'s --rest_bind_address=127.0.0.1 cannot be probed from the kubelet: synth says so', () => {
    const error = synthError(ovms('127.0.0.1'));
    expect(error).toContain('the container listens on the loopback address only (--rest_bind_address=127.0.0.1)');
  });
});

// Source: the head pod KubeRay renders for ray-project/kuberay ray-operator/config/samples/ray-service.sample.yaml
// (ray-operator/controllers/ray/common/pod.go and utils/constant.go: ports, probes, /dev/shm).
describe('Ray Serve head node (KubeRay RayService head pod)', () => {
  const HEAD_HEALTH = ['bash', '-c', 'wget --tries 1 -T 2 -q -O- http://localhost:52365/api/local_raylet_healthz | grep success '
    + '&& wget --tries 1 -T 2 -q -O- http://localhost:8265/api/gcs_healthz | grep success'];
  const FIVE = Duration.seconds(5);
  function head(shmSize: string): any {
    const chart = newChart('ray-head');
    new AiInferencePod(chart, 'head', {
      metadata: { name: 'rayservice-sample-head', labels: { 'ray.io/node-type': 'head', 'ray.io/cluster': 'rayservice-sample', 'ray.io/group': 'headgroup' } },
      server: {
        name: 'ray-head',
        image: 'rayproject/ray:2.46.0',
        command: ['/bin/bash', '-c', '--'],
        args: ['ulimit -n 65536; ray start --head --dashboard-host=0.0.0.0 --num-cpus=2 --memory=2147483648 --metrics-export-port=8080 '
          + '--dashboard-agent-listen-port=52365 --block'],
        port: 8000,
        portName: 'serve',
        extraPorts: [{ number: 6379, name: 'gcs-server' }, { number: 8265, name: 'dashboard' }, { number: 10001, name: 'client' }, { number: 8080, name: 'metrics' }],
        env: {
          RAY_PORT: '6379', RAY_ADDRESS: '127.0.0.1:6379', RAY_USAGE_STATS_KUBERAY_IN_USE: '1', RAY_DASHBOARD_ENABLE_K8S_DISK_USAGE: '1',
          // the image's user is 1000 with HOME=/home/ray, not writable under a read-only root filesystem
          HOME: '/tmp',
        },
        fieldEnv: {
          RAY_CLUSTER_NAME: PodField.label('ray.io/cluster'), RAY_CLOUD_INSTANCE_ID: PodField.POD_NAME, RAY_NODE_TYPE_NAME: PodField.label('ray.io/group'),
        },
        health: HealthCheck.custom({
          liveness: Probe.exec(HEAD_HEALTH, { initialDelay: Duration.seconds(30), timeout: FIVE, period: FIVE, failureThreshold: 120 }),
          readiness: Probe.exec(HEAD_HEALTH, { initialDelay: Duration.seconds(10), timeout: FIVE, period: FIVE, failureThreshold: 10 }),
        }),
        resources: { cpu: { request: '2', limit: '2' }, memory: { request: '2Gi', limit: '2Gi' } },
        // the object store lives in /dev/shm; without a GPU there is no shm prop: a memory emptyDir of one's own
        volumeMounts: [{ volume: PodVolume.emptyDir('shared-mem', { memory: true, sizeLimit: shmSize }), path: '/dev/shm' }],
      },
    });
    return chart;
  }

  test('gcs-server, dashboard, client, serve and metrics ports; KubeRay\'s exec probes; /dev/shm for the object store', () => {
    const { manifests } = synthWithWarnings(head('1Gi'));
    const spec = podSpec(manifests[0]);
    const c = container(manifests[0], 'ray-head');
    expect(c.ports.map((p: any) => [p.name, p.containerPort])).toEqual([['serve', 8000], ['gcs-server', 6379], ['dashboard', 8265], ['client', 10001], ['metrics', 8080]]);
    expect(c.livenessProbe).toMatchObject({ exec: { command: HEAD_HEALTH }, initialDelaySeconds: 30, timeoutSeconds: 5, periodSeconds: 5 });
    expect(c.livenessProbe.failureThreshold).toBe(120);
    expect(c.readinessProbe).toMatchObject({ initialDelaySeconds: 10, failureThreshold: 10 });
    expect(c.startupProbe).toBeUndefined();
    expect(env(c, 'RAY_CLUSTER_NAME').valueFrom.fieldRef.fieldPath).toBe('metadata.labels[\'ray.io/cluster\']');
    expect(volume(spec, 'shared-mem').emptyDir).toEqual({ medium: 'Memory', sizeLimit: '1Gi' });
    expect(mount(c, '/dev/shm').name).toBe('shared-mem');
  });

  test('KubeRay sizes /dev/shm at the memory limit on purpose: no warning; one byte more warns (memoryVolumesFitLimit)', () => {
    const { manifests, warnings: quiet } = synthWithWarnings(head('2Gi'));
    expectApiValid(manifests);
    expect(quiet).not.toContain('memory volume');
    expect(volume(podSpec(manifests[0]), 'shared-mem').emptyDir).toEqual({ medium: 'Memory', sizeLimit: '2Gi' });
    const error = synthWithWarnings(head('2049Mi')).warnings;
    expect(error).toContain('memory limit "2Gi" is below the size of memory volume "shared-mem" ("2049Mi"): what is written there is memory charged to the container');
    expect(error).toContain('gets the container OOM-killed instead of the write refused');
    // the fix names the volume's own sizeLimit, not gpu.shmSize (there is no GPU)
    expect(error).toContain('Fix: raise the memory limit or lower the volume size (the sizeLimit of volume "shared-mem")');
  });
});
