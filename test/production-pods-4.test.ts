/**
 * Production pods, fourth batch (new-user review 4, 2026-11): serving systems not covered by
 * production-pods*.test.ts — NVIDIA Dynamo's frontend and vLLM workers, an AIBrix model with the
 * aibrix-runtime sidecar, JetStream-PyTorch on GKE TPUs, KubeAI's vLLM and faster-whisper model
 * pods, LMDeploy, and Hugging Face TEI serving a reranker. Each describe names the public manifest
 * (or operator source) it follows; each pod goes through the real App synth, the official schema
 * and the object rules, and the fields that matter for that engine are asserted. Where the real
 * pod has a field the library cannot express, the test says so (and shows the escape hatch).
 */
import { Duration } from 'cdk8s';
import {
  AiInferenceDeployment, AiInferencePod, EnvFromSource, HealthCheck, HostPathType, ImagePullPolicy, InferenceServiceType, InitContainer, PodField,
  PodSecurityLevel, PodVolume, Probe, Sidecar, SidecarMode,
} from '../src';
import { env, mount, synthWithWarnings, volume } from './helpers/pod-parts';
import { expectRefused } from './helpers/refusal';
import { container, manifestOf, newChart, podSpec } from './helpers/synth';

// Source: ai-dynamo/dynamo deploy/operator/internal/dynamo/component_common.go, component_worker.go
// and internal/consts/consts.go (the pod the operator renders for a worker of
// examples/backends/vllm/deploy/disagg.yaml: VllmDecodeWorker, envFromSecret hf-token-secret,
// workingDir /workspace/examples/backends/vllm, `python3 -m dynamo.vllm --disaggregation-mode decode`).
describe('NVIDIA Dynamo vLLM decode worker (DynamoGraphDeployment vllm-disagg, operator defaults)', () => {
  test('system port 9090 and NIXL telemetry port 19090 by name, probes on "system", 2 h startup, 8Gi /dev/shm, envFrom the HF secret', () => {
    const chart = newChart('dynamo-decode');
    new AiInferenceDeployment(chart, 'decode', {
      metadata: { name: 'vllm-disagg-vllmdecodeworker', labels: { 'nvidia.com/dynamo-component-type': 'worker', 'nvidia.com/dynamo-sub-component-type': 'decode' } },
      server: {
        name: 'main',
        image: 'nvcr.io/nvidia/ai-dynamo/vllm-runtime:0.7.0',
        workingDir: '/workspace/examples/backends/vllm',
        command: ['python3', '-m', 'dynamo.vllm'],
        args: ['--model', 'Qwen/Qwen3-0.6B', '--disaggregation-mode', 'decode'],
        // the worker serves no HTTP API: its "port" is the system (health/metrics) server
        port: 9090,
        portName: 'system',
        extraPorts: [{ number: 19090, name: 'nixl' }],
        env: {
          DYN_NAMESPACE: 'default-vllm-disagg', DYN_COMPONENT: 'worker', DYN_PARENT_DGD_K8S_NAME: 'vllm-disagg', DYN_PARENT_DGD_K8S_NAMESPACE: 'default',
          DYN_DISCOVERY_BACKEND: 'kubernetes', DYN_SYSTEM_ENABLED: 'true', DYN_SYSTEM_USE_ENDPOINT_HEALTH_STATUS: '["generate"]', DYN_SYSTEM_PORT: '9090',
          DYN_HEALTH_CHECK_ENABLED: 'false', NIXL_TELEMETRY_ENABLE: 'n', NIXL_TELEMETRY_EXPORTER: 'prometheus', NIXL_TELEMETRY_PROMETHEUS_PORT: '19090',
          // the image runs as root and writes ~/.cache (vLLM, Hugging Face, torch compile): a writable HOME
          HOME: '/home/dynamo',
        },
        fieldEnv: { POD_NAME: PodField.POD_NAME, POD_NAMESPACE: PodField.POD_NAMESPACE, POD_UID: PodField.POD_UID },
        envFrom: [EnvFromSource.secret('hf-token-secret')],
        health: HealthCheck.custom({
          startup: Probe.httpGet('/live', { portName: 'system', period: Duration.seconds(10), timeout: Duration.seconds(5), failureThreshold: 720 }),
          readiness: Probe.httpGet('/health', { portName: 'system', period: Duration.seconds(10), timeout: Duration.seconds(4), failureThreshold: 3 }),
          liveness: Probe.httpGet('/live', { portName: 'system', period: Duration.seconds(5), timeout: Duration.seconds(4), failureThreshold: 1 }),
        }),
        resources: { cpu: { request: '8' }, memory: { request: '40Gi', limit: '40Gi' } },
        volumeMounts: [{ volume: PodVolume.emptyDir('home', { sizeLimit: '20Gi' }), path: '/home/dynamo' }],
      },
      gpu: { count: 1, shmSize: '8Gi' },
      modelLoadTimeout: Duration.hours(2),
      // workers register through the discovery backend, not a Service
      service: false,
    });
    const { manifests } = synthWithWarnings(chart);
    const deploy = manifestOf(manifests, 'Deployment');
    const spec = podSpec(deploy);
    const c = container(deploy, 'main');
    expect(c.ports).toEqual([{ containerPort: 9090, name: 'system' }, { containerPort: 19090, name: 'nixl' }]);
    expect(c.startupProbe).toEqual({ httpGet: { path: '/live', port: 'system' }, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 720 });
    expect(c.readinessProbe).toMatchObject({ httpGet: { path: '/health', port: 'system' }, periodSeconds: 10, timeoutSeconds: 4, failureThreshold: 3 });
    expect(c.livenessProbe).toMatchObject({ httpGet: { path: '/live', port: 'system' }, periodSeconds: 5, timeoutSeconds: 4, failureThreshold: 1 });
    expect(env(c, 'POD_UID')).toEqual({ name: 'POD_UID', valueFrom: { fieldRef: { fieldPath: 'metadata.uid' } } });
    expect(c.envFrom).toEqual([{ secretRef: { name: 'hf-token-secret' } }]);
    expect(c.workingDir).toBe('/workspace/examples/backends/vllm');
    expect(volume(spec, 'dshm').emptyDir).toEqual({ medium: 'Memory', sizeLimit: '8Gi' });
    expect(spec.terminationGracePeriodSeconds).toBe(60);
    expect(spec.securityContext.fsGroup).toBe(1000);
    expect(manifests.map(m => m.kind)).toEqual(['Deployment']);
  });
});

