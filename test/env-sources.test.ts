import { ApiObject, App, Chart, JsonPatch } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { AiInferencePod, EnvFromSource, InitContainer, PodField, Sidecar } from '../src';
import { expectRefused } from './helpers/refusal';
import { expectApiValid, synth } from './helpers/synth';

/*
 * Variables Kubernetes fills in at start: pod fields (the downward API) and whole ConfigMaps or
 * Secrets (`envFrom`), on the server, init containers and sidecars.
 */

const SERVER = { image: 'vllm/vllm-openai:v0.6.3' };

function podOf(manifests: any[]): any {
  return manifests.find(m => m.kind === 'Pod');
}

function containerOf(pod: any, name: string): any {
  return [...(pod.spec.initContainers ?? []), ...pod.spec.containers].find((c: any) => c.name === name);
}

describe('fieldEnv and envFrom', () => {
  test('the server reads pod fields, a label, its own memory limit, and ConfigMaps/Secrets whole', () => {
    const chart = new Chart(new App(), 'test');
    new AiInferencePod(chart, 'llm', {
      server: {
        ...SERVER,
        env: { VLLM_PORT: '8000' },
        fieldEnv: {
          VLLM_HOST_IP: PodField.POD_IP,
          POD_NAME: PodField.POD_NAME,
          WORKER_INDEX: PodField.label('leaderworkerset.sigs.k8s.io/worker-index'),
          GOMEMLIMIT_MI: PodField.resource('limits.memory', '1Mi'),
        },
        envFrom: [EnvFromSource.configMap('engine-settings', { prefix: 'VLLM_' }), EnvFromSource.secret('hf-token', { optional: true })],
      },
    });
    const manifests = synth(chart);
    expectApiValid(manifests);
    const server = containerOf(podOf(manifests), 'server');
    const byName = Object.fromEntries(server.env.map((e: any) => [e.name, e]));
    expect(byName.VLLM_PORT.value).toBe('8000');
    expect(byName.VLLM_HOST_IP.valueFrom).toEqual({ fieldRef: { fieldPath: 'status.podIP' } });
    expect(byName.POD_NAME.valueFrom).toEqual({ fieldRef: { fieldPath: 'metadata.name' } });
    expect(byName.WORKER_INDEX.valueFrom).toEqual({ fieldRef: { fieldPath: "metadata.labels['leaderworkerset.sigs.k8s.io/worker-index']" } });
    expect(byName.GOMEMLIMIT_MI.valueFrom).toEqual({ resourceFieldRef: { divisor: '1Mi', resource: 'limits.memory' } });
    expect(server.envFrom).toEqual([
      { configMapRef: { name: 'engine-settings' }, prefix: 'VLLM_' },
      { secretRef: { name: 'hf-token', optional: true } },
    ]);
  });

  test("envFrom comes after what cdk8s-plus's escape hatch added, whatever the order of the calls", () => {
    const chart = new Chart(new App(), 'test');
    const pod = new AiInferencePod(chart, 'llm', { server: { ...SERVER, envFrom: [EnvFromSource.configMap('ours')] } });
    pod.server.env.copyFrom(kplus.Env.fromConfigMap(kplus.ConfigMap.fromConfigMapName(chart, 'theirs', 'theirs')));
    const server = containerOf(podOf(synth(chart)), 'server');
    expect(server.envFrom).toEqual([{ configMapRef: { name: 'theirs' } }, { configMapRef: { name: 'ours' } }]);
  });

  test('init containers and sidecars take secretEnv, fieldEnv and envFrom too', () => {
    const chart = new Chart(new App(), 'test');
    const pod = new AiInferencePod(chart, 'llm', { server: SERVER });
    new InitContainer(pod, 'wait', {
      name: 'wait-for-router', image: 'busybox:1.36.1', command: ['true'],
      fieldEnv: { NODE: PodField.NODE_NAME }, envFrom: [EnvFromSource.secret('router-token')],
    });
    new Sidecar(pod, 'otel', {
      name: 'otel-collector', image: 'otel/opentelemetry-collector-contrib:0.111.0',
      secretEnv: { DD_API_KEY: { secretName: 'datadog', key: 'api-key' } },
      fieldEnv: { K8S_POD_NAME: PodField.POD_NAME, K8S_NODE_NAME: PodField.NODE_NAME, K8S_POD_UID: PodField.POD_UID },
      envFrom: [EnvFromSource.configMap('otel-settings', { optional: false })],
    });
    const manifests = synth(chart);
    expectApiValid(manifests);
    const pod0 = podOf(manifests);
    const init = containerOf(pod0, 'wait-for-router');
    expect(init.env).toEqual([{ name: 'NODE', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } }]);
    expect(init.envFrom).toEqual([{ secretRef: { name: 'router-token' } }]);
    const otel = containerOf(pod0, 'otel-collector');
    expect(otel.env).toEqual(expect.arrayContaining([
      { name: 'DD_API_KEY', valueFrom: { secretKeyRef: { key: 'api-key', name: 'datadog' } } },
      { name: 'K8S_POD_UID', valueFrom: { fieldRef: { fieldPath: 'metadata.uid' } } },
    ]));
    expect(otel.envFrom).toEqual([{ configMapRef: { name: 'otel-settings', optional: false } }]);
  });

  test('every synth renders its own envFrom objects (editing one manifest does not change the next)', () => {
    const chart = new Chart(new App(), 'test');
    new AiInferencePod(chart, 'llm', { server: { ...SERVER, envFrom: [EnvFromSource.configMap('a')] } });
    const first = containerOf(podOf(App._synthChart(chart)), 'server');
    first.envFrom[0].configMapRef.name = 'changed';
    expect(containerOf(podOf(App._synthChart(chart)), 'server').envFrom).toEqual([{ configMapRef: { name: 'a' } }]);
  });
});

