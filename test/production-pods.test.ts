/**
 * Production pods from public serving systems, written with the library the way the README
 * teaches and compared field by field with their public specs (each describe names its source).
 * Every pod goes through the real App synth, the official schema and the object rules; the
 * assertions pin the fields that matter for that engine.
 */
import { ApiObject, App, Chart, Duration, JsonPatch, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import {
  AiInferenceDeployment, AiInferencePod, HealthCheck, InferenceServer, InitContainer, KubernetesTarget, ModelPrepInit, ModelSource,
  PodSecurityLevel, PodVolume, Probe, Sidecar, WARNINGS_AS_ERRORS_CONTEXT,
} from '../src';
import { env, mount, synthWithWarnings, volume } from './helpers/pod-parts';
import { container, manifestOf, newChart, podSpec, synth, synthError } from './helpers/synth';

describe('vLLM production-stack serving engine (vllm-project/production-stack helm/templates/deployment-vllm-multi.yaml)', () => {
  test('PVC at /data, /dev/shm for tensor parallel, LMCache env, HF token and API key, POD_IP, engine ports, chart probes', () => {
    const chart = newChart('vllm-stack');
    const storage = PodVolume.persistentVolumeClaim('vllm-storage', 'vllm-llama3-storage-claim');
    const llm = new AiInferenceDeployment(chart, 'engine', {
      metadata: { name: 'vllm-llama3-deployment-vllm', labels: { 'model': 'llama3', 'helm-release-name': 'vllm' } },
      server: {
        name: 'vllm',
        image: 'vllm/vllm-openai:v0.9.1',
        command: ['vllm', 'serve', 'meta-llama/Llama-3.1-8B-Instruct', '--host', '0.0.0.0', '--port', '8000', '--enable-prefix-caching',
          '--max-model-len', '16384', '--tensor-parallel-size', '2', '--kv-transfer-config', '{"kv_connector":"LMCacheConnectorV1","kv_role":"kv_both"}'],
        extraPorts: [{ number: 55555, name: 'zmq-port' }, { number: 9999, name: 'ucx-port' }],
        env: { HF_HOME: '/data', PROMETHEUS_MULTIPROC_DIR: '/tmp', LMCACHE_USE_EXPERIMENTAL: 'True', VLLM_RPC_TIMEOUT: '1000000', LMCACHE_LOCAL_CPU: 'True', LMCACHE_MAX_LOCAL_CPU_SIZE: '20' },
        secretEnv: { HF_TOKEN: { secretName: 'vllm-secrets', key: 'hf_token_llama3' }, VLLM_API_KEY: { secretName: 'vllm-secrets', key: 'vllmApiKey' } },
        health: HealthCheck.custom({
          startup: Probe.httpGet('/health', { initialDelay: Duration.seconds(15), period: Duration.seconds(10), failureThreshold: 60 }),
          liveness: Probe.httpGet('/health', { initialDelay: Duration.seconds(15), period: Duration.seconds(10), failureThreshold: 3 }),
          readiness: Probe.httpGet('/health', { initialDelay: Duration.seconds(15), period: Duration.seconds(5), failureThreshold: 3 }),
        }),
        resources: { cpu: { request: '10' }, memory: { request: '64Gi', limit: '64Gi' } },
        // vLLM downloads into HF_HOME: a PodVolume PVC mount is read-only unless told otherwise
        volumeMounts: [{ volume: storage, path: '/data', readOnly: false }],
      },
      gpu: { count: 2, shmSize: '20Gi' },
      runtimeClassName: 'nvidia',
    });
    // The downward API and envFrom have no prop: the server Container is the README's escape hatch.
    llm.server.env.addVariable('POD_IP', kplus.EnvValue.fromFieldRef(kplus.EnvFieldPaths.POD_IP));
    llm.server.env.copyFrom(kplus.Env.fromConfigMap(kplus.ConfigMap.fromConfigMapName(chart, 'configs', 'vllm-configs')));
    const { manifests } = synthWithWarnings(chart);
    const deploy = manifestOf(manifests, 'Deployment');
    const spec = podSpec(deploy);
    const c = container(deploy, 'vllm');
    expect(c.command.slice(0, 3)).toEqual(['vllm', 'serve', 'meta-llama/Llama-3.1-8B-Instruct']);
    expect(c.ports).toEqual([{ containerPort: 8000, name: 'http' }, { containerPort: 55555, name: 'zmq-port' }, { containerPort: 9999, name: 'ucx-port' }]);
    expect(env(c, 'POD_IP')).toEqual({ name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } });
    expect(env(c, 'HF_TOKEN').valueFrom.secretKeyRef).toEqual({ key: 'hf_token_llama3', name: 'vllm-secrets' });
    expect(env(c, 'LMCACHE_USE_EXPERIMENTAL').value).toBe('True');
    expect(c.envFrom).toEqual([{ configMapRef: { name: 'vllm-configs' } }]);
    expect(c.startupProbe).toMatchObject({ httpGet: { path: '/health', port: 8000 }, initialDelaySeconds: 15, periodSeconds: 10, failureThreshold: 60 });
    expect(c.readinessProbe).toMatchObject({ periodSeconds: 5, failureThreshold: 3 });
    expect(c.resources).toEqual({ limits: { 'memory': '64Gi', 'nvidia.com/gpu': '2' }, requests: { 'cpu': '10', 'memory': '64Gi', 'nvidia.com/gpu': '2' } });
    expect(mount(c, '/data')).toEqual({ mountPath: '/data', name: 'vllm-storage', readOnly: false });
    expect(mount(c, '/dev/shm').name).toBe('dshm');
    expect(volume(spec, 'dshm').emptyDir).toEqual({ medium: 'Memory', sizeLimit: '20Gi' });
    expect(volume(spec, 'vllm-storage').persistentVolumeClaim).toEqual({ claimName: 'vllm-llama3-storage-claim' });
    expect(spec.runtimeClassName).toBe('nvidia');
  });

  test('LMCache disaggregated prefill (enablePD): hostIPC needs the privileged level, and the fix says so', () => {
    const build = (level?: PodSecurityLevel) => {
      const chart = newChart('vllm-pd');
      new AiInferencePod(chart, 'llm', {
        metadata: { name: 'llm' },
        server: { image: 'lmcache/vllm-openai:v0.3.1', env: { LMCACHE_ENABLE_NIXL: 'True', UCX_TLS: 'cuda_ipc,cuda_copy,tcp' }, resources: { cpu: { request: '8' }, memory: { request: '64Gi', limit: '64Gi' } } },
        gpu: { count: 1 },
        hostIPC: true,
        security: level === undefined ? undefined : { level },
      });
      return chart;
    };
    const error = synthError(build());
    expect(error).toContain('spec: hostIPC is true, which Pod Security Standard "restricted" forbids');
    expect(error).toContain('security: { level: PodSecurityLevel.PRIVILEGED }');
    expect(error).not.toContain('PodSecurityLevel.BASELINE');
    expect(podSpec(synthWithWarnings(build(PodSecurityLevel.PRIVILEGED)).manifests[0]).hostIPC).toBe(true);
  });

  test('a PodVolume PVC mount without readOnly is read-only (the documented default), so a download cache must say readOnly: false', () => {
    const chart = newChart('vllm-ro');
    new AiInferencePod(chart, 'llm', {
      metadata: { name: 'llm' },
      server: { image: 'vllm/vllm-openai:v0.9.1', volumeMounts: [{ volume: PodVolume.persistentVolumeClaim('hf', 'hf-cache'), path: '/data' }] },
    });
    expect(mount(container(synth(chart)[0], 'server'), '/data').readOnly).toBe(true);
  });
});

