/**
 * Production pods, thirteenth batch (new-user review 13, 2026-11): Hugging Face's TEI on a GKE GPU with
 * the model copied from Cloud Storage into a generic ephemeral volume; the Gateway API Inference
 * Extension's vLLM gRPC model server and its CPU model server with the adapter loader; and llm-d's
 * wide expert-parallel decode worker (a LeaderWorkerSet worker template with the routing sidecar, NIXL
 * and NVSHMEM over RDMA). Each describe names the public source it follows; each pod goes through the
 * real App synth, the official schema and the object rules, and the fields that matter are asserted
 * against the manifest.
 */
import { ApiObject, Duration, Testing } from 'cdk8s';
import {
  AiInferenceDeployment, AiInferencePod, HealthCheck, ImagePullPolicy, InitContainer, PodField, PodSecurityLevel, PodVolume, Probe, Sidecar,
} from '../src';
import { env, mount, synthWithWarnings, templateOf, volume } from './helpers/pod-parts';
import { container, manifestOf, newChart, podSpec } from './helpers/synth';

// Source: huggingface/Google-Cloud-Containers examples/gke/tei-from-gcs-deployment/gpu-config/deployment.yaml
// and service.yaml (106296b6): Deployment "tei-deployment" in hf-gke-namespace, pod labels app tei-server,
// hf.co/model BAAI--bge-base-en-v1, hf.co/task text-embeddings; service account hf-gke-service-account (Workload
// Identity for the bucket); init container "init" google/cloud-sdk:slim, `sh -c "gcloud storage cp -r
// gs://$BUCKET_PATH /data"` with BUCKET_PATH hf-models-gke-bucket/bge-base-en-v1.5, cpu 8.0 requested; the TEI DLC
// (cu122 1-2, tag latest) with MODEL_ID /data/bge-base-en-v1.5, NUM_SHARD 1, PORT 8080, HUGGINGFACE_OFFLINE 1, one
// GPU, no port and no probe; /dev/shm a 1Gi memory emptyDir; /data a generic ephemeral volume (ReadWriteOnce, class
// ssd, 48Gi); node selector cloud.google.com/gke-accelerator nvidia-tesla-t4. The Service tei-service: ClusterIP
// 8080 → 8080.
describe('Hugging Face TEI on a GKE T4 from a Cloud Storage bucket (huggingface/Google-Cloud-Containers tei-from-gcs-deployment)', () => {
  test('gcloud copies the model into a 48Gi ephemeral claim, TEI reads it offline on one GPU, 1Gi /dev/shm, the Service 8080', () => {
    const chart = newChart('tei-gcs');
    const data = PodVolume.ephemeral('gcs-mount', { storage: '48Gi', storageClassName: 'ssd' });
    const tei = new AiInferenceDeployment(chart, 'tei', {
      metadata: { name: 'tei-deployment', namespace: 'hf-gke-namespace', labels: { app: 'tei-server' } },
      podMetadata: { labels: { 'hf.co/model': 'BAAI--bge-base-en-v1', 'hf.co/task': 'text-embeddings' } },
      serviceAccountName: 'hf-gke-service-account',
      server: {
        name: 'tei-container',
        image: 'us-docker.pkg.dev/deeplearning-platform-release/gcr.io/huggingface-text-embeddings-inference-cu122.1-2.ubuntu2204:latest',
        port: 8080,
        env: { MODEL_ID: '/data/bge-base-en-v1.5', NUM_SHARD: '1', PORT: '8080', HUGGINGFACE_OFFLINE: '1' },
        // the manifest has no probe at all
        health: HealthCheck.none(),
        // the manifest requests the GPU only: {} keeps the library's cpu and memory defaults out
        resources: {},
        volumeMounts: [{ volume: data, path: '/data' }],
      },
      gpu: { count: 1, shmSize: '1Gi', nodeSelector: { 'cloud.google.com/gke-accelerator': 'nvidia-tesla-t4' } },
      serviceOptions: { name: 'tei-service' },
      security: { level: PodSecurityLevel.BASELINE },
    });
    new InitContainer(tei, 'init', {
      name: 'init',
      image: 'google/cloud-sdk:slim',
      command: ['sh', '-c'],
      args: ['gcloud storage cp -r gs://$BUCKET_PATH /data'],
      env: { BUCKET_PATH: 'hf-models-gke-bucket/bge-base-en-v1.5' },
      resources: { cpu: { request: '8.0' } },
      // the manifest gives it no securityContext: the image's root, HOME=/root writable. Under the library's defaults
      // (user 1000, read-only root filesystem, no /tmp) gcloud has no writable HOME for its config and fails at start
      security: { runAsUser: 0, runAsGroup: 0, runAsNonRoot: false, readOnlyRootFilesystem: false },
      podVolumeMounts: [{ volume: data, path: '/data' }],
    });
    const { manifests, warnings } = synthWithWarnings(chart);
    const deploy = manifestOf(manifests, 'Deployment');
    const spec = podSpec(deploy);
    const c = container(deploy, 'tei-container');
    const init = container(deploy, 'init');
    expect(deploy.metadata).toMatchObject({ name: 'tei-deployment', namespace: 'hf-gke-namespace' });
    expect(deploy.spec.template.metadata.labels).toMatchObject({ 'app': 'tei-server', 'hf.co/model': 'BAAI--bge-base-en-v1', 'hf.co/task': 'text-embeddings' });
    expect(spec.serviceAccountName).toBe('hf-gke-service-account');
    expect(init).toMatchObject({ image: 'google/cloud-sdk:slim', command: ['sh', '-c'], args: ['gcloud storage cp -r gs://$BUCKET_PATH /data'] });
    expect(env(init, 'BUCKET_PATH').value).toBe('hf-models-gke-bucket/bge-base-en-v1.5');
    expect(init.resources).toEqual({ requests: { cpu: '8.0' } });
    expect(init.securityContext).toMatchObject({ runAsUser: 0, runAsNonRoot: false, readOnlyRootFilesystem: false });
    expect(mount(init, '/data')).toMatchObject({ name: 'gcs-mount', readOnly: false });
    for (const [name, value] of Object.entries({ MODEL_ID: '/data/bge-base-en-v1.5', NUM_SHARD: '1', PORT: '8080', HUGGINGFACE_OFFLINE: '1' })) {
      expect(env(c, name)).toEqual({ name, value });
    }
    expect(c.startupProbe).toBeUndefined();
    expect(c.readinessProbe).toBeUndefined();
    expect(c.livenessProbe).toBeUndefined();
    expect(c.resources).toEqual({ requests: { 'nvidia.com/gpu': '1' }, limits: { 'nvidia.com/gpu': '1' } });
    expect(mount(c, '/data').name).toBe('gcs-mount');
    expect(volume(spec, 'gcs-mount').ephemeral.volumeClaimTemplate.spec).toMatchObject({
      accessModes: ['ReadWriteOnce'], storageClassName: 'ssd', resources: { requests: { storage: '48Gi' } },
    });
    expect(volume(spec, 'dshm').emptyDir).toEqual({ medium: 'Memory', sizeLimit: '1Gi' });
    expect(spec.nodeSelector).toEqual({ 'cloud.google.com/gke-accelerator': 'nvidia-tesla-t4' });
    const service = manifestOf(manifests, 'Service');
    expect(service.metadata).toMatchObject({ name: 'tei-service', namespace: 'hf-gke-namespace' });
    expect(service.spec.type ?? 'ClusterIP').toBe('ClusterIP');
    expect(service.spec.ports).toEqual([{ name: 'http', port: 8080, protocol: 'TCP', targetPort: 8080 }]);
    // the DLC's moving tag "latest", and the root init container the pod declares (baseline)
    expect(warnings).toContain('latest');
    expect(warnings).toContain('the pod meets Pod Security Standard "baseline", not "restricted", as security.level declares');
    expect(warnings.trim().split('\n')).toHaveLength(2);
  });
});

