/**
 * Production pods, ninth batch (new-user review 9, 2026-11): serving systems not covered by
 * production-pods*.test.ts — Triton's on-prem Helm chart (an NFS model repository), the GPUStack
 * worker DaemonSet (privileged, host network and IPC, hostPath device directories), KAITO's
 * RAGEngine Deployment (postStart / preStop exec hooks, requests without limits, two kinds of
 * tolerations) and the vLLM docs' CPU-only Deployment. Each describe names the public manifest it
 * follows; each pod goes through the real App synth, the official schema and the object rules, and
 * the fields that matter are asserted. Where the real pod has a field the library cannot express,
 * the test says so and shows the escape hatch (a JSON patch).
 */
import { ApiObject, Duration } from 'cdk8s';
import {
  AiInferenceDeployment, AiInferencePod, DeploymentRollout, DnsPolicy, EnvFromSource, HealthCheck, HostPathType, ImagePullPolicy, InitContainer,
  PodField, PodSecurityLevel, PodVolume, Probe, TerminationMessagePolicy,
} from '../src';
import { env, mount, synthWithWarnings, volume, withWarnings } from './helpers/pod-parts';
import { container, expectApiValid, manifestOf, newChart, podSpec } from './helpers/synth';

// Source: triton-inference-server/server deploy/k8s-onprem (templates/deployment.yaml a170a8b2, values.yaml):
// the on-prem chart — container "triton-inference-server" (nvcr.io/nvidia/tritonserver:25.01-py3,
// IfNotPresent) with no command, args `tritonserver --model-repository=/models`; ports http 8000, grpc 8001,
// metrics 8002; liveness GET /v2/health/live on port "http" (15 s delay, every 10 s, 3 failures), readiness
// GET /v2/health/ready on "http" (5 s, every 5 s, 3 failures), startup GET /v2/health/ready on "http" every
// 10 s, 30 failures; one GPU as a limit; the model repository an NFS export (server from values, path
// /srv/models, readOnly: false) at /models; the chart's ServiceAccount; pod securityContext runAsUser 1000,
// fsGroup 1000.
describe('Triton on-prem chart with an NFS model repository (triton-inference-server/server deploy/k8s-onprem)', () => {
  function triton(chart: any): AiInferenceDeployment {
    return new AiInferenceDeployment(chart, 'triton', {
      metadata: { name: 'example-triton-inference-server', labels: { app: 'triton-inference-server', release: 'example' } },
      server: {
        name: 'triton-inference-server',
        image: 'nvcr.io/nvidia/tritonserver:25.01-py3',
        imagePullPolicy: ImagePullPolicy.IF_NOT_PRESENT,
        args: ['tritonserver', '--model-repository=/models'],
        port: 8000,
        extraPorts: [{ number: 8001, name: 'grpc' }, { number: 8002, name: 'metrics' }],
        health: HealthCheck.custom({
          liveness: Probe.httpGet('/v2/health/live', { portName: 'http', initialDelay: Duration.seconds(15), period: Duration.seconds(10), failureThreshold: 3 }),
          readiness: Probe.httpGet('/v2/health/ready', { portName: 'http', initialDelay: Duration.seconds(5), period: Duration.seconds(5), failureThreshold: 3 }),
          startup: Probe.httpGet('/v2/health/ready', { portName: 'http', period: Duration.seconds(10), failureThreshold: 30 }),
        }),
        // the chart sets only the GPU limit: `{}` keeps the library's 1 cpu / 4Gi defaults off (a 4Gi memory
        // limit the chart does not have would OOM-kill Triton loading a larger repository)
        resources: {},
        volumeMounts: [{ volume: PodVolume.nfs('models', '10.0.0.5', '/srv/models', { readOnly: false }), path: '/models', readOnly: false }],
      },
      gpu: { count: 1, tolerate: false, sharedMemory: false },
      // an nfs volume is outside "restricted"'s volume types (baseline allows it)
      security: { runAsUser: 1000, fsGroup: 1000, level: PodSecurityLevel.BASELINE },
      serviceAccountName: 'example-triton-inference-server',
      service: false,
    });
  }

  test('args without a command, probes on the port name, three ports, pod user 1000 / fsGroup 1000; the NFS volume (PodVolume.nfs)', () => {
    const chart = newChart('triton-onprem');
    triton(chart);
    const { manifests, warnings } = synthWithWarnings(chart);
    const deploy = manifestOf(manifests, 'Deployment');
    const spec = podSpec(deploy);
    const c = container(deploy, 'triton-inference-server');
    expect(c.command).toBeUndefined();
    expect(c.args).toEqual(['tritonserver', '--model-repository=/models']);
    expect(c.imagePullPolicy).toBe('IfNotPresent');
    expect(c.ports).toEqual([{ containerPort: 8000, name: 'http' }, { containerPort: 8001, name: 'grpc' }, { containerPort: 8002, name: 'metrics' }]);
    expect(c.livenessProbe).toMatchObject({ httpGet: { path: '/v2/health/live', port: 'http' }, initialDelaySeconds: 15, periodSeconds: 10, failureThreshold: 3 });
    expect(c.readinessProbe).toMatchObject({ httpGet: { path: '/v2/health/ready', port: 'http' }, initialDelaySeconds: 5, periodSeconds: 5, failureThreshold: 3 });
    expect(c.startupProbe).toMatchObject({ httpGet: { path: '/v2/health/ready', port: 'http' }, periodSeconds: 10, failureThreshold: 30 });
    // the API server copies an extended resource's limit to its request: the same pod as the chart's limit alone
    expect(c.resources).toEqual({ limits: { 'nvidia.com/gpu': '1' }, requests: { 'nvidia.com/gpu': '1' } });
    expect(spec.securityContext).toMatchObject({ runAsUser: 1000, fsGroup: 1000 });
    expect(spec.serviceAccountName).toBe('example-triton-inference-server');
    expect(volume(spec, 'models').nfs).toEqual({ server: '10.0.0.5', path: '/srv/models', readOnly: false });
    expect(mount(c, '/models')).toEqual({ name: 'models', mountPath: '/models', readOnly: false });
    expect(mount(c, '/tmp')).toBeDefined();
    expect(warnings).toContain('as security.level declares: volume models has type nfs');
  });
});

