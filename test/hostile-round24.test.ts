import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ApiObject, App, Chart, Testing } from 'cdk8s';
import { Construct } from 'constructs';
import { AiInferenceDeployment, AiInferencePod, CacheAccessMode, HealthCheck, ModelCache, ModelPrepInit, ModelSource, ProxySidecar, ProxyTls, Sidecar } from '../src';
import { withWarnings } from './helpers/pod-parts';
import { expectRefused } from './helpers/refusal';
import { expectApiValid, synth } from './helpers/synth';

// Hostile round 24: derived names, the name-clash index, preStopHttpGet, Sidecar
// terminationMessagePolicy and class-instance props (the changes of hostile round 22 and
// new-user review 19).

const server = { image: 'vllm/vllm-openai:v0.6.3', health: HealthCheck.vllm() };
const outdir = (): string => fs.mkdtempSync(path.join(os.tmpdir(), 'hostile24-'));

describe('the name-clash index within one synchronous run', () => {
  // The index is re-made when an object of the library was checked or a JSON patch added since;
  // a plain ApiObject of the user added after a first synth was not seen: two Pods "a" written.
  test('a plain ApiObject added after a first synth that clashes with a pod is refused', () => {
    const app = new App({ outdir: outdir() });
    const chart = new Chart(app, 'c');
    new AiInferencePod(chart, 'a', { server, metadata: { name: 'a' } });
    app.synth();
    new ApiObject(chart, 'plain', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'a' } });
    expect(() => app.synth()).toThrow(/\[c\/a\] metadata\.name: Pod "a" in the default namespace is also the name of c\/plain/);
  });
});

describe('preStopHttpGet', () => {
  // One line for one mistake: a bad port or path was reported by the prop and again by the
  // rendered lifecycle.preStop.httpGet field.
  const sidecar = (hook: unknown) => (chart: Chart): void => {
    const pod = new AiInferencePod(chart, 'llm', { server });
    new Sidecar(pod, 's', { name: 's', image: 'busybox:1.36', preStopHttpGet: hook as any });
  };
  test.each([
    ['port 1.5', { path: '/prestop', port: 1.5 }, /preStopHttpGet\.port: 1\.5/],
    ['port NaN', { path: '/prestop', port: NaN }, /preStopHttpGet\.port: NaN/],
    ['port null', { path: '/prestop', port: null }, /preStopHttpGet\.port: null/],
    ['path 5', { path: 5, port: 8090 }, /preStopHttpGet\.path: 5/],
    ['path null', { path: null, port: 8090 }, /preStopHttpGet\.path: null/],
    ['no port', { path: '/prestop' }, /preStopHttpGet\.port: is missing/],
  ])('%s is reported once, by the prop', (_label, hook, field) => {
    const lines = expectRefused(sidecar(hook), field);
    expect(lines.filter(l => /lifecycle/.test(l))).toEqual([]);
  });

  test('…also on the server', () => {
    const lines = expectRefused(chart => {
      new AiInferencePod(chart, 'llm', { server: { ...server, preStopHttpGet: { path: '/drain', port: 1.5 } } });
    }, /server\.preStopHttpGet\.port: 1\.5/);
    expect(lines).toHaveLength(1);
  });

  // Props given as class instances are read as their keys (hostile round 22); a hook of a
  // platform's config class was refused as "not a request".
  test('a hook given as a class instance is the request its fields say', () => {
    class PreStop {
      public readonly path = '/prestop';
      public readonly port = 8090;
    }
    class Getters {
      get path(): string { return '/prestop'; }
      get port(): number { return 8090; }
    }
    for (const hook of [new PreStop(), new Getters()]) {
      const chart = Testing.chart();
      sidecar(hook)(chart);
      const docs = synth(chart);
      expectApiValid(docs);
      expect(docs[0].spec.initContainers[0].lifecycle).toEqual({ preStop: { httpGet: { path: '/prestop', port: 8090 } } });
    }
  });

  test('a Map is named as one', () => {
    expectRefused(sidecar(new Map<string, unknown>([['path', '/prestop'], ['port', 8090]])), /preStopHttpGet: a Map is not a request/);
  });
});

describe('Sidecar terminationMessagePolicy', () => {
  // The server leaves out a null (the kubelet's default), the Sidecar wrote it and the pod's
  // schema check refused "null is not a string" under the pod, not the sidecar.
  test('null is left out, as for the server', () => {
    const chart = Testing.chart();
    const pod = new AiInferencePod(chart, 'llm', { server });
    new Sidecar(pod, 's', { name: 's', image: 'busybox:1.36', terminationMessagePolicy: null as any });
    const docs = synth(chart);
    expectApiValid(docs);
    expect(docs[0].spec.initContainers[0].terminationMessagePolicy).toBeUndefined();
  });
});

describe('a chart whose generateObjectName returns no string', () => {
  // The library's wrapper made the name valid with string methods: a JavaScript chart returning
  // a number threw "text.toLowerCase is not a function" with a stack trace at construction.
  test('no TypeError at construction', () => {
    class Numbered extends Chart {
      public generateObjectName(): string {
        return 42 as any;
      }
    }
    const chart = new Numbered(Testing.app(), 'c');
    const pod = new AiInferencePod(chart, 'llm', { server });
    expect(() => new ProxySidecar(pod, 'proxy', { tls: ProxyTls.fromSecret('tls') })).not.toThrow();
    // the name checks refuse it, by field
    expect(() => App._synthChart(chart)).toThrow(/\[c\/llm\/proxy\] metadata\.name: 42 is not a string/);
  });
});

