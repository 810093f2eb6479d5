/**
 * Hostile review 12: the README sections earlier rounds touched least — "When a pod is stuck",
 * "Defaults" (a test per row that can be falsified), "Deployments, StatefulSets, Jobs and worker
 * pods", "Security" (the relaxations table) and the Quick start. Each test is a break found, kept
 * as a regression test, or a README row pinned down.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Chart, Cron } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import {
  AiInferenceDeployment, AiInferencePod, HealthCheck, InferenceServer, InitContainer, LogDestination, LogSidecar, ModelCache, ModelPrepInit,
  ModelSource,
  PodNames, PodRestartPolicy, PodSecurityLevel, PodVolume, ProxyAuth, ProxySidecar, ProxyTls, Sidecar,
} from '../src';
import { synthWithWarnings } from './helpers/pod-parts';
import { expectRefused } from './helpers/refusal';
import { container, expectApiValid, manifestOf, newChart, podSpec, synth } from './helpers/synth';

/** Synthesizes as `cdk8s synth` does and returns the YAML text written. */
function writtenYaml(build: (chart: Chart) => void): string {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'hostile12-'));
  const app = new App({ outdir });
  build(new Chart(app, 'c'));
  app.synth();
  return fs.readdirSync(outdir).map(f => fs.readFileSync(path.join(outdir, f), 'utf8')).join('\n');
}

const SERVER = { image: 'myrepo/ai-fastapi:v1.2' };

describe('PodVolume options left unset are not written as null', () => {
  // Break: renderPodVolumeMounts and PodVolume._render kept `undefined` members (subPath,
  // medium, sizeLimit, type, readOnly, defaultMode, items, optional, fsType, ...). The pod spec
  // takes them after cdk8s sanitized it, so the YAML said `subPath: null`, `type: null`, ...
  const volumes: [string, () => PodVolume, PodSecurityLevel | undefined][] = [
    ['emptyDir', () => PodVolume.emptyDir('v'), undefined],
    ['persistentVolumeClaim', () => PodVolume.persistentVolumeClaim('v', 'claim'), undefined],
    ['configMap', () => PodVolume.configMap('v', 'cfg'), undefined],
    ['secret', () => PodVolume.secret('v', 'sec'), undefined],
    ['csi', () => PodVolume.csi('v', 'x.csi.example.com'), undefined],
    ['hostPath', () => PodVolume.hostPath('v', '/mnt/models'), PodSecurityLevel.PRIVILEGED],
    ['nfs', () => PodVolume.nfs('v', 'nfs.example.com', '/models'), PodSecurityLevel.BASELINE],
  ];
  test.each(volumes)('%s on the server, an InitContainer and a Sidecar', (_, volume, level) => {
    const yaml = writtenYaml(chart => {
      const pod = new AiInferencePod(chart, 'p', {
        server: { ...SERVER, volumeMounts: [{ volume: volume(), path: '/data' }] },
        ...(level ? { security: { level } } : {}),
      });
      new InitContainer(pod, 'init', { name: 'prep', image: 'busybox:1.36', command: ['true'], podVolumeMounts: [{ volume: volume(), path: '/data' }] });
      new Sidecar(pod, 'side', { name: 'side', image: 'busybox:1.36', command: ['sleep', 'infinity'], podVolumeMounts: [{ volume: volume(), path: '/data' }] });
    });
    expect(yaml).not.toMatch(/: null$/m);
  });

  test('the README\'s hostPath default: no type written, mounted read-only', () => {
    const chart = newChart();
    new AiInferencePod(chart, 'p', {
      server: { ...SERVER, volumeMounts: [{ volume: PodVolume.hostPath('models', '/mnt/models'), path: '/models' }] },
      security: { level: PodSecurityLevel.PRIVILEGED },
    });
    const { manifests } = synthWithWarnings(chart);
    const spec = podSpec(manifestOf(manifests, 'Pod'));
    expect(spec.volumes.find((v: any) => v.name === 'models')).toEqual({ name: 'models', hostPath: { path: '/mnt/models' } });
    expect(spec.containers[0].volumeMounts.find((m: any) => m.name === 'models')).toEqual({ mountPath: '/models', name: 'models', readOnly: true });
  });
});