// Source: gpustack/gpustack charts/gpustack-chart (templates/worker-daemonset.yaml 3863a2dc, values.yaml):
// the worker DaemonSet for NVIDIA nodes (gpuVendors: [nvidia], release "gpustack") — container
// "gpustack-worker" (docker.io/gpustack/gpustack, IfNotPresent) with GPUSTACK_SERVER_URL, the worker's
// name and host IP from the downward API (spec.nodeName, status.hostIP), its own pod name and namespace,
// envFrom the Secret registration-token (required) and the ConfigMap worker-config (optional);
// `resources: {}` (GPUStack starts the model servers itself: the worker asks for no GPU);
// privileged, allowPrivilegeEscalation true, runAsNonRoot false, a writable root filesystem;
// terminationMessagePolicy File; ports api 10150 and metrics 10151; readiness GET /readyz on "api"
// (5 s, every 10 s, timeout 2, 3 failures), liveness GET /healthz on "api" (10 s, every 10 s, timeout 2,
// 5 failures); hostPath DirectoryOrCreate volumes /var/lib/gpustack, /var/run/cdi,
// /var/lib/kubelet/device-plugins; hostNetwork and hostIPC with dnsPolicy ClusterFirstWithHostNet,
// runtimeClassName nvidia, the worker ServiceAccount, the image pull secret gpustack-image-pull-secret,
// and a required pod anti-affinity on kubernetes.io/hostname (namespaceSelector {}) against other workers.
describe('GPUStack worker DaemonSet (gpustack/gpustack charts/gpustack-chart worker-daemonset.yaml)', () => {
  const hostDir = (name: string, path: string) => PodVolume.hostPath(name, path, { type: HostPathType.DIRECTORY_OR_CREATE });

  function worker(chart: any): AiInferencePod {
    return new AiInferencePod(chart, 'worker', {
      metadata: { labels: { 'app': 'gpustack-worker-nvidia', 'app.kubernetes.io/component': 'worker', 'gpustack.io/runtime': 'nvidia' } },
      server: {
        name: 'gpustack-worker',
        image: 'docker.io/gpustack/gpustack:v2.0.0',
        imagePullPolicy: ImagePullPolicy.IF_NOT_PRESENT,
        port: 10150,
        portName: 'api',
        extraPorts: [{ number: 10151, name: 'metrics' }],
        env: {
          GPUSTACK_SERVER_URL: 'http://gpustack-server.gpustack.svc:30080',
          GPUSTACK_RUNTIME_DEPLOY: 'Kubernetes',
          GPUSTACK_RUNTIME_DEPLOY_MIRRORED_DEPLOYMENT: 'true',
        },
        fieldEnv: {
          GPUSTACK_WORKER_NAME: PodField.NODE_NAME,
          GPUSTACK_RUNTIME_DEPLOY_MIRRORED_NAME: PodField.POD_NAME,
          GPUSTACK_RUNTIME_KUBERNETES_NAMESPACE: PodField.POD_NAMESPACE,
          GPUSTACK_RUNTIME_KUBERNETES_NODE_NAME: PodField.NODE_NAME,
          GPUSTACK_WORKER_IP: PodField.HOST_IP,
        },
        envFrom: [EnvFromSource.secret('registration-token'), EnvFromSource.configMap('worker-config', { optional: true })],
        security: {
          privileged: true, allowPrivilegeEscalation: true, runAsNonRoot: false, runAsUser: 0, runAsGroup: 0,
          readOnlyRootFilesystem: false, dropAllCapabilities: false,
        },
        terminationMessagePolicy: TerminationMessagePolicy.FILE,
        // the chart's `resources: {}`: without it the library's default 4Gi memory limit would apply to the worker
        resources: {},
        health: HealthCheck.custom({
          readiness: Probe.httpGet('/readyz', { portName: 'api', initialDelay: Duration.seconds(5), period: Duration.seconds(10), timeout: Duration.seconds(2), failureThreshold: 3, successThreshold: 1 }),
          liveness: Probe.httpGet('/healthz', { portName: 'api', initialDelay: Duration.seconds(10), period: Duration.seconds(10), timeout: Duration.seconds(2), failureThreshold: 5, successThreshold: 1 }),
        }),
        volumeMounts: [
          { volume: hostDir('gpustack-data-dir', '/var/lib/gpustack'), path: '/var/lib/gpustack', readOnly: false },
          { volume: hostDir('cdi', '/var/run/cdi'), path: '/var/run/cdi', readOnly: false },
          { volume: hostDir('kubelet-device-plugins', '/var/lib/kubelet/device-plugins'), path: '/var/lib/kubelet/device-plugins', readOnly: false },
        ],
      },
      hostNetwork: true,
      hostIPC: true,
      dnsPolicy: DnsPolicy.CLUSTER_FIRST_WITH_HOST_NET,
      runtimeClassName: 'nvidia',
      serviceAccountName: 'gpustack-worker',
      imagePullSecrets: ['gpustack-image-pull-secret'],
      affinity: {
        podAntiAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: [{
            topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: { 'app.kubernetes.io/component': 'worker' } }, namespaceSelector: {},
          }],
        },
      },
      nodeSelector: { 'feature.node.kubernetes.io/pci-10de.present': 'true' },
      security: { level: PodSecurityLevel.PRIVILEGED },
    });
  }

  test('privileged, host network / IPC, hostPath DirectoryOrCreate, envFrom with an optional ConfigMap, named-port probes, no resources; in a DaemonSet', () => {
    const chart = newChart('gpustack');
    const { value: template, warnings } = withWarnings(() => worker(chart).toPodTemplate());
    new ApiObject(chart, 'ds', {
      apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'gpustack-worker-nvidia' },
      spec: {
        selector: { matchLabels: { app: 'gpustack-worker-nvidia' } }, template,
        updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 0, maxUnavailable: 1 } },
      },
    });
    const { manifests } = synthWithWarnings(chart);
    expectApiValid(manifests);
    const ds = manifestOf(manifests, 'DaemonSet');
    const spec = podSpec(ds);
    const c = container(ds, 'gpustack-worker');
    expect(c.securityContext).toMatchObject({ privileged: true, allowPrivilegeEscalation: true, runAsNonRoot: false, readOnlyRootFilesystem: false });
    expect(c.terminationMessagePolicy).toBe('File');
    expect(c.ports).toEqual([{ containerPort: 10150, name: 'api' }, { containerPort: 10151, name: 'metrics' }]);
    expect(c.readinessProbe).toEqual({
      httpGet: { path: '/readyz', port: 'api' }, initialDelaySeconds: 5, periodSeconds: 10, timeoutSeconds: 2, failureThreshold: 3, successThreshold: 1,
    });
    expect(c.livenessProbe).toEqual({
      httpGet: { path: '/healthz', port: 'api' }, initialDelaySeconds: 10, periodSeconds: 10, timeoutSeconds: 2, failureThreshold: 5, successThreshold: 1,
    });
    expect(c.startupProbe).toBeUndefined();
    expect(env(c, 'GPUSTACK_WORKER_IP').valueFrom).toEqual({ fieldRef: { fieldPath: 'status.hostIP' } });
    expect(env(c, 'GPUSTACK_WORKER_NAME').valueFrom).toEqual({ fieldRef: { fieldPath: 'spec.nodeName' } });
    expect(c.envFrom).toEqual([{ secretRef: { name: 'registration-token' } }, { configMapRef: { name: 'worker-config', optional: true } }]);
    expect(volume(spec, 'cdi').hostPath).toEqual({ path: '/var/run/cdi', type: 'DirectoryOrCreate' });
    expect(mount(c, '/var/lib/kubelet/device-plugins')).toMatchObject({ name: 'kubelet-device-plugins' });
    expect(spec.hostNetwork).toBe(true);
    expect(spec.hostIPC).toBe(true);
    expect(spec.dnsPolicy).toBe('ClusterFirstWithHostNet');
    expect(spec.runtimeClassName).toBe('nvidia');
    expect(spec.imagePullSecrets).toEqual([{ name: 'gpustack-image-pull-secret' }]);
    expect(spec.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].namespaceSelector).toEqual({});
    expect(spec.nodeSelector).toEqual({ 'feature.node.kubernetes.io/pci-10de.present': 'true' });
    // the chart writes `resources: {}`: the worker asks for no GPU, it hands GPUs to the servers it starts
    expect(c.resources).toBeUndefined();
    // the declared relaxation is restated, nothing else
    expect(warnings).toContain('the pod meets Pod Security Standard "privileged", not "restricted", as security.level declares: hostNetwork is true; hostIPC is true');
    expect(warnings.trim().split('\n')).toHaveLength(1);
    expect(template.spec.containers).toHaveLength(1);
  });
});