// Source: ai-dynamo/dynamo deploy/operator/internal/dynamo/component_frontend.go and
// component_common.go (the Frontend of examples/backends/vllm/deploy/disagg.yaml): CPU only,
// `python3 -m dynamo.frontend` on http 8000, readiness /health and liveness /live by port name,
// no startup probe, NVIDIA_VISIBLE_DEVICES=void so a GPU-less node can run the CUDA image.
describe('NVIDIA Dynamo frontend (DynamoGraphDeployment vllm-disagg, operator defaults)', () => {
  test('no GPU, named http port, readiness and liveness only with their delays, the Service on 8000', () => {
    const chart = newChart('dynamo-frontend');
    new AiInferenceDeployment(chart, 'frontend', {
      metadata: { name: 'vllm-disagg-frontend', labels: { 'nvidia.com/dynamo-component-type': 'frontend' } },
      server: {
        name: 'main',
        image: 'nvcr.io/nvidia/ai-dynamo/vllm-runtime:0.7.0',
        command: ['python3'],
        args: ['-m', 'dynamo.frontend'],
        port: 8000,
        env: {
          DYN_NAMESPACE: 'default-vllm-disagg', DYN_COMPONENT: 'frontend', DYN_PARENT_DGD_K8S_NAME: 'vllm-disagg', DYN_PARENT_DGD_K8S_NAMESPACE: 'default',
          DYN_DISCOVERY_BACKEND: 'kubernetes', DYNAMO_PORT: '8000', DYN_HTTP_PORT: '8000', DYN_NAMESPACE_PREFIX: 'default-vllm-disagg', NVIDIA_VISIBLE_DEVICES: 'void',
          HOME: '/tmp',
        },
        fieldEnv: { POD_NAME: PodField.POD_NAME, POD_NAMESPACE: PodField.POD_NAMESPACE, POD_UID: PodField.POD_UID },
        health: HealthCheck.custom({
          readiness: Probe.httpGet('/health', { portName: 'http', initialDelay: Duration.seconds(10), period: Duration.seconds(10), timeout: Duration.seconds(3), failureThreshold: 3 }),
          liveness: Probe.httpGet('/live', { portName: 'http', initialDelay: Duration.seconds(15), period: Duration.seconds(10), timeout: Duration.seconds(1), failureThreshold: 3 }),
        }),
        resources: { cpu: { request: '2' }, memory: { request: '4Gi', limit: '4Gi' } },
      },
    });
    const { manifests, warnings } = synthWithWarnings(chart);
    const deploy = manifestOf(manifests, 'Deployment');
    const spec = podSpec(deploy);
    const c = container(deploy, 'main');
    expect(c.startupProbe).toBeUndefined();
    expect(c.readinessProbe).toEqual({ httpGet: { path: '/health', port: 'http' }, initialDelaySeconds: 10, periodSeconds: 10, timeoutSeconds: 3, failureThreshold: 3 });
    expect(c.livenessProbe).toEqual({ httpGet: { path: '/live', port: 'http' }, initialDelaySeconds: 15, periodSeconds: 10, timeoutSeconds: 1, failureThreshold: 3 });
    expect(env(c, 'NVIDIA_VISIBLE_DEVICES').value).toBe('void');
    expect(spec.tolerations).toBeUndefined();
    expect(volume(spec, 'dshm')).toBeUndefined();
    expect(manifestOf(manifests, 'Service').spec.ports).toEqual([{ name: 'http', port: 8000, protocol: 'TCP', targetPort: 8000 }]);
    expect(warnings).toBe('');
  });
});

