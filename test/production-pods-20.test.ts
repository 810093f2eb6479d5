/**
 * Production pods, twentieth batch (new-user review 21, 2026-11): model servers no earlier batch
 * covers — TorchServe from PyTorch's own Helm chart (a GPU, a shared claim, a LoadBalancer over its
 * three APIs), Intel's TorchServe chart for CPU inference (an NFS model store by subPath, five ports
 * behind fixed node ports), TensorFlow Serving on a GKE L4 reading its SavedModel through Cloud
 * Storage FUSE, and llm-d's vLLM simulator behind the routing sidecar (data-parallel rank ports on
 * both). Each describe names the public source it follows; each pod goes through the real App synth,
 * the official schema and the object rules, and the fields that matter are asserted against it.
 */
import { Duration } from 'cdk8s';
import {
  AiInferenceDeployment, HealthCheck, ImagePullPolicy, InferenceServiceType, PodField, PodSecurityLevel, PodVolume, Probe, Sidecar,
} from '../src';
import { env, mount, synthWithWarnings, volume } from './helpers/pod-parts';
import { container, manifestOf, newChart, podSpec } from './helpers/synth';

/**
 * TorchServe's writable places under a read-only root filesystem: since 0.11 it writes its token
 * authorization keys (`key_file.json`) into its working directory at start and fails without them,
 * and it writes `logs/` there too; it unpacks model archives in `TEMP` (`/home/model-server/tmp`).
 * The image's working directory (`/home/model-server`) holds its config.properties, so an emptyDir
 * cannot go over it: the server works in an emptyDir of its own instead.
 */
const TORCHSERVE_WORK = '/home/model-server/work';
function torchserveScratch() {
  return [
    { volume: PodVolume.emptyDir('work', { sizeLimit: '1Gi' }), path: TORCHSERVE_WORK },
    { volume: PodVolume.emptyDir('archives', { sizeLimit: '10Gi' }), path: '/home/model-server/tmp' },
  ];
}