// Source: kaito-project/kaito pkg/ragengine/manifests/manifests.go (GenerateRAGDeploymentManifest, RAGSetEnv;
// 02945f52) and pkg/ragengine/controllers/preset_rag.go (CreatePresetRAG; 0a00d495): the Deployment the
// RAGEngine controller creates for a RAGEngine "ragengine-start" with a remote embedding and an inference
// URL — one replica, RollingUpdate maxSurge 0 / maxUnavailable 1, the annotation
// ragengine.kaito.io/revision; the pod labelled kaito.sh/ragengine; container "ragengine-start"
// (aimodelsregistrytest.azurecr.io/kaito-rag-service:0.3.2) running `/bin/sh -c "python3 main.py"`, port
// 5000 with no name; POD_NAME and POD_UID from the downward API, EMBEDDING_TYPE remote,
// VECTOR_DB_TYPE faiss, DEFAULT_VECTOR_DB_PERSIST_DIR storage, LLM_CONTEXT_WINDOW, LLM_INFERENCE_URL;
// requests cpu 500m / memory 512Mi with no limits; liveness GET /health:5000 after 600 s every 10 s,
// readiness after 30 s every 10 s; a postStart exec hook `python3 /app/ragengine/lifecycle/hooks.py
// poststart` and a preStop exec `/bin/sh -c "python3 … prestop && sleep 5"`; a memory-backed emptyDir
// "dshm" at /dev/shm without a size; the tolerations nvidia.com/gpu Exists and sku=gpu (Equal), both
// NoSchedule; a 60 s grace period.
describe('KAITO RAGEngine Deployment (kaito-project/kaito pkg/ragengine manifests.go, preset_rag.go)', () => {
  const postStart = ['python3', '/app/ragengine/lifecycle/hooks.py', 'poststart'];
  const preStop = ['/bin/sh', '-c', 'python3 /app/ragengine/lifecycle/hooks.py prestop && sleep 5'];

  test('postStart and preStop exec hooks, requests without limits, an Exists and an Equal toleration, maxSurge 0', () => {
    const chart = newChart('kaito-rag');
    new AiInferenceDeployment(chart, 'rag', {
      metadata: { name: 'ragengine-start', annotations: { 'ragengine.kaito.io/revision': '1' } },
      podMetadata: { labels: { 'kaito.sh/ragengine': 'ragengine-start' } },
      replicas: 1,
      rollout: DeploymentRollout.rollingUpdate({ maxSurge: 0, maxUnavailable: 1 }),
      server: {
        name: 'ragengine-start',
        image: 'aimodelsregistrytest.azurecr.io/kaito-rag-service:0.3.2',
        command: ['/bin/sh', '-c', 'python3 main.py'],
        port: 5000,
        fieldEnv: { POD_NAME: PodField.POD_NAME, POD_UID: PodField.POD_UID },
        env: {
          EMBEDDING_TYPE: 'remote', VECTOR_DB_TYPE: 'faiss', DEFAULT_VECTOR_DB_PERSIST_DIR: 'storage',
          LLM_CONTEXT_WINDOW: '512', LLM_INFERENCE_URL: 'http://workspace-phi-3-mini/v1/chat/completions',
        },
        resources: { cpu: { request: '500m' }, memory: { request: '512Mi' } },
        health: HealthCheck.custom({
          liveness: Probe.httpGet('/health', { initialDelay: Duration.seconds(600), period: Duration.seconds(10) }),
          readiness: Probe.httpGet('/health', { initialDelay: Duration.seconds(30), period: Duration.seconds(10) }),
        }),
        postStartCommand: postStart,
        preStopCommand: preStop,
        // the controller sets no security context: the image's user (root) writes the FAISS index under its work dir
        security: { runAsNonRoot: false, runAsUser: 0, runAsGroup: 0, readOnlyRootFilesystem: false },
        volumeMounts: [{ volume: PodVolume.emptyDir('dshm', { memory: true }), path: '/dev/shm' }],
      },
      tolerations: [
        { key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' },
        { key: 'sku', operator: 'Equal', value: 'gpu', effect: 'NoSchedule' },
      ],
      terminationGracePeriod: Duration.seconds(60),
      security: { level: PodSecurityLevel.BASELINE },
      service: false,
    });
    const { manifests, warnings } = synthWithWarnings(chart);
    const d = manifestOf(manifests, 'Deployment');
    const spec = podSpec(d);
    const c = container(d, 'ragengine-start');
    expect(d.metadata.annotations).toEqual({ 'ragengine.kaito.io/revision': '1' });
    expect(d.spec.replicas).toBe(1);
    expect(d.spec.strategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxSurge: 0, maxUnavailable: 1 } });
    expect(d.spec.template.metadata.labels).toMatchObject({ 'kaito.sh/ragengine': 'ragengine-start' });
    expect(c.command).toEqual(['/bin/sh', '-c', 'python3 main.py']);
    expect(c.ports).toEqual([{ containerPort: 5000, name: 'http' }]);
    expect(env(c, 'POD_UID').valueFrom).toEqual({ fieldRef: { fieldPath: 'metadata.uid' } });
    expect(env(c, 'EMBEDDING_TYPE').value).toBe('remote');
    expect(c.resources).toEqual({ requests: { cpu: '500m', memory: '512Mi' } });
    expect(c.lifecycle).toEqual({ postStart: { exec: { command: postStart } }, preStop: { exec: { command: preStop } } });
    expect(c.livenessProbe).toMatchObject({ httpGet: { path: '/health', port: 5000 }, initialDelaySeconds: 600, periodSeconds: 10 });
    expect(c.readinessProbe).toMatchObject({ httpGet: { path: '/health', port: 5000 }, initialDelaySeconds: 30, periodSeconds: 10 });
    expect(volume(spec, 'dshm').emptyDir).toEqual({ medium: 'Memory' });
    expect(mount(c, '/dev/shm')).toMatchObject({ name: 'dshm' });
    expect(spec.tolerations).toEqual([
      { key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' },
      { key: 'sku', operator: 'Equal', value: 'gpu', effect: 'NoSchedule' },
    ]);
    expect(spec.terminationGracePeriodSeconds).toBe(60);
    expect(warnings).toContain('container ragengine-start runAsUser is 0');
  });
});