// Source: kubernetes-sigs/gateway-api-inference-extension config/manifests/vllm/gpu-grpc-deployment.yaml (e40b74c2):
// Deployment vllm-grpc-qwen3-32b, pod label inference.networking.k8s.io/engine-type vllm; container vllm-server,
// vllm/vllm-openai:v0.19.0, `python3 -m vllm.entrypoints.grpc_server --model Qwen/Qwen3-32B --tensor-parallel-size 1
// --gpu-memory-utilization 0.9 --max-num-seq 1024 --max-model-len 16000 --port 8000`, port 8000 named grpc; TCP
// probes only (vLLM's gRPC server does not implement grpc.health.v1): startup after 2 s every 1 s, 600 failures;
// readiness every 5 s, timeout 1 s, 3 failures; liveness every 10 s, timeout 5 s, 5 failures; one GPU; /data an
// emptyDir; /dev/shm a memory emptyDir named "shm" without a size. No Service: the InferencePool selects the pods.
describe('GIE vLLM gRPC model server (gateway-api-inference-extension config/manifests/vllm/gpu-grpc-deployment.yaml)', () => {
  test('the gRPC entrypoint on 8000 named grpc, three TCP probes with the manifest\'s timings, an unsized shm, no Service', () => {
    const chart = newChart('gie-grpc');
    new AiInferenceDeployment(chart, 'vllm', {
      metadata: { name: 'vllm-grpc-qwen3-32b', labels: { app: 'vllm-grpc-qwen3-32b' } },
      podMetadata: { labels: { 'inference.networking.k8s.io/engine-type': 'vllm' } },
      replicas: 1,
      service: false,
      server: {
        name: 'vllm-server',
        image: 'vllm/vllm-openai:v0.19.0',
        command: ['python3', '-m', 'vllm.entrypoints.grpc_server'],
        args: ['--model', 'Qwen/Qwen3-32B', '--tensor-parallel-size', '1', '--gpu-memory-utilization', '0.9', '--max-num-seq', '1024',
          '--max-model-len', '16000', '--port', '8000'],
        port: 8000,
        portName: 'grpc',
        resources: {},
        // no securityContext in the manifest: the image's root, HOME=/root writable. Under the library's defaults (user 1000,
        // read-only root filesystem, HOME=/ for a user the image does not know) vLLM's Hub download into ~/.cache fails
        security: { runAsUser: 0, runAsGroup: 0, runAsNonRoot: false, readOnlyRootFilesystem: false },
        health: HealthCheck.custom({
          startup: Probe.tcp({ initialDelay: Duration.seconds(2), period: Duration.seconds(1), failureThreshold: 600 }),
          readiness: Probe.tcp({ period: Duration.seconds(5), successThreshold: 1, failureThreshold: 3, timeout: Duration.seconds(1) }),
          liveness: Probe.tcp({ period: Duration.seconds(10), successThreshold: 1, failureThreshold: 5, timeout: Duration.seconds(5) }),
        }),
        volumeMounts: [
          { volume: PodVolume.emptyDir('data'), path: '/data' },
          { volume: PodVolume.emptyDir('shm', { memory: true }), path: '/dev/shm' },
        ],
      },
      gpu: { count: 1, sharedMemory: false },
      security: { level: PodSecurityLevel.BASELINE },
    });
    const { manifests, warnings } = synthWithWarnings(chart);
    expect(manifests.map(m => m.kind)).toEqual(['Deployment']);
    const deploy = manifestOf(manifests, 'Deployment');
    const spec = podSpec(deploy);
    const c = container(deploy, 'vllm-server');
    expect(deploy.spec.replicas).toBe(1);
    expect(deploy.spec.template.metadata.labels).toMatchObject({ 'app': 'vllm-grpc-qwen3-32b', 'inference.networking.k8s.io/engine-type': 'vllm' });
    expect(c.command).toEqual(['python3', '-m', 'vllm.entrypoints.grpc_server']);
    expect(c.args).toContain('Qwen/Qwen3-32B');
    expect(c.ports).toEqual([{ containerPort: 8000, name: 'grpc' }]);
    expect(c.startupProbe).toMatchObject({ tcpSocket: { port: 8000 }, initialDelaySeconds: 2, periodSeconds: 1, failureThreshold: 600 });
    const tcp = { tcpSocket: { port: 8000 }, successThreshold: 1 };
    expect(c.readinessProbe).toMatchObject({ ...tcp, periodSeconds: 5, failureThreshold: 3, timeoutSeconds: 1 });
    expect(c.livenessProbe).toMatchObject({ ...tcp, periodSeconds: 10, failureThreshold: 5, timeoutSeconds: 5 });
    expect(c.resources).toEqual({ requests: { 'nvidia.com/gpu': '1' }, limits: { 'nvidia.com/gpu': '1' } });
    expect(c.securityContext).toMatchObject({ runAsUser: 0, runAsNonRoot: false, readOnlyRootFilesystem: false });
    expect(volume(spec, 'data').emptyDir).toEqual({});
    expect(volume(spec, 'shm').emptyDir).toEqual({ medium: 'Memory' });
    expect(volume(spec, 'dshm')).toBeUndefined();
    expect(mount(c, '/dev/shm').name).toBe('shm');
    expect(warnings).toContain('the pod meets Pod Security Standard "baseline", not "restricted", as security.level declares: container vllm-server');
    expect(warnings.trim().split('\n')).toHaveLength(1);
  });
});