// Source: pytorch/serve kubernetes/Helm templates/torchserve.yaml (053ab371) with values.yaml (d1132747): Deployment
// torchserve (label app torchserve, 1 replica); init container volume-ownership (alpine:3) running `chown
// root:<securityContext.groupId> /home/model-server/shared/` on the claim — a value values.yaml does not define; container
// torchserve (pytorch/torchserve:latest-gpu, IfNotPresent), args `torchserve --start --model-store
// /home/model-server/shared/model-store/ --ts-config /home/model-server/shared/config/config.properties`, ports ts 8080,
// ts-management 8081, ts-metrics 8082; the claim model-store-claim at /home/model-server/shared/; cpu 1 requested = limit,
// memory 1Gi requested / 4Gi limit, nvidia.com/gpu 1 as a limit; no probes, no securityContext, no toleration, no
// /dev/shm. Service torchserve (label app, prometheus.io/scrape "true" and prometheus.io/port "8082"), LoadBalancer: preds
// 8080 → "ts", mdl 8081 → "ts-management", metrics 8082 → "ts-metrics".
describe('TorchServe on a GPU from PyTorch\'s Helm chart (pytorch/serve kubernetes/Helm)', () => {
  test('three named ports behind a LoadBalancer, the shared claim writable through fsGroup, /ping probes, a writable working directory', () => {
    const chart = newChart('torchserve');
    new AiInferenceDeployment(chart, 'torchserve', {
      metadata: { name: 'torchserve', labels: { app: 'torchserve' } },
      replicas: 1,
      server: {
        name: 'torchserve',
        image: 'pytorch/torchserve:latest-gpu',
        imagePullPolicy: ImagePullPolicy.IF_NOT_PRESENT,
        args: ['torchserve', '--start', '--model-store', '/home/model-server/shared/model-store/', '--ts-config', '/home/model-server/shared/config/config.properties'],
        port: 8080,
        portName: 'ts',
        extraPorts: [{ number: 8081, name: 'ts-management' }, { number: 8082, name: 'ts-metrics' }],
        workingDir: TORCHSERVE_WORK,
        // TorchServe answers /ping on its inference port (the chart has no probe)
        health: HealthCheck.http('/ping'),
        resources: { cpu: { request: '1', limit: '1' }, memory: { request: '1Gi', limit: '4Gi' } },
        volumeMounts: [
          { volume: PodVolume.persistentVolumeClaim('persistent-storage', 'model-store-claim'), path: '/home/model-server/shared/', readOnly: false },
          ...torchserveScratch(),
        ],
      },
      gpu: { count: 1 },
      serviceType: InferenceServiceType.LOAD_BALANCER,
      serviceOptions: {
        name: 'torchserve',
        portName: 'preds',
        labels: { app: 'torchserve' },
        annotations: { 'prometheus.io/scrape': 'true', 'prometheus.io/port': '8082' },
        extraPorts: [{ name: 'mdl', port: 8081, targetPortName: 'ts-management' }, { name: 'metrics', port: 8082, targetPortName: 'ts-metrics' }],
      },
    });
    const { manifests, warnings } = synthWithWarnings(chart);
    expect(manifests.map(m => m.kind).sort()).toEqual(['Deployment', 'Service']);
    const deploy = manifestOf(manifests, 'Deployment');
    const spec = podSpec(deploy);
    const c = container(deploy, 'torchserve');
    expect(deploy.metadata).toMatchObject({ name: 'torchserve', labels: { app: 'torchserve' } });
    expect(deploy.spec.replicas).toBe(1);
    expect(c).toMatchObject({ image: 'pytorch/torchserve:latest-gpu', imagePullPolicy: 'IfNotPresent', workingDir: TORCHSERVE_WORK });
    expect(c.command).toBeUndefined();
    expect(c.args).toEqual(['torchserve', '--start', '--model-store', '/home/model-server/shared/model-store/', '--ts-config', '/home/model-server/shared/config/config.properties']);
    expect(c.ports).toEqual([{ containerPort: 8080, name: 'ts' }, { containerPort: 8081, name: 'ts-management' }, { containerPort: 8082, name: 'ts-metrics' }]);
    expect(c.resources).toEqual({ requests: { 'cpu': '1', 'memory': '1Gi', 'nvidia.com/gpu': '1' }, limits: { 'cpu': '1', 'memory': '4Gi', 'nvidia.com/gpu': '1' } });
    expect(c.readinessProbe).toMatchObject({ httpGet: { path: '/ping', port: 8080 } });
    expect(volume(spec, 'persistent-storage').persistentVolumeClaim).toEqual({ claimName: 'model-store-claim' });
    expect(mount(c, '/home/model-server/shared/')).toMatchObject({ name: 'persistent-storage' });
    expect(mount(c, '/home/model-server/shared/').readOnly).toBeFalsy();
    // the chart's root chown init container is not needed: fsGroup gives the claim to the server's group
    expect(spec.initContainers).toBeUndefined();
    expect(spec.securityContext).toMatchObject({ runAsUser: 1000, fsGroup: 1000, fsGroupChangePolicy: 'OnRootMismatch' });
    // the root filesystem stays read-only: the working directory (key_file.json, logs/) and TEMP are emptyDirs
    expect(c.securityContext.readOnlyRootFilesystem).toBe(true);
    for (const [name, path] of [['work', TORCHSERVE_WORK], ['archives', '/home/model-server/tmp']]) {
      expect(volume(spec, name).emptyDir).toBeDefined();
      expect(mount(c, path)).toMatchObject({ name });
      expect(mount(c, path).readOnly).toBeFalsy();
    }
    // the library's GPU defaults the chart lacks: the GPU taint tolerated, a memory-backed /dev/shm for worker processes
    expect(spec.tolerations).toEqual([{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }]);
    expect(volume(spec, 'dshm').emptyDir).toEqual({ medium: 'Memory', sizeLimit: '1Gi' });
    const service = manifestOf(manifests, 'Service');
    expect(service.metadata).toMatchObject({ name: 'torchserve', labels: { app: 'torchserve' }, annotations: { 'prometheus.io/scrape': 'true', 'prometheus.io/port': '8082' } });
    expect(service.spec.type).toBe('LoadBalancer');
    expect(service.spec.ports).toEqual([
      { name: 'preds', port: 8080, protocol: 'TCP', targetPort: 8080 },
      { name: 'mdl', port: 8081, protocol: 'TCP', targetPort: 'ts-management' },
      { name: 'metrics', port: 8082, protocol: 'TCP', targetPort: 'ts-metrics' },
    ]);
    expect(warnings).toContain('"pytorch/torchserve:latest-gpu" is not pinned (the moving tag "latest-gpu")');
    expect(warnings.trim().split('\n')).toHaveLength(1);
  });
});