describe('bad fieldEnv and envFrom are refused by field, with nothing written', () => {
  const withServer = (server: any) => (c: Chart) => new AiInferencePod(c, 'p', { server: { ...SERVER, ...server } });
  test.each<[string, (chart: Chart) => void, RegExp]>([
    ['fieldEnv value not a PodField', withServer({ fieldEnv: { IP: 'status.podIP' } }), /\[test\/p\] server\.fieldEnv\.IP: "status\.podIP" is not a PodField\. Fix: /],
    ['fieldEnv not a map', withServer({ fieldEnv: ['IP'] }), /server\.fieldEnv: \["IP"\] is not a map/],
    ['label key with a space', withServer({ fieldEnv: { R: PodField.label('my role') } }), /server\.fieldEnv\.R: "my role" is not a label or annotation key/],
    ['annotation key with a quote', withServer({ fieldEnv: { R: PodField.annotation("x']") } }), /server\.fieldEnv\.R: "x'\]" is not a label or annotation key/],
    ['resource not a container resource', withServer({ fieldEnv: { M: PodField.resource('limits.gpu') } }), /server\.fieldEnv\.M: "limits\.gpu" is not a container resource/],
    ['divisor not a quantity', withServer({ fieldEnv: { M: PodField.resource('limits.memory', '1MB') } }), /server\.fieldEnv\.M\.divisor: "1MB"/],
    ['envFrom not a list', withServer({ envFrom: EnvFromSource.configMap('a') }), /server\.envFrom: .* is not a list/],
    ['envFrom entry a plain object', withServer({ envFrom: [{ configMapRef: { name: 'a' } }] }), /server\.envFrom\[0\]: .* is not an EnvFromSource/],
    ['envFrom name not an object name', withServer({ envFrom: [EnvFromSource.secret('Bad_Name')] }), /server\.envFrom\[0\]\.name: "Bad_Name"/],
    ['envFrom prefix with a dash', withServer({ envFrom: [EnvFromSource.configMap('a', { prefix: 'my-' })] }), /server\.envFrom\[0\]\.prefix: "my-" is not a variable name prefix/],
    ['envFrom optional not a boolean', withServer({ envFrom: [EnvFromSource.configMap('a', { optional: 'yes' as any })] }), /server\.envFrom\[0\]\.optional: "yes" is not true or false/],
    ['one name in env and fieldEnv', withServer({ env: { IP: '1.2.3.4' }, fieldEnv: { IP: PodField.POD_IP } }), /server\.fieldEnv\.IP: the variable is also set in server\.env/],
    ['one name in secretEnv and fieldEnv of a sidecar', c => new Sidecar(new AiInferencePod(c, 'p', { server: SERVER }), 's', {
      name: 'side', image: 'busybox:1.36.1', secretEnv: { T: { secretName: 's', key: 'k' } }, fieldEnv: { T: PodField.POD_NAME },
    }), /\[test\/p\/s\] fieldEnv\.T: the variable is also set in secretEnv/],
    ['init container envFrom entry null', c => new InitContainer(new AiInferencePod(c, 'p', { server: SERVER }), 'i', {
      name: 'init', image: 'busybox:1.36.1', envFrom: [null as any],
    }), /\[test\/p\/i\] envFrom\[0\]: null is not an EnvFromSource/],
  ])('%s', (_name, build, field) => {
    expectRefused(build, field);
  });
});