// Source: kubernetes-sigs/gateway-api-inference-extension config/manifests/vllm/cpu-deployment.yaml (014b0034):
// Deployment vllm-llama2-7b, 3 replicas; container "lora", public.ecr.aws/q9t5s3a7/vllm-cpu-release-repo:v0.7.2
// pulled Always, `python3 -m vllm.entrypoints.openai.api_server --model Qwen/Qwen2.5-1.5B-Instruct --port 8000
// --enable-lora --max-loras 4 --lora-modules <two JSON modules>`, env PORT 8000, VLLM_ALLOW_RUNTIME_LORA_UPDATING
// true, VLLM_CPU_KVCACHE_SPACE 4; port http 8000; liveness GET /health on "http" after 5 s every 5 s, timeout 1 s,
// 240 failures; readiness the same with 600 failures; no startup probe; no resources. Init container
// adapter-loader (ghcr.io/tomatillo-and-multiverse/adapter-puller:demo) `python ./pull_adapters.py --adapter
// ai-blond/Qwen-Qwen2.5-Coder-1.5B-Instruct-lora --duplicate-count 4` with HF_HOME /adapters. Volumes data,
// shm (memory, no size) and adapters, emptyDirs; restartPolicy Always, schedulerName default-scheduler, grace 30 s.
describe('GIE vLLM on CPU with the adapter loader (gateway-api-inference-extension config/manifests/vllm/cpu-deployment.yaml)', () => {
  test('LoRA modules as JSON args, liveness 240 × 5 s and readiness 600 × 5 s on "http", adapters pulled by an init container, an unsized shm', () => {
    const chart = newChart('gie-cpu');
    const adapters = PodVolume.emptyDir('adapters');
    const HEALTH = { portName: 'http', initialDelay: Duration.seconds(5), period: Duration.seconds(5), successThreshold: 1, timeout: Duration.seconds(1) };
    const vllm = new AiInferenceDeployment(chart, 'vllm', {
      metadata: { name: 'vllm-llama2-7b', labels: { app: 'vllm-llama2-7b' } },
      replicas: 3,
      schedulerName: 'default-scheduler',
      terminationGracePeriod: Duration.seconds(30),
      server: {
        name: 'lora',
        image: 'public.ecr.aws/q9t5s3a7/vllm-cpu-release-repo:v0.7.2',
        imagePullPolicy: ImagePullPolicy.ALWAYS,
        command: ['python3', '-m', 'vllm.entrypoints.openai.api_server'],
        args: ['--model', 'Qwen/Qwen2.5-1.5B-Instruct', '--port', '8000', '--enable-lora', '--max-loras', '4', '--lora-modules',
          '{"name": "tweet-summary-0", "path": "/adapters/ai-blond/Qwen-Qwen2.5-Coder-1.5B-Instruct-lora_0"}',
          '{"name": "tweet-summary-1", "path": "/adapters/ai-blond/Qwen-Qwen2.5-Coder-1.5B-Instruct-lora_1"}'],
        port: 8000,
        env: { PORT: '8000', VLLM_ALLOW_RUNTIME_LORA_UPDATING: 'true', VLLM_CPU_KVCACHE_SPACE: '4' },
        // no resources in the manifest: the library's 4Gi memory limit would not even hold the 4 GiB KV cache
        resources: {},
        // no securityContext in the manifest: the image's root, HOME=/root writable. Under the library's defaults (user 1000,
        // read-only root filesystem, HOME=/ for a user the image does not know) vLLM's Hub download into ~/.cache fails
        security: { runAsUser: 0, runAsGroup: 0, runAsNonRoot: false, readOnlyRootFilesystem: false },
        health: HealthCheck.custom({
          liveness: Probe.httpGet('/health', { ...HEALTH, failureThreshold: 240 }),
          readiness: Probe.httpGet('/health', { ...HEALTH, failureThreshold: 600 }),
        }),
        volumeMounts: [
          { volume: PodVolume.emptyDir('data'), path: '/data' },
          { volume: PodVolume.emptyDir('shm', { memory: true }), path: '/dev/shm' },
          { volume: adapters, path: '/adapters' },
        ],
      },
      security: { level: PodSecurityLevel.BASELINE },
    });
    new InitContainer(vllm, 'adapter-loader', {
      name: 'adapter-loader',
      image: 'ghcr.io/tomatillo-and-multiverse/adapter-puller:demo',
      command: ['python'],
      args: ['./pull_adapters.py', '--adapter', 'ai-blond/Qwen-Qwen2.5-Coder-1.5B-Instruct-lora', '--duplicate-count', '4'],
      env: { HF_HOME: '/adapters' },
      resources: {},
      podVolumeMounts: [{ volume: adapters, path: '/adapters' }],
    });
    const { manifests, warnings } = synthWithWarnings(chart);
    const deploy = manifestOf(manifests, 'Deployment');
    const spec = podSpec(deploy);
    const c = container(deploy, 'lora');
    const loader = container(deploy, 'adapter-loader');
    expect(deploy.spec.replicas).toBe(3);
    expect(spec).toMatchObject({ restartPolicy: 'Always', schedulerName: 'default-scheduler', terminationGracePeriodSeconds: 30 });
    expect(c.imagePullPolicy).toBe('Always');
    expect(c.args.slice(-2)).toEqual([
      '{"name": "tweet-summary-0", "path": "/adapters/ai-blond/Qwen-Qwen2.5-Coder-1.5B-Instruct-lora_0"}',
      '{"name": "tweet-summary-1", "path": "/adapters/ai-blond/Qwen-Qwen2.5-Coder-1.5B-Instruct-lora_1"}',
    ]);
    expect(env(c, 'VLLM_ALLOW_RUNTIME_LORA_UPDATING').value).toBe('true');
    expect(c.ports).toEqual([{ containerPort: 8000, name: 'http' }]);
    const probe = (failureThreshold: number) => ({
      httpGet: { path: '/health', port: 'http' }, initialDelaySeconds: 5, periodSeconds: 5, successThreshold: 1, timeoutSeconds: 1, failureThreshold,
    });
    expect(c.livenessProbe).toEqual(probe(240));
    expect(c.readinessProbe).toEqual(probe(600));
    expect(c.startupProbe).toBeUndefined();
    expect(c.resources).toBeUndefined();
    expect(loader.resources).toBeUndefined();
    expect(loader).toMatchObject({ command: ['python'], args: ['./pull_adapters.py', '--adapter', 'ai-blond/Qwen-Qwen2.5-Coder-1.5B-Instruct-lora', '--duplicate-count', '4'] });
    expect(env(loader, 'HF_HOME').value).toBe('/adapters');
    expect(mount(loader, '/adapters')).toMatchObject({ name: 'adapters', readOnly: false });
    expect(mount(c, '/adapters').name).toBe('adapters');
    expect(volume(spec, 'shm').emptyDir).toEqual({ medium: 'Memory' });
    expect(volume(spec, 'data').emptyDir).toEqual({});
    expect(spec.tolerations).toBeUndefined();
    expect(warnings).toContain('the pod meets Pod Security Standard "baseline", not "restricted", as security.level declares: container lora');
    expect(warnings.trim().split('\n')).toHaveLength(1);
  });
});