describe('SGLang (sgl-project/sglang docker/k8s-sglang-service.yaml)', () => {
  test('tp 2 on 0.0.0.0:30000, HF cache claim, 10Gi shm, IPC_LOCK only with a declared privileged level', () => {
    const build = (level?: PodSecurityLevel) => {
      const chart = newChart('sglang');
      new AiInferenceDeployment(chart, 'sglang', {
        metadata: { name: 'meta-llama-31-8b-instruct-sglang', labels: { app: 'meta-llama-31-8b-instruct-sglang' } },
        server: {
          name: 'meta-llm',
          image: 'lmsysorg/sglang:v0.4.6.post1-cu124',
          command: ['python3', '-m', 'sglang.launch_server', '--model-path', 'meta-llama/Llama-3.1-8B-Instruct', '--host', '0.0.0.0', '--port', '30000', '--tp', '2'],
          port: 30000,
          secretEnv: { HF_TOKEN: { secretName: 'hf-token', key: 'token' } },
          env: { HF_HOME: '/data/hf' },
          health: HealthCheck.custom({ startup: Probe.httpGet('/health'), liveness: Probe.httpGet('/health', { period: Duration.seconds(15) }), readiness: Probe.httpGet('/health_generate') }),
          resources: { cpu: { request: '8' }, memory: { request: '40Gi', limit: '40Gi' } },
          volumeMounts: [{ volume: PodVolume.persistentVolumeClaim('hf-cache', 'sglang-hf-cache'), path: '/data/hf', readOnly: false }],
          security: { addCapabilities: ['IPC_LOCK'] },
        },
        gpu: { count: 2, shmSize: '10Gi' },
        security: level === undefined ? undefined : { level },
      });
      return chart;
    };
    // IPC_LOCK is beyond baseline too: the fix names the level that admits it
    expect(synthError(build())).toContain('container meta-llm adds capability IPC_LOCK, which Pod Security Standard "restricted" forbids. '
      + 'Fix: harden it back (the library\'s defaults pass "restricted"), or declare the relaxation: security: { level: PodSecurityLevel.PRIVILEGED }');
    expect(synthError(build(PodSecurityLevel.BASELINE))).toContain('adds capability IPC_LOCK, which Pod Security Standard "baseline" forbids');
    const { manifests } = synthWithWarnings(build(PodSecurityLevel.PRIVILEGED));
    const c = container(manifestOf(manifests, 'Deployment'), 'meta-llm');
    expect(c.securityContext.capabilities).toEqual({ add: ['IPC_LOCK'], drop: ['ALL'] });
    expect(c.readinessProbe.httpGet).toEqual({ path: '/health_generate', port: 30000 });
    expect(manifestOf(manifests, 'Service').spec.ports[0].targetPort).toBe(30000);
  });
});