// Source: intel/ai-containers pytorch/charts/inference (templates/deploy.yaml 29b2cb58, service.yaml 87bc152e, values.yaml
// 3b6c29b3) rendered with deploy.storage.nfs.enable, its server, path and subPath given: Deployment ipex-serving (1 replica,
// label app ipex-serving); container torchserve (pytorch/torchserve:latest-cpu), args `torchserve --start --ts-config
// /home/model-server/config.properties --model-store store --workflow-store store --models all` (the store relative to the
// image's working directory /home/model-server), ports rest-1 8080, rest-2 8081, rest-3 8082, grpc-1 7070, grpc-2 7071; the
// NFS export (readOnly true) at /home/model-server/store by subPath; requests cpu 1000m / memory 512Mi, limits cpu 24 /
// memory 16Gi; pod securityContext runAsUser 1000 and fsGroup 1000; no probes. Service ipex-serving, NodePort: the five
// ports by name with node ports 30000–30004 (and no targetPort: the port number itself).
describe('TorchServe for CPU inference from Intel\'s chart (intel/ai-containers pytorch/charts/inference)', () => {
  test('an NFS model store by subPath, five named ports on fixed node ports, requests far below limits, absolute store paths', () => {
    const chart = newChart('ipex-serving');
    const store = '/home/model-server/store';
    new AiInferenceDeployment(chart, 'ipex', {
      metadata: { name: 'ipex-serving', labels: { app: 'ipex-serving' } },
      replicas: 1,
      server: {
        name: 'torchserve',
        image: 'pytorch/torchserve:latest-cpu',
        // the chart's relative `store` resolves against the working directory, which is the emptyDir here: given absolute
        args: ['torchserve', '--start', '--ts-config', '/home/model-server/config.properties', '--model-store', store, '--workflow-store', store, '--models', 'all'],
        port: 8080,
        portName: 'rest-1',
        extraPorts: [{ number: 8081, name: 'rest-2' }, { number: 8082, name: 'rest-3' }, { number: 7070, name: 'grpc-1' }, { number: 7071, name: 'grpc-2' }],
        workingDir: TORCHSERVE_WORK,
        health: HealthCheck.http('/ping'),
        resources: { cpu: { request: '1000m', limit: '24' }, memory: { request: '512Mi', limit: '16Gi' } },
        volumeMounts: [
          { volume: PodVolume.nfs('model', 'nfs.example.internal', '/exports/torchserve', { readOnly: true }), path: store, subPath: 'ipex/resnet50' },
          ...torchserveScratch(),
        ],
      },
      // an NFS volume is beyond Pod Security Standard restricted
      security: { level: PodSecurityLevel.BASELINE },
      serviceType: InferenceServiceType.NODE_PORT,
      serviceOptions: {
        portName: 'rest-1',
        nodePort: 30000,
        extraPorts: [
          { name: 'rest-2', port: 8081, nodePort: 30001 }, { name: 'rest-3', port: 8082, nodePort: 30002 },
          { name: 'grpc-1', port: 7070, nodePort: 30003 }, { name: 'grpc-2', port: 7071, nodePort: 30004 },
        ],
      },
    });
    const { manifests, warnings } = synthWithWarnings(chart);
    expect(manifests.map(m => m.kind).sort()).toEqual(['Deployment', 'Service']);
    const deploy = manifestOf(manifests, 'Deployment');
    const spec = podSpec(deploy);
    const c = container(deploy, 'torchserve');
    expect(deploy.metadata.name).toBe('ipex-serving');
    expect(c.image).toBe('pytorch/torchserve:latest-cpu');
    expect(c.args).toEqual(['torchserve', '--start', '--ts-config', '/home/model-server/config.properties', '--model-store', store, '--workflow-store', store, '--models', 'all']);
    expect(c.workingDir).toBe(TORCHSERVE_WORK);
    expect(c.ports.map((p: any) => [p.name, p.containerPort])).toEqual([['rest-1', 8080], ['rest-2', 8081], ['rest-3', 8082], ['grpc-1', 7070], ['grpc-2', 7071]]);
    expect(c.resources).toEqual({ requests: { cpu: '1000m', memory: '512Mi' }, limits: { cpu: '24', memory: '16Gi' } });
    expect(volume(spec, 'model').nfs).toEqual({ server: 'nfs.example.internal', path: '/exports/torchserve', readOnly: true });
    expect(mount(c, store)).toMatchObject({ name: 'model', subPath: 'ipex/resnet50', readOnly: true });
    expect(spec.securityContext).toMatchObject({ runAsUser: 1000, fsGroup: 1000 });
    expect(c.securityContext.readOnlyRootFilesystem).toBe(true);
    // no GPU: no toleration, no /dev/shm
    expect(spec.tolerations).toBeUndefined();
    expect(volume(spec, 'dshm')).toBeUndefined();
    const service = manifestOf(manifests, 'Service');
    expect(service.metadata.name).toBe('ipex-serving');
    expect(service.spec.type).toBe('NodePort');
    expect(service.spec.ports.map((p: any) => [p.name, p.port, p.nodePort, p.targetPort])).toEqual([
      ['rest-1', 8080, 30000, 8080], ['rest-2', 8081, 30001, 8081], ['rest-3', 8082, 30002, 8082], ['grpc-1', 7070, 30003, 7070], ['grpc-2', 7071, 30004, 7071],
    ]);
    expect(warnings).toContain('"pytorch/torchserve:latest-cpu" is not pinned (the moving tag "latest-cpu")');
    // the declared baseline level is used (the NFS volume): said once, by design
    expect(warnings).toContain('the pod meets Pod Security Standard "baseline", not "restricted", as security.level declares: volume model has type nfs');
    expect(warnings.trim().split('\n')).toHaveLength(2);
  });
});