// Source: vllm-project/aibrix samples/adapter/base.yaml (vLLM with --enable-lora and the
// aibrix-runtime container on 8080: /healthz liveness, /ready readiness, metrics and the LoRA
// API; the Service exposes both ports under the model's name) and samples/quickstart/model.yaml
// (the vLLM container's /health probes with a 360 s initial delay).
describe('AIBrix model with the aibrix-runtime sidecar (samples/adapter/base.yaml)', () => {
  test('vLLM on 8000 pulled Always, the runtime beside it as an ordinary container with its own probes, both ports on the Service', () => {
    const chart = newChart('aibrix');
    const model = 'qwen-coder-1-5b-instruct';
    const llm = new AiInferenceDeployment(chart, 'model', {
      metadata: { name: model, labels: { 'model.aibrix.ai/name': model, 'model.aibrix.ai/port': '8000', 'adapter.model.aibrix.ai/enabled': 'true' } },
      server: {
        name: 'vllm-openai',
        image: 'vllm/vllm-openai:v0.7.1',
        imagePullPolicy: ImagePullPolicy.ALWAYS,
        command: ['python3', '-m', 'vllm.entrypoints.openai.api_server', '--host', '0.0.0.0', '--port', '8000', '--uvicorn-log-level', 'warning',
          '--model', 'Qwen/Qwen2.5-Coder-1.5B-Instruct', '--served-model-name', model, '--enable-lora'],
        port: 8000,
        // HOME: the image runs as root and downloads into ~/.cache/huggingface
        env: { VLLM_ALLOW_RUNTIME_LORA_UPDATING: 'True', HOME: '/home/vllm' },
        health: HealthCheck.custom({
          liveness: Probe.httpGet('/health', { initialDelay: Duration.seconds(360), period: Duration.seconds(5), timeout: Duration.seconds(1), failureThreshold: 3 }),
          readiness: Probe.httpGet('/health', { initialDelay: Duration.seconds(360), period: Duration.seconds(5), timeout: Duration.seconds(1), failureThreshold: 5 }),
        }),
        resources: { cpu: { request: '4' }, memory: { request: '16Gi', limit: '16Gi' } },
        volumeMounts: [{ volume: PodVolume.emptyDir('home', { sizeLimit: '20Gi' }), path: '/home/vllm' }],
      },
      gpu: { count: 1 },
      // the manifest's Service: serve 8000 and http 8080, Prometheus annotations, the model's labels
      serviceOptions: {
        portName: 'serve',
        extraPorts: [{ name: 'http', port: 8080 }],
        labels: { 'model.aibrix.ai/name': model, 'prometheus-discovery': 'true' },
        annotations: { 'prometheus.io/scrape': 'true', 'prometheus.io/port': '8080' },
      },
    });
    new Sidecar(llm, 'aibrix-runtime', {
      name: 'aibrix-runtime',
      image: 'aibrix/runtime:v0.3.0',
      mode: SidecarMode.CLASSIC,
      command: ['aibrix_runtime', '--port', '8080'],
      env: { INFERENCE_ENGINE: 'vllm', INFERENCE_ENGINE_ENDPOINT: 'http://localhost:8000' },
      ports: [{ number: 8080, name: 'metrics' }],
      health: HealthCheck.custom({
        liveness: Probe.httpGet('/healthz', { initialDelay: Duration.seconds(3), period: Duration.seconds(2) }),
        readiness: Probe.httpGet('/ready', { initialDelay: Duration.seconds(5), period: Duration.seconds(10) }),
      }),
      resources: { cpu: { request: '100m' }, memory: { request: '256Mi', limit: '512Mi' } },
    });
    const { manifests } = synthWithWarnings(chart);
    const deploy = manifestOf(manifests, 'Deployment');
    const spec = podSpec(deploy);
    const server = container(deploy, 'vllm-openai');
    const runtime = container(deploy, 'aibrix-runtime');
    expect(server.imagePullPolicy).toBe('Always');
    expect(server.startupProbe).toBeUndefined();
    expect(server.readinessProbe).toMatchObject({ httpGet: { path: '/health', port: 8000 }, initialDelaySeconds: 360, failureThreshold: 5 });
    expect(spec.containers.map((x: any) => x.name)).toEqual(['vllm-openai', 'aibrix-runtime']);
    expect(runtime.restartPolicy).toBeUndefined();
    expect(runtime.livenessProbe).toMatchObject({ httpGet: { path: '/healthz', port: 8080 }, initialDelaySeconds: 3, periodSeconds: 2 });
    expect(runtime.readinessProbe).toMatchObject({ httpGet: { path: '/ready', port: 8080 }, initialDelaySeconds: 5, periodSeconds: 10 });
    expect(env(runtime, 'INFERENCE_ENGINE_ENDPOINT').value).toBe('http://localhost:8000');
    const service = manifestOf(manifests, 'Service');
    expect(service.metadata.name).toBe(model);
    expect(service.metadata.annotations).toEqual({ 'prometheus.io/port': '8080', 'prometheus.io/scrape': 'true' });
    expect(service.metadata.labels).toEqual({ 'model.aibrix.ai/name': model, 'prometheus-discovery': 'true' });
    expect(service.spec.ports).toEqual([
      { name: 'serve', port: 8000, protocol: 'TCP', targetPort: 8000 }, { name: 'http', port: 8080, protocol: 'TCP', targetPort: 8080 },
    ]);
    // the manifest's pod template carries model.aibrix.ai/name only; the library copies every Deployment label onto the pods
    expect(deploy.spec.template.metadata.labels).toMatchObject({ 'model.aibrix.ai/name': model, 'model.aibrix.ai/port': '8000' });
  });
});