describe('llama.cpp server, CPU only (ggml-org/llama.cpp tools/server README, Docker)', () => {
  test('a GGUF file fetched once, $(MODEL_PATH) as -m, no GPU, toleration or /dev/shm, CPU limit as given', () => {
    const chart = newChart('llamacpp');
    const pod = new AiInferencePod(chart, 'llamacpp', {
      metadata: { name: 'llama-cpp', labels: { app: 'llama-cpp' } },
      server: {
        name: 'llama-cpp',
        image: 'ghcr.io/ggml-org/llama.cpp:server-b5000',
        args: ['-m', '$(MODEL_PATH)', '--host', '0.0.0.0', '--port', '8080', '-c', '4096', '--threads', '4'],
        port: 8080,
        health: HealthCheck.http('/health'), // 503 while the model loads
        resources: { cpu: { request: '4', limit: '4' }, memory: { request: '8Gi', limit: '8Gi' } },
      },
    });
    new ModelPrepInit(pod, 'gguf', {
      source: ModelSource.http('https://huggingface.co/bartowski/Llama-3.2-3B-Instruct-GGUF/resolve/main/Llama-3.2-3B-Instruct-Q4_K_M.gguf'),
    });
    const { manifests } = synthWithWarnings(chart);
    const spec = podSpec(manifests[0]);
    const c = container(manifests[0], 'llama-cpp');
    expect(env(c, 'MODEL_PATH').value).toBe('/models/Llama-3.2-3B-Instruct-Q4_K_M.gguf');
    expect(c.resources).toEqual({ limits: { cpu: '4', memory: '8Gi' }, requests: { cpu: '4', memory: '8Gi' } });
    expect(spec.tolerations).toBeUndefined();
    expect(volume(spec, 'dshm')).toBeUndefined();
    expect(spec.initContainers.map((i: any) => i.name)).toEqual(['model-downloader']);
  });
});

describe('Ollama on AMD (otwld/ollama-helm templates/deployment.yaml, ollama/ollama:rocm)', () => {
  test('amd.com/gpu with its own toleration, models on a claim, probes on /', () => {
    const chart = newChart('ollama');
    new AiInferenceDeployment(chart, 'ollama', {
      metadata: { name: 'ollama', labels: { app: 'ollama' } },
      server: {
        name: 'ollama',
        image: 'ollama/ollama:0.6.8-rocm',
        port: 11434,
        // the image runs as root with HOME=/root; as user 1000 it needs a writable HOME and models dir
        env: { OLLAMA_HOST: '0.0.0.0:11434', OLLAMA_MODELS: '/models', HOME: '/tmp' },
        health: HealthCheck.http('/'),
        volumeMounts: [{ volume: PodVolume.persistentVolumeClaim('ollama-data', 'ollama'), path: '/models', readOnly: false }],
      },
      gpu: { count: 1, resourceName: 'amd.com/gpu' },
    });
    const { manifests, warnings } = synthWithWarnings(chart);
    const deploy = manifestOf(manifests, 'Deployment');
    expect(container(deploy, 'ollama').resources.limits['amd.com/gpu']).toBe('1');
    expect(podSpec(deploy).tolerations).toEqual([{ effect: 'NoSchedule', key: 'amd.com/gpu', operator: 'Exists' }]);
    expect(warnings).toBe('');
  });
});

describe('HF text-embeddings-inference on CPU (huggingface/text-embeddings-inference README, cpu-1.7 image)', () => {
  test('--model-id with HF_HOME on a bounded emptyDir, /health probes, no GPU', () => {
    const chart = newChart('tei');
    new AiInferenceDeployment(chart, 'tei', {
      metadata: { name: 'tei-bge', labels: { app: 'tei-bge' } },
      server: {
        name: 'tei',
        image: 'ghcr.io/huggingface/text-embeddings-inference:cpu-1.7',
        args: ['--model-id', 'BAAI/bge-large-en-v1.5', '--port', '8080', '--max-client-batch-size', '64'],
        port: 8080,
        env: { HF_HOME: '/data' },
        volumeMounts: [{ volume: PodVolume.emptyDir('data', { sizeLimit: '10Gi' }), path: '/data' }],
      },
    });
    const { manifests } = synthWithWarnings(chart);
    const deploy = manifestOf(manifests, 'Deployment');
    const c = container(deploy, 'tei');
    expect(mount(c, '/data').readOnly).toBe(false);
    expect(volume(podSpec(deploy), 'data').emptyDir).toEqual({ sizeLimit: '10Gi' });
    expect(c.startupProbe.httpGet).toEqual({ path: '/health', port: 8080 });
    expect(c.resources.limits['nvidia.com/gpu']).toBeUndefined();
  });
});

