/**
 * Production pods, seventeenth batch (new-user review 18, 2026-11): four pods on accelerators and
 * systems no earlier batch covers — vLLM on Huawei Ascend NPUs in a LeaderWorkerSet (vllm-ascend's
 * multi-node manifest), llama.cpp on an Intel GPU (gpu.intel.com/xe) with an Ollama-registry download
 * step, NVIDIA NIM for Nemotron Super 49B as a StatefulSet with a claim per replica and the node's IPC
 * namespace, and Home Assistant's Wyoming Whisper speech-to-text server (a plain TCP protocol, not HTTP).
 * Each describe names the public source it follows; each pod goes through the real App synth, the
 * official schema and the object rules, and the fields that matter are asserted against the manifest.
 */
import { ApiObject, Duration, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import {
  AiInferenceDeployment, AiInferencePod, DeploymentRollout, FsGroupChangePolicy, HealthCheck, ImagePullPolicy, InferenceServer,
  InitContainer, PodSecurityLevel, PodVolume, Probe, SeccompProfileType,
} from '../src';
import { env, mount, synthWithWarnings, templateOf, volume } from './helpers/pod-parts';
import { container, manifestOf, newChart, podSpec } from './helpers/synth';

// Source: vllm-project/vllm-ascend docs/source/developer_guide/contribution/multi_node_test.md (6a1bc442), "Run
// Multi-Node tests locally / Use kubernetes", lws.yaml: LeaderWorkerSet test-server in namespace vllm-project, 1
// replica, size 2, restartPolicy None. Leader (label role leader) and worker templates alike: container vllm-leader /
// vllm-worker, image swr.cn-southwest-2.myhuaweicloud.com/base_image/ascend-ci/vllm-ascend:nightly-a3, imagePullPolicy
// Always, env CONFIG_YAML_PATH DeepSeek-V3.yaml, CONFIG_BASE_PATH tests/e2e/nightly/multi_node/internal_dp/config/,
// WORKSPACE /vllm-workspace, FAIL_TAG FAIL_TAG, command `sh -c "bash …/scripts/run.sh\n"` (the script picks the
// node's role from LWS_WORKER_INDEX), limits huawei.com/ascend-1980 16 / memory 512Gi / ephemeral-storage 100Gi,
// requests the same plus cpu 125 (the worker requests no memory: Kubernetes takes the limit), the leader's one
// unnamed port 8080 (its readiness probe commented out; no probes), /root/.cache the claim nv-action-vllm-benchmarks-v2,
// /usr/local/Ascend/driver/tools a hostPath (no type), /dev/shm a 15Gi memory emptyDir "dshm"; no securityContext
// (the image runs as root), no toleration, no node selector. Service vllm-leader: ClusterIP, http 8080 → 8080.
describe('vLLM on Huawei Ascend NPUs in a LeaderWorkerSet (vllm-ascend multi_node_test.md, lws.yaml)', () => {
  const image = 'swr.cn-southwest-2.myhuaweicloud.com/base_image/ascend-ci/vllm-ascend:nightly-a3';
  const run = 'bash /vllm-workspace/vllm-ascend/tests/e2e/nightly/multi_node/scripts/run.sh\n';
  const configEnv = {
    CONFIG_YAML_PATH: 'DeepSeek-V3.yaml',
    CONFIG_BASE_PATH: 'tests/e2e/nightly/multi_node/internal_dp/config/',
    WORKSPACE: '/vllm-workspace',
    FAIL_TAG: 'FAIL_TAG',
  };
  // the image runs as root: run.sh lives in /vllm-workspace, the caches in /root/.cache
  const root = { runAsNonRoot: false, runAsUser: 0, readOnlyRootFilesystem: false, allowPrivilegeEscalation: true, dropAllCapabilities: false };
  const mounts = () => [
    { volume: PodVolume.persistentVolumeClaim('shared-volume', 'nv-action-vllm-benchmarks-v2'), path: '/root/.cache', readOnly: false },
    { volume: PodVolume.hostPath('driver-tools', '/usr/local/Ascend/driver/tools'), path: '/usr/local/Ascend/driver/tools', readOnly: false },
  ];
  const npus = { count: 16, resourceName: 'huawei.com/ascend-1980', tolerate: false, shmSize: '15Gi' };

  test('16 Ascend 910 NPUs per pod, the driver tools from the node, a 15Gi /dev/shm, the pod templates in the LeaderWorkerSet', () => {
    const chart = newChart('vllm-ascend');
    const leader = new AiInferencePod(chart, 'leader', {
      metadata: { labels: { role: 'leader' } },
      server: {
        name: 'vllm-leader', image, imagePullPolicy: ImagePullPolicy.ALWAYS,
        command: ['sh', '-c', run],
        port: 8080,
        env: configEnv,
        health: HealthCheck.none(),
        resources: { cpu: { request: '125' }, memory: { request: '512Gi', limit: '512Gi' }, ephemeralStorage: { request: '100Gi', limit: '100Gi' } },
        security: root,
        volumeMounts: mounts(),
      },
      gpu: npus,
      security: { level: PodSecurityLevel.PRIVILEGED, runAsNonRoot: false, runAsUser: 0 },
    });
    const worker = new AiInferencePod(chart, 'worker', {
      server: {
        name: 'vllm-worker', image, imagePullPolicy: ImagePullPolicy.ALWAYS,
        command: ['sh', '-c', run],
        listens: false,
        env: configEnv,
        resources: { cpu: { request: '125' }, memory: { limit: '512Gi' }, ephemeralStorage: { request: '100Gi', limit: '100Gi' } },
        security: root,
        volumeMounts: mounts(),
      },
      gpu: npus,
      security: { level: PodSecurityLevel.PRIVILEGED, runAsNonRoot: false, runAsUser: 0 },
    });
    const { template: leaderTemplate, warnings: leaderWarnings } = templateOf(leader);
    const { template: workerTemplate } = templateOf(worker);
    new ApiObject(chart, 'lws', {
      apiVersion: 'leaderworkerset.x-k8s.io/v1',
      kind: 'LeaderWorkerSet',
      metadata: { name: 'test-server', namespace: 'vllm-project' },
      spec: { replicas: 1, leaderWorkerTemplate: { size: 2, restartPolicy: 'None', leaderTemplate, workerTemplate } },
    });
    new kplus.Service(chart, 'leader-service', {
      metadata: { name: 'vllm-leader', namespace: 'vllm-project' },
      ports: [{ name: 'http', port: 8080, targetPort: 8080 }],
    }).selectLabel('leaderworkerset.sigs.k8s.io/name', 'vllm');
    // the LeaderWorkerSet's schema is not the official one the test helper checks against: written as is
    const manifests = Testing.synth(chart);
    expect(manifests.map(m => m.kind).sort()).toEqual(['LeaderWorkerSet', 'Service']);

    const l = leaderTemplate.spec.containers.find((c: any) => c.name === 'vllm-leader');
    expect(leaderTemplate.metadata.labels).toMatchObject({ role: 'leader' });
    expect(l.image).toBe(image);
    expect(l.imagePullPolicy).toBe('Always');
    expect(l.command).toEqual(['sh', '-c', run]);
    expect(l.ports).toEqual([expect.objectContaining({ containerPort: 8080 })]);
    for (const [name, value] of Object.entries(configEnv)) expect(env(l, name).value).toBe(value);
    expect(l.resources).toEqual({
      limits: { 'huawei.com/ascend-1980': '16', 'memory': '512Gi', 'ephemeral-storage': '100Gi' },
      requests: { 'huawei.com/ascend-1980': '16', 'memory': '512Gi', 'ephemeral-storage': '100Gi', 'cpu': '125' },
    });
    expect(l.startupProbe ?? l.readinessProbe ?? l.livenessProbe).toBeUndefined();
    expect(mount(l, '/root/.cache')).toMatchObject({ name: 'shared-volume' });
    expect(mount(l, '/root/.cache').readOnly).toBeFalsy();
    expect(mount(l, '/usr/local/Ascend/driver/tools')).toMatchObject({ name: 'driver-tools' });
    expect(mount(l, '/dev/shm')).toMatchObject({ name: 'dshm' });
    expect(volume(leaderTemplate.spec, 'dshm').emptyDir).toEqual({ medium: 'Memory', sizeLimit: '15Gi' });
    expect(volume(leaderTemplate.spec, 'shared-volume').persistentVolumeClaim).toEqual({ claimName: 'nv-action-vllm-benchmarks-v2' });
    expect(volume(leaderTemplate.spec, 'driver-tools').hostPath).toEqual({ path: '/usr/local/Ascend/driver/tools' });
    expect(leaderTemplate.spec.tolerations).toBeUndefined();
    expect(leaderTemplate.spec.nodeSelector).toBeUndefined();

    const w = workerTemplate.spec.containers.find((c: any) => c.name === 'vllm-worker');
    expect(w.ports).toBeUndefined();
    expect(w.resources).toEqual({
      limits: { 'huawei.com/ascend-1980': '16', 'memory': '512Gi', 'ephemeral-storage': '100Gi' },
      requests: { 'huawei.com/ascend-1980': '16', 'ephemeral-storage': '100Gi', 'cpu': '125' },
    });
    expect(volume(workerTemplate.spec, 'dshm').emptyDir).toEqual({ medium: 'Memory', sizeLimit: '15Gi' });

    const lws = manifestOf(manifests, 'LeaderWorkerSet');
    expect(lws.spec.leaderWorkerTemplate).toMatchObject({ size: 2, restartPolicy: 'None' });
    const service = manifestOf(manifests, 'Service');
    expect(service.spec.ports).toEqual([{ name: 'http', port: 8080, targetPort: 8080 }]);
    // the nightly tag moves (Always pulls whatever the last night built: a leader and a worker started across a
    // push run different builds), and the declared privileged level is used (the hostPath): each said once per pod
    expect(leaderWarnings).toContain('vllm-ascend:nightly-a3" is not pinned (the moving tag "nightly-a3")');
    expect(leaderWarnings).toContain('as security.level declares: volume driver-tools is a hostPath');
    expect(leaderWarnings.trim().split('\n')).toHaveLength(4);
  });
});

// Source: mikesmitty/wyoming-helm charts/ollama-intel (594e5fe7, chart 0.7.0, appVersion 0.12.11):
// templates/llamacpp-deployment.yaml, llamacpp-service.yaml, pvc.yaml, _helpers.tpl, values.yaml, rendered as release
// "ollama" with llamacpp.enabled true, llamacpp.model.ollama "qwen2.5:7b", the values' own commented resources
// with gpu.intel.com/xe (cpu 2000m / memory 8Gi requested, cpu 4000m / memory 16Gi limits, one Xe GPU both) and
// the values' commented node selector intel.feature.node.kubernetes.io/gpu "true". Deployment
// ollama-ollama-intel-llamacpp (helm labels, selector name/instance/component), 1 replica, strategy Recreate; pod
// securityContext fsGroup 1000 / fsGroupChangePolicy OnRootMismatch; init container model-downloader
// (python:3.12-slim, IfNotPresent) running `python3 -c <scripts/download-ollama-model.py + the main block>` that
// writes the Ollama registry's manifest and blobs under /models, with the server's securityContext; container
// llamacpp (ghcr.io/ggml-org/llama.cpp:server-vulkan-b7045, IfNotPresent) with args --model
// /models/manifests/registry.ollama.ai/library/qwen2.5/7b --ctx-size 2048 --n-gpu-layers 40, port llamacpp 8080/TCP,
// env ONEAPI_DEVICE_SELECTOR level_zero:0, readiness GET /health on "llamacpp" after 30 s every 10 s (timeout 5,
// 3 failures), liveness disabled, securityContext runAsUser/runAsGroup 1000, runAsNonRoot, no privilege escalation,
// drop ALL, seccomp RuntimeDefault (root filesystem writable); /models the claim ollama-ollama-intel-llamacpp-models
// (50Gi RWO, by pvc.yaml). Service ollama-ollama-intel-llamacpp: ClusterIP, llamacpp 8080 → "llamacpp".
describe('llama.cpp on an Intel GPU with an Ollama-registry download (mikesmitty/wyoming-helm charts/ollama-intel)', () => {
  const LABELS = {
    'helm.sh/chart': 'ollama-intel-0.7.0',
    'app.kubernetes.io/name': 'ollama-intel',
    'app.kubernetes.io/instance': 'ollama',
    'app.kubernetes.io/version': '0.12.11',
    'app.kubernetes.io/managed-by': 'Helm',
    'app.kubernetes.io/component': 'llamacpp',
  };
  const SELECTOR = { 'app.kubernetes.io/name': 'ollama-intel', 'app.kubernetes.io/instance': 'ollama', 'app.kubernetes.io/component': 'llamacpp' };
  // scripts/download-ollama-model.py (its functions: download_file, download_model) comes first in the chart's
  // script; the block the template appends is this one
  const SCRIPT = [
    '# download-ollama-model.py: download_file(url, output_path, desc), download_model(model_name, models_dir)',
    '',
    '# Main execution',
    'MODEL_NAME = "qwen2.5:7b"',
    'PULL_POLICY = "IfNotPresent"',
    'MODELS_DIR = "/models"',
    '',
    "if ':' in MODEL_NAME:",
    "    model_base, tag = MODEL_NAME.split(':', 1)",
    'else:',
    '    model_base = MODEL_NAME',
    "    tag = 'latest'",
    '',
    'from pathlib import Path',
    'manifest_path = Path(MODELS_DIR) / "manifests" / "registry.ollama.ai" / "library" / model_base / tag',
    'model_exists = manifest_path.exists()',
    'if PULL_POLICY == "Always" or (PULL_POLICY == "IfNotPresent" and not model_exists):',
    '    download_model(MODEL_NAME, MODELS_DIR)',
    '',
  ].join('\n');
  const chartSecurity = {
    runAsUser: 1000, runAsGroup: 1000, runAsNonRoot: true, allowPrivilegeEscalation: false, dropAllCapabilities: true,
    seccompProfile: SeccompProfileType.RUNTIME_DEFAULT, readOnlyRootFilesystem: false,
  };

  test('one gpu.intel.com/xe GPU, the model-downloader step on the models claim, readiness on the named port, Recreate', () => {
    const chart = newChart('ollama-intel');
    const models = PodVolume.persistentVolumeClaim('llamacpp-models', 'ollama-ollama-intel-llamacpp-models');
    const deploy = new AiInferenceDeployment(chart, 'llamacpp', {
      metadata: { name: 'ollama-ollama-intel-llamacpp', labels: LABELS },
      selectorLabels: SELECTOR,
      replicas: 1,
      rollout: DeploymentRollout.recreate(),
      server: {
        name: 'llamacpp',
        image: 'ghcr.io/ggml-org/llama.cpp:server-vulkan-b7045',
        imagePullPolicy: ImagePullPolicy.IF_NOT_PRESENT,
        args: ['--model', '/models/manifests/registry.ollama.ai/library/qwen2.5/7b', '--ctx-size', '2048', '--n-gpu-layers', '40'],
        port: 8080,
        portName: 'llamacpp',
        env: { ONEAPI_DEVICE_SELECTOR: 'level_zero:0' },
        health: HealthCheck.custom({
          readiness: Probe.httpGet('/health', {
            portName: 'llamacpp', initialDelay: Duration.seconds(30), period: Duration.seconds(10), timeout: Duration.seconds(5), failureThreshold: 3,
          }),
        }),
        resources: { cpu: { request: '2000m', limit: '4000m' }, memory: { request: '8Gi', limit: '16Gi' } },
        security: chartSecurity,
        volumeMounts: [{ volume: models, path: '/models', readOnly: false }],
      },
      gpu: {
        count: 1, resourceName: 'gpu.intel.com/xe', tolerate: false, sharedMemory: false,
        nodeSelector: { 'intel.feature.node.kubernetes.io/gpu': 'true' },
      },
      security: { fsGroup: 1000, fsGroupChangePolicy: FsGroupChangePolicy.ON_ROOT_MISMATCH },
      serviceOptions: { name: 'ollama-ollama-intel-llamacpp', portName: 'llamacpp', labels: LABELS },
    });
    new InitContainer(deploy, 'model-downloader', {
      name: 'model-downloader',
      image: 'python:3.12-slim',
      imagePullPolicy: ImagePullPolicy.IF_NOT_PRESENT,
      command: ['python3', '-c', SCRIPT],
      // the chart sizes nothing for the download step
      resources: {},
      security: chartSecurity,
      volumeMounts: [{ volume: 'llamacpp-models', path: '/models', readOnly: false }],
    });
    const { manifests, warnings } = synthWithWarnings(chart);
    expect(manifests.map(m => m.kind).sort()).toEqual(['Deployment', 'Service']);
    const d = manifestOf(manifests, 'Deployment');
    const spec = podSpec(d);
    const c = container(d, 'llamacpp');
    const init = spec.initContainers.find((x: any) => x.name === 'model-downloader');
    expect(d.metadata).toMatchObject({ name: 'ollama-ollama-intel-llamacpp', labels: LABELS });
    expect(d.spec.selector.matchLabels).toEqual(SELECTOR);
    expect(d.spec.strategy).toEqual({ type: 'Recreate' });
    expect(d.spec.template.metadata.labels).toMatchObject(SELECTOR);
    expect(spec.securityContext).toMatchObject({ fsGroup: 1000, fsGroupChangePolicy: 'OnRootMismatch' });
    expect(spec.nodeSelector).toEqual({ 'intel.feature.node.kubernetes.io/gpu': 'true' });
    expect(spec.tolerations).toBeUndefined();
    expect(init).toMatchObject({ image: 'python:3.12-slim', imagePullPolicy: 'IfNotPresent', command: ['python3', '-c', SCRIPT] });
    expect(init.resources).toBeUndefined();
    expect(mount(init, '/models')).toMatchObject({ name: 'llamacpp-models' });
    expect(init.securityContext).toMatchObject({ runAsUser: 1000, runAsGroup: 1000, runAsNonRoot: true, allowPrivilegeEscalation: false });
    expect(c.image).toBe('ghcr.io/ggml-org/llama.cpp:server-vulkan-b7045');
    expect(c.args).toEqual(['--model', '/models/manifests/registry.ollama.ai/library/qwen2.5/7b', '--ctx-size', '2048', '--n-gpu-layers', '40']);
    expect(c.ports).toEqual([{ containerPort: 8080, name: 'llamacpp' }]);
    expect(env(c, 'ONEAPI_DEVICE_SELECTOR').value).toBe('level_zero:0');
    expect(c.readinessProbe).toEqual({
      httpGet: { path: '/health', port: 'llamacpp' }, initialDelaySeconds: 30, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 3,
    });
    expect(c.livenessProbe ?? c.startupProbe).toBeUndefined();
    expect(c.resources).toEqual({
      requests: { 'cpu': '2000m', 'memory': '8Gi', 'gpu.intel.com/xe': '1' },
      limits: { 'cpu': '4000m', 'memory': '16Gi', 'gpu.intel.com/xe': '1' },
    });
    expect(c.securityContext).toMatchObject({
      runAsUser: 1000, runAsGroup: 1000, runAsNonRoot: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(mount(c, '/models')).toMatchObject({ name: 'llamacpp-models' });
    expect(volume(spec, 'llamacpp-models').persistentVolumeClaim).toEqual({ claimName: 'ollama-ollama-intel-llamacpp-models' });
    expect(volume(spec, 'dshm')).toBeUndefined();
    const service = manifestOf(manifests, 'Service');
    expect(service.metadata).toMatchObject({ name: 'ollama-ollama-intel-llamacpp', labels: LABELS });
    expect(service.spec.selector).toEqual(SELECTOR);
    expect(service.spec.ports).toEqual([expect.objectContaining({ name: 'llamacpp', port: 8080, protocol: 'TCP' })]);
    expect(warnings).toBe('');
  });
});

// Source: NVIDIA/nim-deploy cloud-service-providers/azure/workshops/aiq-rag-blueprint/manifests/nemotron-49b-statefulset.yaml
// (52de0ee3): headless Service aiq-nim-llm in namespace aira (selector app, http 8000 and metrics 8002, clusterIP
// None) and StatefulSet aiq-nim-llm (serviceName aiq-nim-llm, 1 replica, pod label app aiq-nim-llm): hostIPC, the
// toleration sku=gpu:NoSchedule, imagePullSecret ngc-secret, pod securityContext runAsUser / runAsGroup / fsGroup
// 1000; container nim-llm (nvcr.io/nim/nvidia/llama-3.3-nemotron-super-49b-v1.5:latest) with ports http 8000 and
// metrics 8002, env NGC_API_KEY from the Secret ngc-api (key NGC_API_KEY), NIM_CACHE_PATH /opt/nim/.cache,
// NIM_RELAX_MEM_CONSTRAINTS "1", NCCL_P2P_DISABLE "1", nvidia.com/gpu 2 as request and limit and nothing else, no
// probes, no /dev/shm volume; the claim template nim-cache (200Gi, ReadWriteOnce) at /opt/nim/.cache.
describe('NVIDIA NIM Nemotron Super 49B as a StatefulSet (nim-deploy aiq-rag-blueprint nemotron-49b-statefulset.yaml)', () => {
  test('hostIPC, a claim per replica for the NIM cache, two GPUs, the sku=gpu toleration, the headless Service with metrics', () => {
    const chart = newChart('aiq-nim-llm');
    const headless = new kplus.Service(chart, 'headless', {
      metadata: { name: 'aiq-nim-llm', namespace: 'aira' },
      clusterIP: 'None',
      ports: [{ name: 'http', port: 8000, targetPort: 8000 }, { name: 'metrics', port: 8002, targetPort: 8002 }],
    });
    const sts = new kplus.StatefulSet(chart, 'nim', {
      metadata: { name: 'aiq-nim-llm', namespace: 'aira' },
      podMetadata: { labels: { app: 'aiq-nim-llm' } },
      replicas: 1,
      service: headless,
    });
    new InferenceServer(sts, 'server', {
      server: {
        name: 'nim-llm',
        image: 'nvcr.io/nim/nvidia/llama-3.3-nemotron-super-49b-v1.5:latest',
        port: 8000,
        extraPorts: [{ number: 8002, name: 'metrics' }],
        secretEnv: { NGC_API_KEY: { secretName: 'ngc-api', key: 'NGC_API_KEY' } },
        env: { NIM_CACHE_PATH: '/opt/nim/.cache', NIM_RELAX_MEM_CONSTRAINTS: '1', NCCL_P2P_DISABLE: '1' },
        health: HealthCheck.none(),
        resources: {},
        volumeMounts: [{ volume: PodVolume.claimTemplate('nim-cache', { storage: '200Gi' }), path: '/opt/nim/.cache', readOnly: false }],
      },
      gpu: { count: 2, tolerate: false, sharedMemory: false },
      hostIPC: true,
      tolerations: [{ key: 'sku', operator: 'Equal', value: 'gpu', effect: 'NoSchedule' }],
      imagePullSecrets: ['ngc-secret'],
      security: { level: PodSecurityLevel.PRIVILEGED, runAsUser: 1000, runAsGroup: 1000, fsGroup: 1000 },
    });
    const { manifests, warnings } = synthWithWarnings(chart);
    expect(manifests.map(m => m.kind).sort()).toEqual(['Service', 'StatefulSet']);
    const s = manifestOf(manifests, 'StatefulSet');
    const spec = s.spec.template.spec;
    const c = spec.containers.find((x: any) => x.name === 'nim-llm');
    expect(s.metadata).toMatchObject({ name: 'aiq-nim-llm', namespace: 'aira' });
    expect(s.spec.serviceName).toBe('aiq-nim-llm');
    expect(s.spec.replicas).toBe(1);
    expect(s.spec.template.metadata.labels).toMatchObject({ app: 'aiq-nim-llm' });
    expect(spec.hostIPC).toBe(true);
    expect(spec.tolerations).toEqual([{ key: 'sku', operator: 'Equal', value: 'gpu', effect: 'NoSchedule' }]);
    expect(spec.imagePullSecrets).toEqual([{ name: 'ngc-secret' }]);
    expect(spec.securityContext).toMatchObject({ runAsUser: 1000, runAsGroup: 1000, fsGroup: 1000 });
    expect(c.image).toBe('nvcr.io/nim/nvidia/llama-3.3-nemotron-super-49b-v1.5:latest');
    expect(c.ports).toEqual([{ containerPort: 8000, name: 'http' }, { containerPort: 8002, name: 'metrics' }]);
    expect(env(c, 'NGC_API_KEY').valueFrom).toEqual({ secretKeyRef: { name: 'ngc-api', key: 'NGC_API_KEY' } });
    expect(env(c, 'NIM_CACHE_PATH').value).toBe('/opt/nim/.cache');
    expect(env(c, 'NIM_RELAX_MEM_CONSTRAINTS').value).toBe('1');
    expect(env(c, 'NCCL_P2P_DISABLE').value).toBe('1');
    expect(c.resources).toEqual({ limits: { 'nvidia.com/gpu': '2' }, requests: { 'nvidia.com/gpu': '2' } });
    expect(c.startupProbe ?? c.readinessProbe ?? c.livenessProbe).toBeUndefined();
    expect(mount(c, '/opt/nim/.cache')).toEqual({ name: 'nim-cache', mountPath: '/opt/nim/.cache', readOnly: false });
    expect(s.spec.volumeClaimTemplates).toEqual([{
      metadata: { name: 'nim-cache' },
      spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '200Gi' } } },
    }]);
    expect(volume(spec, 'dshm')).toBeUndefined();
    const service = manifestOf(manifests, 'Service');
    expect(service.metadata).toMatchObject({ name: 'aiq-nim-llm', namespace: 'aira' });
    expect(service.spec.clusterIP).toBe('None');
    expect(service.spec.ports).toEqual([
      expect.objectContaining({ name: 'http', port: 8000, targetPort: 8000 }),
      expect.objectContaining({ name: 'metrics', port: 8002, targetPort: 8002 }),
    ]);
    expect(warnings).toContain('llama-3.3-nemotron-super-49b-v1.5:latest" is not pinned (:latest)');
    expect(warnings).toContain('as security.level declares: hostIPC is true');
    expect(warnings.trim().split('\n')).toHaveLength(2);
  });
});

