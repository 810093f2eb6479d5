import { ApiObject, Duration, JsonPatch } from 'cdk8s';
import { AiInferenceDeployment, AiInferencePod, LogSidecar, ModelPrepInit, ModelSource, PodVolume, ProjectedSource, ProxyAuth, ProxySidecar, Sidecar } from '../src';
import { expectRefused } from './helpers/refusal';
import { expectApiValid, manifestOf, newChart, synth } from './helpers/synth';

/*
 * Hostile round 31: the README's promises attacked by a tester who had not read the tests.
 */

const SERVER = { image: 'vllm/vllm-openai:v0.6.3' };

describe('projected volumes as the API server validates them (validateProjectionSources)', () => {
  const patchedVolume = (projected: any) => (chart: any) => {
    const pod = new AiInferencePod(chart, 'p', { server: SERVER });
    ApiObject.of(pod.pod).addJsonPatch(JsonPatch.add('/spec/volumes/-', { name: 'extra', projected }));
  };
  const token = (serviceAccountToken: any) => patchedVolume({ sources: [{ serviceAccountToken }] });

  // before: the volumeFiles rule looked only at the items of a projected volume, so each of these was written
  test.each<[string, (chart: any) => void, RegExp]>([
    ['a token that lives 60 s', token({ path: 't', expirationSeconds: 60 }),
      /projected\.sources\[0\]\.serviceAccountToken\.expirationSeconds: 60 is not from 600 .* to 4294967296 .*Fix: /],
    ['a token that lives 2^33 s', token({ path: 't', expirationSeconds: 2 ** 33 }), /serviceAccountToken\.expirationSeconds: 8589934592 is not from 600/],
    ['an absolute token path', token({ path: '/t' }), /serviceAccountToken\.path: "\/t" must be a non-empty relative path/],
    ['a token path with ..', token({ path: 'a/../../t' }), /serviceAccountToken\.path: "a\/\.\.\/\.\.\/t" must be a non-empty relative path/],
    ['an empty token path', token({ path: '' }), /serviceAccountToken\.path: "" must be a non-empty relative path/],
    ['a source of two kinds', patchedVolume({ sources: [{ secret: { name: 's' }, configMap: { name: 'c' } }] }),
      /projected\.sources\[0\]: sets secret and configMap: the API server refuses a projected source of more than one kind/],
    ['one path from a Secret and a ConfigMap', patchedVolume({
      sources: [{ secret: { name: 's', items: [{ key: 'a', path: 'x' }] } }, { configMap: { name: 'c', items: [{ key: 'b', path: 'x' }] } }],
    }), /sources\[1\]\.configMap\.items\[0\]\.path: "x" is also written by .*sources\[0\]\.secret\.items\[0\]\.path: .*conflicting duplicate paths/],
    ['one path twice in one Secret', patchedVolume({ sources: [{ secret: { name: 's', items: [{ key: 'a', path: 'x' }, { key: 'b', path: 'x' }] } }] }),
      /sources\[0\]\.secret\.items\[1\]\.path: "x" is also written by/],
  ])('%s: refused, nothing written', (_name, build, field) => {
    expectRefused(build, field);
  });

  test('the valid use of each is written: a one-hour token and a 2^32 s one, and distinct paths', () => {
    const chart = newChart();
    patchedVolume({
      sources: [
        { serviceAccountToken: { path: 'token', expirationSeconds: 3600 } },
        { serviceAccountToken: { path: 'long/token', expirationSeconds: 2 ** 32, audience: 'vault' } },
        { secret: { name: 's', items: [{ key: 'a', path: 'x' }] } },
        { configMap: { name: 'c', items: [{ key: 'b', path: 'y' }] } },
      ],
    })(chart);
    const manifests = synth(chart);
    expectApiValid(manifests);
    expect(manifestOf(manifests, 'Pod').spec.volumes.find((v: any) => v.name === 'extra').projected.sources).toHaveLength(4);
  });

  const tokenVolume = (expiration: Duration) => (chart: any) => new AiInferencePod(chart, 'p', {
    server: {
      ...SERVER,
      volumeMounts: [{ volume: PodVolume.projected('tok', { sources: [ProjectedSource.serviceAccountToken({ path: 't', expiration })] }), path: '/t' }],
    },
  });

  test('ProjectedSource.serviceAccountToken refuses an expiration over 2^32 s, once, by the prop', () => {
    // before: Duration.days(100000) was written as expirationSeconds 8640000000, which the API server refuses
    const lines = expectRefused(tokenVolume(Duration.days(100000)),
      /\[test\/p\] volume "tok"\.sources\[0\]\.serviceAccountToken\.expiration: 8640000000 s is more than 4294967296 s .*Fix: /);
    expect(lines.filter(l => /expiration/.test(l))).toHaveLength(1);
  });

  test('an expiration of exactly 2^32 s is written', () => {
    const chart = newChart();
    tokenVolume(Duration.seconds(2 ** 32))(chart);
    const manifests = synth(chart);
    expectApiValid(manifests);
    const pod = manifestOf(manifests, 'Pod');
    expect(pod.spec.volumes.find((v: any) => v.name === 'tok').projected.sources[0].serviceAccountToken.expirationSeconds).toBe(2 ** 32);
  });

  test.each<[string, ProjectedSource[], RegExp]>([
    ['a Secret key and a ConfigMap key of one name', [ProjectedSource.configMap('a', { keys: ['x'] }), ProjectedSource.secret('b', { keys: ['x'] })], /"x"/],
    ['an absolute token path', [ProjectedSource.serviceAccountToken({ path: '/t' })], /"\/t"/],
  ])('%s through the props: one line, not one more from the volumeFiles rule', (_name, sources, value) => {
    const lines = expectRefused(chart => new AiInferencePod(chart, 'p', {
      server: { ...SERVER, volumeMounts: [{ volume: PodVolume.projected('x', { sources }), path: '/x' }] },
    }), value);
    expect(lines.filter(l => value.test(l))).toHaveLength(1);
  });
});

