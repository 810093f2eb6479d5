/**
 * Production pods, sixteenth batch (new-user review 16, 2026-11): four pods from Google's ai-on-gke
 * tutorials that no earlier batch covers — MaxDiffusion serving Stable Diffusion XL on a TPU v5e chip,
 * NVIDIA BioNeMo's ESM-2 inference server reading a Filestore claim, an MLflow-registered fine-tuned
 * Gemma 2 served by uvicorn from a Cloud Storage FUSE volume, and the GPU/TPU "fungible" vLLM pod (two
 * server containers, one per accelerator family, only the one whose device is present serving). Each
 * describe names the public source it follows; each pod goes through the real App synth, the official
 * schema and the object rules, and the fields that matter are asserted against the manifest.
 */
import { Duration } from 'cdk8s';
import {
  AiInferenceDeployment, HealthCheck, HostPathType, InferenceServiceType, PodField, PodSecurityLevel, PodVolume, Probe, Sidecar, SidecarMode,
} from '../src';
import { env, mount, synthWithWarnings, volume } from './helpers/pod-parts';
import { container, manifestOf, newChart, podSpec } from './helpers/synth';

// Source: GoogleCloudPlatform/ai-on-gke tutorials-and-examples/inference-servers/maxdiffusion/serve_sdxl_v5e.yaml
// (6c9eb40f): Deployment stable-diffusion-deployment (1 replica, pod label app max-diffusion-server), node
// selectors cloud.google.com/gke-tpu-topology 1x1 and gke-tpu-accelerator tpu-v5-lite-podslice (no toleration),
// container serve-stable-diffusion (the tutorial's own max-diffusion:latest build) privileged, env MODEL_NAME
// stable_diffusion, one unnamed port 8000, google.com/tpu 1 as request and limit and nothing else, /dev/shm an
// unsized memory emptyDir "dshm"; no probes. Service max-diffusion-server (label app), ClusterIP, port 8000 named
// http-max-diffusion-server with targetPort "http" — a name the manifest's container port does not carry.
describe('MaxDiffusion SDXL on a GKE TPU v5e chip (ai-on-gke inference-servers/maxdiffusion serve_sdxl_v5e.yaml)', () => {
  test('one google.com/tpu chip with the topology selectors, privileged, an unsized memory /dev/shm, the Service on 8000', () => {
    const chart = newChart('maxdiffusion');
    new AiInferenceDeployment(chart, 'sdxl', {
      metadata: { name: 'stable-diffusion-deployment' },
      podMetadata: { labels: { app: 'max-diffusion-server' } },
      replicas: 1,
      server: {
        name: 'serve-stable-diffusion',
        image: 'us-east1-docker.pkg.dev/rick-vertex-ai/gke-llm/max-diffusion:latest',
        port: 8000,
        env: { MODEL_NAME: 'stable_diffusion' },
        health: HealthCheck.none(),
        // the manifest sizes only the TPU chip
        resources: {},
        // the manifest's one securityContext field; the image runs as root with a writable root filesystem
        security: {
          privileged: true, allowPrivilegeEscalation: true, dropAllCapabilities: false,
          runAsNonRoot: false, runAsUser: 0, readOnlyRootFilesystem: false,
        },
        volumeMounts: [{ volume: PodVolume.emptyDir('dshm', { memory: true }), path: '/dev/shm' }],
      },
      gpu: {
        count: 1,
        resourceName: 'google.com/tpu',
        nodeSelector: { 'cloud.google.com/gke-tpu-topology': '1x1', 'cloud.google.com/gke-tpu-accelerator': 'tpu-v5-lite-podslice' },
        // the manifest tolerates nothing (GKE adds the google.com/tpu toleration itself)
        tolerate: false,
        // the manifest's own unsized dshm instead of the library's sized one
        sharedMemory: false,
      },
      security: { level: PodSecurityLevel.PRIVILEGED, runAsNonRoot: false, runAsUser: 0 },
      serviceOptions: { name: 'max-diffusion-server', labels: { app: 'max-diffusion-server' }, portName: 'http-max-diffusion-server' },
    });
    const { manifests, warnings } = synthWithWarnings(chart);
    expect(manifests.map(m => m.kind).sort()).toEqual(['Deployment', 'Service']);
    const deploy = manifestOf(manifests, 'Deployment');
    const spec = podSpec(deploy);
    const c = container(deploy, 'serve-stable-diffusion');
    expect(deploy.metadata.name).toBe('stable-diffusion-deployment');
    expect(deploy.spec.replicas).toBe(1);
    expect(deploy.spec.template.metadata.labels).toMatchObject({ app: 'max-diffusion-server' });
    expect(spec.nodeSelector).toEqual({ 'cloud.google.com/gke-tpu-accelerator': 'tpu-v5-lite-podslice', 'cloud.google.com/gke-tpu-topology': '1x1' });
    expect(spec.tolerations).toBeUndefined();
    expect(c.image).toBe('us-east1-docker.pkg.dev/rick-vertex-ai/gke-llm/max-diffusion:latest');
    expect(c.securityContext.privileged).toBe(true);
    expect(env(c, 'MODEL_NAME').value).toBe('stable_diffusion');
    expect(c.ports.map((p: any) => p.containerPort)).toEqual([8000]);
    expect(c.resources).toEqual({ limits: { 'google.com/tpu': '1' }, requests: { 'google.com/tpu': '1' } });
    expect(c.startupProbe ?? c.readinessProbe ?? c.livenessProbe).toBeUndefined();
    expect(volume(spec, 'dshm').emptyDir).toEqual({ medium: 'Memory' });
    expect(mount(c, '/dev/shm')).toMatchObject({ name: 'dshm' });
    const service = manifestOf(manifests, 'Service');
    expect(service.metadata.name).toBe('max-diffusion-server');
    expect(service.metadata.labels).toMatchObject({ app: 'max-diffusion-server' });
    expect(service.spec.type ?? 'ClusterIP').toBe('ClusterIP');
    expect(service.spec.ports).toHaveLength(1);
    expect(service.spec.ports[0]).toMatchObject({ name: 'http-max-diffusion-server', port: 8000 });
    // the manifest's targetPort "http" names no container port (its port 8000 is unnamed), so its Service has no
    // endpoints; the library names the server port and the Service reaches it
    expect(c.ports).toEqual([{ containerPort: 8000, name: 'http' }]);
    expect(service.spec.ports[0].targetPort).toBe(8000);
    expect(warnings).toContain('max-diffusion:latest" is not pinned (:latest)');
    expect(warnings).toContain('the pod meets Pod Security Standard "privileged", not "restricted", as security.level declares: container serve-stable-diffusion is privileged');
    expect(warnings.trim().split('\n')).toHaveLength(2);
  });
});

