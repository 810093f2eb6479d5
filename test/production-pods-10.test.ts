/**
 * Production pods, tenth batch (new-user review 10, 2026-11): serving systems not covered by
 * production-pods*.test.ts — AMD's ai-workloads Helm charts (silogen/ai-workloads): the Infinity
 * embedding server on an Instinct GPU and ComfyUI text-to-image on ROCm PyTorch, both with a
 * generic ephemeral volume (`ephemeral.volumeClaimTemplate` from the StorageClass "mlstorage") for
 * the downloaded model, a ConfigMap mounted inside it and a 32Gi memory-backed /dev/shm — and the
 * same repository's batch weather-inference Job (Microsoft Aurora on ROCm PyTorch). Each
 * describe names the public manifest it follows; each pod goes through the real App synth, the
 * official schema and the object rules, and the fields that matter are asserted.
 */
import { Duration } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { AiInferenceDeployment, CacheAccessMode, HealthCheck, ImagePullPolicy, InferenceServer, PodSecurityLevel, PodVolume, Probe } from '../src';
import { env, mount, synthWithWarnings, volume } from './helpers/pod-parts';
import { container, expectApiValid, manifestOf, newChart, podSpec, synth, synthError } from './helpers/synth';

/** The chart's MinIO credentials: `env_vars` entries given as { name, key } become secretKeyRefs. */
const MINIO_SECRETS = {
  BUCKET_STORAGE_ACCESS_KEY: { secretName: 'minio-credentials', key: 'minio-access-key' },
  BUCKET_STORAGE_SECRET_KEY: { secretName: 'minio-credentials', key: 'minio-secret-key' },
};

/** The volumes every silogen/ai-workloads chart mounts (`container.volumes` / `container.volumeMounts` of _helpers.tpl). */
function workloadVolumes(configMapName: string, storage: string) {
  return [
    { volume: PodVolume.ephemeral('ephemeral-storage', { storage, storageClassName: 'mlstorage', accessMode: CacheAccessMode.READ_WRITE_ONCE }), path: '/workload' },
    { volume: PodVolume.configMap('workload-mount', configMapName), path: '/workload/mount', readOnly: false },
  ];
}

/** The chart's probes: startup on "http" every 10 s, readiness and liveness with Kubernetes' defaults (every 10 s, 1 s timeout, 3 failures). */
function chartProbes(path: string, startupFailures: number): HealthCheck {
  const k8sDefaults = { portName: 'http', period: Duration.seconds(10), timeout: Duration.seconds(1), failureThreshold: 3 };
  return HealthCheck.custom({
    startup: Probe.httpGet(path, { portName: 'http', period: Duration.seconds(10), failureThreshold: startupFailures }),
    readiness: Probe.httpGet(path, k8sDefaults),
    liveness: Probe.httpGet(path, k8sDefaults),
  });
}

/** The charts set no securityContext: the images (ROCm bases) run as root. */
const ROOT = {
  runAsNonRoot: false, runAsUser: 0, runAsGroup: 0, readOnlyRootFilesystem: false, allowPrivilegeEscalation: true, dropAllCapabilities: false,
};