// Source: GKE docs "Serve Gemma using TPUs on GKE with JetStream and PyTorch"
// (cloud.google.com/kubernetes-engine/docs/tutorials/serve-gemma-tpu-jetstream-pytorch, Gemma 7B-it):
// jetstream-pytorch-server on a v5e 2x4 slice (google.com/tpu 8) reading the HF token from a Secret
// volume (mode 0400), probed on /healthcheck through the jetstream-http container's port 8000,
// which the Service exposes.
describe('JetStream-PyTorch on GKE TPU v5e with the jetstream-http container', () => {
  test('google.com/tpu 8 with the topology selectors, a 0400 Secret volume, the server probed on the HTTP front end\'s port', () => {
    const chart = newChart('jetstream');
    const server = new AiInferenceDeployment(chart, 'jetstream', {
      metadata: { name: 'jetstream-pytorch-server', labels: { app: 'jetstream-pytorch-server' } },
      server: {
        name: 'jetstream-pytorch-server',
        image: 'us-docker.pkg.dev/cloud-tpu-images/inference/jetstream-pytorch-server:v0.2.4',
        args: ['--model_id=google/gemma-7b-it', '--override_batch_size=30', '--enable_model_warmup=True'],
        port: 9000,
        portName: 'grpc',
        // HF_HOME: the image runs as root and caches the checkpoint under ~/.cache
        env: { HF_HOME: '/data/hf' },
        health: HealthCheck.custom({
          startup: Probe.httpGet('/healthcheck', { port: 8000, period: Duration.seconds(60), initialDelay: Duration.seconds(90), failureThreshold: 50 }),
          liveness: Probe.httpGet('/healthcheck', { port: 8000, period: Duration.seconds(60), failureThreshold: 30 }),
          readiness: Probe.httpGet('/healthcheck', { port: 8000, period: Duration.seconds(60), failureThreshold: 30 }),
        }),
        // the manifest sets no memory: the library's 4Gi default would OOM-kill a 7B checkpoint load
        resources: { cpu: { request: '8' }, memory: { request: '64Gi', limit: '64Gi' } },
        volumeMounts: [
          { volume: PodVolume.secret('huggingface-credentials', 'huggingface-secret', { defaultMode: 0o400 }), path: '/huggingface', readOnly: true },
          { volume: PodVolume.emptyDir('data', { sizeLimit: '100Gi' }), path: '/data' },
        ],
      },
      gpu: {
        count: 8, resourceName: 'google.com/tpu',
        nodeSelector: { 'cloud.google.com/gke-tpu-topology': '2x4', 'cloud.google.com/gke-tpu-accelerator': 'tpu-v5-lite-podslice' },
        // TPU pods have no memory-backed /dev/shm (the manifest has none)
        sharedMemory: false,
      },
      modelLoadTimeout: Duration.seconds(90 + 50 * 60),
      // the manifest's Service: jetstream-http 8000 and jetstream-grpc 9000
      serviceOptions: { portName: 'jetstream-http', extraPorts: [{ name: 'jetstream-grpc', port: 9000, targetPortName: 'grpc' }] },
    });
    new Sidecar(server, 'jetstream-http', {
      name: 'jetstream-http',
      image: 'us-docker.pkg.dev/cloud-tpu-images/inference/jetstream-http:v0.2.3',
      mode: SidecarMode.CLASSIC,
      ports: [{ number: 8000, name: 'http' }],
      // the Service's port; the manifest has no NetworkPolicy
      frontDoor: { port: 8000, networkPolicy: false },
    });
    const { manifests, warnings } = synthWithWarnings(chart);
    const deploy = manifestOf(manifests, 'Deployment');
    const spec = podSpec(deploy);
    const c = container(deploy, 'jetstream-pytorch-server');
    expect(c.resources.limits['google.com/tpu']).toBe('8');
    expect(spec.nodeSelector).toEqual({ 'cloud.google.com/gke-tpu-accelerator': 'tpu-v5-lite-podslice', 'cloud.google.com/gke-tpu-topology': '2x4' });
    expect(c.ports).toEqual([{ containerPort: 9000, name: 'grpc' }]);
    expect(c.startupProbe).toMatchObject({ httpGet: { path: '/healthcheck', port: 8000 }, periodSeconds: 60, initialDelaySeconds: 90, failureThreshold: 50 });
    expect(volume(spec, 'huggingface-credentials').secret).toEqual({ secretName: 'huggingface-secret', defaultMode: 0o400 });
    expect(mount(c, '/huggingface')).toMatchObject({ name: 'huggingface-credentials', readOnly: true });
    expect(spec.containers.map((x: any) => x.name)).toEqual(['jetstream-pytorch-server', 'jetstream-http']);
    // the Service targets the front door under the manifest's names, and the server's gRPC port by its name
    expect(manifestOf(manifests, 'Service').spec.ports).toEqual([
      { name: 'jetstream-http', port: 8000, protocol: 'TCP', targetPort: 8000 }, { name: 'jetstream-grpc', port: 9000, protocol: 'TCP', targetPort: 'grpc' },
    ]);
    expect(manifests.map(m => m.kind).sort()).toEqual(['Deployment', 'Service']);
    expect(volume(spec, 'dshm')).toBeUndefined();
    expect(mount(c, '/dev/shm')).toBeUndefined();
    expect(warnings).toBe('');
  });
});

