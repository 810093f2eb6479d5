import { Cron, Duration } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import {
  AiInferenceDeployment, AiInferencePod, DeploymentRollout, HealthCheck, InferenceServer, LogSidecar, ModelCache, ModelPrepInit, ModelSource,
  PodNames, PodRestartPolicy, ProxyAuth, ProxySidecar, ProxyTls,
} from '../src';
import { pssRestrictedViolations } from './helpers/pss';
import { expectRefused } from './helpers/refusal';
import { container, expectApiValid, manifestOf, newChart, podSpec, synth, synthError } from './helpers/synth';

const SERVER = { image: 'vllm/vllm-openai:v0.6.3', health: HealthCheck.vllm(), resources: { memory: { request: '16Gi', limit: '16Gi' } } };

function addOns(scope: any) {
  new ModelPrepInit(scope, 'model', { source: ModelSource.s3('s3://models/llama/'), cache: ModelCache.persistentVolumeClaim('llama-cache') });
  new LogSidecar(scope, 'logs');
  new ProxySidecar(scope, 'proxy', { tls: ProxyTls.fromSecret('tls'), auth: ProxyAuth.bearerTokens('tokens') });
}

describe('AiInferenceDeployment', () => {
  test('snapshot; rollout without lost capacity; deadline covers the model load; Service on the proxy port', () => {
    const chart = newChart();
    const llm = new AiInferenceDeployment(chart, 'llm', { metadata: { name: 'llama', labels: { app: 'llama' } }, replicas: 3, server: SERVER, gpu: { count: 1 }, modelLoadTimeout: Duration.minutes(30) });
    addOns(llm);
    const manifests = synth(chart);
    expect(manifests).toMatchSnapshot();
    const deployment = manifestOf(manifests, 'Deployment');
    expect(deployment.spec.replicas).toBe(3);
    expect(deployment.spec.strategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } });
    expect(deployment.spec.progressDeadlineSeconds).toBe(1800 + 600);
    expect(deployment.spec.template.metadata.labels.app).toBe('llama');
    expect(podSpec(deployment).initContainers.map((c: any) => c.name)).toEqual(['model-downloader', 'log-forwarder', 'auth-proxy']);
    expect(container(deployment, 'server').resources.limits['nvidia.com/gpu']).toBe('1');
    expect(pssRestrictedViolations(deployment)).toEqual([]);
    const service = manifestOf(manifests, 'Service');
    expect(service.metadata.name).toBe('llama');
    expect(service.spec.ports).toEqual([{ name: 'proxy', port: 8443, targetPort: 8443, protocol: 'TCP' }]);
    expect(service.spec.selector).toEqual(deployment.spec.selector.matchLabels);
  });

  test('without a proxy the Service targets the server port; service: false creates none', () => {
    const chart = newChart();
    new AiInferenceDeployment(chart, 'a', { server: SERVER });
    new AiInferenceDeployment(chart, 'b', { server: { ...SERVER, port: 9000 }, service: false });
    const services = synth(chart).filter(m => m.kind === 'Service');
    expect(services).toHaveLength(1);
    expect(services[0].spec.ports).toEqual([{ name: 'http', port: 8000, targetPort: 8000, protocol: 'TCP' }]);
  });

  test('describe() names the real containers and the label selector', () => {
    const chart = newChart();
    const llm = new AiInferenceDeployment(chart, 'llm', { server: SERVER });
    addOns(llm);
    const guide = llm.describe();
    expect(guide).toContain('1. model-downloader — init (runs to completion): kubectl logs -l cdk8s.io/metadata.addr=test-llm-c8');
    expect(guide).toContain('2. log-forwarder — sidecar (native, keeps running)');
    expect(guide).toContain('4. server — ready after its startup probe (budget 900s)');
    expect(guide).toMatch(/Init:Error \/ Init:CrashLoopBackOff → kubectl logs -l \S+ -c model-downloader/);
  });
});