// Source: silogen/ai-workloads workloads/rag-embedding-infinity/helm (c32f131; templates/deployment.yaml,
// _helpers.tpl, _entrypoint.tpl, service.yaml, values.yaml): Infinity on one Instinct GPU — container
// "rag-embedding-infinity" (michaelf34/infinity:0.0.70-amd-gfx942, pulled Always), `sh -c` with the
// entrypoint script `infinity_emb v2 --engine="torch" --model-id intfloat/multilingual-e5-large-instruct`;
// env INFINITY_ANONYMOUS_USAGE_STATS "0", BUCKET_STORAGE_HOST, the MinIO keys from the Secret
// minio-credentials, HF_HOME /workload/.cache/huggingface; port http 7997; startup GET /health on "http"
// every 10 s × 360, readiness and liveness GET /health on "http" (Kubernetes' defaults); cpu 4, memory
// 64Gi and amd.com/gpu 1 as requests = limits; a generic ephemeral volume (100Gi ReadWriteOnce from
// "mlstorage") at /workload, the release's ConfigMap at /workload/mount, a 32Gi memory /dev/shm ("dshm");
// no securityContext, no toleration; the Service's port 80 → 7997.
describe('Infinity embeddings on AMD Instinct (silogen/ai-workloads rag-embedding-infinity)', () => {
  const name = 'rag-embedding-infinity-release';
  function infinity(chart: any): AiInferenceDeployment {
    return new AiInferenceDeployment(chart, 'infinity', {
      metadata: { name, labels: { app: name } },
      server: {
        name: 'rag-embedding-infinity',
        image: 'michaelf34/infinity:0.0.70-amd-gfx942',
        imagePullPolicy: ImagePullPolicy.ALWAYS,
        command: ['sh', '-c'],
        args: [[
          "echo '--------------------------------------------'",
          "echo 'Starting Infinity Engine'",
          "echo '--------------------------------------------'",
          'infinity_emb v2 \\',
          '--engine="torch" \\',
          '--model-id intfloat/multilingual-e5-large-instruct',
        ].join('\n') + '\n'],
        port: 7997,
        env: {
          BUCKET_STORAGE_HOST: 'http://minio.minio-tenant-default.svc.cluster.local:80',
          HF_HOME: '/workload/.cache/huggingface',
          INFINITY_ANONYMOUS_USAGE_STATS: '0',
        },
        secretEnv: MINIO_SECRETS,
        health: chartProbes('/health', 360),
        resources: { cpu: { request: '4', limit: '4' }, memory: { request: '64Gi', limit: '64Gi' } },
        volumeMounts: workloadVolumes(name, '100Gi'),
        security: ROOT,
      },
      gpu: { count: 1, resourceName: 'amd.com/gpu', shmSize: '32Gi', tolerate: false },
      security: { runAsNonRoot: false, runAsUser: 0, runAsGroup: 0, level: PodSecurityLevel.PRIVILEGED },
      modelLoadTimeout: Duration.seconds(360 * 10),
      serviceOptions: { port: 80 },
    });
  }

  test('sh -c with the entrypoint script, MinIO keys from the Secret, probes on "http", the ephemeral claim at /workload', () => {
    const chart = newChart('infinity');
    infinity(chart);
    const { manifests } = synthWithWarnings(chart);
    const deploy = manifestOf(manifests, 'Deployment');
    const spec = podSpec(deploy);
    const c = container(deploy, 'rag-embedding-infinity');
    expect(c.image).toBe('michaelf34/infinity:0.0.70-amd-gfx942');
    expect(c.imagePullPolicy).toBe('Always');
    expect(c.command).toEqual(['sh', '-c']);
    expect(c.args[0]).toContain('infinity_emb v2 \\\n--engine="torch" \\\n--model-id intfloat/multilingual-e5-large-instruct');
    expect(c.ports).toEqual([{ containerPort: 7997, name: 'http' }]);
    expect(env(c, 'BUCKET_STORAGE_ACCESS_KEY').valueFrom).toEqual({ secretKeyRef: { name: 'minio-credentials', key: 'minio-access-key' } });
    expect(env(c, 'BUCKET_STORAGE_SECRET_KEY').valueFrom).toEqual({ secretKeyRef: { name: 'minio-credentials', key: 'minio-secret-key' } });
    expect(env(c, 'HF_HOME').value).toBe('/workload/.cache/huggingface');
    expect(env(c, 'INFINITY_ANONYMOUS_USAGE_STATS').value).toBe('0');
    expect(c.startupProbe).toMatchObject({ httpGet: { path: '/health', port: 'http' }, periodSeconds: 10, failureThreshold: 360 });
    for (const probe of [c.readinessProbe, c.livenessProbe]) {
      expect(probe).toMatchObject({ httpGet: { path: '/health', port: 'http' }, periodSeconds: 10, timeoutSeconds: 1, failureThreshold: 3 });
    }
    expect(c.resources).toEqual({
      limits: { 'amd.com/gpu': '1', 'cpu': '4', 'memory': '64Gi' },
      requests: { 'amd.com/gpu': '1', 'cpu': '4', 'memory': '64Gi' },
    });
    expect(volume(spec, 'ephemeral-storage').ephemeral).toEqual({
      volumeClaimTemplate: { spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '100Gi' } }, storageClassName: 'mlstorage' } },
    });
    expect(mount(c, '/workload')).toEqual({ name: 'ephemeral-storage', mountPath: '/workload', readOnly: false });
    expect(volume(spec, 'workload-mount').configMap).toEqual({ name });
    expect(mount(c, '/workload/mount').name).toBe('workload-mount');
    expect(volume(spec, 'dshm').emptyDir).toEqual({ medium: 'Memory', sizeLimit: '32Gi' });
    expect(mount(c, '/dev/shm').name).toBe('dshm');
    expect(spec.tolerations).toBeUndefined();
    expect(c.securityContext).toMatchObject({ runAsUser: 0, runAsNonRoot: false });
    expect(manifestOf(manifests, 'Service').spec.ports).toEqual([{ name: 'http', port: 80, protocol: 'TCP', targetPort: 7997 }]);
  });
});