describe('TGI with sharding (huggingface/text-generation-inference README "Distributed"; GKE tgi sample)', () => {
  test('--num-shard 2 on 2 L4s, GKE accelerator node selector, ephemeral-storage as given', () => {
    const chart = newChart('tgi');
    new AiInferenceDeployment(chart, 'tgi', {
      metadata: { name: 'tgi-mistral', labels: { app: 'tgi-mistral' } },
      server: {
        name: 'tgi',
        image: 'ghcr.io/huggingface/text-generation-inference:3.3.4',
        args: ['--model-id', 'mistralai/Mistral-7B-Instruct-v0.3', '--num-shard', '2', '--port', '8080', '--max-input-tokens', '4096'],
        port: 8080,
        env: { HF_HOME: '/data' },
        secretEnv: { HF_TOKEN: { secretName: 'hf-secret', key: 'hf_api_token' } },
        health: HealthCheck.textGenerationInference(),
        volumeMounts: [{ volume: PodVolume.emptyDir('data'), path: '/data' }],
        resources: { cpu: { request: '2' }, memory: { request: '16Gi', limit: '16Gi' }, ephemeralStorage: { request: '20Gi', limit: '20Gi' } },
        // TGI 3.1+ installs Python under /root: it starts only as root (TGI#3082; the rootOnlyImages rule)
        security: { runAsNonRoot: false, runAsUser: 0 },
      },
      gpu: { count: 2, nodeSelector: { 'cloud.google.com/gke-accelerator': 'nvidia-l4' } },
      security: { level: PodSecurityLevel.BASELINE },
    });
    const { manifests } = synthWithWarnings(chart);
    const deploy = manifestOf(manifests, 'Deployment');
    const c = container(deploy, 'tgi');
    expect(c.resources.requests).toEqual({ 'cpu': '2', 'memory': '16Gi', 'ephemeral-storage': '20Gi', 'nvidia.com/gpu': '2' });
    expect(podSpec(deploy).nodeSelector).toEqual({ 'cloud.google.com/gke-accelerator': 'nvidia-l4' });
    expect(c.startupProbe.httpGet.path).toBe('/health');
  });
});

describe('Triton with two model repositories (triton-inference-server/server docs/user_guide/model_repository.md)', () => {
  test('two ModelPrepInits, each with its own volume, mount and variable, both repositories read-only in the server', () => {
    const chart = newChart('triton');
    const triton = new AiInferenceDeployment(chart, 'triton', {
      metadata: { name: 'triton', labels: { app: 'triton' } },
      server: {
        name: 'triton',
        image: 'nvcr.io/nvidia/tritonserver:24.08-py3',
        command: ['tritonserver'],
        args: ['--model-repository=$(VISION_MODELS)', '--model-repository=$(TEXT_MODELS)', '--model-control-mode=poll'],
        extraPorts: [{ number: 8001, name: 'grpc' }, { number: 8002, name: 'metrics' }],
        health: HealthCheck.triton(),
      },
      gpu: { count: 1 },
    });
    new ModelPrepInit(triton, 'vision', { name: 'vision-models', source: ModelSource.s3('s3://models/vision/'), mountPath: '/models/vision', volumeName: 'vision', modelPathEnv: 'VISION_MODELS' });
    new ModelPrepInit(triton, 'text', { name: 'text-models', source: ModelSource.gcs('gs://models/text/'), mountPath: '/models/text', volumeName: 'text', modelPathEnv: 'TEXT_MODELS' });
    const { manifests } = synthWithWarnings(chart);
    const deploy = manifestOf(manifests, 'Deployment');
    const c = container(deploy, 'triton');
    expect(env(c, 'VISION_MODELS').value).toBe('/models/vision/vision');
    expect(env(c, 'TEXT_MODELS').value).toBe('/models/text/text');
    expect(mount(c, '/models/vision')).toMatchObject({ name: 'vision', readOnly: true });
    expect(mount(c, '/models/text')).toMatchObject({ name: 'text', readOnly: true });
    expect(c.readinessProbe.httpGet.path).toBe('/v2/health/ready');
    expect(c.livenessProbe.httpGet.path).toBe('/v2/health/live');
  });
});

