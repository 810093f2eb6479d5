import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ApiObject, App, Chart, JsonPatch, Lazy, Testing, YamlOutputType } from 'cdk8s';
import { Construct } from 'constructs';
import { AiInferenceDeployment, AiInferencePod, GpuClaim, HealthCheck, KubernetesTarget, LogDestination, LogSidecar, ModelCache, ModelPrepInit, ModelSource, ProxySidecar, ProxyTls, Sidecar } from '../src';
import { withWarnings } from './helpers/pod-parts';
import { expectRefused } from './helpers/refusal';
import { expectApiValid, synth } from './helpers/synth';

// Hostile round 22: the library as platform templates use it, inside their own apps, charts and constructs.

const server = { image: 'vllm/vllm-openai:v0.6.3', health: HealthCheck.vllm() };
const outdir = (): string => fs.mkdtempSync(path.join(os.tmpdir(), 'hostile22-'));
const nextTick = (): Promise<void> => new Promise(resolve => setImmediate(resolve));

describe('warnings are printed once per synth, for what that synth wrote', () => {
  // Warnings were printed at the first validation of a workload, and never again in the process:
  // a second synth (a long-running renderer, a watch loop) printed nothing, and a sidecar added
  // after the first synth had its warning silently dropped.
  test('a sidecar added after a first synth has its warning printed by the next synth', async () => {
    const app = new App({ outdir: outdir() });
    const pod = new AiInferencePod(new Chart(app, 'c'), 'llm', { server });
    expect(withWarnings(() => app.synth()).warnings).toBe('');
    await nextTick();
    new Sidecar(pod, 'late', { name: 'late', image: 'busybox' });
    expect(withWarnings(() => app.synth()).warnings).toMatch(/^\[warning\] \[c\/llm\/late\] container "late": .*"busybox" is not pinned/);
  });

  test('…also within the same synchronous run', () => {
    const app = new App({ outdir: outdir() });
    const pod = new AiInferencePod(new Chart(app, 'c'), 'llm', { server });
    expect(withWarnings(() => app.synth()).warnings).toBe('');
    new Sidecar(pod, 'late', { name: 'late', image: 'busybox' });
    expect(withWarnings(() => app.synth()).warnings).toMatch(/"busybox" is not pinned/);
  });

  test('a second synth prints the warnings again, once', async () => {
    const app = new App({ outdir: outdir() });
    new Chart(app, 'a');
    new AiInferencePod(new Chart(app, 'c'), 'llm', { server: { ...server, image: 'vllm/vllm-openai' } });
    const first = withWarnings(() => app.synth()).warnings;
    expect(first.match(/\[warning\]/g)).toHaveLength(1);
    await nextTick();
    expect(withWarnings(() => app.synth()).warnings).toBe(first);
  });
});

describe('Chart({ disableResourceNameHashes: true })', () => {
  // The chart option was honoured by the ConfigMaps (cdk8s-plus's default names) but not by the
  // pod, the Deployment, its Service, the NetworkPolicy or a new PVC: they kept the hash.
  test('every object the library names by default is named without the hash', () => {
    const chart = new Chart(Testing.app(), 'c', { disableResourceNameHashes: true });
    const pod = new AiInferencePod(chart, 'llm', { server });
    new ModelPrepInit(pod, 'model', { source: ModelSource.s3('s3://my-models/x.bin'), cache: ModelCache.newPersistentVolumeClaim({ size: '100Gi' }) });
    new ProxySidecar(pod, 'proxy', { tls: ProxyTls.fromSecret('tls') });
    new AiInferenceDeployment(chart, 'dep', { server });
    const docs = synth(chart);
    expectApiValid(docs);
    expect(docs.map(d => `${d.kind} ${d.metadata.name}`).sort()).toEqual([
      'ConfigMap c-llm-proxy-config', 'Deployment c-dep', 'NetworkPolicy c-llm-auth-proxy',
      'PersistentVolumeClaim c-llm-model-model-cache', 'Pod c-llm', 'Service c-dep',
    ]);
  });

  test('the default stays hashed', () => {
    const chart = new Chart(Testing.app(), 'c');
    new AiInferencePod(chart, 'llm', { server });
    expect(synth(chart)[0].metadata.name).toMatch(/^c-llm-[0-9a-f]{8}$/);
  });

  test('two ids that collide once sanitized and unhashed are refused, not written as one pod', () => {
    expectRefused(chart => {
      const inner = new Chart(chart, 'team', { disableResourceNameHashes: true });
      new AiInferencePod(inner, 'My.Pod', { server });
      new AiInferencePod(inner, 'my.pod', { server });
    }, /metadata\.name/);
  });
});