// Source: GoogleCloudPlatform/ai-on-gke tutorials-and-examples/nvidia-bionemo/fine-tuning/inference/deployment.yaml
// (60849217): Deployment esm2-inference in namespace bionemo-training (label app, 1 replica), serviceAccountName
// esm2-inference-sa, container inference (the tutorial's esm2-inference:latest build) on 8000 named http, env
// MODEL_PATH /app/model, requests nvidia.com/gpu 1 / memory 2Gi / cpu 500m and limits nvidia.com/gpu 1 / memory
// 4Gi / cpu 2, the claim bionemo-filestore (read-only in the volume and in the mount) at /app/model, liveness GET
// /health:8000 after 30 s every 10 s, readiness after 15 s every 5 s, no startup probe, container securityContext
// runAsNonRoot / runAsUser 1000 / allowPrivilegeEscalation false, node selector cloud.google.com/gke-gpu "true",
// no toleration, no /dev/shm. Service esm2-inference: ClusterIP, http 80 → 8000.
describe('BioNeMo ESM-2 inference on a GKE GPU (ai-on-gke nvidia-bionemo/fine-tuning/inference/deployment.yaml)', () => {
  test('a read-only Filestore claim at /app/model, liveness and readiness with their delays, a CPU limit, the Service 80 → 8000', () => {
    const chart = newChart('esm2');
    new AiInferenceDeployment(chart, 'esm2', {
      metadata: { name: 'esm2-inference', namespace: 'bionemo-training', labels: { app: 'esm2-inference' } },
      replicas: 1,
      serviceAccountName: 'esm2-inference-sa',
      server: {
        name: 'inference',
        image: 'us-central1-docker.pkg.dev/qwiklabs-asl-04-3b17716b7f5f/qwiklabs-asl-04-3b17716b7f5f/esm2-inference:latest',
        port: 8000,
        env: { MODEL_PATH: '/app/model' },
        health: HealthCheck.custom({
          liveness: Probe.httpGet('/health', { port: 8000, initialDelay: Duration.seconds(30), period: Duration.seconds(10) }),
          readiness: Probe.httpGet('/health', { port: 8000, initialDelay: Duration.seconds(15), period: Duration.seconds(5) }),
        }),
        resources: { cpu: { request: '500m', limit: '2' }, memory: { request: '2Gi', limit: '4Gi' } },
        security: { runAsNonRoot: true, runAsUser: 1000 },
        volumeMounts: [{ volume: PodVolume.persistentVolumeClaim('model-storage', 'bionemo-filestore', { readOnly: true }), path: '/app/model', readOnly: true }],
      },
      gpu: { count: 1, nodeSelector: { 'cloud.google.com/gke-gpu': 'true' }, tolerate: false, sharedMemory: false },
      serviceOptions: { port: 80 },
    });
    const { manifests, warnings } = synthWithWarnings(chart);
    expect(manifests.map(m => m.kind).sort()).toEqual(['Deployment', 'Service']);
    const deploy = manifestOf(manifests, 'Deployment');
    const spec = podSpec(deploy);
    const c = container(deploy, 'inference');
    expect(deploy.metadata).toMatchObject({ name: 'esm2-inference', namespace: 'bionemo-training' });
    expect(deploy.spec.template.metadata.labels).toMatchObject({ app: 'esm2-inference' });
    expect(spec.serviceAccountName).toBe('esm2-inference-sa');
    expect(c.ports).toEqual([{ containerPort: 8000, name: 'http' }]);
    expect(env(c, 'MODEL_PATH').value).toBe('/app/model');
    expect(c.resources).toEqual({
      limits: { 'cpu': '2', 'memory': '4Gi', 'nvidia.com/gpu': '1' }, requests: { 'cpu': '500m', 'memory': '2Gi', 'nvidia.com/gpu': '1' },
    });
    expect(c.livenessProbe).toMatchObject({ httpGet: { path: '/health', port: 8000 }, initialDelaySeconds: 30, periodSeconds: 10 });
    expect(c.readinessProbe).toMatchObject({ httpGet: { path: '/health', port: 8000 }, initialDelaySeconds: 15, periodSeconds: 5 });
    expect(c.startupProbe).toBeUndefined();
    expect(c.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000, allowPrivilegeEscalation: false });
    expect(volume(spec, 'model-storage').persistentVolumeClaim).toEqual({ claimName: 'bionemo-filestore', readOnly: true });
    expect(mount(c, '/app/model')).toMatchObject({ name: 'model-storage', readOnly: true });
    expect(spec.nodeSelector).toEqual({ 'cloud.google.com/gke-gpu': 'true' });
    expect(spec.tolerations).toBeUndefined();
    expect(volume(spec, 'dshm')).toBeUndefined();
    const service = manifestOf(manifests, 'Service');
    expect(service.metadata.name).toBe('esm2-inference');
    expect(service.spec.ports).toEqual([{ name: 'http', port: 80, protocol: 'TCP', targetPort: 8000 }]);
    expect(warnings).toContain('esm2-inference:latest" is not pinned (:latest)');
    expect(warnings.trim().split('\n')).toHaveLength(1);
  });
});