describe('a bad add-on prop is one line naming the add-on and its prop, not the server\'s probes or mounts', () => {
  // before: the bad value was rendered as given, and the rules then reported it again where it landed, under the
  // pod's path and fields the user never wrote (proxy port 0: five lines, three of them the server's probes)
  const onPod = (add: (pod: AiInferencePod) => void) => (chart: any) => add(new AiInferencePod(chart, 'p', { server: SERVER }));
  const onDeployment = (add: (d: AiInferenceDeployment) => void) => (chart: any) => add(new AiInferenceDeployment(chart, 'p', { server: SERVER }));
  test.each<[string, (chart: any) => void, RegExp]>([
    ['ProxySidecar port 0', onPod(p => new ProxySidecar(p, 'a', { auth: ProxyAuth.none(), port: 0 })), /^ {2}\[test\/p\/a\] port: 0 must be a whole number from 1 to 65535/],
    ['ProxySidecar port 65536 on a Deployment', onDeployment(d => new ProxySidecar(d, 'a', { auth: ProxyAuth.none(), port: 65536 })), /\[test\/p\/a\] port: 65536 /],
    ['ProxySidecar port 1.5', onPod(p => new ProxySidecar(p, 'a', { auth: ProxyAuth.none(), port: 1.5 })), /\[test\/p\/a\] port: 1\.5 /],
    ['ProxySidecar upstreamPort 0', onPod(p => new ProxySidecar(p, 'a', { auth: ProxyAuth.none(), upstreamPort: 0 })), /\[test\/p\/a\] upstreamPort: 0 /],
    ['LogSidecar logDir relative', onPod(p => new LogSidecar(p, 'a', { logDir: 'var/log' })), /\[test\/p\/a\] logDir: "var\/log" must be an absolute path/],
    ['LogSidecar logDir /', onPod(p => new LogSidecar(p, 'a', { logDir: '/' })), /\[test\/p\/a\] logDir: "\/" must be an absolute path/],
    ['a Sidecar front door on port 0 that routes the probes', onDeployment(d => new Sidecar(d, 'a', {
      name: 'rbac', image: 'quay.io/brancz/kube-rbac-proxy:v0.18.1', ports: [{ number: 8443 }], frontDoor: { port: 0, routeServerProbes: true },
    })), /\[test\/p\/a\] frontDoor\.port: 0 is not one of the sidecar's ports \(8443\)/],
  ])('%s', (_name, build, line) => {
    const lines = expectRefused(build, line);
    expect(lines).toHaveLength(1);
  });
});

test('a ModelPrepInit name that is not a container name is not reported again as its HOME volume\'s', () => {
  // before: "spec.volumes[0].name: "Model-home" is not a valid volume name", a volume the user never named
  const lines = expectRefused(chart => {
    const pod = new AiInferencePod(chart, 'p', { server: SERVER });
    new ModelPrepInit(pod, 'm', { source: ModelSource.s3('s3://my-models/llama/'), name: 'Model' });
  }, /\[test\/p\/m\] name: "Model" is not a valid container name/);
  expect(lines.filter(l => /volume/.test(l))).toEqual([]);
});