describe('lists given as a Set', () => {
  test('the message names a Set, not {}', () => {
    expectRefused(chart => {
      new AiInferencePod(chart, 'llm', { server: { ...server, args: new Set(['--x']) as any } });
    }, /server\.args: a Set is not a list/);
  });
});

describe('ProxySidecar config.addData', () => {
  // cdk8s-plus writes no `data` when every value added is '': the proxy's render then wrote its
  // own nginx.conf, and the keys the user added were dropped without a word.
  test('an empty nginx.conf added with the escape hatch is refused, not replaced', () => {
    expectRefused(chart => {
      const pod = new AiInferencePod(chart, 'llm', { server });
      new ProxySidecar(pod, 'proxy', { tls: ProxyTls.fromSecret('tls') }).config.addData('nginx.conf', '');
    }, /\[test\/llm\/proxy\] data\["nginx\.conf"\]: is "": the proxy/);
  });

  test('an empty key added is kept', () => {
    const chart = Testing.chart();
    const pod = new AiInferencePod(chart, 'llm', { server });
    new ProxySidecar(pod, 'proxy', { tls: ProxyTls.fromSecret('tls') }).config.addData('enabled', '');
    const docs = synth(chart);
    expectApiValid(docs);
    expect(docs.find(d => d.kind === 'ConfigMap').data.enabled).toBe('');
  });
});

describe('a chart whose generateObjectName returns an empty name', () => {
  // The pod fell back to the default name, but a sidecar's ConfigMap was named "my-pod" (the
  // name rules' example for an empty name): two proxies' ConfigMaps then clashed on it.
  test('every object falls back to the default name', () => {
    class Unnamed extends Chart {
      public generateObjectName(): string {
        return '';
      }
    }
    const chart = new Unnamed(Testing.app(), 'c');
    for (const id of ['a', 'b']) {
      new ProxySidecar(new AiInferencePod(chart, id, { server }), 'proxy', { tls: ProxyTls.fromSecret('tls') });
    }
    const docs = synth(chart);
    expectApiValid(docs);
    expect(docs.filter(d => d.kind === 'ConfigMap').map(d => d.metadata.name)).toEqual([
      expect.stringMatching(/^c-a-proxy-config-/), expect.stringMatching(/^c-b-proxy-config-/),
    ]);
  });
});

describe('new model-cache claims whose derived names are the same', () => {
  // Two new claims written alike under one name were taken for one claim two pods share (as with
  // claimName given): with hashes disabled, ids 'a_b' and 'a-b' (made valid alike since round 22),
  // or a pod 'llm' in a construct 'team' and a Deployment 'team-llm', got one read-write-once
  // claim between them, without a word.
  const cache = () => ({ source: ModelSource.s3('s3://my-models/x.bin'), cache: ModelCache.newPersistentVolumeClaim({ size: '10Gi' }) });
  const hashless = (build: (chart: Chart) => void) => (chart: Chart): void => {
    build(new Chart(chart, 'h', { disableResourceNameHashes: true }));
  };
  test('ids that become one name are refused, naming the claim and the fix', () => {
    expectRefused(hashless(c => {
      new ModelPrepInit(new AiInferencePod(c, 'a_b', { server }), 'model', cache());
      new ModelPrepInit(new AiInferenceDeployment(c, 'a-b', { server }), 'model', cache());
    }), /\[test\/h\/a-b\/model\] metadata\.name: PersistentVolumeClaim "test-h-a-b-model-model-cache" .* also the name of test\/h\/a_b\/model.*claimName/);
  });

  test('paths that join to one name are refused', () => {
    expectRefused(hashless(c => {
      new ModelPrepInit(new AiInferencePod(new Construct(c, 'team'), 'llm', { server }), 'model', cache());
      new ModelPrepInit(new AiInferenceDeployment(c, 'team-llm', { server }), 'model', cache());
    }), /PersistentVolumeClaim "test-h-team-llm-model-model-cache"/);
  });

  test('one claim shared by name (claimName given) is still written', () => {
    const chart = Testing.chart();
    const shared = ModelCache.newPersistentVolumeClaim({ size: '10Gi', claimName: 'shared', accessMode: CacheAccessMode.READ_WRITE_MANY });
    for (const id of ['a', 'b']) {
      new ModelPrepInit(new AiInferencePod(chart, id, { server }), 'model', { source: ModelSource.s3('s3://my-models/x.bin'), cache: shared });
    }
    expectApiValid(synth(chart));
  });
});

describe('the warning for a probe of an undeclared port', () => {
  // Its fix told a sidecar to point its probe at the server port: the probe would then check the
  // server, and a dead sidecar would stay "ready".
  test('on a sidecar, the fix does not send the probe to the server port', () => {
    const chart = Testing.chart();
    new Sidecar(new AiInferencePod(chart, 'llm', { server }), 's', { name: 's', image: 'busybox:1.36', health: HealthCheck.tcp(7000) });
    const { warnings } = withWarnings(() => synth(chart));
    expect(warnings).toMatch(/probes port 7000, which no container of the pod declares .* or point the probe at a port this container serves/);
    expect(warnings).not.toMatch(/server port/);
  });

  test('on the server, it still does', () => {
    const chart = Testing.chart();
    new AiInferencePod(chart, 'llm', { server: { ...server, health: HealthCheck.tcp(8089) } });
    expect(withWarnings(() => synth(chart)).warnings).toMatch(/probes port 8089, .* or point the probe at the server port/);
  });
});
