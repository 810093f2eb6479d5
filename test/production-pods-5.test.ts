/**
 * Production pods, fifth batch (new-user review 5, 2026-11): serving systems not covered by
 * production-pods*.test.ts — OME's SGLang DeepSeek runtime over RDMA, vLLM on AMD Instinct MI300X
 * (ROCm blog), Infinity embeddings on AMD Instinct (AMD solution blueprints), LocalAI's Helm chart,
 * and KAITO workspace pods (single node and distributed). Each describe names the public manifest
 * (or operator source) it follows; each pod goes through the real App synth, the official schema and
 * the object rules, and the fields that matter are asserted. Where the real pod has a field the
 * library cannot express, the test says so (and shows the escape hatch).
 */
import { ApiObject, Duration, Testing } from 'cdk8s';
import {
  AiInferenceDeployment, AiInferencePod, DnsPolicy, HealthCheck, HostPathType, ImagePullPolicy, InitContainer, PodField,
  PodSecurityLevel, PodVolume, Probe, ProxySidecar, ProxyTls, SeccompProfileType,
} from '../src';
import { env, mount, synthWithWarnings, templateOf, volume } from './helpers/pod-parts';
import { expectRefused } from './helpers/refusal';
import { container, manifestOf, newChart, podSpec } from './helpers/synth';