// Source: mikesmitty/wyoming-helm charts/wyoming-whisper (594e5fe7, chart 0.7.1, appVersion 3.0.0):
// templates/deployment.yaml, service.yaml, pvc.yaml, _helpers.tpl, values.yaml with the defaults, release "whisper".
// Deployment whisper-wyoming-whisper (helm labels, selector name/instance), 1 replica, strategy Recreate, pod
// securityContext {} (written empty); container wyoming-whisper (rhasspy/wyoming-whisper:3.0.2, IfNotPresent) with
// args --model auto --language auto --beam-size 0 --device cpu --compute-type default --stt-library auto --data-dir
// /data, port wyoming 10300/TCP (Home Assistant's Wyoming protocol: JSON events over TCP, not HTTP), readiness
// tcpSocket "wyoming" after 10 s every 5 s (timeout 3, 3 failures), liveness disabled, resources {} (none),
// securityContext {} ("image doesn't function properly rootless at this time": it runs as root); /data the claim
// whisper-wyoming-whisper-data (5Gi RWO). Service whisper-wyoming-whisper: ClusterIP, wyoming 10300 → "wyoming".
describe('Wyoming Whisper speech-to-text for Home Assistant (mikesmitty/wyoming-helm charts/wyoming-whisper)', () => {
  const LABELS = {
    'helm.sh/chart': 'wyoming-whisper-0.7.1',
    'app.kubernetes.io/name': 'wyoming-whisper',
    'app.kubernetes.io/instance': 'whisper',
    'app.kubernetes.io/version': '3.0.0',
    'app.kubernetes.io/managed-by': 'Helm',
  };
  const SELECTOR = { 'app.kubernetes.io/name': 'wyoming-whisper', 'app.kubernetes.io/instance': 'whisper' };
  const ARGS = [
    '--model', 'auto', '--language', 'auto', '--beam-size', '0', '--device', 'cpu', '--compute-type', 'default',
    '--stt-library', 'auto', '--data-dir', '/data',
  ];

  test('a TCP server on a named port probed by tcpSocket, root, no resources, Recreate, the data claim', () => {
    const chart = newChart('wyoming-whisper');
    new AiInferenceDeployment(chart, 'whisper', {
      metadata: { name: 'whisper-wyoming-whisper', labels: LABELS },
      selectorLabels: SELECTOR,
      replicas: 1,
      rollout: DeploymentRollout.recreate(),
      server: {
        name: 'wyoming-whisper',
        image: 'rhasspy/wyoming-whisper:3.0.2',
        imagePullPolicy: ImagePullPolicy.IF_NOT_PRESENT,
        args: ARGS,
        port: 10300,
        portName: 'wyoming',
        health: HealthCheck.custom({
          readiness: Probe.tcp({
            portName: 'wyoming', initialDelay: Duration.seconds(10), period: Duration.seconds(5), timeout: Duration.seconds(3), failureThreshold: 3,
          }),
        }),
        resources: {},
        security: {
          runAsNonRoot: false, runAsUser: 0, runAsGroup: 0, readOnlyRootFilesystem: false, allowPrivilegeEscalation: true, dropAllCapabilities: false,
        },
        volumeMounts: [{ volume: PodVolume.persistentVolumeClaim('data', 'whisper-wyoming-whisper-data'), path: '/data', readOnly: false }],
      },
      security: { level: PodSecurityLevel.BASELINE, runAsNonRoot: false, runAsUser: 0, runAsGroup: 0 },
      serviceOptions: { name: 'whisper-wyoming-whisper', portName: 'wyoming', labels: LABELS },
    });
    const { manifests, warnings } = synthWithWarnings(chart);
    expect(manifests.map(m => m.kind).sort()).toEqual(['Deployment', 'Service']);
    const d = manifestOf(manifests, 'Deployment');
    const spec = podSpec(d);
    const c = container(d, 'wyoming-whisper');
    expect(d.metadata).toMatchObject({ name: 'whisper-wyoming-whisper', labels: LABELS });
    expect(d.spec.selector.matchLabels).toEqual(SELECTOR);
    expect(d.spec.strategy).toEqual({ type: 'Recreate' });
    expect(c.image).toBe('rhasspy/wyoming-whisper:3.0.2');
    expect(c.imagePullPolicy).toBe('IfNotPresent');
    expect(c.args).toEqual(ARGS);
    expect(c.ports).toEqual([{ containerPort: 10300, name: 'wyoming' }]);
    expect(c.readinessProbe).toEqual({
      tcpSocket: { port: 'wyoming' }, initialDelaySeconds: 10, periodSeconds: 5, timeoutSeconds: 3, failureThreshold: 3,
    });
    expect(c.livenessProbe ?? c.startupProbe).toBeUndefined();
    expect(c.resources).toBeUndefined();
    expect(c.securityContext).toMatchObject({ runAsUser: 0, runAsNonRoot: false });
    expect(mount(c, '/data')).toMatchObject({ name: 'data' });
    expect(volume(spec, 'data').persistentVolumeClaim).toEqual({ claimName: 'whisper-wyoming-whisper-data' });
    const service = manifestOf(manifests, 'Service');
    expect(service.metadata).toMatchObject({ name: 'whisper-wyoming-whisper', labels: LABELS });
    expect(service.spec.selector).toEqual(SELECTOR);
    expect(service.spec.ports).toEqual([expect.objectContaining({ name: 'wyoming', port: 10300, protocol: 'TCP' })]);
    // the root user the chart keeps (its image does not run rootless): baseline, as declared
    expect(warnings).toContain('the pod meets Pod Security Standard "baseline", not "restricted", as security.level declares: pod runAsUser is 0');
    expect(warnings.trim().split('\n')).toHaveLength(1);
  });
});