describe('InferenceServer on a DaemonSet and a CronJob', () => {
  test.each([
    ['DaemonSet', (chart: any) => new kplus.DaemonSet(chart, 'w')],
    ['CronJob', (chart: any) => new kplus.CronJob(chart, 'w', { schedule: Cron.daily() })],
  ])('%s: official schema, the pod spec where the kind keeps it, PSS restricted', (kind, make) => {
    const chart = newChart();
    const workload = make(chart);
    new InferenceServer(workload, 'server', { server: SERVER, gpu: { count: 1 } });
    addOns(workload);
    const manifests = synth(chart); // each manifest against kubernetes-models' DaemonSet / CronJob
    const manifest = manifestOf(manifests, kind);
    const spec = kind === 'CronJob' ? manifest.spec.jobTemplate.spec.template.spec : manifest.spec.template.spec;
    expect(spec).toBe(podSpec(manifest));
    expect(spec.containers.map((c: any) => c.name)).toEqual(['server']);
    expect(spec.initContainers.map((c: any) => c.name)).toEqual(['model-downloader', 'log-forwarder', 'auth-proxy']);
    expect(container(manifest, 'server').resources.limits['nvidia.com/gpu']).toBe('1');
    expect(pssRestrictedViolations(manifest)).toEqual([]);
  });
});

describe('InferenceServer on workloads you create', () => {
  test.each([
    ['StatefulSet', (chart: any) => new kplus.StatefulSet(chart, 'w', { service: new kplus.Service(chart, 'svc', { ports: [{ port: 8443 }] }) })],
    ['Job', (chart: any) => new kplus.Job(chart, 'w', { restartPolicy: kplus.RestartPolicy.NEVER })],
    ['Deployment', (chart: any) => new kplus.Deployment(chart, 'w')],
  ])('%s: server, add-ons, schema, PSS restricted, snapshot', (kind, make) => {
    const chart = newChart();
    const workload = make(chart);
    new InferenceServer(workload, 'server', { server: SERVER, gpu: { count: 2 } });
    addOns(workload);
    const manifests = synth(chart);
    expect(manifests).toMatchSnapshot();
    const manifest = manifestOf(manifests, kind);
    expect(podSpec(manifest).containers.map((c: any) => c.name)).toEqual(['server']);
    expect(container(manifest, 'server').volumeMounts).toContainEqual({ name: 'model-storage', mountPath: '/models', readOnly: true });
    expect(podSpec(manifest).securityContext).toMatchObject({ runAsUser: 1000, runAsGroup: 1000, fsGroup: 1000, seccompProfile: { type: 'RuntimeDefault' } });
    expect(podSpec(manifest).tolerations).toEqual([{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }]);
    expect(pssRestrictedViolations(manifest)).toEqual([]);
  });
});