describe('Security: the SYS_ADMIN capability at the level that allows it', () => {
  // Break: `addCapabilities: ['CAP_SYS_ADMIN']` at PodSecurityLevel.PRIVILEGED is refused by
  // privilegeContradictions (allowPrivilegeEscalation defaults to false; the API server rejects
  // that with CAP_SYS_ADMIN), and the fix only said to drop it: the way out, setting
  // allowPrivilegeEscalation: true, went unnamed. (New-user review 20: the API server compares the
  // name as written, so `SYS_ADMIN` beside escalation false is accepted, as NVIDIA's DCGM exporter has it.)
  test('the refusal names allowPrivilegeEscalation: true as a way out', () => {
    const lines = expectRefused(chart => {
      new AiInferencePod(chart, 'p', {
        server: { ...SERVER, security: { addCapabilities: ['CAP_SYS_ADMIN'], runAsNonRoot: false, runAsUser: 0 } },
        security: { level: PodSecurityLevel.PRIVILEGED },
      });
    }, /allowPrivilegeEscalation/);
    expect(lines.join('\n')).toMatch(/set allowPrivilegeEscalation: true/);
  });

  test('SYS_ADMIN, spelled without CAP_, beside allowPrivilegeEscalation false is what the API server accepts', () => {
    const chart = newChart();
    new AiInferencePod(chart, 'p', {
      server: { ...SERVER, security: { addCapabilities: ['SYS_ADMIN'], runAsNonRoot: false, runAsUser: 0 } },
      security: { level: PodSecurityLevel.PRIVILEGED },
    });
    const { manifests } = synthWithWarnings(chart);
    expect(container(manifestOf(manifests, 'Pod'), 'server').securityContext).toMatchObject({ allowPrivilegeEscalation: false, capabilities: { add: ['SYS_ADMIN'] } });
  });

  test('following it is accepted and API-valid', () => {
    const chart = newChart();
    new AiInferencePod(chart, 'p', {
      server: { ...SERVER, security: { addCapabilities: ['SYS_ADMIN'], allowPrivilegeEscalation: true, runAsNonRoot: false, runAsUser: 0 } },
      security: { level: PodSecurityLevel.PRIVILEGED },
    });
    const { manifests, warnings } = synthWithWarnings(chart);
    expectApiValid(manifests);
    expect(container(manifestOf(manifests, 'Pod'), 'server').securityContext).toMatchObject({ allowPrivilegeEscalation: true, capabilities: { add: ['SYS_ADMIN'], drop: ['ALL'] } });
    expect(warnings).toMatch(/adds capability SYS_ADMIN/);
  });
});