// Source: silogen/ai-workloads workloads/dev-text2image-comfyui/helm (c32f131; templates/deployment.yaml,
// _helpers.tpl, _entrypoint.tpl, values.yaml): ComfyUI on ROCm PyTorch — container "dev-text2image-comfyui"
// (rocm/pytorch:rocm7.1.1_ubuntu24.04_py3.12_pytorch_release_2.8.0, pulled Always), `sh -c` with a script
// that apt-get installs git, clones ComfyUI v0.18.1 and ComfyUI-Manager 3.39.3 into $COMFYUI_PATH, `hf
// download`s Comfy-Org/flux1-dev (*fp8*safetensors) and runs `python main.py --listen 0.0.0.0`; the pod
// template's annotations pvc.silogen.ai/user-pvc-* (auto-create, size 2Gi, class multinode, uid user);
// env BUCKET_STORAGE_HOST, the MinIO keys, PIP_DEPS "", COMFYUI_PATH /workload/user/ComfyUI; port http
// 8188; startup GET /queue on "http" every 10 s × 60, readiness and liveness GET /queue (defaults); cpu 16,
// memory 128Gi, amd.com/gpu 1; the ephemeral claim 200Gi at /workload, the ConfigMap, 32Gi dshm; with
// persistent_storage.enabled the claim pvc-user at /workload/user.
describe('ComfyUI on ROCm PyTorch (silogen/ai-workloads dev-text2image-comfyui)', () => {
  const name = 'dev-text2image-comfyui-release';
  const script = [
    "echo 'Setting up ComfyUI environment'",
    'apt-get update && apt-get install -y git',
    'pip install huggingface_hub[hf_transfer] hiredis $PIP_DEPS',
    'COMFYUI_VERSION="v0.18.1"',
    'COMFYUI_MANAGER_VERSION="3.39.3"',
    'git clone --branch "$COMFYUI_VERSION" --depth 1 https://github.com/comfyanonymous/ComfyUI.git "$COMFYUI_PATH"',
    'hf download Comfy-Org/flux1-dev --local-dir "$COMFYUI_PATH/models/checkpoints" --include *fp8*safetensors',
    'cd "$COMFYUI_PATH" && python main.py --listen 0.0.0.0',
  ].join('\n');

  function comfyui(chart: any, persistent: boolean): AiInferenceDeployment {
    return new AiInferenceDeployment(chart, 'comfyui', {
      metadata: { name, labels: { app: name } },
      podMetadata: {
        annotations: {
          'pvc.silogen.ai/user-pvc-auto-create': 'true',
          'pvc.silogen.ai/user-pvc-size': '2Gi',
          'pvc.silogen.ai/user-pvc-storage-class-name': 'multinode',
          'pvc.silogen.ai/user-pvc-uid': 'user',
        },
      },
      server: {
        name: 'dev-text2image-comfyui',
        image: 'rocm/pytorch:rocm7.1.1_ubuntu24.04_py3.12_pytorch_release_2.8.0',
        imagePullPolicy: ImagePullPolicy.ALWAYS,
        command: ['sh', '-c'],
        args: [script],
        port: 8188,
        env: {
          BUCKET_STORAGE_HOST: 'http://minio.minio-tenant-default.svc.cluster.local:80',
          PIP_DEPS: '',
          COMFYUI_PATH: '/workload/user/ComfyUI',
        },
        secretEnv: MINIO_SECRETS,
        health: chartProbes('/queue', 60),
        resources: { cpu: { request: '16', limit: '16' }, memory: { request: '128Gi', limit: '128Gi' } },
        volumeMounts: [
          ...workloadVolumes(name, '200Gi'),
          ...(persistent ? [{ volume: PodVolume.persistentVolumeClaim('pvc-user', 'pvc-user'), path: '/workload/user', readOnly: false }] : []),
        ],
        security: ROOT,
      },
      gpu: { count: 1, resourceName: 'amd.com/gpu', shmSize: '32Gi', tolerate: false },
      security: { runAsNonRoot: false, runAsUser: 0, runAsGroup: 0, level: PodSecurityLevel.PRIVILEGED },
      modelLoadTimeout: Duration.seconds(60 * 10),
      serviceOptions: { port: 80 },
    });
  }

  test('the setup script as root, the pod annotations, env and volumes of the chart, cpu 16 / memory 128Gi', () => {
    const chart = newChart('comfyui');
    comfyui(chart, false);
    const { manifests } = synthWithWarnings(chart);
    const deploy = manifestOf(manifests, 'Deployment');
    const spec = podSpec(deploy);
    const c = container(deploy, 'dev-text2image-comfyui');
    expect(deploy.spec.template.metadata.annotations).toMatchObject({
      'pvc.silogen.ai/user-pvc-auto-create': 'true', 'pvc.silogen.ai/user-pvc-size': '2Gi',
      'pvc.silogen.ai/user-pvc-storage-class-name': 'multinode', 'pvc.silogen.ai/user-pvc-uid': 'user',
    });
    expect(c.command).toEqual(['sh', '-c']);
    expect(c.args).toEqual([script]);
    expect(env(c, 'PIP_DEPS').value).toBe('');
    expect(env(c, 'COMFYUI_PATH').value).toBe('/workload/user/ComfyUI');
    expect(env(c, 'BUCKET_STORAGE_ACCESS_KEY').valueFrom.secretKeyRef).toEqual({ name: 'minio-credentials', key: 'minio-access-key' });
    expect(c.ports).toEqual([{ containerPort: 8188, name: 'http' }]);
    expect(c.startupProbe).toMatchObject({ httpGet: { path: '/queue', port: 'http' }, periodSeconds: 10, failureThreshold: 60 });
    expect(c.readinessProbe).toMatchObject({ httpGet: { path: '/queue', port: 'http' }, periodSeconds: 10, timeoutSeconds: 1, failureThreshold: 3 });
    expect(c.resources).toEqual({
      limits: { 'amd.com/gpu': '1', 'cpu': '16', 'memory': '128Gi' },
      requests: { 'amd.com/gpu': '1', 'cpu': '16', 'memory': '128Gi' },
    });
    // apt-get and pip install into the image: root with a writable root filesystem, as the chart's pod
    expect(c.securityContext).toMatchObject({ runAsUser: 0, runAsNonRoot: false, readOnlyRootFilesystem: false });
    expect(volume(spec, 'ephemeral-storage').ephemeral.volumeClaimTemplate.spec.resources).toEqual({ requests: { storage: '200Gi' } });
    expect(volume(spec, 'dshm').emptyDir).toEqual({ medium: 'Memory', sizeLimit: '32Gi' });
    expect(volume(spec, 'pvc-user')).toBeUndefined();
  });

  test('persistent_storage.enabled: the user\'s claim at /workload/user, inside the ephemeral /workload', () => {
    const chart = newChart('comfyui-persistent');
    comfyui(chart, true);
    const { manifests } = synthWithWarnings(chart);
    const deploy = manifestOf(manifests, 'Deployment');
    const c = container(deploy, 'dev-text2image-comfyui');
    expect(volume(podSpec(deploy), 'pvc-user').persistentVolumeClaim).toEqual({ claimName: 'pvc-user' });
    expect(mount(c, '/workload/user')).toEqual({ name: 'pvc-user', mountPath: '/workload/user', readOnly: false });
  });
});