describe('run-time rendering for worker pods', () => {
  test('toManifest() returns the validated pod as a plain object, without files', () => {
    const chart = newChart();
    const pod = new AiInferencePod(chart, 'w', { metadata: { name: PodNames.forJob('worker', 'Video_42') }, restartPolicy: PodRestartPolicy.NEVER, server: { ...SERVER, health: HealthCheck.none() } });
    new ModelPrepInit(pod, 'model', { source: ModelSource.http('https://e.com/m.bin') });
    new LogSidecar(pod, 'logs');
    const manifest = pod.toManifest();
    expect(manifest.kind).toBe('Pod');
    expect(manifest.metadata.name).toMatch(/^worker-video-42-[0-9a-f]{8}$/);
    expect(manifest.spec.restartPolicy).toBe('Never');
    expect(manifest.spec.initContainers.find((c: any) => c.name === 'log-forwarder').restartPolicy).toBe('Always');
    expect(JSON.parse(JSON.stringify(manifest))).toEqual(manifest);
  });

  test('a pod that needs other objects: toManifest() refuses to drop them, toManifests() returns them, pod last', () => {
    const chart = newChart();
    const pod = new AiInferencePod(chart, 'w', { metadata: { name: 'worker-1' }, restartPolicy: PodRestartPolicy.NEVER, server: { ...SERVER, health: HealthCheck.none() } });
    new ProxySidecar(pod, 'proxy', { auth: ProxyAuth.bearerTokens('tokens') });
    new ModelPrepInit(pod, 'model', { source: ModelSource.http('https://e.com/m.bin'), cache: ModelCache.newPersistentVolumeClaim({ size: '10Gi' }) });
    new AiInferencePod(chart, 'other', { server: SERVER });   // another pod of the chart is not part of it
    expect(() => pod.toManifest()).toThrow(/^\[test\/w\] toManifest: the pod needs 3 more object\(s\) to start \(.*ConfigMap .*NetworkPolicy worker-1-auth-proxy.*\)\. Fix: create every object of pod.toManifests\(\), in its order$/);
    const manifests = pod.toManifests();
    expect(manifests.map(m => m.kind).sort()).toEqual(['ConfigMap', 'NetworkPolicy', 'PersistentVolumeClaim', 'Pod']);
    expect(manifests[manifests.length - 1].metadata.name).toBe('worker-1');
    const claim = manifests.find(m => m.kind === 'PersistentVolumeClaim').metadata.name;
    const claimVolume = expect.objectContaining({ persistentVolumeClaim: expect.objectContaining({ claimName: claim }) });
    expect(manifests[3].spec.volumes).toContainEqual(claimVolume);
  });

  test('toManifest() throws every validation error', () => {
    const chart = newChart();
    const pod = new AiInferencePod(chart, 'w', { server: { ...SERVER, port: 0 }, gpu: { count: -1 } });
    expect(() => pod.toManifest()).toThrow(/server\.port: 0 must be a whole number[\s\S]*gpu\.count: -1 must be a whole/);
  });

  test.each([
    ['job-1', /^worker-job-1-[0-9a-f]{8}$/],
    ['42', /^worker-42-[0-9a-f]{8}$/],
  ])('PodNames.forJob keeps a valid id readable: %s', (id, name) => {
    expect(PodNames.forJob('worker', id)).toMatch(name);
  });

  test('PodNames.forJob: no id can take the name another id gets', () => {
    const victim = PodNames.forJob('worker', 'ABC');
    const mimic = victim.slice('worker-'.length);
    expect(PodNames.forJob('worker', mimic)).not.toBe(victim);
    expect(PodNames.forJob('worker', 'abc')).not.toBe(victim);
  });

  test('PodNames.forJob makes other ids valid and keeps them apart', () => {
    const a = PodNames.forJob('worker', 'Video_1');
    const b = PodNames.forJob('worker', 'video-1');
    const long = PodNames.forJob('worker', 'x'.repeat(200));
    expect(a).toMatch(/^worker-video-1-[0-9a-f]{8}$/);
    expect(b).toMatch(/^worker-video-1-[0-9a-f]{8}$/);
    expect(a).not.toBe(b);
    expect(long.length).toBeLessThanOrEqual(63);
    expect(long).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
    expect(PodNames.forJob('worker', 'ÜBER video #7!')).toMatch(/^worker-ber-video-7-[0-9a-f]{8}$/);
  });

  test('PodNames.forJob rejects ids it cannot name with a clear error', () => {
    expect(() => PodNames.forJob('worker', '___')).toThrow('jobId: "___" has no letter or digit to build a pod name from. Fix: pass the job\'s id');
    expect(() => PodNames.forJob('Worker', '1')).toThrow('prefix: "Worker" must be a lowercase DNS-1123 label');
  });

  test('describe() of a worker pod', () => {
    const chart = newChart();
    const pod = new AiInferencePod(chart, 'w', { metadata: { name: 'worker-1' }, server: SERVER });
    new ModelPrepInit(pod, 'model', { source: ModelSource.http('https://e.com/m.bin') });
    expect(pod.describe()).toContain('1. model-downloader — init (runs to completion): kubectl logs pod/worker-1 -c model-downloader');
  });

  test('fails when the synth-time rules catch a Deployment mistake too', () => {
    const chart = newChart();
    const llm = new AiInferenceDeployment(chart, 'llm', { server: SERVER });
    new ProxySidecar(llm, 'proxy', { upstreamPort: 7000 });
    expect(synthError(chart)).toContain('[test/llm/proxy] container "auth-proxy": spec.template.spec.initContainers[0].env: test/llm/proxy forwards to localhost:7000');
  });
});