// Source: substratusai/kubeai internal/modelcontroller/engine_vllm.go (vLLMPodForModel) and
// adapters.go (patchServerAdapterLoader): the Pod KubeAI creates for a Model with engine VLLM
// and adapters — container "server", `--model=`/`--served-model-name=`, HF_TOKEN from an optional
// Secret key, a 3 h startup budget (5400 × 2 s), an unsized memory /dev/shm, and the "loader"
// container that writes LoRA adapters into /adapters, which the server mounts read-only.
describe('KubeAI vLLM model pod with the adapter loader (engine_vllm.go, adapters.go)', () => {
  test('HF_TOKEN from an optional Secret key, the 5400 × 2 s startup probe by port name, /adapters shared with the loader', () => {
    const chart = newChart('kubeai');
    const adapters = PodVolume.emptyDir('adapters');
    const pod = new AiInferencePod(chart, 'model', {
      metadata: {
        name: 'model-llama-3-1-8b-instruct-fp8-l4-0',
        labels: { 'app.kubernetes.io/name': 'vllm', 'model': 'llama-3.1-8b-instruct-fp8-l4' },
        annotations: { 'model-pod-port': '8000' },
      },
      server: {
        name: 'server',
        image: 'vllm/vllm-openai:v0.8.3',
        command: ['python3', '-m', 'vllm.entrypoints.openai.api_server'],
        args: ['--model=neuralmagic/Meta-Llama-3.1-8B-Instruct-FP8', '--served-model-name=llama-3.1-8b-instruct-fp8-l4', '--max-model-len=16384',
          '--max-num-batched-token=16384', '--gpu-memory-utilization=0.9', '--disable-log-requests', '--enable-lora'],
        port: 8000,
        secretEnv: { HF_TOKEN: { secretName: 'kubeai-huggingface', key: 'token', optional: true } },
        // the image runs as root and downloads into ~/.cache/huggingface
        env: { VLLM_ALLOW_RUNTIME_LORA_UPDATING: 'true', HOME: '/home/vllm' },
        health: HealthCheck.custom({
          startup: Probe.httpGet('/health', { portName: 'http', failureThreshold: 5400, period: Duration.seconds(2), timeout: Duration.seconds(2) }),
          readiness: Probe.httpGet('/health', { portName: 'http', failureThreshold: 3, period: Duration.seconds(10), timeout: Duration.seconds(2) }),
          liveness: Probe.httpGet('/health', { portName: 'http', failureThreshold: 3, period: Duration.seconds(30), timeout: Duration.seconds(3) }),
        }),
        resources: { cpu: { request: '6' }, memory: { request: '24Gi', limit: '24Gi' } },
        volumeMounts: [{ volume: adapters, path: '/adapters', readOnly: true }, { volume: PodVolume.emptyDir('home', { sizeLimit: '40Gi' }), path: '/home/vllm' }],
      },
      gpu: { count: 1, nodeSelector: { 'cloud.google.com/gke-accelerator': 'nvidia-l4' } },
      modelLoadTimeout: Duration.hours(3),
    });
    new Sidecar(pod, 'loader', {
      name: 'loader',
      image: 'substratusai/kubeai-model-loader:v0.14.0',
      mode: SidecarMode.CLASSIC,
      imagePullPolicy: ImagePullPolicy.IF_NOT_PRESENT,
      command: ['sleep', 'infinity'],
      podVolumeMounts: [{ volume: adapters, path: '/adapters' }],
    });
    const { manifests } = synthWithWarnings(chart);
    const manifest = manifestOf(manifests, 'Pod');
    const spec = podSpec(manifest);
    const c = container(manifest, 'server');
    expect(env(c, 'HF_TOKEN')).toEqual({ name: 'HF_TOKEN', valueFrom: { secretKeyRef: { key: 'token', name: 'kubeai-huggingface', optional: true } } });
    expect(c.startupProbe).toEqual({ httpGet: { path: '/health', port: 'http' }, failureThreshold: 5400, periodSeconds: 2, timeoutSeconds: 2 });
    expect(c.livenessProbe).toMatchObject({ periodSeconds: 30, timeoutSeconds: 3, failureThreshold: 3 });
    expect(mount(c, '/adapters')).toEqual({ mountPath: '/adapters', name: 'adapters', readOnly: true });
    expect(mount(container(manifest, 'loader'), '/adapters')).toEqual({ mountPath: '/adapters', name: 'adapters', readOnly: false });
    expect(container(manifest, 'loader').command).toEqual(['sleep', 'infinity']);
    expect(spec.volumes.filter((v: any) => v.name === 'adapters')).toHaveLength(1);
    expect(manifest.metadata.annotations).toEqual({ 'model-pod-port': '8000' });
  });
});

