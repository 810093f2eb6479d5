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