describe('NVIDIA NIM (NVIDIA/nim-deploy helm/nim-llm, NVIDIA/k8s-nim-operator)', () => {
  test('NGC key from a Secret, pull secret, cache claim writable, /dev/shm 16Gi, 30-minute startup on /v1/health/ready', () => {
    const chart = newChart('nim');
    new AiInferenceDeployment(chart, 'nim', {
      metadata: { name: 'meta-llama3-8b-instruct', labels: { app: 'meta-llama3-8b-instruct' } },
      server: {
        name: 'nim-llm',
        image: 'nvcr.io/nim/meta/llama3-8b-instruct:1.0.3',
        env: { NIM_CACHE_PATH: '/model-store', OUTLINES_CACHE_DIR: '/tmp/outlines' },
        secretEnv: { NGC_API_KEY: { secretName: 'ngc-api', key: 'NGC_API_KEY' } },
        health: HealthCheck.nim(),
        volumeMounts: [{ volume: PodVolume.persistentVolumeClaim('nim-cache', 'nim-cache-pvc'), path: '/model-store', readOnly: false }],
        resources: { cpu: { request: '4' }, memory: { request: '32Gi', limit: '32Gi' } },
      },
      gpu: { count: 1, shmSize: '16Gi' },
      imagePullSecrets: ['ngc-secret'],
      modelLoadTimeout: Duration.minutes(30),
    });
    const { manifests } = synthWithWarnings(chart);
    const deploy = manifestOf(manifests, 'Deployment');
    const spec = podSpec(deploy);
    const c = container(deploy, 'nim-llm');
    expect(spec.imagePullSecrets).toEqual([{ name: 'ngc-secret' }]);
    expect(env(c, 'NGC_API_KEY').valueFrom.secretKeyRef).toEqual({ key: 'NGC_API_KEY', name: 'ngc-api' });
    expect(c.startupProbe).toMatchObject({ httpGet: { path: '/v1/health/ready', port: 8000 }, periodSeconds: 10, failureThreshold: 180 });
    expect(c.livenessProbe.httpGet.path).toBe('/v1/health/live');
    expect(mount(c, '/model-store').readOnly).toBe(false);
    expect(volume(spec, 'dshm').emptyDir.sizeLimit).toBe('16Gi');
    expect(spec.securityContext).toMatchObject({ runAsUser: 1000, fsGroup: 1000 });
  });
});

describe('KServe predictor (kserve/kserve pkg/utils/storage.go, storage_initializer_injector.go)', () => {
  test('storage-initializer filling kserve-provision-location, read-only at /mnt/models in kserve-container, TCP readiness on 8080', () => {
    const chart = newChart('kserve');
    const location = PodVolume.emptyDir('kserve-provision-location');
    const predictor = new AiInferenceDeployment(chart, 'predictor', {
      metadata: { name: 'sklearn-iris-predictor', labels: { app: 'isvc.sklearn-iris-predictor' } },
      server: {
        name: 'kserve-container',
        image: 'kserve/sklearnserver:v0.14.0',
        args: ['--model_name=sklearn-iris', '--model_dir=/mnt/models', '--http_port=8080'],
        port: 8080,
        health: HealthCheck.custom({ readiness: Probe.tcp({ period: Duration.seconds(10), timeout: Duration.seconds(1) }) }),
        volumeMounts: [{ volume: location, path: '/mnt/models', readOnly: true }],
      },
    });
    new InitContainer(predictor, 'storage-initializer', {
      name: 'storage-initializer',
      image: 'kserve/storage-initializer:v0.14.0',
      args: ['gs://kfserving-examples/models/sklearn/1.0/model', '/mnt/models'],
      resources: { cpu: { request: '100m', limit: '1' }, memory: { request: '100Mi', limit: '1Gi' } },
      podVolumeMounts: [{ volume: location, path: '/mnt/models' }],
    });
    const { manifests } = synthWithWarnings(chart);
    const deploy = manifestOf(manifests, 'Deployment');
    const spec = podSpec(deploy);
    const init = container(deploy, 'storage-initializer');
    expect(init.args).toEqual(['gs://kfserving-examples/models/sklearn/1.0/model', '/mnt/models']);
    expect(init.terminationMessagePolicy).toBe('FallbackToLogsOnError');
    expect(mount(init, '/mnt/models').readOnly).toBe(false);
    expect(mount(container(deploy, 'kserve-container'), '/mnt/models').readOnly).toBe(true);
    expect(spec.volumes.filter((v: any) => v.name === 'kserve-provision-location')).toEqual([{ name: 'kserve-provision-location', emptyDir: {} }]);
    const c = container(deploy, 'kserve-container');
    expect(c.readinessProbe).toEqual({ failureThreshold: 3, periodSeconds: 10, tcpSocket: { port: 8080 }, timeoutSeconds: 1 });
    expect(c.livenessProbe).toBeUndefined();
  });

  test('modelcar (oci://): copied by the image itself below 1.35, an image volume with subPath from 1.35', () => {
    const build = (target: KubernetesTarget) => {
      const chart = newChart('modelcar');
      const pod = new AiInferencePod(chart, 'predictor', {
        metadata: { name: 'granite-predictor' },
        target,
        server: { name: 'kserve-container', image: 'kserve/huggingfaceserver:v0.14.0', args: ['--model_dir=$(MODEL_PATH)'], port: 8080 },
      });
      new ModelPrepInit(pod, 'modelcar', { source: ModelSource.ociImage(`quay.io/example/modelcar-granite@sha256:${'a'.repeat(64)}`, { path: '/models' }), mountPath: '/mnt/models' });
      return synthWithWarnings(chart).manifests[0];
    };
    const copied = build(KubernetesTarget.V1_33);
    expect(podSpec(copied).initContainers[0].image).toBe(`quay.io/example/modelcar-granite@sha256:${'a'.repeat(64)}`);
    expect(env(container(copied, 'kserve-container'), 'MODEL_PATH').value).toBe('/mnt/models/modelcar-granite');
    const mounted = build(KubernetesTarget.of('1.35'));
    expect(podSpec(mounted).initContainers).toBeUndefined();
    expect(volume(podSpec(mounted), 'model-storage').image).toEqual({ reference: `quay.io/example/modelcar-granite@sha256:${'a'.repeat(64)}` });
    expect(mount(container(mounted, 'kserve-container'), '/mnt/models/modelcar-granite')).toMatchObject({ readOnly: true, subPath: 'models' });
  });

  test("KServe's own modelcar layout: a sidecar linking /proc/<pid>/root/models, shareProcessNamespace", () => {
    const chart = newChart('modelcar-sidecar');
    const location = PodVolume.emptyDir('kserve-provision-location');
    const pod = new AiInferencePod(chart, 'predictor', {
      metadata: { name: 'granite-predictor' },
      server: {
        name: 'kserve-container', image: 'kserve/huggingfaceserver:v0.14.0', args: ['--model_dir=/mnt/models'], port: 8080, env: { MODEL_INIT_MODE: 'async' },
        volumeMounts: [{ volume: location, path: '/mnt' }],
      },
      shareProcessNamespace: true,
    });
    new Sidecar(pod, 'modelcar', {
      name: 'modelcar',
      image: `quay.io/example/modelcar-granite@sha256:${'a'.repeat(64)}`,
      // $$$$ reaches the shell as $$ (Kubernetes unescapes $$ to $)
      command: ['sh', '-c', 'ln -sf /proc/$$$$/root/models /mnt/ && sleep infinity'],
      podVolumeMounts: [{ volume: location, path: '/mnt' }],
      resources: { cpu: { request: '10m', limit: '10m' }, memory: { request: '15Mi', limit: '15Mi' } },
    });
    const { manifests } = synthWithWarnings(chart);
    const spec = podSpec(manifests[0]);
    expect(spec.shareProcessNamespace).toBe(true);
    expect(container(manifests[0], 'modelcar')).toMatchObject({ restartPolicy: 'Always', resources: { limits: { cpu: '10m', memory: '15Mi' } } });
  });
});