// Source: llm-d/llm-d guides/wide-ep-lws/manifests/modelserver/base/decode.yaml (3318b75d): the worker template of
// LeaderWorkerSet wide-ep-llm-d-decode (size 2) — labels llm-d.ai/inferenceServing, model and role decode; service
// account deepseek-r1; routing-proxy as a native sidecar (ghcr.io/llm-d/llm-d-routing-sidecar:v0.3.0 pulled Always,
// --port=8000 --vllm-port=8200 --connector=nixlv2 -v=1 --secure-proxy=false, container port 8000 unnamed,
// resources {}, no privilege escalation, non-root); vllm-worker (ghcr.io/llm-d/llm-d-cuda-dev:pr-429 pulled Always)
// as root (user 0, group 0) adding IPC_LOCK and SYS_RAWIO, `/bin/bash -c` with a script that clears /dev/shm and
// execs `vllm serve` with data-parallel ranks from LWS_WORKER_INDEX, LWS_GROUP_SIZE and LWS_LEADER_ADDRESS (which
// the LeaderWorkerSet controller injects); the DeepEP / NVSHMEM / NIXL env; port 8200 named metrics; startup GET
// /v1/models after 30 s every 10 s (timeout 5 s, 60 failures), liveness GET /health every 30 s, readiness GET
// /v1/models every 10 s; cpu 32 requested, memory 512Gi, ephemeral-storage 1Ti and 8 GPUs requested = limit;
// /dev/shm a 2Gi memory emptyDir.
describe('llm-d wide expert-parallel decode worker (llm-d guides/wide-ep-lws decode.yaml, LeaderWorkerSet)', () => {
  const SCRIPT = [
    '# Clear /dev/shm on start to prevent running out of space when crashes occur',
    'find /dev/shm -type f -delete',
    'START_RANK=$(( ${LWS_WORKER_INDEX:-0} * DP_SIZE_LOCAL ))',
    'exec vllm serve \\',
    '  deepseek-ai/DeepSeek-R1-0528 \\',
    '  --port 8200 \\',
    '  --trust-remote-code \\',
    '  --disable-uvicorn-access-log \\',
    '  --data-parallel-hybrid-lb \\',
    '  --enable-expert-parallel \\',
    '  --tensor-parallel-size $TP_SIZE \\',
    '  --data-parallel-size $((LWS_GROUP_SIZE * DP_SIZE_LOCAL)) \\',
    '  --data-parallel-size-local $DP_SIZE_LOCAL \\',
    '  --data-parallel-address ${LWS_LEADER_ADDRESS} \\',
    '  --data-parallel-rpc-port 5555 \\',
    '  --data-parallel-start-rank $START_RANK \\',
    '  --kv_transfer_config \'{"kv_connector":"NixlConnector",',
    '                          "kv_role":"kv_both"}\' \\',
    '  --async-scheduling \\',
    '  --enable-dbo \\',
    '  --dbo-decode-token-threshold 32 \\',
    '  --enable-eplb \\',
    '  --eplb-config \'{"window_size":"1000",',
    '                  "step_interval":"3000",',
    '                  "num_redundant_experts":"32",',
    '                  "log_balancedness":"False"}\' \\',
    '  --compilation_config \'{"cudagraph_mode": "FULL_DECODE_ONLY"}\' \\',
    '  --kv-cache-memory-bytes=${KV_CACHE_MEMORY_BYTES-}',
  ].join('\n');
  const ENV = {
    VLLM_MOE_DP_CHUNK_SIZE: '512', DP_SIZE_LOCAL: '8', TP_SIZE: '1', TRITON_LIBCUDA_PATH: '/usr/lib64', VLLM_SKIP_P2P_CHECK: '1',
    VLLM_RANDOMIZE_DP_DUMMY_INPUTS: '1', VLLM_USE_DEEP_GEMM: '1', VLLM_ALL2ALL_BACKEND: 'deepep_low_latency', NVIDIA_GDRCOPY: 'enabled',
    NVSHMEM_REMOTE_TRANSPORT: 'ibgda', NVSHMEM_IB_ENABLE_IBGDA: 'true', NVSHMEM_BOOTSTRAP_UID_SOCK_IFNAME: 'eth0', GLOO_SOCKET_IFNAME: 'eth0',
    NCCL_SOCKET_IFNAME: 'eth0', VLLM_LOGGING_LEVEL: 'INFO',
  };
  const LABELS = { 'llm-d.ai/inferenceServing': 'true', 'llm-d.ai/model': 'DeepSeek-R1-0528', 'llm-d.ai/role': 'decode' };

  function worker(chart: any): AiInferencePod {
    const pod = new AiInferencePod(chart, 'decode', {
      metadata: { labels: LABELS },
      serviceAccountName: 'deepseek-r1',
      server: {
        name: 'vllm-worker',
        image: 'ghcr.io/llm-d/llm-d-cuda-dev:pr-429',
        imagePullPolicy: ImagePullPolicy.ALWAYS,
        command: ['/bin/bash', '-c'],
        args: [SCRIPT],
        port: 8200,
        portName: 'metrics',
        env: ENV,
        fieldEnv: { VLLM_NIXL_SIDE_CHANNEL_HOST: PodField.POD_IP },
        health: HealthCheck.custom({
          startup: Probe.httpGet('/v1/models', { initialDelay: Duration.seconds(30), period: Duration.seconds(10), timeout: Duration.seconds(5), failureThreshold: 60 }),
          liveness: Probe.httpGet('/health', { period: Duration.seconds(30), timeout: Duration.seconds(5), failureThreshold: 3 }),
          readiness: Probe.httpGet('/v1/models', { period: Duration.seconds(10), timeout: Duration.seconds(5), failureThreshold: 3 }),
        }),
        resources: { cpu: { request: '32' }, memory: { request: '512Gi', limit: '512Gi' }, ephemeralStorage: { request: '1Ti', limit: '1Ti' } },
        // as written: root, two capabilities added, nothing dropped, the root filesystem writable (the script cleans /dev/shm)
        security: {
          runAsUser: 0, runAsGroup: 0, runAsNonRoot: false, addCapabilities: ['IPC_LOCK', 'SYS_RAWIO'], dropAllCapabilities: false, readOnlyRootFilesystem: false,
        },
      },
      gpu: { count: 8, shmSize: '2Gi' },
      security: { level: PodSecurityLevel.PRIVILEGED },
    });
    new Sidecar(pod, 'routing-proxy', {
      name: 'routing-proxy',
      image: 'ghcr.io/llm-d/llm-d-routing-sidecar:v0.3.0',
      imagePullPolicy: ImagePullPolicy.ALWAYS,
      args: ['--port=8000', '--vllm-port=8200', '--connector=nixlv2', '-v=1', '--secure-proxy=false'],
      ports: [{ number: 8000 }],
      resources: {},
      security: { allowPrivilegeEscalation: false, runAsNonRoot: true },
      frontDoor: { port: 8000, networkPolicy: false },
    });
    return pod;
  }

  test('routing-proxy in front of vLLM on 8200, root with IPC_LOCK and SYS_RAWIO, NVSHMEM env, 512Gi / 1Ti / 8 GPUs, in the LeaderWorkerSet', () => {
    const chart = newChart('llmd-wide-ep');
    const { template, warnings } = templateOf(worker(chart));
    new ApiObject(chart, 'lws', {
      apiVersion: 'leaderworkerset.x-k8s.io/v1', kind: 'LeaderWorkerSet', metadata: { name: 'wide-ep-llm-d-decode', labels: LABELS },
      spec: { replicas: 1, leaderWorkerTemplate: { size: 2, workerTemplate: template } },
    });
    const spec = template.spec;
    const c = spec.containers.find((x: any) => x.name === 'vllm-worker');
    const proxy = spec.initContainers.find((x: any) => x.name === 'routing-proxy');
    expect(template.metadata.labels).toMatchObject(LABELS);
    expect(spec.serviceAccountName).toBe('deepseek-r1');
    expect(proxy).toMatchObject({
      image: 'ghcr.io/llm-d/llm-d-routing-sidecar:v0.3.0', imagePullPolicy: 'Always', restartPolicy: 'Always',
      args: ['--port=8000', '--vllm-port=8200', '--connector=nixlv2', '-v=1', '--secure-proxy=false'],
    });
    expect(proxy.ports).toEqual([{ containerPort: 8000 }]);
    expect(proxy.securityContext).toMatchObject({ allowPrivilegeEscalation: false, runAsNonRoot: true });
    expect(proxy.resources).toBeUndefined();
    expect(c).toMatchObject({ image: 'ghcr.io/llm-d/llm-d-cuda-dev:pr-429', imagePullPolicy: 'Always', command: ['/bin/bash', '-c'], args: [SCRIPT] });
    expect(c.securityContext).toMatchObject({ runAsUser: 0, runAsGroup: 0, capabilities: { add: ['IPC_LOCK', 'SYS_RAWIO'] } });
    expect(c.securityContext.capabilities.drop).toBeUndefined();
    for (const [name, value] of Object.entries(ENV)) expect(env(c, name)).toEqual({ name, value });
    expect(env(c, 'VLLM_NIXL_SIDE_CHANNEL_HOST').valueFrom).toEqual({ fieldRef: { fieldPath: 'status.podIP' } });
    expect(c.ports).toEqual([{ containerPort: 8200, name: 'metrics' }]);
    expect(c.startupProbe).toMatchObject({ httpGet: { path: '/v1/models', port: 8200 }, initialDelaySeconds: 30, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 60 });
    expect(c.livenessProbe).toMatchObject({ httpGet: { path: '/health', port: 8200 }, periodSeconds: 30, timeoutSeconds: 5, failureThreshold: 3 });
    expect(c.readinessProbe).toMatchObject({ httpGet: { path: '/v1/models', port: 8200 }, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 3 });
    expect(c.resources).toEqual({
      requests: { 'cpu': '32', 'memory': '512Gi', 'ephemeral-storage': '1Ti', 'nvidia.com/gpu': '8' },
      limits: { 'memory': '512Gi', 'ephemeral-storage': '1Ti', 'nvidia.com/gpu': '8' },
    });
    expect(volume(spec, 'dshm').emptyDir).toEqual({ medium: 'Memory', sizeLimit: '2Gi' });
    expect(mount(c, '/dev/shm').name).toBe('dshm');
    // the declared privileged level is used (the capabilities beyond baseline): said once, by design
    expect(warnings).toContain('container vllm-worker adds capability IPC_LOCK; container vllm-worker adds capability SYS_RAWIO');
    expect(warnings.trim().split('\n')).toHaveLength(1);
    const written = Testing.synth(chart);
    expect(written.map(m => m.kind)).toEqual(['LeaderWorkerSet']);
  });
});