describe('Defaults table rows', () => {
  test('server, pod and container defaults', () => {
    const chart = newChart();
    new AiInferencePod(chart, 'p', { server: SERVER });
    const pod = manifestOf(synth(chart), 'Pod');
    const spec = podSpec(pod);
    const server = spec.containers[0];
    expect([server.name, server.ports]).toEqual(['server', [{ containerPort: 8000, name: 'http' }]]);
    expect(server.resources).toEqual({ requests: { cpu: '1', memory: '4Gi' }, limits: { memory: '4Gi' } });
    expect(server.readinessProbe.httpGet.path).toBe('/health');
    expect(server.startupProbe.periodSeconds * server.startupProbe.failureThreshold).toBe(900);
    expect(server.imagePullPolicy).toBeUndefined();
    expect(server.terminationMessagePolicy).toBe('FallbackToLogsOnError');
    expect(server.securityContext).toEqual({
      allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, privileged: false, readOnlyRootFilesystem: true, runAsNonRoot: true,
    });
    expect(server.volumeMounts).toEqual([{ mountPath: '/tmp', name: 'server-tmp' }]);
    expect(spec.restartPolicy).toBe('Always');
    expect(spec.terminationGracePeriodSeconds).toBe(60);
    expect(spec.securityContext).toEqual({
      fsGroup: 1000, fsGroupChangePolicy: 'OnRootMismatch', runAsGroup: 1000, runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: 'RuntimeDefault' },
    });
    expect([spec.hostNetwork, spec.dnsPolicy, spec.automountServiceAccountToken, spec.enableServiceLinks, spec.sysctls]).toEqual([false, 'ClusterFirst', false, undefined, undefined]);
  });

  test('InitContainer, Sidecar, GPU and ModelPrepInit defaults', () => {
    const chart = newChart();
    const pod = new AiInferencePod(chart, 'p', { server: SERVER, gpu: { count: 1 } });
    new InitContainer(pod, 'init', { name: 'prep', image: 'busybox:1.36', command: ['true'] });
    new Sidecar(pod, 'side', { name: 'side', image: 'busybox:1.36', command: ['sleep', 'infinity'] });
    new ModelPrepInit(pod, 'm', { source: ModelSource.s3('s3://my-models/llama/') });
    const manifest = manifestOf(synth(chart), 'Pod');
    const spec = podSpec(manifest);
    expect(container(manifest, 'prep').resources).toEqual({ requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '256Mi' } });
    // an InitContainer without mounts wrote `volumeMounts: []`
    expect(Object.keys(container(manifest, 'prep'))).not.toContain('volumeMounts');
    const side = container(manifest, 'side');
    expect(side.resources).toEqual({ requests: { cpu: '50m', memory: '64Mi' }, limits: { memory: '128Mi' } });
    expect([side.restartPolicy, side.stdin, side.tty]).toEqual(['Always', undefined, undefined]);
    expect(spec.tolerations).toEqual([{ effect: 'NoSchedule', key: 'nvidia.com/gpu', operator: 'Exists' }]);
    expect(spec.volumes.find((v: any) => v.name === 'dshm')).toEqual({ emptyDir: { medium: 'Memory', sizeLimit: '1Gi' }, name: 'dshm' });
    const downloader = container(manifest, 'model-downloader');
    expect(downloader.image).toBe('amazon/aws-cli:2.15.30');
    expect(downloader.resources).toEqual({ requests: { cpu: '1', memory: '1Gi' }, limits: { memory: '2Gi' } });
    expect(downloader.volumeMounts).toContainEqual({ mountPath: '/models', name: 'model-storage' });
    expect(spec.volumes.find((v: any) => v.name === 'model-storage')).toEqual({ emptyDir: {}, name: 'model-storage' });
    expect(container(manifest, 'server').env).toContainEqual({ name: 'MODEL_PATH', value: '/models/llama' });
  });

  test('LogSidecar, shipping LogSidecar and ProxySidecar defaults', () => {
    const chart = newChart();
    const pod = new AiInferencePod(chart, 'p', { server: SERVER });
    new LogSidecar(pod, 'l');
    const manifest = manifestOf(synth(chart), 'Pod');
    const log = container(manifest, 'log-forwarder');
    expect([log.image, log.resources]).toEqual(['debian:12.8-slim', { requests: { cpu: '10m', memory: '16Mi' }, limits: { memory: '64Mi' } }]);
    expect(log.volumeMounts).toEqual([{ mountPath: '/var/log/app', name: 'app-logs', readOnly: true }]);
    expect(podSpec(manifest).volumes).toContainEqual({ emptyDir: { sizeLimit: '1Gi' }, name: 'app-logs' });

    const chart2 = newChart();
    const pod2 = new AiInferencePod(chart2, 'p', { server: SERVER });
    new LogSidecar(pod2, 'l', { shipTo: LogDestination.loki({ host: 'loki.example.com' }) });
    new ProxySidecar(pod2, 'x');
    const manifests = synth(chart2);
    const shipping = container(manifestOf(manifests, 'Pod'), 'log-forwarder');
    expect(shipping.image).toBe('cr.fluentbit.io/fluent/fluent-bit:3.1.9');
    expect(shipping.ports).toEqual([{ containerPort: 2020, name: 'fluent-health' }]);
    expect(shipping.resources).toEqual({ requests: { cpu: '50m', memory: '64Mi' }, limits: { memory: '128Mi' } });
    const fluentConf = manifests.find(m => m.kind === 'ConfigMap' && m.data['fluent-bit.conf']).data['fluent-bit.conf'];
    expect(fluentConf).toMatch(/Port\s+443\n\s+tls\s+On\n\s+tls.verify\s+On/);
    const proxy = container(manifestOf(manifests, 'Pod'), 'auth-proxy');
    expect([proxy.image, proxy.ports, proxy.securityContext.runAsUser]).toEqual(['nginxinc/nginx-unprivileged:1.27.2-alpine', [{ containerPort: 8080, name: 'http-proxy' }], 101]);
    expect(proxy.resources).toEqual({ requests: { cpu: '100m', memory: '64Mi' }, limits: { memory: '256Mi' } });
    const nginx = manifests.find(m => m.kind === 'ConfigMap' && m.data['nginx.conf']).data['nginx.conf'];
    expect(nginx).toMatch(/client_max_body_size 64m;/);
    expect(nginx).toMatch(/proxy_read_timeout 600s;/);
    expect(nginx).toMatch(/server 127\.0\.0\.1:8000;/);
    expect(manifestOf(manifests, 'NetworkPolicy').spec.ingress).toEqual([{ ports: [{ port: 8080, protocol: 'TCP' }] }]);
  });

  test('AiInferenceDeployment and its Service', () => {
    const chart = newChart();
    new AiInferenceDeployment(chart, 'd', { server: SERVER });
    const manifests = synth(chart);
    const deployment = manifestOf(manifests, 'Deployment');
    expect([deployment.spec.replicas, deployment.spec.strategy, deployment.spec.progressDeadlineSeconds])
      .toEqual([1, { rollingUpdate: { maxSurge: 1, maxUnavailable: 0 }, type: 'RollingUpdate' }, 1500]);
    expect(deployment.spec.template.metadata.annotations).toBeUndefined();
    const service = manifestOf(manifests, 'Service');
    expect(service.metadata.name).toBe(deployment.metadata.name);
    expect(service.spec).toMatchObject({ type: 'ClusterIP', ports: [{ name: 'http', port: 8000, targetPort: 8000, protocol: 'TCP' }] });
    expect(service.spec.ports[0].nodePort).toBeUndefined();
    expect(service.metadata.labels).toBeUndefined();
  });
});