describe('Ray Serve worker (ray-project/kuberay ray-operator/config/samples/ray-service.*.yaml, worker group)', () => {
  test('ray start --block against the head, raylet health by exec probes, ray stop before SIGTERM', () => {
    const chart = newChart('ray');
    const healthz = ['bash', '-c', 'wget -T 2 -q -O- http://localhost:52365/api/local_raylet_healthz | grep success'];
    new AiInferencePod(chart, 'worker', {
      metadata: { name: 'ray-worker', labels: { 'ray.io/node-type': 'worker' } },
      server: {
        name: 'ray-worker',
        image: 'rayproject/ray-ml:2.9.0-gpu',
        command: ['/bin/bash', '-lc', '--'],
        args: ['ulimit -n 65536; ray start --address=$(RAY_HEAD_SERVICE_HOST):6379 --block --num-gpus=1'],
        env: { RAY_HEAD_SERVICE_HOST: 'rayservice-head-svc.default.svc.cluster.local', HOME: '/tmp' },
        health: HealthCheck.custom({
          liveness: Probe.exec(healthz, { initialDelay: Duration.seconds(30), period: Duration.seconds(5), failureThreshold: 120 }),
          readiness: Probe.exec(healthz, { initialDelay: Duration.seconds(10), period: Duration.seconds(5), failureThreshold: 10 }),
        }),
        preStopCommand: ['/bin/sh', '-c', 'ray stop'],
        resources: { cpu: { request: '8', limit: '8' }, memory: { request: '32Gi', limit: '32Gi' } },
      },
      gpu: { count: 1 },
    });
    const { manifests } = synthWithWarnings(chart);
    const c = container(manifests[0], 'ray-worker');
    expect(c.livenessProbe).toMatchObject({ exec: { command: healthz }, initialDelaySeconds: 30, failureThreshold: 120 });
    expect(c.lifecycle).toEqual({ preStop: { exec: { command: ['/bin/sh', '-c', 'ray stop'] } } });
    expect(c.startupProbe).toBeUndefined();
  });
});