// Source: sgl-project/ome config/runtimes/srt/deepseek-rdma-rt.yaml (ClusterServingRuntime
// srt-deepseek-rdma, engineConfig.worker): SGLang on 8 GPUs per node over RoCE — hostNetwork with
// ClusterFirstWithHostNet, hostIPC, enableServiceLinks false, a privileged container with IPC_LOCK and
// CAP_SYS_ADMIN, /dev/infiniband from the node, an unsized memory-backed /dev/shm, the node's IP from
// the downward API, no probes and no cpu/memory amounts. OME sets MODEL_PATH and PARALLELISM_SIZE in the
// container, the LeaderWorkerSet the LWS_* variables.
describe('OME SGLang DeepSeek worker over RDMA (srt-deepseek-rdma, engineConfig.worker)', () => {
  const command = ['python3', '-m', 'sglang.launch_server', '--host', '0.0.0.0', '--port', '8080', '--model-path', '$(MODEL_PATH)',
    '--tp-size', '$(PARALLELISM_SIZE)', '--nccl-init', '$(LWS_LEADER_ADDRESS):5000', '--nnodes', '$(LWS_GROUP_SIZE)',
    '--node-rank', '$(LWS_WORKER_INDEX)', '--trust-remote-code', '--served-model-name', 'deepseek-ai/DeepSeek-V3', '--enable-torch-compile',
    '--torch-compile-max-bs', '1', '--reasoning-parser', 'deepseek-r1', '--enable-metrics', '--ep-dispatch-algorithm', 'dynamic',
    '--moe-a2a-backend', 'deepep', '--deepep-mode', 'auto'];
  const hcaList = 'mlx5_0:1,mlx5_1:1,mlx5_3:1,mlx5_4:1,mlx5_5:1,mlx5_6:1,mlx5_7:1,mlx5_8:1,mlx5_9:1,mlx5_10:1,mlx5_12:1,mlx5_13:1,mlx5_14:1,mlx5_15:1,mlx5_16:1,mlx5_17:1';

  function worker(chart: any, injected: boolean): AiInferencePod {
    const pod = new AiInferencePod(chart, 'worker', {
      server: {
        name: 'ome-container',
        image: 'docker.io/lmsysorg/sglang:v0.5.5.post3-cu129-amd64',
        command,
        port: 8080,
        env: {
          MC_TE_METRIC: 'true', PYTHONUNBUFFERED: '1', GLOO_SOCKET_IFNAME: 'eth0', SGLANG_SET_CPU_AFFINITY: 'true', SGLANG_HACK_DEEPEP_NUM_SMS: '8',
          SGLANG_HACK_DEEPEP_NEW_MODE: '0', NVSHMEM_ENABLE_NIC_PE_MAPPING: '1', SGLANG_MOONCAKE_TRANS_THREAD: '8', SGLANG_ENABLE_JIT_DEEPGEMM: '1',
          SGLANG_CHUNKED_PREFIX_CACHE_THRESHOLD: '0', NVSHMEM_HCA_LIST: hcaList, NVSHMEM_IB_GID_INDEX: '3', NVSHMEM_DEBUG: 'INFO',
        },
        fieldEnv: { NODE_IP: PodField.HOST_IP },
        // the leader's probes cover the group; the worker has none
        health: HealthCheck.none(),
        // no cpu or memory amounts, as in the manifest (the library's 4Gi default limit would OOM-kill the load)
        resources: {},
        security: { privileged: true, addCapabilities: ['IPC_LOCK', 'CAP_SYS_ADMIN'], allowPrivilegeEscalation: true, runAsNonRoot: false, runAsUser: 0, readOnlyRootFilesystem: false },
        volumeMounts: [
          { volume: PodVolume.hostPath('devinf', '/dev/infiniband'), path: '/dev/infiniband', readOnly: false },
          { volume: PodVolume.emptyDir('dshm', { memory: true }), path: '/dev/shm' },
        ],
      },
      gpu: { count: 8, sharedMemory: false },
      hostIPC: true,
      hostNetwork: true,
      dnsPolicy: DnsPolicy.CLUSTER_FIRST_WITH_HOST_NET,
      enableServiceLinks: false,
      // OME's controller sets these two in the container; the template does not
      injectedEnv: injected ? ['MODEL_PATH', 'PARALLELISM_SIZE'] : undefined,
      security: { level: PodSecurityLevel.PRIVILEGED, runAsNonRoot: false, runAsUser: 0, runAsGroup: 0 },
    });
    return pod;
  }

  test('hostNetwork with ClusterFirstWithHostNet and hostIPC, privileged with IPC_LOCK and CAP_SYS_ADMIN, /dev/infiniband from the node, 8 GPUs, the node IP', () => {
    const chart = newChart('ome-worker');
    const { template, warnings } = templateOf(worker(chart, true));
    new ApiObject(chart, 'lws', {
      apiVersion: 'leaderworkerset.x-k8s.io/v1', kind: 'LeaderWorkerSet', metadata: { name: 'deepseek' },
      spec: { leaderWorkerTemplate: { size: 2, workerTemplate: template } },
    });
    const spec = template.spec;
    const c = spec.containers[0];
    expect(spec.hostNetwork).toBe(true);
    expect(spec.dnsPolicy).toBe('ClusterFirstWithHostNet');
    expect(spec.hostIPC).toBe(true);
    expect(spec.enableServiceLinks).toBe(false);
    expect(c.securityContext).toMatchObject({ privileged: true, capabilities: { add: ['IPC_LOCK', 'CAP_SYS_ADMIN'] } });
    // the manifest drops nothing; privileged makes the library's drop ALL moot
    expect(c.securityContext.capabilities.drop).toEqual(['ALL']);
    expect(volume(spec, 'devinf').hostPath).toEqual({ path: '/dev/infiniband' });
    expect(volume(spec, 'dshm').emptyDir).toEqual({ medium: 'Memory' });
    expect(mount(c, '/dev/infiniband')).toMatchObject({ name: 'devinf', readOnly: false });
    expect(env(c, 'NODE_IP')).toEqual({ name: 'NODE_IP', valueFrom: { fieldRef: { fieldPath: 'status.hostIP' } } });
    expect(env(c, 'NVSHMEM_HCA_LIST').value).toBe(hcaList);
    // CAP_-prefixed names are what the manifest writes; the runtime accepts both spellings
    expect(c.command).toEqual(command);
    expect(c.resources).toEqual({ limits: { 'nvidia.com/gpu': '8' }, requests: { 'nvidia.com/gpu': '8' } });
    expect(c.readinessProbe).toBeUndefined();
    expect(spec.tolerations).toEqual([{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }]);
    // the LWS_* references are warnings even though the template is going into a LeaderWorkerSet
    expect(warnings).toContain('refers to $(LWS_LEADER_ADDRESS), which only the LeaderWorkerSet controller sets');
    expect(warnings).not.toContain('MODEL_PATH');
    expect(warnings).not.toContain('PARALLELISM_SIZE');
    expect(warnings).not.toContain('on a pod with hostNetwork');
    expect(warnings).toContain('the pod meets Pod Security Standard "privileged", not "restricted", as security.level declares: hostNetwork is true');
    expect(env(c, 'MODEL_PATH')).toBeUndefined();
    // the chart writes the LeaderWorkerSet only (its pods are the controller's)
    expect(Testing.synth(chart).map((m: any) => m.kind)).toEqual(['LeaderWorkerSet']);
  });

  test('without injectedEnv, $(MODEL_PATH) and $(PARALLELISM_SIZE), which OME\'s controller sets in the container, are refused as undefined', () => {
    const chart = newChart('ome-worker-strict');
    expect(() => worker(chart, false).toPodTemplate())
      .toThrow(/"\$\(MODEL_PATH\)" refers to \$\(MODEL_PATH\), which the container's env does not set[\s\S]*\$\(PARALLELISM_SIZE\)/);
  });
});

// Source: ROCm/rocm-blogs "Navigating vLLM Inference with ROCm and Kubernetes" (2025-02-13,
// rocm.blogs.amd.com/artificial-intelligence/k8s-vllm): Mistral-7B on one MI300X through the AMD
// device plugin — hostNetwork, hostIPC, a container seccomp profile Unconfined with SYS_PTRACE added to the runtime's default
// capabilities (nothing dropped), an 8Gi
// memory-backed /dev/shm, cpu 6/10 and memory 6G/20G, no probes; the Service maps port 80 to 8000.
describe('vLLM on AMD Instinct MI300X (ROCm blog, k8s-vllm deployment.yaml)', () => {
  test('amd.com/gpu 1, hostIPC, seccomp Unconfined with SYS_PTRACE, 8Gi /dev/shm, a cpu limit, the Service on 80', () => {
    const chart = newChart('rocm-vllm');
    new AiInferenceDeployment(chart, 'mistral', {
      metadata: { name: 'mistral-7b', labels: { app: 'mistral-7b' } },
      server: {
        name: 'mistral-7b',
        image: 'rocm/vllm:rocm6.2_mi300_ubuntu20.04_py3.9_vllm_0.6.4',
        command: ['/bin/sh', '-c'],
        args: ['vllm serve mistralai/Mistral-7B-v0.3 --port 8000 --trust-remote-code --enable-chunked-prefill --max_num_batched_tokens 1024'],
        port: 8000,
        secretEnv: { HUGGING_FACE_HUB_TOKEN: { secretName: 'hf-token-secret', key: 'token' } },
        health: HealthCheck.none(),
        resources: { cpu: { request: '6', limit: '10' }, memory: { request: '6G', limit: '20G' } },
        // the image runs as root and downloads into /root/.cache
        security: {
          addCapabilities: ['SYS_PTRACE'], dropAllCapabilities: false, seccompProfile: SeccompProfileType.UNCONFINED,
          runAsNonRoot: false, runAsUser: 0, readOnlyRootFilesystem: false, allowPrivilegeEscalation: true,
        },
      },
      gpu: { count: 1, resourceName: 'amd.com/gpu', shmSize: '8Gi', tolerate: false },
      hostIPC: true,
      hostNetwork: true,
      security: { level: PodSecurityLevel.PRIVILEGED, runAsNonRoot: false, runAsUser: 0, runAsGroup: 0 },
      serviceOptions: { portName: 'http-mistral-7b', port: 80 },
    });
    const { manifests, warnings } = synthWithWarnings(chart);
    const deploy = manifestOf(manifests, 'Deployment');
    const spec = podSpec(deploy);
    const c = container(deploy, 'mistral-7b');
    expect(c.resources).toEqual({ limits: { 'amd.com/gpu': '1', 'cpu': '10', 'memory': '20G' }, requests: { 'amd.com/gpu': '1', 'cpu': '6', 'memory': '6G' } });
    expect(c.command).toEqual(['/bin/sh', '-c']);
    // added to the runtime's default capabilities, as in the manifest: nothing dropped
    expect(c.securityContext.capabilities).toEqual({ add: ['SYS_PTRACE'] });
    // the manifest's seccomp profile is the container's; the pod keeps the library's RuntimeDefault
    expect(c.securityContext.seccompProfile).toEqual({ type: 'Unconfined' });
    expect(spec.securityContext.seccompProfile).toEqual({ type: 'RuntimeDefault' });
    expect(spec.hostIPC).toBe(true);
    expect(spec.hostNetwork).toBe(true);
    expect(volume(spec, 'dshm').emptyDir).toEqual({ medium: 'Memory', sizeLimit: '8Gi' });
    expect(spec.tolerations).toBeUndefined();
    expect(c.startupProbe).toBeUndefined();
    expect(c.livenessProbe).toBeUndefined();
    expect(env(c, 'HUGGING_FACE_HUB_TOKEN').valueFrom).toEqual({ secretKeyRef: { name: 'hf-token-secret', key: 'token' } });
    expect(manifestOf(manifests, 'Service').spec.ports).toEqual([{ name: 'http-mistral-7b', port: 80, protocol: 'TCP', targetPort: 8000 }]);
    // the AMD device plugin taints nothing: gpu.tolerate false is what the manifest does, and says so (no warning)
    expect(warnings).not.toContain('does not tolerate');
    // the manifest leaves dnsPolicy at ClusterFirst: Services' names do not resolve on the node's network
    expect(warnings).toContain('spec.template.spec.dnsPolicy: is "ClusterFirst" on a pod with hostNetwork');
  });
});

// Source: amd-enterprise-ai/solution-blueprints aimcharts/aimchart-embedding (templates/deployment.yml,
// _helpers.tpl, values.yaml; platform "instinct"): the AIM embedding server on one Instinct GPU —
// `vllm serve <model> --port 7997`, imagePullPolicy Always, HF_HOME on a 64Gi emptyDir at /workload,
// a 16Gi memory-backed /dev/shm, startup /health 15 s + 90 × 10 s, readiness and liveness /health
// every 10 s, cpu 2/4 and memory 32Gi/192Gi, amd.com/gpu 1 without a toleration.
describe('AMD AIM embedding server on Instinct (solution-blueprints aimchart-embedding)', () => {
  test('port 7997 named http, a 64Gi /workload emptyDir with HF_HOME, 16Gi /dev/shm, memory 32Gi/192Gi, pulled Always', () => {
    const chart = newChart('aim-embedding');
    new AiInferenceDeployment(chart, 'embedding', {
      metadata: { name: 'release-aimchart-embedding', labels: { app: 'release-aimchart-embedding' } },
      server: {
        name: 'aim-embedding',
        image: 'docker.io/amdenterpriseai/aim-base:0.12',
        imagePullPolicy: ImagePullPolicy.ALWAYS,
        command: ['vllm', 'serve', 'intfloat/multilingual-e5-large-instruct', '--port', '7997'],
        port: 7997,
        env: { HF_HOME: '/workload/.cache/huggingface' },
        health: HealthCheck.custom({
          startup: Probe.httpGet('/health', { initialDelay: Duration.seconds(15), period: Duration.seconds(10), failureThreshold: 90 }),
          readiness: Probe.httpGet('/health', { period: Duration.seconds(10) }),
          liveness: Probe.httpGet('/health', { period: Duration.seconds(10) }),
        }),
        resources: { cpu: { request: '2', limit: '4' }, memory: { request: '32Gi', limit: '192Gi' } },
        volumeMounts: [{ volume: PodVolume.emptyDir('ephemeral-storage', { sizeLimit: '64Gi' }), path: '/workload' }],
      },
      gpu: { count: 1, resourceName: 'amd.com/gpu', shmSize: '16Gi', tolerate: false },
      modelLoadTimeout: Duration.seconds(15 + 90 * 10),
    });
    const { manifests } = synthWithWarnings(chart);
    const deploy = manifestOf(manifests, 'Deployment');
    const spec = podSpec(deploy);
    const c = container(deploy, 'aim-embedding');
    expect(c.imagePullPolicy).toBe('Always');
    expect(c.ports).toEqual([{ containerPort: 7997, name: 'http' }]);
    expect(c.startupProbe).toMatchObject({ httpGet: { path: '/health', port: 7997 }, initialDelaySeconds: 15, periodSeconds: 10, failureThreshold: 90 });
    expect(c.readinessProbe).toMatchObject({ httpGet: { path: '/health', port: 7997 }, periodSeconds: 10 });
    expect(c.livenessProbe).toMatchObject({ httpGet: { path: '/health', port: 7997 }, periodSeconds: 10 });
    expect(c.resources).toEqual({ limits: { 'amd.com/gpu': '1', 'cpu': '4', 'memory': '192Gi' }, requests: { 'amd.com/gpu': '1', 'cpu': '2', 'memory': '32Gi' } });
    expect(volume(spec, 'ephemeral-storage').emptyDir).toEqual({ sizeLimit: '64Gi' });
    expect(mount(c, '/workload').name).toBe('ephemeral-storage');
    expect(volume(spec, 'dshm').emptyDir).toEqual({ medium: 'Memory', sizeLimit: '16Gi' });
    expect(env(c, 'HF_HOME').value).toBe('/workload/.cache/huggingface');
    expect(manifestOf(manifests, 'Service').spec.ports).toEqual([{ name: 'http', port: 7997, protocol: 'TCP', targetPort: 7997 }]);
  });
});

// Source: go-skynet/helm-charts charts/local-ai (templates/deployment.yaml, service.yaml, values.yaml):
// LocalAI with promptTemplates and modelsConfigs set — two busybox init containers copy the
// ConfigMaps' files into the models claim; claims "models" at /models and "output" at /tmp/generated
// (ReadWriteMany); runtimeClassName and imagePullSecrets from deployment.*; no probes, no ports on the
// container; the Service's port 80 targets 8080.
describe('LocalAI Helm chart (go-skynet/helm-charts charts/local-ai)', () => {
  test('two init containers into the models claim, a claim under /tmp, runtimeClassName, the Service 80 → 8080', () => {
    const chart = newChart('local-ai');
    const models = PodVolume.persistentVolumeClaim('models', 'local-ai-models');
    const output = PodVolume.persistentVolumeClaim('output', 'local-ai-output');
    const d = new AiInferenceDeployment(chart, 'local-ai', {
      metadata: { name: 'local-ai', labels: { 'app.kubernetes.io/name': 'local-ai', 'app.kubernetes.io/instance': 'local-ai' } },
      server: {
        name: 'local-ai',
        image: 'quay.io/go-skynet/local-ai:latest',
        imagePullPolicy: ImagePullPolicy.IF_NOT_PRESENT,
        port: 8080,
        env: { THREADS: '4', CONTEXT_SIZE: '512', MODELS_PATH: '/models' },
        health: HealthCheck.none(),
        volumeMounts: [
          { volume: models, path: '/models', readOnly: false },
          { volume: output, path: '/tmp/generated', readOnly: false },
        ],
      },
      runtimeClassName: 'gpu',
      imagePullSecrets: ['regcred'],
      // the chart's Service: port 80 → 8080
      serviceOptions: { port: 80 },
    });
    new InitContainer(d, 'prompt-templates', {
      name: 'prompt-templates', image: 'busybox', imagePullPolicy: ImagePullPolicy.IF_NOT_PRESENT,
      command: ['/bin/sh', '-c'], args: ['cp -fL /prompt-templates/* /models\n'],
      podVolumeMounts: [
        { volume: PodVolume.configMap('prompt-templates', 'local-ai-prompt-templates'), path: '/prompt-templates' },
        { volume: models, path: '/models', readOnly: false },
        { volume: output, path: '/tmp/generated', readOnly: false },
      ],
    });
    new InitContainer(d, 'models-configs', {
      name: 'models-configs', image: 'busybox', imagePullPolicy: ImagePullPolicy.IF_NOT_PRESENT,
      command: ['/bin/sh', '-c'],
      args: ['for file in /models-configs/*; do\n  filename=$(basename "$file")\n  if [[ $filename != *.yaml ]]; then\n    cp -fL "$file" "/models/$filename.yaml"\n'
        + '  else\n    cp -fL "$file" "/models/$filename"\n  fi\ndone\n'],
      podVolumeMounts: [
        { volume: PodVolume.configMap('models-configs', 'local-ai-models-configs'), path: '/models-configs' },
        { volume: models, path: '/models', readOnly: false },
        { volume: output, path: '/tmp/generated', readOnly: false },
      ],
    });
    const { manifests, warnings } = synthWithWarnings(chart);
    const deploy = manifestOf(manifests, 'Deployment');
    const spec = podSpec(deploy);
    const c = container(deploy, 'local-ai');
    expect(spec.initContainers.map((x: any) => x.name)).toEqual(['prompt-templates', 'models-configs']);
    expect(spec.initContainers[1].args[0]).toContain('if [[ $filename != *.yaml ]]; then');
    expect(mount(spec.initContainers[0], '/models')).toMatchObject({ name: 'models', readOnly: false });
    expect(mount(spec.initContainers[0], '/prompt-templates')).toMatchObject({ name: 'prompt-templates', readOnly: true });
    expect(volume(spec, 'models').persistentVolumeClaim).toEqual({ claimName: 'local-ai-models' });
    expect(volume(spec, 'models-configs').configMap).toEqual({ name: 'local-ai-models-configs' });
    // a claim under the library's /tmp emptyDir: the kubelet mounts /tmp first, then /tmp/generated
    expect(mount(c, '/tmp/generated')).toMatchObject({ name: 'output', readOnly: false });
    expect(mount(c, '/tmp')).toBeDefined();
    expect(spec.runtimeClassName).toBe('gpu');
    expect(spec.imagePullSecrets).toEqual([{ name: 'regcred' }]);
    expect(c.startupProbe).toBeUndefined();
    expect(env(c, 'MODELS_PATH').value).toBe('/models');
    expect(manifestOf(manifests, 'Service').spec.ports).toEqual([{ name: 'http', port: 80, protocol: 'TCP', targetPort: 8080 }]);
    // the chart's unpinned images are warnings, not errors
    expect(warnings).toContain('"busybox" is not pinned');
  });
});

// Source: kaito-project/kaito pkg/workspace/inference/preset_inferences.go (GenerateInferencePodSpec,
// setInferenceContainers, defaultTolerations, buildStartupProbe, SetHFToken), pkg/workspace/manifests
// (GenerateStatefulSetManifest, GenerateModelPullerContainer) and pkg/utils (ConfigSHMVolume): the
// StatefulSet pod of a single-node preset workspace (phi-4-mini-instruct on vLLM) — the ORAS puller
// init container into /workspace/weights, port 5000 "http", startup /health every 10 s for 30 min,
// liveness /health, readiness /health after 30 s, only nvidia.com/gpu as resources, an unsized
// memory-backed /dev/shm, the nvidia.com/gpu and sku=gpu tolerations, required node affinity on the
// workspace's label selector, HF_TOKEN from an optional Secret key.
describe('KAITO preset workspace pod (single node, vLLM)', () => {
  test('ORAS puller init, port 5000, 30 min startup budget, sku=gpu toleration and required node affinity, optional HF_TOKEN', () => {
    const chart = newChart('kaito');
    const ws = 'workspace-phi-4-mini';
    const weights = PodVolume.emptyDir('model-weights-volume');
    const pod = new AiInferencePod(chart, 'workspace', {
      metadata: { labels: { 'kaito.sh/workspace': ws } },
      server: {
        name: ws,
        image: 'mcr.microsoft.com/aks/kaito/kaito-base:0.1.1',
        command: ['/bin/sh', '-c', 'python3 /workspace/vllm/inference_api.py --served-model-name=phi-4-mini-instruct --model=/workspace/weights '
          + '--kaito-config-file=/mnt/config/inference_config.yaml --code-revision=main --gpu-memory-utilization=0.90 --max-model-len=auto'],
        port: 5000,
        env: { VLLM_USE_FLASHINFER_SAMPLER: '0', VLLM_USE_DEEP_GEMM: '0' },
        secretEnv: { HF_TOKEN: { secretName: 'hf-token', key: 'HF_TOKEN', optional: true } },
        health: HealthCheck.custom({
          startup: Probe.httpGet('/health', { period: Duration.seconds(10), failureThreshold: 180 }),
          liveness: Probe.httpGet('/health', { period: Duration.seconds(10), failureThreshold: 3 }),
          readiness: Probe.httpGet('/health', { initialDelay: Duration.seconds(30), period: Duration.seconds(10) }),
        }),
        volumeMounts: [
          { volume: PodVolume.emptyDir('dshm', { memory: true }), path: '/dev/shm' },
          { volume: weights, path: '/workspace/weights', readOnly: true },
        ],
      },
      gpu: { count: 1, sharedMemory: false },
      tolerations: [{ key: 'sku', operator: 'Equal', value: 'gpu', effect: 'NoSchedule' }],
      affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'apps', operator: 'In', values: ['phi-4-mini'] }] }] } } },
      modelLoadTimeout: Duration.minutes(30),
    });
    new InitContainer(pod, 'model-weights-downloader', {
      name: 'model-weights-downloader', image: 'mcr.microsoft.com/oss/v2/oras-project/oras:v1.2.3',
      command: ['oras', 'pull', 'mcr.microsoft.com/aks/kaito/kaito-phi-4-mini-instruct:0.1.0', '-o', '/workspace/weights'],
      podVolumeMounts: [{ volume: weights, path: '/workspace/weights', readOnly: false }],
    });
    const { template, warnings } = templateOf(pod);
    new ApiObject(chart, 'sts', {
      apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: ws },
      spec: {
        replicas: 1, podManagementPolicy: 'Parallel', serviceName: `${ws}-headless`,
        persistentVolumeClaimRetentionPolicy: { whenScaled: 'Retain', whenDeleted: 'Delete' },
        selector: { matchLabels: { 'kaito.sh/workspace': ws } }, template,
      },
    });
    const { manifests } = synthWithWarnings(chart);
    const spec = manifestOf(manifests, 'StatefulSet').spec.template.spec;
    const c = spec.containers[0];
    expect(c.name).toBe(ws);
    expect(c.ports).toEqual([{ containerPort: 5000, name: 'http' }]);
    expect(c.startupProbe).toMatchObject({ httpGet: { path: '/health', port: 5000 }, periodSeconds: 10, failureThreshold: 180 });
    expect(c.readinessProbe).toMatchObject({ httpGet: { path: '/health', port: 5000 }, initialDelaySeconds: 30, periodSeconds: 10 });
    expect(c.livenessProbe).toMatchObject({ httpGet: { path: '/health', port: 5000 }, periodSeconds: 10, failureThreshold: 3 });
    // KAITO leaves timeoutSeconds at Kubernetes' 1 s; the library writes 5 s when none is given
    expect(c.livenessProbe.timeoutSeconds).toBe(5);
    expect(env(c, 'HF_TOKEN').valueFrom).toEqual({ secretKeyRef: { name: 'hf-token', key: 'HF_TOKEN', optional: true } });
    expect(spec.initContainers.map((x: any) => x.name)).toEqual(['model-weights-downloader']);
    expect(mount(spec.initContainers[0], '/workspace/weights')).toMatchObject({ name: 'model-weights-volume', readOnly: false });
    expect(volume(spec, 'dshm').emptyDir).toEqual({ medium: 'Memory' });
    expect(spec.tolerations).toEqual([
      { key: 'sku', operator: 'Equal', value: 'gpu', effect: 'NoSchedule' }, { key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' },
    ]);
    expect(spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions)
      .toEqual([{ key: 'apps', operator: 'In', values: ['phi-4-mini'] }]);
    // the manifest has no cpu or memory: the library's defaults (memory limit 4Gi) apply unless resources are given
    expect(c.resources.limits).toEqual({ 'memory': '4Gi', 'nvidia.com/gpu': '1' });
    expect(warnings).toBe('');
  });
});

