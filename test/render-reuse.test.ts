import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ApiObject, ApiObjectMetadataDefinition, App, JsonPatch } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { AiInferencePod, HealthCheck, ProxySidecar, ProxyTls } from '../src';
import { workloadSignature } from '../src/_kplus-adapter';
import { manifestOf, newChart, synth, synthError } from './helpers/synth';

// Validation renders each object once and serialization takes that rendering (bench: one render
// per object per synth). These pin that a reused rendering is never a stale one: changes made
// between two synths of the same synchronous run show up in the second.

function proxiedPod() {
  const chart = newChart();
  const pod = new AiInferencePod(chart, 'llm', {
    metadata: { name: 'llm', labels: { app: 'llm' } },
    server: { image: 'vllm/vllm-openai:v0.6.3', health: HealthCheck.vllm() },
  });
  const proxy = new ProxySidecar(pod, 'proxy', { tls: ProxyTls.fromSecret('tls') });
  return { chart, pod, proxy };
}

test('a label added after a synth is in the next synth\'s NetworkPolicy selector, in the same synchronous run', () => {
  const { chart, pod, proxy } = proxiedPod();
  expect(manifestOf(synth(chart), 'NetworkPolicy').spec.podSelector.matchLabels).not.toHaveProperty('tier');
  pod.pod.metadata.addLabel('tier', 'gold');
  const manifests = synth(chart);
  expect(manifestOf(manifests, 'NetworkPolicy').spec.podSelector.matchLabels).toEqual(manifestOf(manifests, 'Pod').metadata.labels);
  expect(manifestOf(manifests, 'NetworkPolicy').spec.podSelector.matchLabels.tier).toBe('gold');
  expect(proxy.networkPolicy).toBeDefined();
});

test('a user JSON patch on the pod labels reaches the NetworkPolicy selector', () => {
  const { chart, pod } = proxiedPod();
  synth(chart);
  ApiObject.of(pod.pod).addJsonPatch(JsonPatch.add('/metadata/labels/track', 'canary'));
  expect(manifestOf(synth(chart), 'NetworkPolicy').spec.podSelector.matchLabels.track).toBe('canary');
});

test('a JSON patch added to the proxy ConfigMap after a synth applies and is validated in the next one', () => {
  const { chart, proxy } = proxiedPod();
  synth(chart);
  ApiObject.of(proxy.config).addJsonPatch(JsonPatch.add('/data/extra.conf', '# extra'));
  expect(manifestOf(synth(chart), 'ConfigMap').data['extra.conf']).toBe('# extra');
  ApiObject.of(proxy.config).addJsonPatch(JsonPatch.add('/data/bad key', 'x'));
  expect(synthError(chart)).toMatch(/bad key/);
});

test('editing a synthesized manifest does not change the next synth', () => {
  const { chart } = proxiedPod();
  const first = synth(chart);
  const policy = manifestOf(first, 'NetworkPolicy');
  const config = manifestOf(first, 'ConfigMap');
  policy.spec.podSelector.matchLabels.app = 'edited';
  config.data['nginx.conf'] = 'edited';
  const second = synth(chart);
  expect(manifestOf(second, 'NetworkPolicy').spec.podSelector.matchLabels.app).toBe('llm');
  expect(manifestOf(second, 'ConfigMap').data['nginx.conf']).not.toBe('edited');
});

test('one synth renders the pod, its ConfigMap and its NetworkPolicy once each (validation\'s rendering is the one written)', () => {
  // every rendering of an object, on cdk8s's path or the adapter's direct one, reads its metadata once
  const counts: { [kind: string]: number } = {};
  const proto = ApiObjectMetadataDefinition.prototype as any;
  const original = proto.toJson;
  proto.toJson = function (this: any) {
    const kind = this.apiObject.kind;
    counts[kind] = (counts[kind] ?? 0) + 1;
    return original.call(this);
  };
  try {
    // App._synthChart, not the test helper: the helper renders every object again to compare
    const { chart } = proxiedPod();
    App._synthChart(chart);
  } finally {
    proto.toJson = original;
  }
  expect(counts).toEqual({ Pod: 1, ConfigMap: 1, NetworkPolicy: 1 });
});

test('the workload signature changes with every change cdk8s-plus still accepts after construction', () => {
  const chart = newChart();
  const pod = new kplus.Pod(chart, 'p');
  const c = pod.addContainer({ image: 'x/y:1' });
  const seen = new Set<string>([workloadSignature(pod)]);
  const changes: Array<() => void> = [
    () => c.env.addVariable('A', kplus.EnvValue.fromValue('1')),
    () => c.env.copyFrom(kplus.Env.fromConfigMap(kplus.ConfigMap.fromConfigMapName(chart, 'cm', 'cm'))),
    () => c.mount('/data', kplus.Volume.fromEmptyDir(chart, 'v', 'v')),
    () => c.addPort({ number: 9000 }),
    () => pod.addVolume(kplus.Volume.fromEmptyDir(chart, 'w', 'w')),
    () => pod.addHostAlias({ ip: '127.0.0.1', hostnames: ['local'] }),
    () => pod.addInitContainer({ image: 'x/z:1' }),
    () => pod.addContainer({ image: 'x/w:1', name: 'second' }),
  ];
  for (const change of changes) {
    change();
    const signature = workloadSignature(pod);
    expect(seen.has(signature)).toBe(false);
    seen.add(signature);
  }
  // cdk8s-plus-27's own lists are read where they exist: the same counts as its public getters
  expect((pod as any)._containers).toHaveLength(pod.containers.length);
  expect((c.env as any)._variables).toEqual(c.env.variables);
});