test('EnvFromSource options: unknown keys refused, later changes ignored', () => {
  expectRefused(c => new AiInferencePod(c, 'p', { server: { ...SERVER, envFrom: [EnvFromSource.configMap('a', { prefx: 'X_' } as any)] } }),
    /server\.envFrom\[0\]\.prefx: unknown prop/);
  const options: any = { prefix: 'A_' };
  const chart = new Chart(new App(), 'test');
  new AiInferencePod(chart, 'p', { server: { ...SERVER, envFrom: [EnvFromSource.configMap('a', options)] } });
  options.prefix = 'B_';
  expect(containerOf(podOf(synth(chart)), 'server').envFrom).toEqual([{ configMapRef: { name: 'a' }, prefix: 'A_' }]);
});

describe('variables read from the pod, set through an escape hatch or a JSON patch, are checked like PodField', () => {
  const patched = (value: any) => (c: Chart) => {
    const pod = new AiInferencePod(c, 'p', { server: SERVER });
    ApiObject.of(pod.pod).addJsonPatch(JsonPatch.add('/spec/containers/0/env', [{ name: 'X', valueFrom: value }]));
  };
  test.each<[string, (chart: Chart) => void, RegExp]>([
    ['a fieldRef path no variable can read', patched({ fieldRef: { fieldPath: 'spec.containers' } }), /env\[0\]\.valueFrom\.fieldRef\.fieldPath: "spec\.containers" is not a pod field/],
    ['a label key that is not one', patched({ fieldRef: { fieldPath: "metadata.labels['a b']" } }), /fieldRef\.fieldPath: "metadata\.labels\['a b'\]" is not a pod field/],
    ['a resource a variable cannot read', patched({ resourceFieldRef: { resource: 'limits.nvidia.com/gpu' } }), /resourceFieldRef\.resource: "limits\.nvidia\.com\/gpu" is not a container resource/],
    ['a cpu divisor of 1Mi', patched({ resourceFieldRef: { resource: 'limits.cpu', divisor: '1Mi' } }), /resourceFieldRef\.divisor: "1Mi" is not a divisor the API server accepts for limits\.cpu\. Fix: use '1m' or '1'/],
    ['a memory divisor of 3Mi', patched({ resourceFieldRef: { resource: 'limits.memory', divisor: '3Mi' } }), /resourceFieldRef\.divisor: "3Mi" is not a divisor/],
    ['a containerName not in the pod', patched({ resourceFieldRef: { resource: 'limits.memory', containerName: 'nope' } }), /resourceFieldRef\.containerName: "nope" is not a container of the pod/],
    ['the cdk8s-plus escape hatch', c => {
      const pod = new AiInferencePod(c, 'p', { server: SERVER });
      pod.server.env.addVariable('NODE', kplus.EnvValue.fromFieldRef('spec.hostname' as kplus.EnvFieldPaths));
    }, /fieldRef\.fieldPath: "spec\.hostname" is not a pod field/],
  ])('%s', (_name, build, field) => {
    expectRefused(build, field);
  });

  test('what the API server accepts passes: every readable pod field, 1Mi for memory, 1m for cpu, a container of the pod by name', () => {
    const chart = new Chart(new App(), 'test');
    const pod = new AiInferencePod(chart, 'p', { server: SERVER });
    const fields = ['metadata.name', 'metadata.namespace', 'metadata.uid', "metadata.labels['app']", "metadata.annotations['example.com/x']",
      'spec.nodeName', 'spec.serviceAccountName', 'status.hostIP', 'status.hostIPs', 'status.podIP', 'status.podIPs'];
    ApiObject.of(pod.pod).addJsonPatch(JsonPatch.add('/spec/containers/0/env', [
      ...fields.map((fieldPath, i) => ({ name: `F${i}`, valueFrom: { fieldRef: { fieldPath } } })),
      { name: 'MEM', valueFrom: { resourceFieldRef: { resource: 'limits.memory', divisor: '1Mi', containerName: 'server' } } },
      { name: 'CPU', valueFrom: { resourceFieldRef: { resource: 'requests.cpu', divisor: '1m' } } },
    ]));
    expectApiValid(synth(chart));
  });
});