// Source: vllm-project/vllm docs/deployment/k8s.md "Deployment with CPUs" (051f9b87): Deployment vllm-server
// (pod label app.kubernetes.io/name: vllm), container "vllm" (vllm/vllm-openai:latest) running
// `/bin/sh -c "vllm serve meta-llama/Llama-3.2-1B-Instruct"`, HUGGING_FACE_HUB_TOKEN from the Secret
// hf-token-secret (key token), port 8000, the claim vllm-models at /root/.cache/huggingface; no probes, no
// resources, no security context (the image's root). The Service vllm-server: 8000 → 8000, ClusterIP.
describe('vLLM on CPUs (vllm-project/vllm docs/deployment/k8s.md, Deployment with CPUs)', () => {
  test('no GPU, no probes, the HF cache under /root on a claim, a Service 8000 → 8000', () => {
    const chart = newChart('vllm-cpu');
    new AiInferenceDeployment(chart, 'vllm', {
      metadata: { name: 'vllm-server' },
      podMetadata: { labels: { 'app.kubernetes.io/name': 'vllm' } },
      server: {
        name: 'vllm',
        image: 'vllm/vllm-openai:latest',
        command: ['/bin/sh', '-c'],
        args: ['vllm serve meta-llama/Llama-3.2-1B-Instruct'],
        port: 8000,
        secretEnv: { HUGGING_FACE_HUB_TOKEN: { secretName: 'hf-token-secret', key: 'token' } },
        health: HealthCheck.none(),
        // FINDING: left out, the library's default (4Gi memory limit) OOM-kills vLLM on CPU: its KV cache alone is
        // VLLM_CPU_KVCACHE_SPACE (4 GiB by default) next to the weights; synth says nothing. `{}` is the docs' pod
        resources: {},
        security: { runAsNonRoot: false, runAsUser: 0, runAsGroup: 0, readOnlyRootFilesystem: false },
        volumeMounts: [{ volume: PodVolume.persistentVolumeClaim('llama-storage', 'vllm-models'), path: '/root/.cache/huggingface', readOnly: false }],
      },
      security: { level: PodSecurityLevel.BASELINE },
      serviceOptions: { name: 'vllm-server', port: 8000 },
    });
    const { manifests, warnings } = synthWithWarnings(chart);
    const d = manifestOf(manifests, 'Deployment');
    const spec = podSpec(d);
    const c = container(d, 'vllm');
    expect(c.command).toEqual(['/bin/sh', '-c']);
    expect(c.args).toEqual(['vllm serve meta-llama/Llama-3.2-1B-Instruct']);
    expect(env(c, 'HUGGING_FACE_HUB_TOKEN').valueFrom).toEqual({ secretKeyRef: { name: 'hf-token-secret', key: 'token' } });
    expect(c.ports).toEqual([{ containerPort: 8000, name: 'http' }]);
    expect(c.startupProbe ?? c.readinessProbe ?? c.livenessProbe).toBeUndefined();
    expect(mount(c, '/root/.cache/huggingface')).toMatchObject({ name: 'llama-storage', readOnly: false });
    expect(volume(spec, 'llama-storage').persistentVolumeClaim).toEqual({ claimName: 'vllm-models' });
    expect(c.resources).toBeUndefined();
    expect(spec.tolerations).toBeUndefined();
    expect(volume(spec, 'dshm')).toBeUndefined();
    const svc = manifestOf(manifests, 'Service');
    expect(svc.metadata.name).toBe('vllm-server');
    expect(svc.spec.ports[0]).toMatchObject({ port: 8000, targetPort: 8000, protocol: 'TCP' });
    expect(warnings).toContain('latest');
  });
});