// Source: kaito-project/kaito pkg/workspace/inference/preset_inferences.go (SetDistributedInferenceProbe,
// getDistributedInferenceProbe, buildDistributedStartupProbe, configureCUDAToolkitVolume,
// setInferenceContainers): a worker pod of a two-node vLLM workspace whose model needs DeepGEMM — exec
// probes running multi-node-health-check.py (liveness after 60 s with a probe-level
// terminationGracePeriodSeconds of 1, readiness every 10 s, the startup probe the readiness check for
// 30 min), POD_INDEX from the StatefulSet's pod-index label, and the cuda-toolkit-provisioner init
// container installing the CUDA toolkit into a DirectoryOrCreate hostPath the server mounts read-only.
describe('KAITO distributed workspace pod (two nodes, vLLM with the CUDA toolkit from the node)', () => {
  const ws = 'workspace-deepseek-v4';
  const leader = `${ws}-0.${ws}-headless.default.svc.cluster.local`;
  const check = 'python3 /workspace/vllm/multi-node-health-check.py';

  test('exec probes, liveness terminationGracePeriodSeconds 1, POD_INDEX from a label, a hostPath CUDA toolkit written by an init container', () => {
    const chart = newChart('kaito-dist');
    const cuda = PodVolume.hostPath('cuda-toolkit-hostpath', '/opt/kaito/cuda/129', { type: HostPathType.DIRECTORY_OR_CREATE });
    const pod = new AiInferencePod(chart, 'workspace', {
      metadata: { labels: { 'kaito.sh/workspace': ws } },
      server: {
        name: ws,
        image: 'mcr.microsoft.com/aks/kaito/kaito-base:0.1.1',
        command: ['/bin/sh', '-c', 'python3 /workspace/vllm/inference_api.py --served-model-name=deepseek-v4 --tensor-parallel-size=8 --pipeline-parallel-size=2'],
        port: 5000,
        env: { VLLM_USE_FLASHINFER_SAMPLER: '0', VLLM_USE_DEEP_GEMM: '1', CUDA_HOME: '/opt/kaito/cuda/129' },
        fieldEnv: { POD_INDEX: PodField.label('apps.kubernetes.io/pod-index') },
        health: HealthCheck.custom({
          startup: Probe.exec(['/bin/sh', '-c', `${check} readiness --leader-address=${leader} --vllm-port=5000`],
            { period: Duration.seconds(10), timeout: Duration.seconds(1), failureThreshold: 180 }),
          liveness: Probe.exec(['/bin/sh', '-c', `${check} liveness --leader-address=${leader} --ray-port=6379`],
            {
              initialDelay: Duration.seconds(60), period: Duration.seconds(10), timeout: Duration.seconds(5), failureThreshold: 1,
              terminationGracePeriod: Duration.seconds(1),
            }),
          readiness: Probe.exec(['/bin/sh', '-c', `${check} readiness --leader-address=${leader} --vllm-port=5000`],
            { period: Duration.seconds(10), timeout: Duration.seconds(1), failureThreshold: 1 }),
        }),
        resources: {},
        volumeMounts: [
          { volume: PodVolume.emptyDir('dshm', { memory: true }), path: '/dev/shm' },
          { volume: cuda, path: '/opt/kaito/cuda/129', readOnly: true },
        ],
      },
      gpu: { count: 8, sharedMemory: false },
      tolerations: [{ key: 'sku', operator: 'Equal', value: 'gpu', effect: 'NoSchedule' }],
      modelLoadTimeout: Duration.minutes(30),
      // the provisioner installs with apt as root into the node's directory
      security: { level: PodSecurityLevel.PRIVILEGED },
    });
    new InitContainer(pod, 'cuda-toolkit-provisioner', {
      name: 'cuda-toolkit-provisioner', image: 'mcr.microsoft.com/aks/kaito/kaito-base:0.1.1',
      command: ['/bin/sh', '-c', 'flock "$1" /workspace/cuda-provision.sh "$1"', 'sh', '/opt/kaito/cuda/129'],
      security: { runAsNonRoot: false, runAsUser: 0, readOnlyRootFilesystem: false },
      podVolumeMounts: [{ volume: cuda, path: '/opt/kaito/cuda/129', readOnly: false }],
    });
    const { template, warnings } = templateOf(pod);
    const spec = template.spec;
    const c = spec.containers[0];
    expect(c.livenessProbe).toEqual({
      exec: { command: ['/bin/sh', '-c', `${check} liveness --leader-address=${leader} --ray-port=6379`] },
      initialDelaySeconds: 60, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 1, terminationGracePeriodSeconds: 1,
    });
    expect(c.readinessProbe).toMatchObject({ periodSeconds: 10, timeoutSeconds: 1, failureThreshold: 1 });
    expect(c.startupProbe).toMatchObject({ periodSeconds: 10, timeoutSeconds: 1, failureThreshold: 180 });
    expect(env(c, 'POD_INDEX')).toEqual({ name: 'POD_INDEX', valueFrom: { fieldRef: { fieldPath: "metadata.labels['apps.kubernetes.io/pod-index']" } } });
    expect(volume(spec, 'cuda-toolkit-hostpath').hostPath).toEqual({ path: '/opt/kaito/cuda/129', type: 'DirectoryOrCreate' });
    expect(mount(c, '/opt/kaito/cuda/129')).toMatchObject({ readOnly: true });
    const init = spec.initContainers[0];
    expect(init.command).toEqual(['/bin/sh', '-c', 'flock "$1" /workspace/cuda-provision.sh "$1"', 'sh', '/opt/kaito/cuda/129']);
    expect(init.securityContext).toMatchObject({ runAsUser: 0, runAsNonRoot: false, readOnlyRootFilesystem: false });
    expect(mount(init, '/opt/kaito/cuda/129')).toMatchObject({ readOnly: false });
    expect(c.resources).toEqual({ limits: { 'nvidia.com/gpu': '8' }, requests: { 'nvidia.com/gpu': '8' } });
    // the only warning: the declared relaxation, with what puts the pod at that level
    expect(warnings.trim().split('\n')).toHaveLength(1);
    expect(warnings).toContain('the pod meets Pod Security Standard "privileged", not "restricted", as security.level declares: volume cuda-toolkit-hostpath is a hostPath');
  });
});