describe('AiInferenceDeployment podMetadata: the pods\' own labels and annotations', () => {
  test('on the pod template only, next to the Deployment\'s labels; the selector, Service and proxy NetworkPolicy still match', () => {
    const chart = newChart();
    const llm = new AiInferenceDeployment(chart, 'llm', {
      metadata: { name: 'llama', labels: { app: 'llama' }, annotations: { team: 'ml' } },
      podMetadata: { labels: { version: 'v2' }, annotations: { 'prometheus.io/scrape': 'true', 'kubectl.kubernetes.io/default-container': 'server' } },
      server: SERVER,
    });
    new ProxySidecar(llm, 'proxy', { tls: ProxyTls.fromSecret('tls'), auth: ProxyAuth.bearerTokens('tokens') });
    const manifests = synth(chart);
    expectApiValid(manifests);
    const deployment = manifestOf(manifests, 'Deployment');
    expect(deployment.metadata.labels).toEqual({ app: 'llama' });
    expect(deployment.metadata.annotations).toEqual({ team: 'ml' });
    const template = deployment.spec.template.metadata;
    expect(template.annotations).toEqual({ 'kubectl.kubernetes.io/default-container': 'server', 'prometheus.io/scrape': 'true' });
    expect(template.labels).toMatchObject({ app: 'llama', version: 'v2' });
    for (const selector of [deployment.spec.selector.matchLabels, manifestOf(manifests, 'Service').spec.selector, manifestOf(manifests, 'NetworkPolicy').spec.podSelector.matchLabels]) {
      for (const [k, v] of Object.entries(selector)) expect(template.labels[k]).toBe(v);
    }
  });

  test('left out, the pods carry the Deployment\'s labels and no annotations (as before)', () => {
    const chart = newChart();
    new AiInferenceDeployment(chart, 'llm', { metadata: { labels: { app: 'llama' }, annotations: { team: 'ml' } }, server: SERVER });
    const template = manifestOf(synth(chart), 'Deployment').spec.template.metadata;
    expect(template.annotations).toBeUndefined();
    expect(template.labels.app).toBe('llama');
  });

  test('bad podMetadata is refused by prop; a pod label that breaks the selector is refused on the rendered Deployment', () => {
    const cases: Array<[any, RegExp]> = [
      ['v2', /\[test\/llm\] podMetadata: "v2" is not the pods' metadata/],
      [{ labels: ['a'] }, /podMetadata\.labels: .* is not a map of strings/],
      [{ annotations: { port: 8080 } }, /podMetadata\.annotations: .* is not a map of strings/],
      [{ name: 'x' }, /podMetadata\.name: unknown prop/],
      [{ labels: { 'bad key!': 'x' } }, /spec\.template\.metadata\.labels/],
      [{ labels: { 'cdk8s.io/metadata.addr': 'other' } }, /podMetadata\.labels: "cdk8s.io\/metadata.addr" is the label the Deployment selects its pods by/],
    ];
    for (const [podMetadata, field] of cases) {
      expectRefused(chart => { new AiInferenceDeployment(chart, 'llm', { podMetadata, server: SERVER }); }, field);
    }
    // cdk8s-plus would overwrite it on the pods: never a silent drop
    expectRefused(chart => { new AiInferenceDeployment(chart, 'llm', { metadata: { labels: { 'cdk8s.io/metadata.addr': 'x' } }, server: SERVER }); },
      /metadata\.labels: "cdk8s.io\/metadata.addr" is the label the Deployment selects its pods by/);
  });
});

describe('AiInferenceDeployment rollout', () => {
  const strategyOf = (rollout?: DeploymentRollout) => {
    const chart = newChart();
    new AiInferenceDeployment(chart, 'llm', { server: SERVER, rollout, replicas: 2 });
    const manifests = synth(chart);
    expectApiValid(manifests);
    return manifestOf(manifests, 'Deployment').spec.strategy;
  };

  test('default: one extra pod at a time, none missing; recreate; a rolling update without spare GPUs', () => {
    expect(strategyOf()).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } });
    expect(strategyOf(DeploymentRollout.recreate())).toEqual({ type: 'Recreate' });
    expect(strategyOf(DeploymentRollout.rollingUpdate({ maxSurge: 0, maxUnavailable: 1 }))).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxSurge: 0, maxUnavailable: 1 } });
    expect(strategyOf(DeploymentRollout.rollingUpdate({ maxSurge: 2 }))).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxSurge: 2, maxUnavailable: 0 } });
  });

  test('bad rollouts are refused by prop', () => {
    const cases: Array<[any, RegExp]> = [
      [DeploymentRollout.rollingUpdate({ maxSurge: 0 }), /\[test\/llm\] rollout: maxSurge 0 and maxUnavailable 0 would never replace a pod/],
      [DeploymentRollout.rollingUpdate({ maxSurge: -1 }), /rollout\.maxSurge: -1/],
      [DeploymentRollout.rollingUpdate({ maxUnavailable: 1.5 }), /rollout\.maxUnavailable: 1\.5/],
      [DeploymentRollout.rollingUpdate({ maxSurge: 1, surge: 2 } as any), /rollout\.surge: unknown prop/],
      ['Recreate', /rollout: "Recreate" is not a DeploymentRollout/],
    ];
    for (const [rollout, field] of cases) {
      expectRefused(chart => { new AiInferenceDeployment(chart, 'llm', { server: SERVER, rollout }); }, field);
    }
  });
});