describe('cdk8s Lazy values in props', () => {
  // The props are read when the construct is created, before cdk8s resolves a Lazy: a Lazy image
  // was refused as `{"producer":{}} is empty`, which names neither the Lazy nor what to do.
  test('a Lazy image or env value is refused as a Lazy', () => {
    const lines = expectRefused(chart => new AiInferencePod(chart, 'llm', {
      server: { ...server, image: Lazy.any({ produce: () => 'vllm/vllm-openai:v0.6.3' }) as any, env: { A: Lazy.any({ produce: () => 'x' }) as any } },
    }), /server\.image: a cdk8s Lazy/);
    expect(lines.join('\n')).not.toContain('producer');
    expect(lines.join('\n')).toMatch(/server\.env: .*Lazy/);
  });
});

describe('construct ids a platform wrapper uses: dots, uppercase, underscores', () => {
  // cdk8s's Names keep '_' and '.' of an id: an id like 'Model_V2' gave the pod the name
  // 'c-model_v2-…', and a chart or wrapper id with a dot gave the Deployment's Service a dotted
  // name; synth refused both names the user never wrote, with the fix the library could apply itself.
  test('a Deployment under Platform.Prod/Team_A.B with add-ons is written, every name valid', () => {
    const chart = new Chart(Testing.app(), 'Platform.Prod');
    const wrapper = new Construct(chart, 'Team_A.B');
    const d = new AiInferenceDeployment(wrapper, 'Model.V2_Large'.repeat(6), { server, replicas: 2 });
    new ModelPrepInit(d, 'm.d', { source: ModelSource.s3('s3://my-models/x.bin'), cache: ModelCache.newPersistentVolumeClaim({ size: '10Gi' }) });
    new ProxySidecar(d, 'Proxy.X', { tls: ProxyTls.fromSecret('tls') });
    new LogSidecar(d, 'Logs', { logDir: '/var/log/app' });
    const docs = synth(chart);
    expectApiValid(docs);
    const names = Object.fromEntries(docs.map(m => [m.kind, m.metadata.name]));
    expect(names.Deployment).toMatch(/^model\.v2-largemodel\..*-[0-9a-f]{8}$/);
    expect(names.Service).toBe(names.Deployment.replace(/\./g, '-'));
    expect(names.PersistentVolumeClaim).not.toContain('_');
  });

  test('the objects cdk8s names itself (a log shipper\'s ConfigMap, a DRA claim template) get valid names too', () => {
    const chart = new Chart(Testing.app(), 'c');
    const pod = new AiInferencePod(new Construct(chart, 'Team_A'), 'Llm_V2', {
      server, gpu: { count: 1, claim: GpuClaim.dra({ productName: 'H100' }) }, target: KubernetesTarget.V1_34,
    });
    new LogSidecar(pod, 'Ship_Logs', { logDir: '/var/log/app', shipTo: LogDestination.loki({ host: 'loki.monitoring.svc', port: 3100, tls: false }) });
    const docs = synth(chart);
    expectApiValid(docs);
    expect(docs.map(m => m.metadata.name).filter(n => n.includes('_'))).toEqual([]);
  });

  test('a pod whose ids end in "_" or start with "." in a hash-less chart gets a valid name', () => {
    const chart = new Chart(Testing.app(), 'c', { disableResourceNameHashes: true });
    new AiInferencePod(new Construct(chart, 'team_'), '.Pod_1', { server });
    const docs = synth(chart);
    expectApiValid(docs);
    expect(docs[0].metadata.name).toBe('c-team.pod-1');
  });

  test('a metadata.name given is never rewritten: a dotted Deployment name still needs serviceOptions.name', () => {
    expectRefused(chart => new AiInferenceDeployment(chart, 'llm', { server, metadata: { name: 'llm.v2' } }), /metadata\.name: "llm\.v2" is a valid Deployment name, and it names the Deployment's Service too, which must be a DNS-1035 label .*Fix: give the Service its own name, serviceOptions: \{ name: "llm-v2" \}, or service: false/);
  });
});

describe('an app that writes one file per object', () => {
  // cdk8s names each file of FILE_PER_RESOURCE (and FOLDER_PER_CHART_FILE_PER_RESOURCE) by kind and
  // name only: two teams' pods named 'llm' in their own namespaces, a valid app, were written to one
  // Pod.llm.k8s.yaml, the second replacing the first, with their NetworkPolicies: one team's pod was silently lost.
  const twoTeams = (app: App): void => {
    const chart = new Chart(app, 'c');
    for (const ns of ['team-a', 'team-b']) {
      const pod = new AiInferencePod(chart, ns, { server, metadata: { name: 'llm', namespace: ns } });
      new ProxySidecar(pod, 'proxy', { tls: ProxyTls.fromSecret('tls') });
    }
  };

  test.each([YamlOutputType.FILE_PER_RESOURCE, YamlOutputType.FOLDER_PER_CHART_FILE_PER_RESOURCE])('yamlOutputType %s: refused, naming both objects and the file; nothing written', type => {
    const app = new App({ outdir: outdir(), yamlOutputType: type });
    twoTeams(app);
    let message = '';
    try {
      app.synth();
    } catch (e) {
      message = (e as Error).message;
    }
    const lines = message.split('\n').slice(1).map(l => l.trim());
    expect(lines).toEqual([
      expect.stringMatching(/^\[c\/team-b\] metadata\.name: Pod "llm" in namespace "team-b" goes to the same file as c\/team-a \((c\/)?Pod\.llm\.k8s\.yaml\): .*Fix: /),
      expect.stringMatching(/^\[c\/team-b\/proxy\] metadata\.name: NetworkPolicy "llm-auth-proxy" in namespace "team-b" goes to the same file as c\/team-a\/proxy\/network-policy .*Fix: /),
    ]);
    expect(fs.readdirSync(app.outdir)).toEqual([]);
  });

  test('the same app with one file per chart or per app is written whole', () => {
    for (const type of [YamlOutputType.FILE_PER_CHART, YamlOutputType.FILE_PER_APP]) {
      const app = new App({ outdir: outdir(), yamlOutputType: type });
      twoTeams(app);
      app.synth();
      const docs = App._synthChart(app.charts[0]);
      expectApiValid(docs);
      expect(docs.filter(m => m.kind === 'Pod').map(m => m.metadata.namespace)).toEqual(['team-a', 'team-b']);
    }
  });

  test('synthYaml() and toManifests() of such an app write no files: both pods are given', () => {
    const app = new App({ outdir: outdir(), yamlOutputType: YamlOutputType.FILE_PER_RESOURCE });
    twoTeams(app);
    expect(app.synthYaml().match(/^kind: Pod$/gm)).toHaveLength(2);
    const pods = app.charts[0].node.findAll().filter((c): c is AiInferencePod => c instanceof AiInferencePod);
    expect(pods.map(p => p.toManifests().length)).toEqual([3, 3]);
    expect(() => app.synth()).toThrow(/goes to the same file/);
  });

  test('distinct names in one file per object are written, one file each', () => {
    const app = new App({ outdir: outdir(), yamlOutputType: YamlOutputType.FILE_PER_RESOURCE });
    const chart = new Chart(app, 'c');
    new AiInferencePod(chart, 'a', { server, metadata: { name: 'llm-a', namespace: 'team-a' } });
    new AiInferencePod(chart, 'b', { server, metadata: { name: 'llm-b', namespace: 'team-a' } });
    app.synth();
    expect(fs.readdirSync(app.outdir).sort()).toEqual(['Pod.llm-a.k8s.yaml', 'Pod.llm-b.k8s.yaml']);
  });
});

describe('rendering again in the same synchronous run', () => {
  // The name-clash check kept its index of the app's objects for the whole synchronous run: a pod
  // added, or renamed by a JSON patch, after a first synth in the same run was not in it, and two
  // pods named 'llm' were written (kubectl apply keeps one).
  const clash = /^ *\[c\/b\] metadata\.name: Pod "llm" in the default namespace is also the name of c\/a: /m;

  test('a pod added after a first synth that takes another pod\'s name is refused', () => {
    const chart = new Chart(Testing.app(), 'c');
    new AiInferencePod(chart, 'a', { server, metadata: { name: 'llm' } });
    Testing.synth(chart);
    new AiInferencePod(chart, 'b', { server, metadata: { name: 'llm' } });
    expect(() => App._synthChart(chart)).toThrow(expect.objectContaining({ message: expect.stringMatching(clash) }));
  });

  test('a JSON patch after a first synth that renames a pod onto another is refused', () => {
    const chart = new Chart(Testing.app(), 'c');
    new AiInferencePod(chart, 'a', { server, metadata: { name: 'llm' } });
    const b = new AiInferencePod(chart, 'b', { server, metadata: { name: 'other' } });
    Testing.synth(chart);
    ApiObject.of(b.pod).addJsonPatch(JsonPatch.replace('/metadata/name', 'llm'));
    expect(() => App._synthChart(chart)).toThrow(expect.objectContaining({ message: expect.stringMatching(clash) }));
  });

  test('…and a rename that ends a clash is written', () => {
    const chart = new Chart(Testing.app(), 'c');
    new AiInferencePod(chart, 'a', { server, metadata: { name: 'llm' } });
    const b = new AiInferencePod(chart, 'b', { server, metadata: { name: 'llm' } });
    expect(() => App._synthChart(chart)).toThrow();
    ApiObject.of(b.pod).addJsonPatch(JsonPatch.replace('/metadata/name', 'llm-b'));
    expect(synth(chart).map(m => m.metadata.name)).toEqual(['llm', 'llm-b']);
  });
});

describe('the sidecars\' ConfigMaps through their escape hatch (config.addData)', () => {
  // The proxy's render step replaced the ConfigMap's data with its nginx.conf: a key added with
  // `proxy.config.addData` was dropped silently. And a key added after a first synth in the same
  // run was written without being checked: the ConfigMap's validation was still taken as current.
  test('a key added to the proxy\'s ConfigMap is written beside nginx.conf', () => {
    const chart = new Chart(Testing.app(), 'c');
    const proxy = new ProxySidecar(new AiInferencePod(chart, 'llm', { server }), 'proxy', { tls: ProxyTls.fromSecret('tls') });
    proxy.config.addData('extra.conf', '# more');
    const docs = synth(chart);
    expectApiValid(docs);
    expect(Object.keys(docs.find(m => m.kind === 'ConfigMap').data)).toEqual(['nginx.conf', 'extra.conf']);
  });

  test('a bad key added to the proxy\'s ConfigMap is refused', () => {
    expectRefused(chart => new ProxySidecar(new AiInferencePod(chart, 'llm', { server }), 'proxy', { tls: ProxyTls.fromSecret('tls') }).config.addData('bad key!', 'x'),
      /^ *\[test\/llm\/proxy\] data\["bad key!"\]: "bad key!" is not a valid ConfigMap key/);
  });

  test('a bad key added to a log shipper\'s ConfigMap after a first synth in the same run is refused', () => {
    const chart = new Chart(Testing.app(), 'c');
    const logs = new LogSidecar(new AiInferencePod(chart, 'llm', { server }), 'logs', {
      logDir: '/var/log/app', shipTo: LogDestination.loki({ host: 'loki.monitoring.svc', port: 3100, tls: false }),
    });
    synth(chart);
    logs.config!.addData('bad key!', 'x');
    expect(() => App._synthChart(chart)).toThrow(/\[c\/llm\/logs\] data\["bad key!"\]: "bad key!" is not a valid ConfigMap key/);
  });
});

describe('a platform chart that names objects its own way (Chart.generateObjectName)', () => {
  // cdk8s-plus's objects (the proxy's ConfigMap) were named by the chart's override, the pod and the
  // Deployment were not: one app, two naming schemes, and the team prefix missing on the workloads.
  class TeamChart extends Chart {
    public generateObjectName(obj: ApiObject): string {
      return `team-a-${super.generateObjectName(obj)}`;
    }
  }

  test('the pod, the Deployment, its Service and the ConfigMap all carry the prefix', () => {
    const chart = new TeamChart(Testing.app(), 'c');
    new ProxySidecar(new AiInferencePod(chart, 'llm', { server }), 'proxy', { tls: ProxyTls.fromSecret('tls') });
    new AiInferenceDeployment(chart, 'dep', { server });
    const docs = synth(chart);
    expectApiValid(docs);
    expect(docs.map(m => `${m.kind} ${m.metadata.name}`).filter(n => !/ team-a-c-/.test(n))).toEqual([]);
  });

  test('an override that reads more than the path and kind leaves the default name', () => {
    class Picky extends Chart {
      public generateObjectName(obj: ApiObject): string {
        return `${obj.metadata.getLabel('team')}-${super.generateObjectName(obj)}`;
      }
    }
    const chart = new Picky(Testing.app(), 'c');
    new AiInferencePod(chart, 'llm', { server });
    expect(synth(chart)[0].metadata.name).toMatch(/^c-llm-[0-9a-f]{8}$/);
  });
});

describe('props given as a platform\'s config class instances', () => {
  // A class instance is kept as is by the props snapshot (like a Duration): a server props class
  // had its args array read again at synth, so changing it for the next pod changed every pod made
  // from it; and a top-level props class lost its getters (the props were spread).
  class ServerConfig {
    public image = 'vllm/vllm-openai:v0.6.3';
    public health = HealthCheck.vllm();
    public args = ['--max-model-len=4096'];
    public command = ['vllm', 'serve'];
    public volumeMounts: any[] = [];
  }

  test('changing the instance after a pod is made does not change that pod', () => {
    const chart = new Chart(Testing.app(), 'c');
    const config = new ServerConfig();
    new AiInferencePod(chart, 'a', { server: config });
    config.args[0] = '--max-model-len=8192';
    config.command.push('--oops');
    new AiInferencePod(chart, 'b', { server: config });
    const docs = synth(chart);
    expectApiValid(docs);
    expect(docs.map(m => [m.spec.containers[0].command, m.spec.containers[0].args])).toEqual([
      [['vllm', 'serve'], ['--max-model-len=4096']],
      [['vllm', 'serve', '--oops'], ['--max-model-len=8192']],
    ]);
  });

  test('a props class whose server comes from a getter is read once, like a plain object', () => {
    let reads = 0;
    class PodConfig {
      public get server(): any {
        reads++;
        return { image: 'vllm/vllm-openai:v0.6.3', health: HealthCheck.vllm(), port: 8000 + reads };
      }
    }
    const chart = new Chart(Testing.app(), 'c');
    new AiInferencePod(chart, 'a', new PodConfig());
    const docs = synth(chart);
    expectApiValid(docs);
    expect(reads).toBe(1);
    expect(docs[0].spec.containers[0].ports).toEqual([{ containerPort: 8001, name: 'http' }]);
  });

  test('the instance is not changed by the checks', () => {
    const config: any = new ServerConfig();
    config.name = 42;
    expectRefused(chart => new AiInferencePod(chart, 'a', { server: config }), /server\.name: 42 is not a container name/);
    expect(config.name).toBe(42);
  });
});