describe('Deployments, StatefulSets, Jobs and worker pods', () => {
  test('worker pods in a loop: distinct names, Never, no probes, valid', () => {
    const names = new Set<string>();
    for (const jobId of ['video-42', 'VIDEO_42', 'a/b', '7'.repeat(300)]) {
      const chart = new Chart(new App(), 'worker');
      const pod = new AiInferencePod(chart, 'worker', {
        metadata: { name: PodNames.forJob('worker', jobId) },
        restartPolicy: PodRestartPolicy.NEVER,
        server: { image: 'myrepo/ai-processor:1.4.2', env: { JOB_ID: jobId }, health: HealthCheck.none() },
      });
      new ModelPrepInit(pod, 'model-downloader', { source: ModelSource.s3('s3://my-models/captioner/') });
      const manifest = pod.toManifest();
      expectApiValid([manifest]);
      expect(manifest.spec.restartPolicy).toBe('Never');
      names.add(manifest.metadata.name);
    }
    expect(names.size).toBe(4);
  });

  test('toManifests(): every object the pod needs, the pod last', () => {
    const chart = new Chart(new App(), 'worker');
    const pod = new AiInferencePod(chart, 'p', { server: SERVER });
    new ModelPrepInit(pod, 'm', { source: ModelSource.s3('s3://my-models/llama/'), cache: ModelCache.newPersistentVolumeClaim({ size: '100Gi' }) });
    new LogSidecar(pod, 'l', { shipTo: LogDestination.loki({ host: 'loki.example.com' }) });
    new ProxySidecar(pod, 'x', { tls: ProxyTls.fromSecret('tls'), auth: ProxyAuth.bearerTokens('tokens') });
    expect(() => pod.toManifest()).toThrow(/toManifests\(\)/);
    const manifests = pod.toManifests();
    expectApiValid(manifests);
    expect(manifests.map(m => m.kind).sort()).toEqual(['ConfigMap', 'ConfigMap', 'NetworkPolicy', 'PersistentVolumeClaim', 'Pod']);
    expect(manifests[manifests.length - 1].kind).toBe('Pod');
  });

  test('a Job keeps its restartPolicy, a CronJob gets Never; native sidecars; valid', () => {
    const chart = newChart();
    const job = new kplus.Job(chart, 'job', { restartPolicy: kplus.RestartPolicy.ON_FAILURE });
    new InferenceServer(job, 'server', { server: { ...SERVER, health: HealthCheck.none() } });
    new ModelPrepInit(job, 'm', { source: ModelSource.s3('s3://my-models/llama/') });
    new LogSidecar(job, 'l');
    const cron = new kplus.CronJob(chart, 'cron', { schedule: Cron.daily() });
    new InferenceServer(cron, 'server', { server: { ...SERVER, health: HealthCheck.none() } });
    new LogSidecar(cron, 'l');
    const manifests = synth(chart);
    expectApiValid(manifests);
    expect(podSpec(manifestOf(manifests, 'Job')).restartPolicy).toBe('OnFailure');
    expect(podSpec(manifestOf(manifests, 'CronJob')).restartPolicy).toBe('Never');
    expect(container(manifestOf(manifests, 'CronJob'), 'log-forwarder').restartPolicy).toBe('Always');
  });

  test('the README\'s StatefulSet with a headless Service and a claim template', () => {
    const chart = newChart();
    const headless = new kplus.Service(chart, 'headless', { clusterIP: 'None', ports: [{ port: 8000 }] });
    const sts = new kplus.StatefulSet(chart, 'vllm', { service: headless });
    new InferenceServer(sts, 'server', {
      server: {
        image: 'vllm/vllm-openai:v0.9.1',
        env: { HF_HOME: '/data/huggingface' },
        volumeMounts: [{ volume: PodVolume.claimTemplate('hf-cache', { storage: '200Gi' }), path: '/data/huggingface', readOnly: false }],
      },
    });
    const manifests = synth(chart);
    expectApiValid(manifests);
    const statefulSet = manifestOf(manifests, 'StatefulSet');
    expect(statefulSet.spec.volumeClaimTemplates).toEqual([{ metadata: { name: 'hf-cache' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '200Gi' } } } }]);
    expect(podSpec(statefulSet).volumes.map((v: any) => v.name)).not.toContain('hf-cache');
    expect(writtenYaml(c => {
      const h = new kplus.Service(c, 'headless', { clusterIP: 'None', ports: [{ port: 8000 }] });
      const s = new kplus.StatefulSet(c, 'vllm', { service: h });
      new InferenceServer(s, 'server', { server: { ...SERVER, volumeMounts: [{ volume: PodVolume.claimTemplate('cache', { storage: '1Gi' }), path: '/cache' }] } });
    })).not.toMatch(/: null$/m);
  });
});