// Found while writing these pods: vllm-ascend's nightly-a3 tag was not reported as unpinned (only `latest` and its
// variants were), though a nightly tag moves every night.
describe('imagePinned: a nightly tag moves unless a date pins it', () => {
  const warningsFor = (image: string) => {
    const chart = newChart('pin');
    new AiInferencePod(chart, 'pod', { server: { image, health: HealthCheck.none() } });
    return synthWithWarnings(chart).warnings;
  };
  test.each([
    ['vllm/vllm-openai:nightly', 'the moving tag "nightly"'],
    ['quay.io/ascend/vllm-ascend:nightly-a3', 'the moving tag "nightly-a3"'],
    ['pytorch/pytorch:cuda12-nightly', 'the moving tag "cuda12-nightly"'],
  ])('%s is not pinned', (image, why) => {
    expect(warningsFor(image)).toContain(`"${image}" is not pinned (${why})`);
  });
  test.each([
    'registry.example.com/vllm-ascend:nightly-20251127',
    'registry.example.com/vllm-ascend:nightly-2025-11-27',
    'registry.example.com/vllm-ascend:nightly.2025.11.27-a3',
    'registry.example.com/nightlybuild:v1.2',
    'registry.example.com/server:v1.2-nightlyfix',
  ])('%s is pinned', image => {
    expect(warningsFor(image)).not.toContain('is not pinned');
  });
});