// The ROCm blog's and LocalAI's Services listen on 80 for a server on 8000 / 8080: serviceOptions.port.
describe('serviceOptions.port: the Service\'s public port number', () => {
  test('targets the pod\'s public port (the proxy\'s behind a ProxySidecar); not a port number, or one an extra port has, is refused', () => {
    const chart = newChart('svc-port');
    const d = new AiInferenceDeployment(chart, 'llm', { server: { image: 'vllm/vllm-openai:v0.9.1', port: 8000 }, serviceOptions: { port: 443 } });
    new ProxySidecar(d, 'auth-proxy', { tls: ProxyTls.fromSecret('llm-tls') });
    const { manifests } = synthWithWarnings(chart);
    expect(manifestOf(manifests, 'Service').spec.ports).toEqual([{ name: 'proxy', port: 443, protocol: 'TCP', targetPort: 8443 }]);
    for (const [port, message] of [[0, /serviceOptions\.port: 0 /], [1.5, /serviceOptions\.port: 1\.5 /], [70000, /serviceOptions\.port: 70000 /]] as const) {
      expectRefused(c => new AiInferenceDeployment(c, 'llm', { server: { image: 'vllm/vllm-openai:v0.9.1' }, serviceOptions: { port } }), message);
    }
    expectRefused(c => new AiInferenceDeployment(c, 'llm', {
      server: { image: 'vllm/vllm-openai:v0.9.1' }, serviceOptions: { port: 80, extraPorts: [{ name: 'metrics', port: 80, targetPort: 9090 }] },
    }), /serviceOptions\.extraPorts\[0\]\.port: 80\/TCP is already the port of serviceOptions\.port/);
  });

  test('a node port with a serviceType that is not one is refused once, structured (the type\'s text is not repeated in the node port\'s line)', () => {
    const lines = expectRefused(c => new AiInferenceDeployment(c, 'llm', {
      server: { image: 'vllm/vllm-openai:v0.9.1' }, serviceType: 'a\nb' as any, serviceOptions: { nodePort: 30080 },
    }), /type/);
    expect(lines.filter(l => l.includes('serviceOptions.nodePort'))).toEqual([]);
  });
});