// Source: GoogleCloudPlatform/ai-on-gke tutorials-and-examples/mlflow/finetune-gemma/deploy-gemma2/simple/deploy.yaml
// (5674998a): Deployment gemma2-9b-finetuned (pod label app, annotation gke-gcsfuse/volumes "true" for GKE's FUSE
// sidecar webhook), serviceAccount default, node selector cloud.google.com/gke-accelerator nvidia-tesla-a100,
// container gemma2-9b-finetuned (the tutorial's finetune-gemma-mlflow:1.0.0 build; <PROJECT_ID> filled in)
// started by `/bin/bash -c -- 'uvicorn main:app --host 0.0.0.0 --port 11434'`, env MODEL_PATH into the MLflow
// run's artifacts (<MLFLOW_RUN_ID> filled in), one unnamed port 11434, limits nvidia.com/gpu 1 and nothing else,
// /data the gcsfuse.csi.storage.gke.io inline volume (bucketName filled in, mountOptions implicit-dirs), no
// probes, no securityContext. Service gemma2-9b-finetuned-service: TCP 11434 → 11434, unnamed.
describe('MLflow fine-tuned Gemma 2 behind uvicorn, from a Cloud Storage FUSE volume (ai-on-gke mlflow deploy-gemma2/simple)', () => {
  test('bash -c -- uvicorn on 11434, the gcsfuse CSI inline volume at /data with the webhook annotation, an A100 selector', () => {
    const chart = newChart('mlflow-gemma2');
    const data = PodVolume.csi('gemma2-9b-finetuned-data', 'gcsfuse.csi.storage.gke.io', { volumeAttributes: { bucketName: 'mlflow-gemma-artifacts', mountOptions: 'implicit-dirs' } });
    new AiInferenceDeployment(chart, 'gemma2', {
      metadata: { name: 'gemma2-9b-finetuned' },
      podMetadata: { labels: { app: 'gemma2-9b-finetuned' }, annotations: { 'gke-gcsfuse/volumes': 'true' } },
      serviceAccountName: 'default',
      server: {
        name: 'gemma2-9b-finetuned',
        image: 'us-docker.pkg.dev/my-project/gemma/finetune-gemma-mlflow:1.0.0',
        command: ['/bin/bash', '-c', '--'],
        args: ['uvicorn main:app --host 0.0.0.0 --port 11434'],
        port: 11434,
        env: { MODEL_PATH: '/data/artifacts/0f5e1c0a9b7d4c2e8f3a6b1d2c4e5f60/artifacts/model/' },
        health: HealthCheck.none(),
        resources: {},
        // the image runs as root (the manifest sets no securityContext) and writes its caches under the root filesystem
        security: { runAsNonRoot: false, runAsUser: 0, readOnlyRootFilesystem: false },
        volumeMounts: [{ volume: data, path: '/data', readOnly: false }],
      },
      gpu: { count: 1, nodeSelector: { 'cloud.google.com/gke-accelerator': 'nvidia-tesla-a100' }, tolerate: false, sharedMemory: false },
      security: { level: PodSecurityLevel.BASELINE, runAsNonRoot: false, runAsUser: 0 },
      serviceOptions: { name: 'gemma2-9b-finetuned-service' },
    });
    const { manifests, warnings } = synthWithWarnings(chart);
    expect(manifests.map(m => m.kind).sort()).toEqual(['Deployment', 'Service']);
    const deploy = manifestOf(manifests, 'Deployment');
    const spec = podSpec(deploy);
    const c = container(deploy, 'gemma2-9b-finetuned');
    expect(deploy.spec.template.metadata.annotations).toEqual({ 'gke-gcsfuse/volumes': 'true' });
    expect(deploy.spec.template.metadata.labels).toMatchObject({ app: 'gemma2-9b-finetuned' });
    expect(spec.serviceAccountName).toBe('default');
    expect(spec.nodeSelector).toEqual({ 'cloud.google.com/gke-accelerator': 'nvidia-tesla-a100' });
    expect(c.command).toEqual(['/bin/bash', '-c', '--']);
    expect(c.args).toEqual(['uvicorn main:app --host 0.0.0.0 --port 11434']);
    expect(c.ports.map((p: any) => p.containerPort)).toEqual([11434]);
    expect(c.resources).toEqual({ limits: { 'nvidia.com/gpu': '1' }, requests: { 'nvidia.com/gpu': '1' } });
    expect(c.startupProbe ?? c.readinessProbe ?? c.livenessProbe).toBeUndefined();
    expect(volume(spec, 'gemma2-9b-finetuned-data').csi).toEqual({
      driver: 'gcsfuse.csi.storage.gke.io', volumeAttributes: { bucketName: 'mlflow-gemma-artifacts', mountOptions: 'implicit-dirs' },
    });
    expect(mount(c, '/data')).toMatchObject({ name: 'gemma2-9b-finetuned-data' });
    expect(mount(c, '/data').readOnly).toBeFalsy();
    const service = manifestOf(manifests, 'Service');
    expect(service.metadata.name).toBe('gemma2-9b-finetuned-service');
    expect(service.spec.ports).toHaveLength(1);
    expect(service.spec.ports[0]).toMatchObject({ port: 11434, protocol: 'TCP', targetPort: 11434 });
    expect(warnings).toContain('the pod meets Pod Security Standard "baseline", not "restricted", as security.level declares: pod runAsUser is 0');
    expect(warnings.trim().split('\n')).toHaveLength(1);
  });
});