// Source: substratusai/kubeai internal/modelcontroller/engine_fasterwhisper.go
// (fasterWhisperPodForModel) with the CPU image of KubeAI's model catalog
// (charts/models values: faster-whisper-medium-en-cpu, fedirz/faster-whisper-server:latest-cpu):
// a speech-to-text server with no GPU, yet a memory-backed /dev/shm, WHISPER__MODEL and ENABLE_UI.
describe('KubeAI faster-whisper speech-to-text pod on CPU (engine_fasterwhisper.go)', () => {
  test('no GPU but a memory /dev/shm of its own, the model in WHISPER__MODEL, a writable Hugging Face cache, the unpinned tag warned', () => {
    const chart = newChart('whisper');
    new AiInferencePod(chart, 'whisper', {
      metadata: { name: 'model-faster-whisper-medium-en-cpu-0', labels: { 'app.kubernetes.io/name': 'fasterwhisper', 'model': 'faster-whisper-medium-en-cpu' } },
      server: {
        name: 'server',
        image: 'fedirz/faster-whisper-server:latest-cpu',
        port: 8000,
        // HF_HUB_CACHE: the image downloads the CTranslate2 weights into ~/.cache/huggingface as root
        env: { WHISPER__MODEL: 'Systran/faster-whisper-medium.en', ENABLE_UI: 'false', HF_HOME: '/data/hf' },
        secretEnv: { HF_TOKEN: { secretName: 'kubeai-huggingface', key: 'token', optional: true } },
        health: HealthCheck.custom({
          startup: Probe.httpGet('/health', { portName: 'http', failureThreshold: 900, period: Duration.seconds(2), timeout: Duration.seconds(2) }),
          readiness: Probe.httpGet('/health', { portName: 'http', failureThreshold: 3, period: Duration.seconds(10), timeout: Duration.seconds(2) }),
          liveness: Probe.httpGet('/health', { portName: 'http', failureThreshold: 3, period: Duration.seconds(30), timeout: Duration.seconds(3) }),
        }),
        resources: { cpu: { request: '3' }, memory: { request: '12Gi', limit: '12Gi' } },
        volumeMounts: [
          { volume: PodVolume.emptyDir('dshm', { memory: true }), path: '/dev/shm' },
          { volume: PodVolume.emptyDir('data', { sizeLimit: '10Gi' }), path: '/data' },
        ],
      },
      modelLoadTimeout: Duration.minutes(30),
    });
    const { manifests, warnings } = synthWithWarnings(chart);
    const spec = podSpec(manifests[0]);
    const c = container(manifests[0], 'server');
    expect(volume(spec, 'dshm').emptyDir).toEqual({ medium: 'Memory' });
    expect(mount(c, '/dev/shm')).toMatchObject({ name: 'dshm', readOnly: false });
    expect(env(c, 'WHISPER__MODEL').value).toBe('Systran/faster-whisper-medium.en');
    expect(c.startupProbe.failureThreshold).toBe(900);
    expect(spec.tolerations).toBeUndefined();
    // KubeAI's catalog runs a moving tag: latest-cpu is as unpinned as latest
    expect(warnings).toContain('spec.containers[0].image: "fedirz/faster-whisper-server:latest-cpu" is not pinned (the moving tag "latest-cpu")');
  });
});