// Source: GoogleCloudPlatform/kubernetes-engine-samples ai-ml/gke-online-serving-single-gpu/src/gke-config
// deployment-tfserve.yaml and service-tfserve.yaml (the copy at 0513efb9 of volatilemolotov's fork), with the tutorial's
// envsubst placeholders filled in (MODEL_NAME resnet, K8S_SA_NAME and GSBUCKET): Deployment tfserve-deployment (label app
// tfserve-server) selecting pods labelled app tfserve, pod annotation gke-gcsfuse/volumes "true", node selector
// cloud.google.com/gke-accelerator nvidia-l4, container tfserve-server (tensorflow/serving:2.13.1-gpu) with command
// `tensorflow_model_server --model_name=resnet --model_base_path=/data/tfserve-model-repository/resnet --rest_api_port=8000
// --monitoring_config_file=/data/tfserve-model-repository/monitoring_config.txt`, ports http 8000 and grpc 8500, cpu 4 /
// memory 16Gi / ephemeral-storage 1Gi / one GPU requested = limit, /data the gcsfuse.csi.storage.gke.io inline volume
// (bucketName, mountOptions implicit-dirs, readOnly false) mounted read-write; no probes, no securityContext, no toleration.
// Service tfserve-service (label app tfserve), LoadBalancer: grpc 8500 → 8500 and http 8000 → 8000.
describe('TensorFlow Serving on a GKE L4 from Cloud Storage FUSE (kubernetes-engine-samples gke-online-serving-single-gpu)', () => {
  test('the model server command, REST and gRPC ports, requests = limits with ephemeral storage, the FUSE volume, the model-status probe', () => {
    const chart = newChart('tfserve');
    const bucket = PodVolume.csi('gcs-fuse-csi-vol', 'gcsfuse.csi.storage.gke.io', { readOnly: false, volumeAttributes: { bucketName: 'my-project-tfserve-models', mountOptions: 'implicit-dirs' } });
    new AiInferenceDeployment(chart, 'tfserve', {
      metadata: { name: 'tfserve-deployment', labels: { app: 'tfserve-server' } },
      podMetadata: { labels: { app: 'tfserve' }, annotations: { 'gke-gcsfuse/volumes': 'true' } },
      selectorLabels: { app: 'tfserve' },
      replicas: 1,
      serviceAccountName: 'tfserve-ksa',
      server: {
        name: 'tfserve-server',
        image: 'tensorflow/serving:2.13.1-gpu',
        command: [
          'tensorflow_model_server', '--model_name=resnet', '--model_base_path=/data/tfserve-model-repository/resnet', '--rest_api_port=8000',
          '--monitoring_config_file=/data/tfserve-model-repository/monitoring_config.txt',
        ],
        port: 8000,
        extraPorts: [{ number: 8500, name: 'grpc' }],
        // TF Serving's model status: 200 once a version of the model is AVAILABLE (the sample has no probe)
        health: HealthCheck.http('/v1/models/resnet'),
        resources: { cpu: { request: '4', limit: '4' }, memory: { request: '16Gi', limit: '16Gi' }, ephemeralStorage: { request: '1Gi', limit: '1Gi' } },
        volumeMounts: [{ volume: bucket, path: '/data', readOnly: false }],
      },
      gpu: { count: 1, nodeSelector: { 'cloud.google.com/gke-accelerator': 'nvidia-l4' } },
      serviceType: InferenceServiceType.LOAD_BALANCER,
      serviceOptions: { name: 'tfserve-service', labels: { app: 'tfserve' }, extraPorts: [{ name: 'grpc', port: 8500 }] },
    });
    const { manifests, warnings } = synthWithWarnings(chart);
    expect(manifests.map(m => m.kind).sort()).toEqual(['Deployment', 'Service']);
    const deploy = manifestOf(manifests, 'Deployment');
    const spec = podSpec(deploy);
    const c = container(deploy, 'tfserve-server');
    expect(deploy.metadata).toMatchObject({ name: 'tfserve-deployment', labels: { app: 'tfserve-server' } });
    expect(deploy.spec.selector.matchLabels).toEqual({ app: 'tfserve' });
    expect(deploy.spec.template.metadata.labels).toMatchObject({ app: 'tfserve' });
    expect(deploy.spec.template.metadata.annotations).toEqual({ 'gke-gcsfuse/volumes': 'true' });
    expect(spec.serviceAccountName).toBe('tfserve-ksa');
    expect(spec.nodeSelector).toEqual({ 'cloud.google.com/gke-accelerator': 'nvidia-l4' });
    expect(c.command).toEqual([
      'tensorflow_model_server', '--model_name=resnet', '--model_base_path=/data/tfserve-model-repository/resnet', '--rest_api_port=8000',
      '--monitoring_config_file=/data/tfserve-model-repository/monitoring_config.txt',
    ]);
    expect(c.ports).toEqual([{ containerPort: 8000, name: 'http' }, { containerPort: 8500, name: 'grpc' }]);
    expect(c.resources).toEqual({
      requests: { 'cpu': '4', 'memory': '16Gi', 'ephemeral-storage': '1Gi', 'nvidia.com/gpu': '1' },
      limits: { 'cpu': '4', 'memory': '16Gi', 'ephemeral-storage': '1Gi', 'nvidia.com/gpu': '1' },
    });
    expect(c.startupProbe).toMatchObject({ httpGet: { path: '/v1/models/resnet', port: 8000 } });
    expect(c.readinessProbe).toMatchObject({ httpGet: { path: '/v1/models/resnet', port: 8000 } });
    expect(volume(spec, 'gcs-fuse-csi-vol').csi).toEqual({
      driver: 'gcsfuse.csi.storage.gke.io', readOnly: false, volumeAttributes: { bucketName: 'my-project-tfserve-models', mountOptions: 'implicit-dirs' },
    });
    expect(mount(c, '/data')).toMatchObject({ name: 'gcs-fuse-csi-vol' });
    expect(mount(c, '/data').readOnly).toBeFalsy();
    const service = manifestOf(manifests, 'Service');
    expect(service.metadata).toMatchObject({ name: 'tfserve-service', labels: { app: 'tfserve' } });
    expect(service.spec.type).toBe('LoadBalancer');
    expect(service.spec.selector).toEqual({ app: 'tfserve' });
    expect(service.spec.ports.map((p: any) => [p.name, p.port, p.targetPort])).toEqual([['http', 8000, 8000], ['grpc', 8500, 8500]]);
    expect(warnings).toBe('');
  });
});

