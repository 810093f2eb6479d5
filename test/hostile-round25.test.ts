/**
 * Hostile round 25: probe headers routed through the ProxySidecar's nginx (the run-time half is
 * test/integration/hostile-round25.test.ts), downwardAPI/projected volumes, subPathExpr,
 * progressDeadline and keepVolumeOwnership.
 */
import { Duration } from 'cdk8s';
import { AiInferenceDeployment, AiInferencePod, HealthCheck, HttpHeader, PodField, PodVolume, Probe, ProjectedSource, ProxyAuth, ProxySidecar, ProxyTls } from '../src';
import { synthWithWarnings } from './helpers/pod-parts';
import { expectRefused } from './helpers/refusal';
import { newChart } from './helpers/synth';

const IMAGE = 'vllm/vllm-openai:v0.6.3';

function proxied(chart: any, headers: HttpHeader[], tls = false): void {
  const pod = new AiInferencePod(chart, 'llm', {
    server: { image: IMAGE, health: HealthCheck.custom({ readiness: Probe.httpGet('/ready', { httpHeaders: headers, period: Duration.seconds(1) }) }) },
  });
  new ProxySidecar(pod, 'proxy', { ...(tls ? { tls: ProxyTls.fromSecret('tls') } : {}), auth: ProxyAuth.bearerTokens('tokens') });
}

describe('probe headers the proxy does not pass on as written', () => {
  test.each([
    ['X-Real-IP (replaced)', [{ name: 'X-Real-IP', value: '10.0.0.1' }], false, /readiness\.httpHeaders\[0\].*replaces "X-Real-IP".*"10\.0\.0\.1"/],
    ['X-Forwarded-For (appended to)', [{ name: 'x-forwarded-for', value: '10.0.0.1' }], false, /appends the caller's address to "x-forwarded-for"/],
    ['X-Forwarded-Proto https behind plain HTTP', [{ name: 'X-Forwarded-Proto', value: 'https' }], false, /sets "X-Forwarded-Proto" to .* "http"/],
    ['Connection', [{ name: 'Connection', value: 'close' }], true, /hop-by-hop header "Connection"/],
    ['Upgrade, second header', [{ name: 'K-Network-Probe', value: 'queue' }, { name: 'Upgrade', value: 'h2c' }], true, /httpHeaders\[1\].*"Upgrade"/],
  ] as Array<[string, HttpHeader[], boolean, RegExp]>)('%s: a warning', (_name, headers, tls, warning) => {
    const chart = newChart();
    proxied(chart, headers, tls);
    const { warnings } = synthWithWarnings(chart);
    expect(warnings).toMatch(warning);
  });

  test.each([
    ['K-Network-Probe', [{ name: 'K-Network-Probe', value: 'queue' }], false],
    ['Host with a port', [{ name: 'Host', value: 'models.internal:8080' }], false],
    ['Authorization', [{ name: 'Authorization', value: 'Bearer x' }], true],
    ['X-Forwarded-Proto https behind TLS', [{ name: 'X-Forwarded-Proto', value: 'HTTPS' }], true],
    ['X-Forwarded-Host', [{ name: 'X-Forwarded-Host', value: 'a.example' }], true],
    ['an 8180-character value (nginx reads it)', [{ name: 'X-Long', value: 'v'.repeat(8180) }], true],
  ] as Array<[string, HttpHeader[], boolean]>)('%s: no warning', (_name, headers, tls) => {
    const chart = newChart();
    proxied(chart, headers, tls);
    expect(synthWithWarnings(chart).warnings).not.toMatch(/httpHeaders/);
  });

  test('the same headers on a server without a proxy: no warning', () => {
    const chart = newChart();
    new AiInferencePod(chart, 'llm', {
      server: { image: IMAGE, health: HealthCheck.http('/health', { httpHeaders: [{ name: 'X-Real-IP', value: '1.2.3.4' }, { name: 'X-Long', value: 'v'.repeat(9000) }] }) },
    });
    expect(synthWithWarnings(chart).warnings).not.toMatch(/httpHeaders/);
  });

  test('a header line nginx answers with 400 (8183 characters of value) is refused when routed through the proxy', () => {
    const lines = expectRefused(chart => proxied(chart, [{ name: 'X-Long', value: 'v'.repeat(8183) }]), /server\.health\.readiness\.httpHeaders\[0\]: .*8191 characters.*400.*Fix: .*routeServerProbes: false/);
    expect(lines.filter(l => /httpHeaders/.test(l))).toHaveLength(1);
  });
});

describe('projected volumes: a path written by two sources', () => {
  const token = (path: string) => ProjectedSource.serviceAccountToken({ path, audience: 'vault' });
  const pod = (sources: ProjectedSource[]) => (chart: any) => new AiInferencePod(chart, 'llm', {
    server: { image: IMAGE, volumeMounts: [{ volume: PodVolume.projected('x', { sources }), path: '/x' }] },
  });
  test.each([
    ['two tokens', [token('t'), token('t')], /volume "x"\.sources\[1\]\.serviceAccountToken\.path: "t" is also written by sources\[0\].*the kubelet writes one file per path.*Fix:/],
    ['a token and a downwardAPI item', [token('t'), ProjectedSource.downwardApi([{ path: 't', field: PodField.LABELS }])],
      /sources\[1\]\.downwardAPI\.items\[0\]\.path: "t" is also written by sources\[0\]/],
    ['a ConfigMap key and a Secret key', [ProjectedSource.configMap('a', { keys: ['x'] }), ProjectedSource.secret('b', { keys: ['x'] })],
      /sources\[1\]\.secret\.keys\[0\]: "x" is also written by sources\[0\]/],
  ] as Array<[string, ProjectedSource[], RegExp]>)('%s: refused (the API server refuses two items with one path; the kubelet would write one file for a token\'s)', (_name, sources, field) => {
    expectRefused(pod(sources), field);
  });

  test('distinct paths, and keys left out (all of a ConfigMap\'s keys), are written', () => {
    const chart = newChart();
    pod([token('token'), ProjectedSource.downwardApi([{ path: 'labels', field: PodField.LABELS }]), ProjectedSource.configMap('a'), ProjectedSource.secret('b', { keys: ['ca.crt'] })])(chart);
    synthWithWarnings(chart);
  });

  test('a NaN mode is named NaN, not null', () => {
    expectRefused(chart => new AiInferencePod(chart, 'llm', {
      server: { image: IMAGE, volumeMounts: [{ volume: PodVolume.downwardApi('d', { items: [{ path: 'a', field: PodField.LABELS }], defaultMode: NaN }), path: '/d' }] },
    }), /volume "d"\.defaultMode: NaN is not a file mode/);
  });
});

test('progressDeadline over int32 is refused by the prop, once', () => {
  const lines = expectRefused(chart => new AiInferenceDeployment(chart, 'llm', { progressDeadline: Duration.seconds(2 ** 31), server: { image: IMAGE } }),
    /\] progressDeadline: 2147483648 s is more than .* 2147483647\. Fix: /);
  expect(lines.filter(l => /progressDeadline/.test(l))).toHaveLength(1);
});