describe('LeaderWorkerSet multi-node vLLM (vllm-project/vllm docs/deployment/frameworks/lws.md)', () => {
  const LEADER = 'bash /vllm-workspace/examples/online_serving/multi-node-serving.sh leader --ray_cluster_size=$(LWS_GROUP_SIZE); '
    + 'vllm serve meta-llama/Meta-Llama-3.1-405B-Instruct --port 8080 --tensor-parallel-size 8 --pipeline_parallel_size 2';
  const WORKER = 'bash /vllm-workspace/examples/online_serving/multi-node-serving.sh worker --ray_address=$(LWS_LEADER_ADDRESS)';

  function template(role: string, command: string, strict = false): { spec: any; warnings: string } {
    const chart = new Chart(Testing.app(), role);
    if (strict) {
      chart.node.setContext(WARNINGS_AS_ERRORS_CONTEXT, true);
    }
    new AiInferencePod(chart, role, {
      metadata: { name: role },
      server: {
        name: `vllm-${role}`,
        image: 'vllm/vllm-openai:v0.9.1',
        command: ['sh', '-c', command],
        port: 8080,
        health: role === 'leader' ? HealthCheck.custom({ readiness: Probe.tcp({ initialDelay: Duration.seconds(15), period: Duration.seconds(10) }) }) : HealthCheck.none(),
        resources: { cpu: { request: '125' }, memory: { request: '1124Gi', limit: '1124Gi' }, ephemeralStorage: { request: '800Gi', limit: '800Gi' } },
      },
      gpu: { count: 8, shmSize: '15Gi' },
    });
    const { manifests, warnings } = synthWithWarnings(chart);
    return { spec: manifests[0].spec, warnings };
  }

  test('leader and worker pod specs embedded in a LeaderWorkerSet; $(LWS_*) set by its controller is a warning, not an error', () => {
    const leader = template('leader', LEADER);
    const worker = template('worker', WORKER);
    expect(leader.warnings).toContain('refers to $(LWS_GROUP_SIZE), which only the LeaderWorkerSet controller sets');
    expect(worker.warnings).toContain('refers to $(LWS_LEADER_ADDRESS), which only the LeaderWorkerSet controller sets');
    const chart = newChart('lws');
    new ApiObject(chart, 'lws', {
      apiVersion: 'leaderworkerset.x-k8s.io/v1',
      kind: 'LeaderWorkerSet',
      metadata: { name: 'vllm' },
      spec: {
        replicas: 1,
        leaderWorkerTemplate: {
          size: 2,
          restartPolicy: 'RecreateGroupOnPodRestart',
          leaderTemplate: { metadata: { labels: { role: 'leader' } }, spec: leader.spec },
          workerTemplate: { spec: worker.spec },
        },
      },
    } as any);
    const lws = App._synthChart(chart)[0];
    const leaderContainer = lws.spec.leaderWorkerTemplate.leaderTemplate.spec.containers[0];
    expect(leaderContainer.command[2]).toBe(LEADER);
    expect(leaderContainer.resources.limits['nvidia.com/gpu']).toBe('8');
    expect(lws.spec.leaderWorkerTemplate.workerTemplate.spec.containers[0].readinessProbe).toBeUndefined();
  });

  test('an undefined $(LWS_*) is still an error with warningsAsErrors, and any other undefined variable is an error', () => {
    expect(() => template('worker', WORKER, true)).toThrow(/LWS_LEADER_ADDRESS/);
    const chart = newChart('typo');
    new AiInferencePod(chart, 'pod', { metadata: { name: 'pod' }, server: { image: 'vllm/vllm-openai:v0.9.1', command: ['sh', '-c', 'ray start --address=$(LWS_LEADER_ADDR)'] } });
    expect(synthError(chart)).toContain('refers to $(LWS_LEADER_ADDR), which the container\'s env does not set');
  });
});

describe('Indexed Job shards (kubernetes.io/docs/tasks/job/indexed-parallel-processing-static)', () => {
  function job(mode?: string): Chart {
    const chart = newChart('shards');
    const workload = new kplus.Job(chart, 'shards', { metadata: { name: 'embed-shards' } });
    if (mode) {
      ApiObject.of(workload).addJsonPatch(JsonPatch.add('/spec/completionMode', mode), JsonPatch.add('/spec/completions', 4), JsonPatch.add('/spec/parallelism', 4));
    }
    new InferenceServer(workload, 'server', { server: { image: 'myrepo/batch-embed:1.0', args: ['--shard', '$(JOB_COMPLETION_INDEX)', '--num-shards', '4'], health: HealthCheck.none() } });
    return chart;
  }

  test('$(JOB_COMPLETION_INDEX) is set by the Job controller in an Indexed Job, and only there', () => {
    const { manifests } = synthWithWarnings(job('Indexed'));
    expect(container(manifestOf(manifests, 'Job'), 'server').args[1]).toBe('$(JOB_COMPLETION_INDEX)');
    expect(synthError(job())).toContain('refers to $(JOB_COMPLETION_INDEX), which the container\'s env does not set');
    expect(synthError(job('NonIndexed'))).toContain('$(JOB_COMPLETION_INDEX)');
  });
});