// Source: llm-d/llm-d-inference-scheduler deploy/components/vllm-sim/deployments.yaml (0e7e63a0), the kustomize variables
// filled in here (pool vllm-sim-pool, model food-review, EPP endpoint-picker, data-parallel size 1, KV-cache events on):
// Deployment food-review-vllm-sim (label app vllm-sim-pool); routing-sidecar (llm-d-routing-sidecar, IfNotPresent) with
// `--port=8000 --vllm-port=8200 --connector=nixlv2 --secure-proxy=false --data-parallel-size=1`, ports sidecar-http 8000
// and sidecar-rank1…7 8001–8007, env POD_IP from status.podIP, written as a regular container with `restartPolicy:
// Always`; vllm (llm-d-inference-sim, IfNotPresent) with `--port=8200 --model=food-review --enable-kvcache=true
// --kv-cache-size=1024 --block-size=16 --zmq-endpoint=tcp://endpoint-picker.default.svc.cluster.local:5557
// --event-batch-size=16 --tokenizers-cache-dir=/tokenizer-cache --data-parallel-size=1`, ports http 8200 and rank1…7
// 8201–8207, env PORT 8200 and PYTHONHASHSEED 42, /tokenizer-cache an emptyDir; no resources, no probes, no
// securityContext, no Service (the InferencePool selects the pods).
describe('llm-d\'s vLLM simulator behind the routing sidecar (llm-d-inference-scheduler deploy/components/vllm-sim)', () => {
  const rankPorts = (first: number, prefix: string) => Array.from({ length: 7 }, (_, i) => ({ number: first + i + 1, name: `${prefix}rank${i + 1}` }));

  test('the sidecar as a native sidecar in front of 8200, rank ports on both, the tokenizer cache, the pod IP', () => {
    const chart = newChart('vllm-sim');
    const deployment = new AiInferenceDeployment(chart, 'sim', {
      metadata: { name: 'food-review-vllm-sim', labels: { app: 'vllm-sim-pool' } },
      selectorLabels: { app: 'vllm-sim-pool' },
      replicas: 2,
      service: false,
      server: {
        name: 'vllm',
        image: 'ghcr.io/llm-d/llm-d-inference-sim:v0.6.1',
        imagePullPolicy: ImagePullPolicy.IF_NOT_PRESENT,
        args: [
          '--port=8200', '--model=food-review', '--enable-kvcache=true', '--kv-cache-size=1024', '--block-size=16',
          '--zmq-endpoint=tcp://endpoint-picker.default.svc.cluster.local:5557', '--event-batch-size=16',
          '--tokenizers-cache-dir=/tokenizer-cache', '--data-parallel-size=1',
        ],
        port: 8200,
        extraPorts: rankPorts(8200, ''),
        env: { PORT: '8200', PYTHONHASHSEED: '42' },
        // the simulator answers /health and /ready as vLLM does (the manifest has no probe)
        health: HealthCheck.custom({
          liveness: Probe.httpGet('/health', { period: Duration.seconds(10) }),
          readiness: Probe.httpGet('/ready', { period: Duration.seconds(5) }),
        }),
        resources: {},
        volumeMounts: [{ volume: PodVolume.emptyDir('tokenizer-cache'), path: '/tokenizer-cache' }],
      },
    });
    new Sidecar(deployment, 'routing-sidecar', {
      name: 'routing-sidecar',
      image: 'ghcr.io/llm-d/llm-d-routing-sidecar:v0.3.0',
      imagePullPolicy: ImagePullPolicy.IF_NOT_PRESENT,
      args: ['--port=8000', '--vllm-port=8200', '--connector=nixlv2', '--secure-proxy=false', '--data-parallel-size=1'],
      ports: [{ number: 8000, name: 'sidecar-http' }, ...rankPorts(8000, 'sidecar-')],
      fieldEnv: { POD_IP: PodField.POD_IP },
      resources: {},
      frontDoor: { port: 8000, networkPolicy: false },
    });
    const { manifests, warnings } = synthWithWarnings(chart);
    expect(manifests.map(m => m.kind)).toEqual(['Deployment']);
    const deploy = manifestOf(manifests, 'Deployment');
    const spec = podSpec(deploy);
    const c = container(deploy, 'vllm');
    expect(deploy.metadata).toMatchObject({ name: 'food-review-vllm-sim', labels: { app: 'vllm-sim-pool' } });
    expect(deploy.spec.selector.matchLabels).toEqual({ app: 'vllm-sim-pool' });
    expect(deploy.spec.replicas).toBe(2);
    // the manifest's `restartPolicy: Always` on a regular container is refused by the API server (only init containers
    // carry one): the library writes the routing sidecar as a native sidecar, started before vLLM and stopped after it
    expect(spec.containers.map((x: any) => x.name)).toEqual(['vllm']);
    const proxy = spec.initContainers.find((x: any) => x.name === 'routing-sidecar');
    expect(proxy).toMatchObject({
      image: 'ghcr.io/llm-d/llm-d-routing-sidecar:v0.3.0', imagePullPolicy: 'IfNotPresent', restartPolicy: 'Always',
      args: ['--port=8000', '--vllm-port=8200', '--connector=nixlv2', '--secure-proxy=false', '--data-parallel-size=1'],
    });
    expect(proxy.ports.map((p: any) => [p.name, p.containerPort])).toEqual([['sidecar-http', 8000], ...Array.from({ length: 7 }, (_, i) => [`sidecar-rank${i + 1}`, 8001 + i])]);
    expect(env(proxy, 'POD_IP').valueFrom).toEqual({ fieldRef: { fieldPath: 'status.podIP' } });
    expect(c).toMatchObject({ image: 'ghcr.io/llm-d/llm-d-inference-sim:v0.6.1', imagePullPolicy: 'IfNotPresent' });
    expect(c.args).toContain('--zmq-endpoint=tcp://endpoint-picker.default.svc.cluster.local:5557');
    expect(c.ports.map((p: any) => [p.name, p.containerPort])).toEqual([['http', 8200], ...Array.from({ length: 7 }, (_, i) => [`rank${i + 1}`, 8201 + i])]);
    expect(env(c, 'PORT').value).toBe('8200');
    expect(env(c, 'PYTHONHASHSEED').value).toBe('42');
    expect(c.resources).toBeUndefined();
    expect(c.livenessProbe).toMatchObject({ httpGet: { path: '/health', port: 8200 }, periodSeconds: 10 });
    expect(c.readinessProbe).toMatchObject({ httpGet: { path: '/ready', port: 8200 }, periodSeconds: 5 });
    expect(volume(spec, 'tokenizer-cache').emptyDir).toEqual({});
    expect(mount(c, '/tokenizer-cache')).toMatchObject({ name: 'tokenizer-cache' });
    expect(mount(c, '/tokenizer-cache').readOnly).toBeFalsy();
    expect(warnings).toBe('');
  });
});