// Kubernetes expands `$(NAME)` in an env value only to a variable listed before it. The library writes
// `env`, then `secretEnv`, then `fieldEnv`: a plain variable built from a pod field — vLLM's
// VLLM_HOST_IP: $(POD_IP) in Ray / LeaderWorkerSet pods, a URL holding $(POD_NAMESPACE) — was written
// first and reached the process as the literal text "$(POD_IP)", with no warning (new-user review 9).
describe('env values that refer to secretEnv / fieldEnv variables are written after them', () => {
  test('server and init container: referring variables move after the Secret keys and pod fields, others keep their place', () => {
    const chart = newChart('env-order');
    const pod = new AiInferencePod(chart, 'pod', {
      server: {
        image: 'vllm/vllm-openai:v0.9.1',
        health: HealthCheck.none(),
        env: {
          VLLM_HOST_IP: '$(POD_IP)', HF_HOME: '/tmp/hf', ENDPOINT: 'http://$(VLLM_HOST_IP):8000', LITERAL: '$$(POD_IP)',
          AUTH: 'Bearer $(TOKEN)', SCRIPT: '$(hostname)',
        },
        secretEnv: { TOKEN: { secretName: 'api', key: 'token' } },
        fieldEnv: { POD_IP: PodField.POD_IP },
      },
    });
    new InitContainer(pod, 'wait', {
      name: 'wait', image: 'busybox:1.36.1', command: ['sh', '-c', 'true'],
      env: { NS_URL: 'http://svc.$(NS).svc' }, fieldEnv: { NS: PodField.POD_NAMESPACE },
    });
    const { manifests } = synthWithWarnings(chart);
    const p = manifestOf(manifests, 'Pod');
    const names = (c: any) => c.env.map((e: any) => e.name);
    // ENDPOINT refers to VLLM_HOST_IP, which refers to a pod field: both move, in their order
    expect(names(container(p, 'server'))).toEqual(['HF_HOME', 'LITERAL', 'SCRIPT', 'TOKEN', 'POD_IP', 'VLLM_HOST_IP', 'ENDPOINT', 'AUTH']);
    expect(names(container(p, 'wait'))).toEqual(['NS', 'NS_URL']);
    expect(env(container(p, 'server'), 'VLLM_HOST_IP').value).toBe('$(POD_IP)');
  });

  test('without references the order is unchanged: env, secretEnv, fieldEnv', () => {
    const chart = newChart('env-order');
    new AiInferencePod(chart, 'pod', {
      server: {
        image: 'vllm/vllm-openai:v0.9.1', health: HealthCheck.none(),
        env: { B: '1', A: '2' }, secretEnv: { S: { secretName: 'api', key: 'token' } }, fieldEnv: { F: PodField.POD_NAME },
      },
    });
    const { manifests } = synthWithWarnings(chart);
    expect(container(manifestOf(manifests, 'Pod'), 'server').env.map((e: any) => e.name)).toEqual(['B', 'A', 'S', 'F']);
  });
});