describe('accelerators other than a whole NVIDIA GPU', () => {
  function gpuPod(gpu: any, extra: any = {}): { spec: any; server: any; warnings: string } {
    const chart = newChart('accel');
    new AiInferencePod(chart, 'pod', { metadata: { name: 'accel' }, server: { image: 'vllm/vllm-openai:v0.9.1', ...extra.server }, gpu, ...extra.pod });
    const { manifests, warnings } = synthWithWarnings(chart);
    return { spec: podSpec(manifests[0]), server: container(manifests[0], 'server'), warnings };
  }

  test('MIG profile (GPU operator mixed strategy): the resource as named, the toleration for the nvidia.com/gpu taint', () => {
    const mig = gpuPod({ count: 1, resourceName: 'nvidia.com/mig-1g.10gb' });
    expect(mig.server.resources.limits['nvidia.com/mig-1g.10gb']).toBe('1');
    expect(mig.spec.tolerations).toEqual([{ effect: 'NoSchedule', key: 'nvidia.com/gpu', operator: 'Exists' }]);
  });

  test('time-sliced GPUs renamed nvidia.com/gpu.shared: tolerated on nvidia.com/gpu, no false toleration warning', () => {
    const shared = gpuPod({ count: 1, resourceName: 'nvidia.com/gpu.shared' });
    expect(shared.server.resources.requests['nvidia.com/gpu.shared']).toBe('1');
    expect(shared.spec.tolerations).toEqual([{ effect: 'NoSchedule', key: 'nvidia.com/gpu', operator: 'Exists' }]);
    expect(shared.warnings).toBe('');
    // tolerate: false says the nodes carry no such taint: no toleration, and no warning about it
    const untolerated = gpuPod({ count: 1, resourceName: 'nvidia.com/gpu.shared', tolerate: false });
    expect(untolerated.spec.tolerations).toBeUndefined();
    expect(untolerated.warnings).not.toContain('does not tolerate');
  });

  test('Intel Gaudi: habana.ai/gaudi, SYS_NICE only with a declared privileged level (tgi-gaudi)', () => {
    const gaudi = gpuPod({ count: 8, resourceName: 'habana.ai/gaudi' }, {
      server: {
        image: 'ghcr.io/huggingface/tgi-gaudi:2.3.1', args: ['--model-id', 'meta-llama/Llama-3.1-70B-Instruct', '--sharded', 'true', '--num-shard', '8', '--port', '8000'],
        env: { HABANA_VISIBLE_DEVICES: 'all', OMPI_MCA_btl_vader_single_copy_mechanism: 'none', PT_HPU_ENABLE_LAZY_COLLECTIVES: 'true' }, security: { addCapabilities: ['SYS_NICE'] },
      },
      pod: { security: { level: PodSecurityLevel.PRIVILEGED } },
    });
    expect(gaudi.server.resources.limits['habana.ai/gaudi']).toBe('8');
    expect(gaudi.spec.tolerations).toEqual([{ effect: 'NoSchedule', key: 'habana.ai/gaudi', operator: 'Exists' }]);
    expect(gaudi.server.securityContext.capabilities.add).toEqual(['SYS_NICE']);
  });

  test('AWS Neuron: aws.amazon.com/neuron with its taint and an instance-type selector', () => {
    const neuron = gpuPod({ count: 1, resourceName: 'aws.amazon.com/neuron' }, { pod: { nodeSelector: { 'node.kubernetes.io/instance-type': 'inf2.xlarge' } } });
    expect(neuron.server.resources.limits['aws.amazon.com/neuron']).toBe('1');
    expect(neuron.spec.tolerations[0].key).toBe('aws.amazon.com/neuron');
    expect(neuron.spec.nodeSelector).toEqual({ 'node.kubernetes.io/instance-type': 'inf2.xlarge' });
  });

  test('Google TPU on GKE: google.com/tpu 4, accelerator and topology selectors, the google.com/tpu taint', () => {
    const tpu = gpuPod({ count: 4, resourceName: 'google.com/tpu', nodeSelector: { 'cloud.google.com/gke-tpu-accelerator': 'tpu-v5-lite-podslice', 'cloud.google.com/gke-tpu-topology': '2x2' } },
      { server: { image: 'vllm/vllm-tpu:v0.9.1', command: ['vllm', 'serve', 'meta-llama/Llama-3.1-8B-Instruct', '--tensor-parallel-size', '4'] } });
    expect(tpu.server.resources).toMatchObject({ limits: { 'google.com/tpu': '4' }, requests: { 'google.com/tpu': '4' } });
    expect(tpu.spec.nodeSelector).toEqual({ 'cloud.google.com/gke-tpu-accelerator': 'tpu-v5-lite-podslice', 'cloud.google.com/gke-tpu-topology': '2x2' });
    expect(tpu.spec.tolerations).toEqual([{ effect: 'NoSchedule', key: 'google.com/tpu', operator: 'Exists' }]);
  });
});
