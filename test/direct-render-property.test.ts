import { ApiObject, Chart, Cron, Duration, Lazy, Size, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import * as fc from 'fast-check';
import { AiInferenceDeployment, AiInferencePod, InferenceServer, LogSidecar, ModelPrepInit, ModelSource, ProxySidecar } from '../src';
import { directRender } from '../src/_kplus-adapter';
import { directRenderMismatches } from './helpers/synth';

// Random cdk8s-plus-27 workloads, built through its public API and the library's constructs:
// the direct render must equal cdk8s-plus's own toJson() byte for byte (or step aside). Keys
// that look like renamed properties ($ref, hostIP, volumeID, ...) sit wherever a key is data.

const KEYS = ['hostIp', 'ref', 'schema', 'volumeId', 'setHostnameAsFqdn', 'podCidr', 'value', '0', '10', 'a.b', 'app'];
const key = fc.constantFrom(...KEYS);
const labels = fc.dictionary(key, fc.constantFrom('x', 'main', 'v1'), { maxKeys: 4 });
const text = fc.constantFrom('a', 'main', 'hostIp', '$(POD_IP)', '');

/** One random container-level setting, applied to a container of `chart`. */
const containerStep = fc.oneof(
  fc.record({ env: key, value: text, lazy: fc.boolean() }).map(s => (c: kplus.Container) =>
    c.env.addVariable(`E_${KEYS.indexOf(s.env)}`, kplus.EnvValue.fromValue(s.lazy ? Lazy.any({ produce: () => s.value }) as any : s.value))),
  fc.constantFrom('cm', 'secret', 'field', 'resource').map(kind => (c: kplus.Container, chart: Chart) => {
    const name = `S_${kind.toUpperCase()}`;
    const id = `${kind}-${chart.node.children.length}`;
    if (kind === 'cm') c.env.addVariable(name, kplus.EnvValue.fromConfigMap(kplus.ConfigMap.fromConfigMapName(chart, id, 'cm'), 'hostIp', { optional: true }));
    if (kind === 'secret') c.env.copyFrom(kplus.Env.fromSecret(kplus.Secret.fromSecretName(chart, id, 's')));
    if (kind === 'field') c.env.addVariable(name, kplus.EnvValue.fromFieldRef(kplus.EnvFieldPaths.NODE_IP));
    if (kind === 'resource') c.env.addVariable(name, kplus.EnvValue.fromResource(kplus.ResourceFieldPaths.MEMORY_LIMIT, { divisor: '1Mi' }));
  }),
  fc.record({ path: fc.constantFrom('/data', '/cache', '/x/y'), kind: fc.nat(5), readOnly: fc.boolean(), attrs: labels }).map(s => (c: kplus.Container, chart: Chart) => {
    const id = `v${chart.node.children.length}`;
    const volumes = [
      () => kplus.Volume.fromEmptyDir(chart, id, id, { sizeLimit: Size.mebibytes(512), medium: kplus.EmptyDirMedium.MEMORY }),
      () => kplus.Volume.fromCsi(chart, id, 'csi.example.com', { attributes: s.attrs, readOnly: s.readOnly }),
      () => kplus.Volume.fromAwsElasticBlockStore(chart, id, 'vol-1', { fsType: 'ext4' }),
      () => kplus.Volume.fromHostPath(chart, id, id, { path: '/dev/shm' }),
      () => kplus.Volume.fromConfigMap(chart, id, kplus.ConfigMap.fromConfigMapName(chart, `${id}-cm`, 'cm'), { items: { hostIp: { path: 'h' } } }),
      () => kplus.Volume.fromPersistentVolumeClaim(chart, id, kplus.PersistentVolumeClaim.fromClaimName(chart, `${id}-pvc`, 'claim')),
    ];
    c.mount(`${s.path}${id}`, volumes[s.kind](), { readOnly: s.readOnly });
  }),
);

const probe = fc.constantFrom(
  undefined,
  kplus.Probe.fromHttpGet('/health', { port: 8000, initialDelaySeconds: Duration.seconds(5) }),
  kplus.Probe.fromTcpSocket({ port: 8000 }),
  kplus.Probe.fromCommand(['true'], { periodSeconds: Duration.seconds(2) }),
);

const containerProps = fc.record({
  port: fc.option(fc.integer({ min: 1, max: 65535 }), { nil: undefined }),
  cpu: fc.option(fc.constantFrom(kplus.Cpu.millis(1), kplus.Cpu.units(0.5), kplus.Cpu.units(8)), { nil: undefined }),
  memory: fc.option(fc.constantFrom(Size.mebibytes(1), Size.gibibytes(80), Size.tebibytes(1)), { nil: undefined }),
  readiness: probe,
  liveness: probe,
  args: fc.option(fc.array(text, { maxLength: 3 }), { nil: undefined }),
  steps: fc.array(containerStep, { maxLength: 4 }),
});

const podSettings = fc.record({
  kind: fc.constantFrom('Pod', 'Deployment', 'StatefulSet', 'Job', 'CronJob', 'DaemonSet'),
  labels,
  annotations: labels,
  selector: labels,
  dns: fc.boolean(),
  alias: fc.boolean(),
  attract: fc.option(key, { nil: undefined }),
  tolerate: fc.boolean(),
  containers: fc.array(containerProps, { minLength: 1, maxLength: 3 }),
  init: fc.boolean(),
  configMap: fc.option(fc.record({ data: labels, binary: labels, immutable: fc.boolean() }), { nil: undefined }),
});

function workload(chart: Chart, s: any): kplus.AbstractPod {
  const common = { metadata: { labels: s.labels, annotations: s.annotations }, ...(s.dns ? { dns: { hostname: 'h', hostnameAsFQDN: true, options: [{ name: 'ndots', value: '2' }] } } : {}) };
  const podMetadata = { labels: s.labels, annotations: s.annotations };
  switch (s.kind) {
    case 'Pod': return new kplus.Pod(chart, 'w', common);
    case 'Deployment': return new kplus.Deployment(chart, 'w', { ...common, podMetadata, strategy: kplus.DeploymentStrategy.rollingUpdate({ maxSurge: kplus.PercentOrAbsolute.percent(25) }) });
    case 'StatefulSet': return new kplus.StatefulSet(chart, 'w', { ...common, podMetadata, service: new kplus.Service(chart, 'svc', { ports: [{ port: 80 }] }) });
    case 'Job': return new kplus.Job(chart, 'w', { ...common, podMetadata, ttlAfterFinished: Duration.hours(1) });
    case 'CronJob': return new kplus.CronJob(chart, 'w', { ...common, podMetadata, schedule: Cron.hourly(), timeZone: 'Etc/UTC' });
    default: return new kplus.DaemonSet(chart, 'w', { ...common, podMetadata });
  }
}

function build(chart: Chart, s: any): void {
  const w = workload(chart, s);
  s.containers.forEach((p: any, i: number) => {
    const c = w.addContainer({
      name: `c${i}`, image: 'x/y:1', portNumber: p.port, readiness: p.readiness, liveness: p.liveness, args: p.args,
      resources: { cpu: p.cpu && { request: p.cpu }, memory: p.memory && { limit: p.memory } },
    });
    p.steps.forEach((step: any) => step(c, chart));
  });
  if (s.init) w.addInitContainer({ name: 'init', image: 'busybox:1', command: ['true'] });
  if (s.alias) w.addHostAlias({ ip: '10.0.0.1', hostnames: ['hostIp'] });
  const scheduled = w as kplus.Pod | kplus.Workload;
  if (s.attract) scheduled.scheduling.attract(kplus.Node.labeled(kplus.NodeLabelQuery.is(s.attract, 'x')));
  if (s.tolerate) scheduled.scheduling.tolerate(kplus.Node.tainted(kplus.NodeTaintQuery.exists('nvidia.com/gpu')));
  if (Object.keys(s.selector).length && w instanceof kplus.Workload) w.select(kplus.LabelSelector.of({ labels: s.selector }));
  if (s.configMap) {
    // a ConfigMap key is in data or in binaryData, not both
    const binaryData: { [k: string]: string } = Object.fromEntries(Object.entries(s.configMap.binary).map(([k, v]) => [`b${k}`, v as string]));
    new kplus.ConfigMap(chart, 'cm', { data: s.configMap.data, binaryData, immutable: s.configMap.immutable });
  }
}

test('random cdk8s-plus-27 workloads render directly exactly as cdk8s-plus renders them', () => {
  let direct = 0;
  fc.assert(fc.property(podSettings, s => {
    const chart = new Chart(Testing.app(), 'test');
    build(chart, s);
    expect(directRenderMismatches(chart)).toEqual([]);
    direct += chart.node.findAll().filter(o => o instanceof ApiObject && directRender(o) !== undefined).length;
  }), { numRuns: 300 });
  // the comparison means something only if the direct path is taken
  expect(direct).toBeGreaterThan(300);
});

test('random library pods, deployments and servers on cdk8s-plus workloads render directly exactly as cdk8s-plus renders them', () => {
  let direct = 0;
  fc.assert(fc.property(fc.constantFrom('pod', 'deployment', 'job', 'statefulset'), labels, fc.subarray(['model', 'logs', 'proxy']), (host, podLabels, addOns) => {
    const chart = new Chart(Testing.app(), 'test');
    const server = { image: 'vllm/vllm-openai:v0.6.3' };
    let scope: any;
    if (host === 'pod') {
      scope = new AiInferencePod(chart, 'llm', { server, gpu: { count: 1 }, metadata: { labels: podLabels } });
    } else if (host === 'deployment') {
      scope = new AiInferenceDeployment(chart, 'llm', { server, replicas: 2, metadata: { labels: podLabels } });
    } else {
      const w = host === 'job' ? new kplus.Job(chart, 'w', { podMetadata: { labels: podLabels } })
        : new kplus.StatefulSet(chart, 'w', { service: new kplus.Service(chart, 'svc', { ports: [{ port: 80 }] }), podMetadata: { labels: podLabels } });
      new InferenceServer(w, 'server', { server });
      scope = w;
    }
    if (host === 'pod') {
      if (addOns.includes('model')) new ModelPrepInit(scope, 'model', { source: ModelSource.s3('s3://models/llama/') });
      if (addOns.includes('logs')) new LogSidecar(scope, 'logs');
      if (addOns.includes('proxy')) new ProxySidecar(scope, 'proxy');
    }
    expect(directRenderMismatches(chart)).toEqual([]);
    direct += chart.node.findAll().filter(o => o instanceof ApiObject && directRender(o) !== undefined).length;
  }), { numRuns: 40 });
  expect(direct).toBeGreaterThanOrEqual(40);
});