// Source: silogen/ai-workloads workloads/weather-inference-ai-models-aurora/helm (c32f131;
// templates/inference-job.yaml, _helpers.tpl, values.yaml): batch inference as a Job — "aurora-job" in
// the release's namespace, backoffLimit 0, ttlSecondsAfterFinished 432000 (5 days), restartPolicy Never;
// container "weather-inference-ai-models-aurora" (rocm/pytorch:latest, pulled Always), `sh -c` running
// setup_env.sh then run_model.sh with every `settings` value as a flag (sorted, as Helm ranges a map);
// env MINIO_ENDPOINT, the MinIO keys and CDSAPI_URL / CDSAPI_KEY from Secrets; no ports, no probes;
// cpu 4, memory 64Gi, amd.com/gpu 1; the ConfigMap (the scripts) at /workload/mount, 32Gi dshm, and the
// 200Gi ephemeral claim at /workload.
describe('Aurora weather inference Job on ROCm (silogen/ai-workloads weather-inference-ai-models-aurora)', () => {
  const settings: { [key: string]: string } = {
    assets_dir: '/workspace/assets', date: '20230110', lead_time: '48', minio_bucket: 'weather', minio_prefix: 'inference_results',
    model_name: 'aurora', model_out_dir: '/workspace/model_out', mountdir: '/workload/mount', time: '0000', visualize: 'true',
  };
  const script = '#!/bin/bash\nbash /workload/mount/setup_env.sh && \\\nbash /workload/mount/run_model.sh'
    + Object.entries(settings).map(([k, v]) => ` --${k}=${v}`).join('') + '\n';

  test('a Job (backoffLimit 0, 5-day TTL, Never) whose container has no port and no probe; Secrets for MinIO and the CDS API', () => {
    const chart = newChart('aurora');
    const job = new kplus.Job(chart, 'aurora', {
      metadata: { name: 'aurora-job', namespace: 'weather', labels: { app: 'aurora-job' } },
      backoffLimit: 0,
      ttlAfterFinished: Duration.seconds(432000),
      podMetadata: { labels: { app: 'aurora-job' } },
    });
    new InferenceServer(job, 'server', {
      server: {
        name: 'weather-inference-ai-models-aurora',
        image: 'rocm/pytorch:latest',
        imagePullPolicy: ImagePullPolicy.ALWAYS,
        command: ['sh', '-c'],
        args: [script],
        // a batch job listens on nothing: no ports, and no probes (the default health without a port)
        listens: false,
        env: { MINIO_ENDPOINT: 'http://minio.minio-tenant-default.svc.cluster.local:80' },
        secretEnv: {
          MINIO_ACCESS_KEY: { secretName: 'minio-credentials', key: 'minio-access-key' },
          MINIO_SECRET_KEY: { secretName: 'minio-credentials', key: 'minio-secret-key' },
          CDSAPI_URL: { secretName: 'cds-api-secret', key: 'url' },
          CDSAPI_KEY: { secretName: 'cds-api-secret', key: 'key' },
        },
        resources: { cpu: { request: '4', limit: '4' }, memory: { request: '64Gi', limit: '64Gi' } },
        volumeMounts: [
          { volume: PodVolume.configMap('workload-mount', 'aurora-job'), path: '/workload/mount', readOnly: false },
          { volume: PodVolume.ephemeral('ephemeral-storage', { storage: '200Gi', storageClassName: 'mlstorage' }), path: '/workload' },
        ],
        security: ROOT,
      },
      gpu: { count: 1, resourceName: 'amd.com/gpu', shmSize: '32Gi', tolerate: false },
      security: { runAsNonRoot: false, runAsUser: 0, runAsGroup: 0, level: PodSecurityLevel.PRIVILEGED },
    });
    const { manifests } = synthWithWarnings(chart);
    expectApiValid(manifests);
    const j = manifestOf(manifests, 'Job');
    expect(j.metadata).toMatchObject({ name: 'aurora-job', namespace: 'weather' });
    expect(j.spec).toMatchObject({ backoffLimit: 0, ttlSecondsAfterFinished: 432000 });
    const spec = podSpec(j);
    expect(spec.restartPolicy).toBe('Never');
    const c = container(j, 'weather-inference-ai-models-aurora');
    expect(c.args[0]).toContain('bash /workload/mount/run_model.sh --assets_dir=/workspace/assets --date=20230110 --lead_time=48');
    // the chart's container declares no port (a batch job listens on nothing): server.listens: false
    expect(c.ports).toBeUndefined();
    expect(c.startupProbe ?? c.readinessProbe ?? c.livenessProbe).toBeUndefined();
    expect(env(c, 'CDSAPI_URL').valueFrom.secretKeyRef).toEqual({ name: 'cds-api-secret', key: 'url' });
    expect(env(c, 'MINIO_ENDPOINT').value).toBe('http://minio.minio-tenant-default.svc.cluster.local:80');
    expect(c.resources.limits).toEqual({ 'amd.com/gpu': '1', 'cpu': '4', 'memory': '64Gi' });
    expect(mount(c, '/workload/mount').name).toBe('workload-mount');
    expect(mount(c, '/workload')).toEqual({ name: 'ephemeral-storage', mountPath: '/workload', readOnly: false });
    expect(volume(spec, 'dshm').emptyDir).toEqual({ medium: 'Memory', sizeLimit: '32Gi' });
    expect(manifests.filter(m => m.kind === 'Service')).toEqual([]);
  });
});