// Source: InternLM/lmdeploy k8s/deployment.yaml (internlm2-chat-7b, `lmdeploy serve api_server`
// on 23333 under the port name "main", TCP probes by that name with 400 s / 900 s initial delays,
// 16 CPU / 64Gi / 1 GPU, the Hugging Face cache on a hostPath, an unsized memory /dev/shm).
describe('LMDeploy api_server (InternLM/lmdeploy k8s/deployment.yaml)', () => {
  test('TCP probes on the port named main, no startup probe, requests = limits, the token from a Secret', () => {
    const chart = newChart('lmdeploy');
    new AiInferenceDeployment(chart, 'lmdeploy', {
      metadata: { name: 'internlm2-chat-7b', labels: { app: 'internlm2-chat-7b' } },
      server: {
        name: 'internlm2-chat-7b',
        image: 'openmmlab/lmdeploy:v0.7.3-cu12',
        command: ['/bin/sh', '-c'],
        args: ['lmdeploy serve api_server internlm/internlm2-chat-7b --server-port 23333'],
        port: 23333,
        portName: 'main',
        // the manifest inlines the token as a plain value; a Secret key instead
        secretEnv: { HUGGING_FACE_HUB_TOKEN: { secretName: 'hf-token', key: 'token' } },
        // the manifest mounts the cache at /root/.cache/huggingface: user 1000 cannot traverse /root (mode 700), so HF_HOME moves it
        env: { HF_HOME: '/data/huggingface', HOME: '/tmp' },
        health: HealthCheck.custom({
          readiness: Probe.tcp({ portName: 'main', initialDelay: Duration.seconds(400), period: Duration.seconds(10), timeout: Duration.seconds(1), failureThreshold: 3 }),
          liveness: Probe.tcp({ portName: 'main', initialDelay: Duration.seconds(900), period: Duration.seconds(20), timeout: Duration.seconds(1), failureThreshold: 3 }),
        }),
        resources: { cpu: { request: '16', limit: '16' }, memory: { request: '64Gi', limit: '64Gi' } },
        // the manifest's hostPath cache (DirectoryOrCreate): the node's directory must be writable by user 1000
        volumeMounts: [{
          volume: PodVolume.hostPath('model-data', '/mnt/huggingface', { type: HostPathType.DIRECTORY_OR_CREATE }), path: '/data/huggingface', readOnly: false,
        }],
      },
      gpu: { count: 1, shmSize: '16Gi' },
      // hostPath: forbidden by PSS baseline and restricted
      security: { level: PodSecurityLevel.PRIVILEGED },
    });
    const { manifests } = synthWithWarnings(chart);
    const deploy = manifestOf(manifests, 'Deployment');
    const c = container(deploy, 'internlm2-chat-7b');
    expect(c.ports).toEqual([{ containerPort: 23333, name: 'main' }]);
    expect(c.startupProbe).toBeUndefined();
    expect(c.readinessProbe).toEqual({ tcpSocket: { port: 'main' }, initialDelaySeconds: 400, periodSeconds: 10, timeoutSeconds: 1, failureThreshold: 3 });
    expect(c.livenessProbe).toEqual({ tcpSocket: { port: 'main' }, initialDelaySeconds: 900, periodSeconds: 20, timeoutSeconds: 1, failureThreshold: 3 });
    expect(c.resources).toEqual({ limits: { 'cpu': '16', 'memory': '64Gi', 'nvidia.com/gpu': '1' }, requests: { 'cpu': '16', 'memory': '64Gi', 'nvidia.com/gpu': '1' } });
    expect(c.command).toEqual(['/bin/sh', '-c']);
    expect(volume(podSpec(deploy), 'model-data')).toEqual({ name: 'model-data', hostPath: { path: '/mnt/huggingface', type: 'DirectoryOrCreate' } });
    expect(mount(c, '/data/huggingface')).toEqual({ mountPath: '/data/huggingface', name: 'model-data', readOnly: false });
    expect(manifestOf(manifests, 'Service').spec.ports).toEqual([{ name: 'http', port: 23333, protocol: 'TCP', targetPort: 23333 }]);
  });
});