test('a health check shared by many pods (same factory arguments) hands each synth its own probes', () => {
  const chart = newChart();
  expect(HealthCheck.vllm()).toBe(HealthCheck.http('/health'));
  const a = new AiInferencePod(chart, 'a', { server: { image: 'vllm/vllm-openai:v0.6.3', health: HealthCheck.vllm() } });
  new AiInferencePod(chart, 'b', { server: { image: 'vllm/vllm-openai:v0.6.3', health: HealthCheck.vllm() } });
  const first = synth(chart).filter(m => m.kind === 'Pod');
  first[0].spec.containers[0].readinessProbe.httpGet.path = '/edited';
  first[0].spec.containers[0].startupProbe.failureThreshold = 1;
  const second = synth(chart).filter(m => m.kind === 'Pod');
  for (const pod of second) {
    expect(pod.spec.containers[0].readinessProbe.httpGet.path).toBe('/health');
    expect(pod.spec.containers[0].startupProbe.failureThreshold).toBeGreaterThan(1);
  }
  expect(a.pod).toBeDefined();
});

describe('a refused value never hands its rendering to a later valid one (shared caches are keyed exactly)', () => {
  /** The YAML of the valid pod, after `poison` ran in the same module instance (fresh modules each time). */
  function validAfter(poison: (lib: typeof import('../src')) => void): string {
    let yaml = '';
    jest.isolateModules(() => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- a fresh copy of the library and its caches
      const lib: typeof import('../src') = require('../src');
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const cdk8s: typeof import('cdk8s') = require('cdk8s');
      try {
        poison(lib);
      } catch {
        // refused at construction or at synth: what matters is what it left behind
      }
      const chart = new cdk8s.Chart(new cdk8s.App(), 'ok');
      const pod = new lib.AiInferencePod(chart, 'llm', {
        server: { image: 'vllm/vllm-openai:v0.6.3', port: 8000, health: lib.HealthCheck.tcp(), security: { runAsUser: 1000 }, resources: { memory: { request: '1Gi', limit: '1Gi' } } },
      });
      new lib.ProxySidecar(pod, 'proxy', { port: 8080, auth: lib.ProxyAuth.none() });
      yaml = cdk8s.Yaml.stringify(...cdk8s.App._synthChart(chart));
    });
    return yaml;
  }

  /** A wrong value given to a fresh library, synthesized (and refused) before the valid pod. */
  const poisoned = (server: object, proxy: object) => (lib: typeof import('../src')) => {
    // the library's copy of cdk8s: the one isolateModules loaded with it
    const fresh = require('cdk8s') as typeof import('cdk8s'); // eslint-disable-line @typescript-eslint/no-require-imports
    const app = new fresh.App({ outdir: fs.mkdtempSync(path.join(os.tmpdir(), 'poison-')) });
    const pod = new lib.AiInferencePod(new fresh.Chart(app, 'bad'), 'llm', { server: { image: 'vllm/vllm-openai:v0.6.3', ...server } as any });
    new lib.ProxySidecar(pod, 'proxy', { auth: lib.ProxyAuth.none(), ...proxy } as any);
    app.synth();
  };

  const clean = validAfter(() => undefined);

  test.each<[string, object, object]>([
    ['a port given as a string (probes cached by port)', { port: '8000', health: undefined }, { port: '8080' }],
    ['a NaN port for a TCP check (checks shared by factory arguments)', { health: 'tcp-nan' }, {}],
    ['a user id given as a string (security contexts cached by setting)', { security: { runAsUser: '1000' } }, { security: { runAsUser: '1000' } }],
    ['a NaN user id', { security: { runAsUser: NaN } }, {}],
    ['resources with NaN where null would be (resources cached by setting)', { resources: { memory: { request: NaN, limit: null } } }, {}],
  ])('%s', (_name, server, proxy) => {
    const yaml = validAfter(lib => poisoned(server['health' as keyof typeof server] === 'tcp-nan' ? { health: lib.HealthCheck.tcp(NaN) } : server, proxy)(lib));
    expect(yaml).toBe(clean);
  });

  test('the valid pod is what it says (the comparison is not between two empty outputs)', () => {
    expect(clean).toContain('runAsUser: 1000');
    expect(clean).toContain('port: 8080');
  });
});