describe('PodVolume.ephemeral: a claim Kubernetes creates with the pod', () => {
  const image = 'vllm/vllm-openai:v0.9.1';

  test('written as ephemeral.volumeClaimTemplate (ReadWriteOnce, the default class), writable; in a Pod as in a Deployment', () => {
    const chart = newChart('ephemeral');
    new AiInferenceDeployment(chart, 'vllm', {
      server: { image, volumeMounts: [{ volume: PodVolume.ephemeral('scratch', { storage: '50Gi' }), path: '/scratch' }] },
    });
    const manifests = synth(chart);
    expectApiValid(manifests);
    const deploy = manifestOf(manifests, 'Deployment');
    expect(volume(podSpec(deploy), 'scratch')).toEqual({
      name: 'scratch', ephemeral: { volumeClaimTemplate: { spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '50Gi' } } } } },
    });
    expect(mount(container(deploy, 'server'), '/scratch').readOnly).toBe(false);
  });

  test('refuses a missing or malformed size, an unknown access mode and a malformed class', () => {
    const chart = newChart('ephemeral-bad');
    new AiInferenceDeployment(chart, 'vllm', {
      server: {
        image,
        volumeMounts: [
          { volume: PodVolume.ephemeral('a', {} as any), path: '/a' },
          { volume: PodVolume.ephemeral('b', { storage: '50 GB' }), path: '/b' },
          { volume: PodVolume.ephemeral('c', { storage: '1Gi', accessMode: 'ReadMany' as any, storageClassName: 'Fast_SSD' }), path: '/c' },
        ],
      },
    });
    const message = synthError(chart);
    expect(message).toContain('volume "a".storage: is missing');
    expect(message).toContain('volume "b".storage');
    expect(message).toContain('volume "c".accessMode: "ReadMany" is not an access mode');
    expect(message).toContain('volume "c".storageClassName');
  });
});