// Source: prokube-ai/kubeflow-examples serving/hf-text-embeddings-inference/reranking.yaml
// (TEI serving BAAI/bge-reranker-v2-m3 on port 80 with an API key from a Secret, the Hub cache on
// a claim at /data, a NodePort Service on 32237).
describe('Hugging Face TEI serving a reranker (prokube-ai/kubeflow-examples reranking.yaml)', () => {
  test('MODEL_ID and API_KEY, the cache claim writable, port 80 under a non-root user, a NodePort Service', () => {
    const chart = newChart('tei-rerank');
    new AiInferenceDeployment(chart, 'reranking', {
      metadata: { name: 'reranking-inference', labels: { app: 'reranking' } },
      server: {
        name: 'reranking',
        image: 'ghcr.io/huggingface/text-embeddings-inference:turing-1.5',
        port: 80,
        env: { MODEL_ID: 'BAAI/bge-reranker-v2-m3' },
        secretEnv: { API_KEY: { secretName: 'hf-text-embeddings-api-key-secret', key: 'api-key' } },
        resources: { cpu: { request: '1000m', limit: '2000m' }, memory: { request: '2Gi', limit: '4Gi' } },
        // TEI downloads into /data: a PodVolume claim is read-only unless told otherwise
        volumeMounts: [{ volume: PodVolume.persistentVolumeClaim('hf-rerank-model-cache', 'hf-rerank-model-cache'), path: '/data', readOnly: false }],
      },
      gpu: { count: 1 },
      serviceType: InferenceServiceType.NODE_PORT,
      serviceOptions: { portName: 'http-reranking', nodePort: 32237 },
      // port 80 as user 1000: containerd before 2.0 keeps the unprivileged ports at 1024 and above
      security: { sysctls: { 'net.ipv4.ip_unprivileged_port_start': '80' } },
    });
    const { manifests, warnings } = synthWithWarnings(chart);
    const deploy = manifestOf(manifests, 'Deployment');
    const c = container(deploy, 'reranking');
    expect(c.ports).toEqual([{ containerPort: 80, name: 'http' }]);
    expect(env(c, 'API_KEY').valueFrom.secretKeyRef).toEqual({ key: 'api-key', name: 'hf-text-embeddings-api-key-secret' });
    expect(mount(c, '/data')).toEqual({ mountPath: '/data', name: 'hf-rerank-model-cache', readOnly: false });
    expect(manifestOf(manifests, 'Service').spec).toMatchObject({ type: 'NodePort', ports: [{ name: 'http-reranking', nodePort: 32237, port: 80, protocol: 'TCP', targetPort: 80 }] });
    expect(podSpec(deploy).securityContext.sysctls).toEqual([{ name: 'net.ipv4.ip_unprivileged_port_start', value: '80' }]);
    expect(warnings).toBe('');
  });
});

describe('fixes from this review', () => {
  test('secretEnv optional: written as secretKeyRef.optional on the server, a Sidecar and an InitContainer; a non-boolean refused by prop', () => {
    const chart = newChart('optional');
    const pod = new AiInferencePod(chart, 'llm', {
      metadata: { name: 'llm' },
      server: { image: 'vllm/vllm-openai:v0.9.1', secretEnv: { HF_TOKEN: { secretName: 'hf', key: 'token', optional: true }, API_KEY: { secretName: 'api', key: 'key', optional: false } } },
    });
    new Sidecar(pod, 'side', { name: 'side', image: 'busybox:1.36.1', secretEnv: { TOKEN: { secretName: 'hf', key: 'token', optional: true } } });
    new InitContainer(pod, 'init', { name: 'init', image: 'busybox:1.36.1', command: ['true'], secretEnv: { TOKEN: { secretName: 'hf', key: 'token', optional: true } } });
    const manifest = synthWithWarnings(chart).manifests[0];
    const server = container(manifest, 'server');
    expect(env(server, 'HF_TOKEN').valueFrom.secretKeyRef).toEqual({ key: 'token', name: 'hf', optional: true });
    expect(env(server, 'API_KEY').valueFrom.secretKeyRef).toEqual({ key: 'key', name: 'api', optional: false });
    expect(env(container(manifest, 'side'), 'TOKEN').valueFrom.secretKeyRef.optional).toBe(true);
    expect(env(container(manifest, 'init'), 'TOKEN').valueFrom.secretKeyRef.optional).toBe(true);
    const lines = expectRefused(c => new AiInferencePod(c, 'llm', { server: { image: 'vllm/vllm-openai:v0.9.1', secretEnv: { HF_TOKEN: { secretName: 'hf', key: 'token', optional: 'yes' as any } } } }),
      /^ {2}\[test\/llm\] server\.secretEnv\.HF_TOKEN\.optional: "yes" is not true or false\. Fix: /);
    expect(lines).toHaveLength(1);
  });

  test('imagePinned warns on moving tags next to latest (latest-cpu, cuda-latest), not on a version that merely contains the word', () => {
    const chart = newChart('tags');
    for (const [id, image] of [['a', 'fedirz/faster-whisper-server:latest-cpu'], ['b', 'registry:5000/team/server:cuda_latest'], ['c', 'myrepo/server:v1.2-latestfix']]) {
      new AiInferencePod(chart, id, { metadata: { name: id }, server: { image } });
    }
    const { warnings } = synthWithWarnings(chart);
    expect(warnings).toContain('"fedirz/faster-whisper-server:latest-cpu" is not pinned (the moving tag "latest-cpu")');
    expect(warnings).toContain('"registry:5000/team/server:cuda_latest" is not pinned (the moving tag "cuda_latest")');
    expect(warnings).not.toContain('latestfix');
  });
});