describe('When a pod is stuck', () => {
  test('describe() names the real containers in start order', () => {
    const chart = newChart();
    const pod = new AiInferencePod(chart, 'p', { metadata: { name: 'ai' }, server: { ...SERVER, name: 'fastapi-container' } });
    new ModelPrepInit(pod, 'm', { source: ModelSource.s3('s3://my-models/llama/') });
    new LogSidecar(pod, 'l');
    new ProxySidecar(pod, 'x');
    const guide = pod.describe();
    const order = ['model-downloader', 'log-forwarder', 'auth-proxy', 'fastapi-container'].map(n => guide.indexOf(`kubectl logs pod/ai -c ${n}`));
    expect(order.every(i => i >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    expect(guide).toMatch(/budget 900s/);
    expect(guide).toMatch(/Init:Error .* -c model-downloader/);
  });

  // Break: the Init:Error line named only the first init container (the downloader, which runs
  // first), so a failing InitContainer of yours after it was never pointed to; and a pod whose
  // only init step is a busybox InitContainer was promised "404, access denied, ..." from it.
  test('the Init:Error line names every init container that runs to completion, download reasons only for a downloader', () => {
    const chart = newChart();
    const pod = new AiInferencePod(chart, 'p', { metadata: { name: 'ai' }, server: SERVER });
    new InitContainer(pod, 'i', { name: 'prep', image: 'busybox:1.36', command: ['true'] });
    new ModelPrepInit(pod, 'm', { source: ModelSource.s3('s3://my-models/llama/') });
    expect(pod.describe()).toMatch(/Init:Error \/ Init:CrashLoopBackOff → kubectl logs pod\/ai -c <model-downloader\|prep> \(kubectl describe pod\/ai names the one that failed\): its last line says why \(404/);

    const chart2 = newChart();
    const pod2 = new AiInferencePod(chart2, 'p', { metadata: { name: 'ai' }, server: SERVER });
    new InitContainer(pod2, 'i', { name: 'prep', image: 'busybox:1.36', command: ['true'] });
    const line = pod2.describe().split('\n').find(l => l.includes('Init:Error'));
    expect(line).toBe('  Init:Error / Init:CrashLoopBackOff → kubectl logs pod/ai -c prep: its last line says why');
  });
});