// Source: GoogleCloudPlatform/ai-on-gke tutorial "vLLM GPU/TPU Fungibility" (tutorials-and-examples/gpu-tpu
// fungibility-recipes, vllm.yaml; read from the site copy in volatilemolotov/agent-sandbox
// site/content/docs/tutorials/gpu-tpu/fungibility-recipes/index.md, 2ff38a37): Deployment vllm (label app vllm,
// 1 replica) on the custom compute class vllm-fallback (node selector cloud.google.com/compute-class), tolerating
// nvidia.com/gpu and google.com/tpu (Exists, NoSchedule). Two privileged containers, each an image whose
// entrypoint starts vLLM only when its device is present and sleeps otherwise: vllm-gpu (args --host 0.0.0.0
// --port 8000 --tensor-parallel-size 1 --model Qwen/Qwen2-1.5B; HUGGING_FACE_HUB_TOKEN from Secret hf-secret key
// hf_api_token; the node's NVIDIA driver hostPath /home/kubernetes/bin/nvidia (DirectoryOrCreate) at
// /usr/local/nvidia; limits ephemeral-storage 43Gi) and vllm-tpu (args with --max-model-len 8192; the same token;
// the TPU_* host-bounds variables of a v6e-1 and NODE_IP from status.hostIP feeding VBAR_CONTROL_SERVICE_URL
// $(NODE_IP):8353). No container ports, no probes, no accelerator resources (privileged reaches the devices).
// Service vllm-service: LoadBalancer, http 8000 → 8000.
describe('vLLM GPU/TPU fungibility pod (ai-on-gke fungibility-recipes vllm.yaml)', () => {
  test('two privileged vLLM containers, the driver hostPath, $(NODE_IP) after its fieldRef, both accelerator tolerations, a LoadBalancer', () => {
    const chart = newChart('vllm-fungible');
    const hfToken = { secretName: 'hf-secret', key: 'hf_api_token' };
    const privileged = {
      privileged: true, allowPrivilegeEscalation: true, dropAllCapabilities: false, runAsNonRoot: false, runAsUser: 0, readOnlyRootFilesystem: false,
    };
    const vllm = new AiInferenceDeployment(chart, 'vllm', {
      metadata: { name: 'vllm', labels: { app: 'vllm' } },
      replicas: 1,
      nodeSelector: { 'cloud.google.com/compute-class': 'vllm-fallback' },
      tolerations: [
        { key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' },
        { key: 'google.com/tpu', operator: 'Exists', effect: 'NoSchedule' },
      ],
      server: {
        name: 'vllm-gpu',
        image: 'us-central1-docker.pkg.dev/my-project/vllm/vllm-fungibility:GPU',
        args: ['--host=0.0.0.0', '--port=8000', '--tensor-parallel-size=1', '--model=Qwen/Qwen2-1.5B'],
        port: 8000,
        secretEnv: { HUGGING_FACE_HUB_TOKEN: hfToken },
        health: HealthCheck.none(),
        resources: { ephemeralStorage: { limit: '43Gi' } },
        security: privileged,
        volumeMounts: [{ volume: PodVolume.hostPath('gpu', '/home/kubernetes/bin/nvidia', { type: HostPathType.DIRECTORY_OR_CREATE }), path: '/usr/local/nvidia' }],
      },
      security: { level: PodSecurityLevel.PRIVILEGED, runAsNonRoot: false, runAsUser: 0 },
      serviceType: InferenceServiceType.LOAD_BALANCER,
      serviceOptions: { name: 'vllm-service' },
    });
    new Sidecar(vllm, 'vllm-tpu', {
      name: 'vllm-tpu',
      image: 'us-central1-docker.pkg.dev/my-project/vllm/vllm-fungibility:TPU',
      mode: SidecarMode.CLASSIC,
      args: ['--host=0.0.0.0', '--port=8000', '--max-model-len=8192', '--model=Qwen/Qwen2-1.5B'],
      secretEnv: { HUGGING_FACE_HUB_TOKEN: hfToken },
      env: {
        TPU_TOPOLOGY: '1x1', TPU_WORKER_ID: '0', TPU_SKIP_MDS_QUERY: 'true', TPU_TOPOLOGY_WRAP: 'false,false,false', TPU_CHIPS_PER_HOST_BOUNDS: '1,1,1',
        TPU_ACCELERATOR_TYPE: 'v6e-1', TPU_RUNTIME_METRICS_PORTS: '8431', TPU_TOPOLOGY_ALT: 'false', CHIPS_PER_HOST_BOUNDS: '1,1,1',
        TPU_WORKER_HOSTNAMES: 'localhost', HOST_BOUNDS: '1,1,1', TPU_HOST_BOUNDS: '1,1,1', VBAR_CONTROL_SERVICE_URL: '$(NODE_IP):8353',
      },
      fieldEnv: { NODE_IP: PodField.HOST_IP },
      resources: {},
      // root like the server; an add-on keeps its own runAsGroup (1000) unless security gives one, even as root
      security: privileged,
    });
    const { manifests, warnings } = synthWithWarnings(chart);
    expect(manifests.map(m => m.kind).sort()).toEqual(['Deployment', 'Service']);
    const deploy = manifestOf(manifests, 'Deployment');
    const spec = podSpec(deploy);
    expect(spec.containers.map((x: any) => x.name)).toEqual(['vllm-gpu', 'vllm-tpu']);
    const gpu = container(deploy, 'vllm-gpu');
    const tpu = container(deploy, 'vllm-tpu');
    expect(spec.nodeSelector).toEqual({ 'cloud.google.com/compute-class': 'vllm-fallback' });
    expect(spec.tolerations).toEqual([
      { key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }, { key: 'google.com/tpu', operator: 'Exists', effect: 'NoSchedule' },
    ]);
    expect(gpu.args).toEqual(['--host=0.0.0.0', '--port=8000', '--tensor-parallel-size=1', '--model=Qwen/Qwen2-1.5B']);
    expect(gpu.command).toBeUndefined();
    expect(gpu.securityContext.privileged).toBe(true);
    expect(tpu.securityContext.privileged).toBe(true);
    expect(env(gpu, 'HUGGING_FACE_HUB_TOKEN').valueFrom).toEqual({ secretKeyRef: { name: 'hf-secret', key: 'hf_api_token' } });
    expect(env(tpu, 'HUGGING_FACE_HUB_TOKEN').valueFrom).toEqual({ secretKeyRef: { name: 'hf-secret', key: 'hf_api_token' } });
    expect(gpu.resources).toEqual({ limits: { 'ephemeral-storage': '43Gi' } });
    expect(volume(spec, 'gpu').hostPath).toEqual({ path: '/home/kubernetes/bin/nvidia', type: 'DirectoryOrCreate' });
    expect(mount(gpu, '/usr/local/nvidia')).toMatchObject({ name: 'gpu' });
    // NODE_IP comes before the variable that refers to it, or $(NODE_IP) stays literal
    const names = tpu.env.map((e: any) => e.name);
    expect(names.indexOf('NODE_IP')).toBeLessThan(names.indexOf('VBAR_CONTROL_SERVICE_URL'));
    expect(env(tpu, 'NODE_IP').valueFrom).toEqual({ fieldRef: { fieldPath: 'status.hostIP' } });
    expect(env(tpu, 'VBAR_CONTROL_SERVICE_URL').value).toBe('$(NODE_IP):8353');
    expect(env(tpu, 'TPU_ACCELERATOR_TYPE').value).toBe('v6e-1');
    expect(tpu.args).toEqual(['--host=0.0.0.0', '--port=8000', '--max-model-len=8192', '--model=Qwen/Qwen2-1.5B']);
    expect(gpu.startupProbe ?? gpu.readinessProbe ?? gpu.livenessProbe ?? tpu.readinessProbe).toBeUndefined();
    const service = manifestOf(manifests, 'Service');
    expect(service.metadata.name).toBe('vllm-service');
    expect(service.spec.type).toBe('LoadBalancer');
    expect(service.spec.ports).toEqual([{ name: 'http', port: 8000, protocol: 'TCP', targetPort: 8000 }]);
    expect(warnings).toContain('the pod meets Pod Security Standard "privileged", not "restricted", as security.level declares: volume gpu is a hostPath; '
      + 'container vllm-gpu is privileged; container vllm-tpu is privileged');
    expect(warnings.trim().split('\n')).toHaveLength(1);
  });
});
