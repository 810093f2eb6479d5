import * as kplus from 'cdk8s-plus-27';
import {
  AiInferenceDeployment, AiInferencePod, InferenceEngine, InferenceServer, InitContainer, PodField, PodVolume, ProxyAuth, ProxySidecar, ProxyTls,
  Sidecar,
} from '../src';
import { env, synthWithWarnings } from './helpers/pod-parts';
import { expectRefused } from './helpers/refusal';
import { container, manifestOf, newChart } from './helpers/synth';

// Five trust problems earlier sessions noticed and left alone: each one now reported, in the
// library's one-line format (construct path, field, value, fix).

const image = 'vllm/vllm-openai:v0.6.3';

describe('1. a variable of the props replaced through the cdk8s-plus escape hatch', () => {
  test('on the server: the escape hatch wins, and a warning names the prop and the addVariable call', () => {
    const chart = newChart();
    const pod = new AiInferencePod(chart, 'llm', {
      server: { image, secretEnv: { HF_TOKEN: { secretName: 'hf', key: 'token' } }, env: { LOG_LEVEL: 'info' }, fieldEnv: { POD_IP: PodField.POD_IP } },
    });
    pod.server.env.addVariable('HF_TOKEN', kplus.EnvValue.fromValue('literal'));
    const { manifests, warnings } = synthWithWarnings(chart);
    expect(env(container(manifestOf(manifests, 'Pod'), 'server'), 'HF_TOKEN')).toEqual({ name: 'HF_TOKEN', value: 'literal' });
    expect(warnings).toContain('[warning] [test/llm] server.secretEnv.HF_TOKEN: Secret "hf" key "token" is replaced by "literal", '
      + 'set with cdk8s-plus\'s env.addVariable("HF_TOKEN", ...) on container "server"');
    expect(warnings).toContain('Fix: set HF_TOKEN in one place: remove it from server.secretEnv, or drop the addVariable call');
    expect(warnings).not.toContain('LOG_LEVEL');
  }, 30_000);

  test('on an InferenceServer, a Sidecar and an InitContainer: the prop each variable came from', () => {
    const chart = newChart();
    const deployment = new kplus.Deployment(chart, 'own');
    const server = new InferenceServer(deployment, 'server', { server: { image, env: { MODE: 'a' } } });
    const sidecar = new Sidecar(deployment, 'agent', { name: 'agent', image: 'busybox:1.36.1', command: ['sleep', 'infinity'], env: { TARGET: 'a' } });
    const init = new InitContainer(deployment, 'render', { name: 'render', image: 'busybox:1.36.1', command: ['true'], env: { OUT: '/tmp/a' } });
    server.container.env.addVariable('MODE', kplus.EnvValue.fromValue('b'));
    sidecar.container.env.addVariable('TARGET', kplus.EnvValue.fromValue('b'));
    init.container.env.addVariable('OUT', kplus.EnvValue.fromValue('/tmp/b'));
    const { warnings } = synthWithWarnings(chart);
    expect(warnings).toContain('[warning] [test/own/server] server.env.MODE: "a" is replaced by "b"');
    expect(warnings).toContain('[warning] [test/own/agent] env.TARGET: "a" is replaced by "b"');
    expect(warnings).toContain('[warning] [test/own/render] env.OUT: "/tmp/a" is replaced by "/tmp/b"');
  }, 30_000);

  test('a variable the props do not set, added through the escape hatch, is no warning', () => {
    const chart = newChart();
    const pod = new AiInferencePod(chart, 'llm', { server: { image, env: { LOG_LEVEL: 'info' } } });
    pod.server.env.addVariable('OTHER', kplus.EnvValue.fromValue('x'));
    expect(synthWithWarnings(chart).warnings).toBe('');
  }, 30_000);

  test('the same clash between two props stays an error', () => {
    expectRefused(chart => new AiInferencePod(chart, 'llm', { server: { image, env: { HF_TOKEN: 'x' }, secretEnv: { HF_TOKEN: { secretName: 'hf', key: 'token' } } } }),
      /server\.secretEnv\.HF_TOKEN: the variable is also set in server\.env/);
  });
});

