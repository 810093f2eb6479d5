import * as fs from 'fs';
import { ApiObject, App, Chart, Cron, Duration, Size, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { AiInferenceDeployment, AiInferencePod, HealthCheck, LogSidecar, ModelPrepInit, ModelSource, ProxySidecar, ProxyTls } from '../src';
import { directRender, l1Types, L1_RENAMED_PROPS } from '../src/_kplus-adapter';
import { directRenderMismatches, newChart, synth } from './helpers/synth';

// The adapter renders cdk8s-plus-27's workloads and ConfigMaps in one walk instead of through
// cdk8s's resolve + sanitize + the L1's re-serialization. Every chart the tests synthesize is
// compared with cdk8s-plus's own rendering (test/helpers/synth.ts); these cases aim at what
// the re-serialization does: renamed properties, map keys that look like them, union values,
// template metadata, every workload kind, and the cases where the direct path must step aside.

const K8S_SOURCE = fs.readFileSync(require.resolve('cdk8s-plus-27/lib/imports/k8s.js'), 'utf8');

test('every property has the JSON name cdk8s-plus-27\'s generated code gives it, type by type (the renames are all needed)', () => {
  const wrong: string[] = [];
  const used = new Set<string>();
  let pairs = 0;
  for (const fn of K8S_SOURCE.matchAll(/function toJson_(\w+)\(obj\) \{([\s\S]*?)\n\}/g)) {
    const fields = l1Types().get(fn[1]);
    // a value is the prop itself, or the prop passed to a nested type's toJson_ or mapped over
    for (const m of fn[2].matchAll(/'([A-Za-z0-9_$.-]+)': (?:\(\()?(?:toJson_\w+\()?obj\.([A-Za-z0-9_$]+)/g)) {
      pairs++;
      if (m[1] !== m[2]) {
        used.add(m[2]);
      }
      if (fields?.get(m[2])?.name !== m[1]) {
        wrong.push(`${fn[1]}.${m[2]}: ${fields?.get(m[2])?.name} instead of ${m[1]}`);
      }
    }
  }
  expect(pairs).toBeGreaterThan(1500);
  expect(wrong).toEqual([]);
  expect([...L1_RENAMED_PROPS.keys()].filter(prop => !used.has(prop))).toEqual([]);
});

test('every nested object of the generated code lists its keys sorted (the direct path sorts them)', () => {
  const unsorted = [...K8S_SOURCE.matchAll(/function (toJson_\w+)\(obj\) \{[\s\S]*?const result = \{([\s\S]*?)\n {4}\};/g)]
    .filter(m => !m[1].startsWith('toJson_Kube'))
    .map(m => ({ fn: m[1], keys: [...m[2].matchAll(/'([^']+)':/g)].map(k => k[1]) }))
    .filter(({ keys }) => keys.join() !== [...keys].sort().join());
  expect(unsorted).toEqual([]);
});

test('renamed properties, look-alike map keys, quantities and int-or-strings render as cdk8s-plus renders them', () => {
  const chart = newChart();
  const pod = new kplus.Pod(chart, 'raw', {
    metadata: { labels: { hostIp: 'label-value', setHostnameAsFqdn: 'x' }, annotations: { volumeId: 'kept' } },
    dns: { hostname: 'h', subdomain: 's', hostnameAsFQDN: true, nameservers: ['10.0.0.1'], options: [{ name: 'ndots', value: '2' }] },
    hostNetwork: true,
    securityContext: { ensureNonRoot: true, user: 1000 },
  });
  const c = pod.addContainer({
    image: 'x/y:1', portNumber: 8000, resources: { memory: { request: Size.mebibytes(512), limit: Size.gibibytes(1) } },
    readiness: kplus.Probe.fromHttpGet('/health', { port: 8000 }),
  });
  c.mount('/cache', kplus.Volume.fromEmptyDir(chart, 'cache', 'cache', { sizeLimit: Size.gibibytes(2), medium: kplus.EmptyDirMedium.MEMORY }));
  pod.scheduling.attract(kplus.Node.labeled(kplus.NodeLabelQuery.is('hostIp', 'gpu')));
  new kplus.ConfigMap(chart, 'cm', { data: { hostIp: 'a', setHostnameAsFqdn: 'b', 0: 'zero' }, binaryData: { volumeId: 'YQ==' } });

  const manifests = synth(chart);
  const spec = manifests.find(m => m.kind === 'Pod').spec;
  expect(spec.setHostnameAsFQDN).toBe(true);
  expect(JSON.stringify(spec.affinity)).toContain('"key":"hostIp"');
  expect(spec.containers[0].resources.limits.memory).toBe('1024Mi');
  expect(spec.containers[0].readinessProbe.httpGet.port).toBe(8000);
  expect(spec.volumes[0].emptyDir.sizeLimit).toBe('2048Mi');
  expect(manifests.find(m => m.kind === 'ConfigMap').data).toEqual({ 0: 'zero', hostIp: 'a', setHostnameAsFqdn: 'b' });
  expect(directRender(ApiObject.of(pod))).toBeDefined();
});

test('every workload kind and its template metadata (an attribute ObjectMeta lacks is dropped, as cdk8s-plus does)', () => {
  const chart = newChart();
  const meta = { labels: { team: 'ml' }, notAMetaField: 'dropped' } as any;
  const add = (w: kplus.AbstractPod) => w.addContainer({ image: 'x/y:1', portNumber: 8000 });
  add(new kplus.Deployment(chart, 'dep', {
    podMetadata: meta, replicas: 2,
    strategy: kplus.DeploymentStrategy.rollingUpdate({
      maxSurge: kplus.PercentOrAbsolute.absolute(1),
      maxUnavailable: kplus.PercentOrAbsolute.percent(25),
    }),
  }));
  add(new kplus.StatefulSet(chart, 'sts', { podMetadata: meta, service: new kplus.Service(chart, 'svc', { ports: [{ port: 80 }] }) }));
  add(new kplus.Job(chart, 'job', { podMetadata: meta, activeDeadline: Duration.minutes(5) }));
  add(new kplus.CronJob(chart, 'cron', { podMetadata: meta, schedule: Cron.daily() }));
  add(new kplus.DaemonSet(chart, 'ds', { podMetadata: meta }));
  expect(directRenderMismatches(chart)).toEqual([]);
  const objects = chart.node.findAll().filter((o): o is ApiObject => o instanceof ApiObject && o.kind !== 'Service');
  expect(objects.map(o => o.kind).sort()).toEqual(['CronJob', 'DaemonSet', 'Deployment', 'Job', 'StatefulSet']);
  for (const o of objects) {
    const json = directRender(o);
    expect(JSON.stringify(json)).not.toMatch(/notAMetaField/);
  }
});

test('the library\'s own pods and deployments, with every add-on, render directly and identically', () => {
  const chart = newChart();
  const pod = new AiInferencePod(chart, 'llm', {
    server: { image: 'vllm/vllm-openai:v0.6.3', health: HealthCheck.vllm() },
    gpu: { count: 1 },
  });
  new ModelPrepInit(pod, 'model-downloader', { source: ModelSource.s3('s3://models/llama/') });
  new LogSidecar(pod, 'log-forwarder');
  new ProxySidecar(pod, 'auth-proxy', { tls: ProxyTls.fromSecret('tls') });
  new AiInferenceDeployment(chart, 'dep', { replicas: 2, server: { image: 'vllm/vllm-openai:v0.6.3' } });
  synth(chart);
  expect(directRender(ApiObject.of(pod.pod))).toBeDefined();
});

test('a workload selector\'s matchLabels keys are data: "ref", "schema", "hostIp" stay as written (not $ref, $schema, hostIP)', () => {
  const chart = newChart();
  const dep = new kplus.Deployment(chart, 'dep');
  dep.addContainer({ image: 'x/y:1' });
  dep.select(kplus.LabelSelector.of({ labels: { ref: 'main', schema: 'v1', hostIp: 'x' } }));
  const manifest = synth(chart).find(m => m.kind === 'Deployment');
  expect(manifest.spec.selector.matchLabels).toMatchObject({ ref: 'main', schema: 'v1', hostIp: 'x' });
  expect(directRender(ApiObject.of(dep))).toBeDefined();
});

test('free-form JSON fields keep their keys, and values of the wrong shape render as cdk8s renders them or step aside', () => {
  const chart = newChart();
  const dep = new kplus.Deployment(chart, 'dep', { podMetadata: { managedFields: [{ fieldsV1: { 'f:x': { volumeId: 1, ref: 'r' } } }] } as any });
  dep.addContainer({ image: 'x/y:1' });
  class Versioned {
    public readonly value = 'img:1';
  }
  const pod = new kplus.Pod(chart, 'pod');
  pod.addContainer({ image: new Versioned() as any, workingDir: { volumeId: 'a' } as any });
  expect(directRenderMismatches(chart)).toEqual([]);
  expect(JSON.stringify(directRender(ApiObject.of(dep)))).toContain('{"f:x":{"ref":"r","volumeId":1}}');
  expect(directRender(ApiObject.of(pod)).spec.containers[0]).toMatchObject({ image: { value: 'img:1' }, workingDir: { volumeId: 'a' } });
});

test('steps aside for an app with its own resolvers and for CDK8S_DISABLE_SORT: cdk8s renders as always', () => {
  const custom = new Chart(new App({ outdir: Testing.app().outdir, resolvers: [{ resolve: () => undefined }] }), 'custom');
  const pod = new kplus.Pod(custom, 'p');
  pod.addContainer({ image: 'x/y:1' });
  expect(directRender(ApiObject.of(pod))).toBeUndefined();

  const plain = newChart();
  const other = new kplus.Pod(plain, 'p');
  other.addContainer({ image: 'x/y:1' });
  process.env.CDK8S_DISABLE_SORT = '1';
  try {
    expect(directRender(ApiObject.of(other))).toBeUndefined();
  } finally {
    delete process.env.CDK8S_DISABLE_SORT;
  }
  expect(directRender(ApiObject.of(other))).toBeDefined();
});

test('a value cdk8s-plus would refuse is left to cdk8s-plus, which reports it in its own words', () => {
  const chart = newChart();
  const pod = new AiInferencePod(chart, 'llm', { server: { image: 'vllm/vllm-openai:v0.6.3' } });
  // the library's props refuse a Map for a variable; cdk8s-plus's escape hatch takes anything
  pod.server.env.addVariable('ODD', kplus.EnvValue.fromValue(new Map() as any));
  expect(directRender(ApiObject.of(pod.pod))).toBeUndefined();
  expect(() => App._synthChart(chart)).toThrow();
});