describe('2. metadata.labels contradicting selectorLabels', () => {
  test('is refused, like podMetadata.labels', () => {
    expectRefused(chart => new AiInferenceDeployment(chart, 'llm', { server: { image }, metadata: { labels: { app: 'other' } }, selectorLabels: { app: 'ovms' } }),
      /^ {2}\[test\/llm\] selectorLabels: "app" is "ovms" but metadata\.labels gives it "other": the pods carry the selector's value\. Fix: give one value in both, or drop it from metadata\.labels$/);
  });

  test('the same value in both is fine', () => {
    const chart = newChart();
    new AiInferenceDeployment(chart, 'llm', { server: { image }, metadata: { labels: { app: 'ovms', team: 'ml' } }, selectorLabels: { app: 'ovms' } });
    const deployment = manifestOf(synthWithWarnings(chart).manifests, 'Deployment');
    expect(deployment.spec.template.metadata.labels).toEqual(expect.objectContaining({ app: 'ovms', team: 'ml' }));
  }, 30_000);
});

describe('3. exposeViaService() on a Deployment whose server listens on no port', () => {
  test('without ports: one structured line at synth, no cdk8s-plus stack trace', () => {
    const lines = expectRefused(chart => {
      const worker = new AiInferenceDeployment(chart, 'worker', { server: { image: 'myrepo/worker:1.0', listens: false } });
      worker.deployment.exposeViaService();
    }, /^ {2}\[test\/worker\] server\.listens: false declares no server port, and exposeViaService\(\) was called on the Deployment: .*Fix: remove the exposeViaService\(\) call/);
    expect(lines.join('\n')).not.toMatch(/Unable to expose|cannot be determined/);
    expect(lines).toHaveLength(1);
  });

  test('with a port no container declares: the port named', () => {
    const lines = expectRefused(chart => {
      const deployment = new kplus.Deployment(chart, 'own');
      new InferenceServer(deployment, 'server', { server: { image: 'myrepo/worker:1.0', listens: false } });
      deployment.exposeViaService({ ports: [{ port: 8000 }] });
    }, /\[test\/own\/server\] server\.listens: false .*exposeViaService\(\{ ports \}\) .*targets port 8000, which no container of the pod declares/);
    expect(lines).toHaveLength(1);
  });

  test('a port in server.extraPorts can still be exposed', () => {
    const chart = newChart();
    const worker = new AiInferenceDeployment(chart, 'worker', { server: { image: 'myrepo/worker:1.0', listens: false, extraPorts: [{ number: 9090, name: 'metrics' }] } });
    worker.deployment.exposeViaService({ ports: [{ port: 9090 }] });
    expect(manifestOf(synthWithWarnings(chart).manifests, 'Service').spec.ports).toEqual([expect.objectContaining({ port: 9090 })]);
  }, 30_000);
});

describe('4. one line for one mistake', () => {
  test.each([
    ['a string port', { port: '8000' }, '"8000"', /server\.port: "8000" must be a whole number from 1 to 65535/],
    ['a string port with an engine', { port: '8000', engine: InferenceEngine.vllm() }, '"8000"', /server\.port: "8000" must be a whole number from 1 to 65535/],
    ['a port out of range', { port: 70000 }, '70000', /server\.port: 70000 must be a whole number/],
    ['a relative mount path', { volumeMounts: [{ volume: PodVolume.emptyDir('scratch'), path: 'data' }] }, '"data"', /server\.volumeMounts\[0\]\.path: "data" must be an absolute path/],
  ])('%s on the server: one line names it', (_name, server, value, line) => {
    const lines = expectRefused(chart => new AiInferencePod(chart, 'llm', { server: { image, ...server } as any, gpu: { count: 1 } }), line);
    expect(lines.filter(l => l.includes(value))).toEqual([expect.stringMatching(line)]);
  });

  test('relative mount paths of an InitContainer: each under its own prop, once', () => {
    const lines = expectRefused(chart => {
      const pod = new AiInferencePod(chart, 'llm', { server: { image } });
      new InitContainer(pod, 'render', {
        name: 'render', image: 'busybox:1.36.1', command: ['true'],
        podVolumeMounts: [{ volume: PodVolume.emptyDir('scratch'), path: 'data' }], volumeMounts: [{ volume: 'scratch', path: 'out/' }],
      });
    }, /\[test\/llm\/render\] podVolumeMounts\[0\]\.path: "data" must be an absolute path/);
    expect(lines).toEqual([expect.stringMatching(/podVolumeMounts\[0\]\.path: "data"/), expect.stringMatching(/ volumeMounts\[0\]\.path: "out\/"/)]);
  });
});

describe('5. a ProxySidecar with neither tls nor auth', () => {
  test('warns that it adds no protection, naming how to add it or say so', () => {
    const chart = newChart();
    const pod = new AiInferencePod(chart, 'llm', { server: { image } });
    new ProxySidecar(pod, 'proxy', { requestBodyLimit: '8m' });
    const { manifests, warnings } = synthWithWarnings(chart);
    expect(manifests.map(m => m.kind)).toContain('Pod');
    expect(warnings).toBe('[warning] [test/llm/proxy] tls, auth: neither is given, so the proxy on port 8080 forwards plain HTTP without checking who calls: '
      + 'it adds no protection (anyone who reaches the pod reaches the server through it). '
      + "Fix: add tls: ProxyTls.fromSecret('llm-tls') and/or auth: ProxyAuth.bearerTokens('llm-api-tokens'); "
      + 'on a trusted network give auth: ProxyAuth.none() to say so (this warning then goes)\n');
  }, 30_000);

  test('auth: null and tls: null (a JavaScript caller) are "not given": the same warning', () => {
    const chart = newChart();
    const pod = new AiInferencePod(chart, 'llm', { server: { image } });
    new ProxySidecar(pod, 'proxy', { auth: null as any, tls: null as any });
    expect(synthWithWarnings(chart).warnings).toMatch(/\[test\/llm\/proxy\] tls, auth: neither is given/);
  }, 30_000);

  test.each([
    ['tls', { tls: ProxyTls.fromSecret('tls') }],
    ['auth', { auth: ProxyAuth.bearerTokens('tokens') }],
    ['auth: ProxyAuth.none(), said on purpose', { auth: ProxyAuth.none() }],
  ])('with %s: no warning', (_name, props) => {
    const chart = newChart();
    const pod = new AiInferencePod(chart, 'llm', { server: { image } });
    new ProxySidecar(pod, 'proxy', props);
    expect(synthWithWarnings(chart).warnings).toBe('');
  }, 30_000);
});
