import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Chart } from 'cdk8s';
import { AiInferencePod, EnvFromSource, HealthCheck, PodField, PodVolume, Probe, ProxyAuth, ProxySidecar, ProxyTls } from '../src';
import { runApp, typeErrors, writeApp } from './helpers/readme-apps';
import { readmeSection, tsBlocks } from './helpers/readme-blocks';
import { expectRefused, run } from './helpers/refusal';
import { container, manifestOf } from './helpers/synth';

/*
 * A newcomer's first hour (session 18): today's APIs (probe headers, downwardAPI and projected
 * volumes, subPathExpr, progressDeadline, preStopHttpGet, keepVolumeOwnership, ProxyAuth.none())
 * taken from the README alone, and the mistakes made with them first.
 */

const SERVER = { image: 'vllm/vllm-openai:v0.6.3' };
const pod = (chart: Chart, server: object = {}) => new AiInferencePod(chart, 'p', { server: { ...SERVER, ...server } });

describe('HealthCheck.http: a bad option is one line, under the option given, not one per probe', () => {
  // Break: HealthCheck.http('/health', { httpHeaders: [{ name: 'Host:', ... }] }) was refused three
  // times, as server.health.startup.httpHeaders[0].name, readiness... and liveness...
  test.each([
    ['a header name with a colon', HealthCheck.http('/health', { httpHeaders: [{ name: 'Host:', value: 'llm.example.com' }] }),
      /^ {2}\[test\/p\] server\.health\.httpHeaders\[0\]\.name: "Host:" is not an HTTP header name/],
    ['a header value of two lines', HealthCheck.http('/health', { httpHeaders: [{ name: 'X-A', value: 'a\nb' }] }),
      /^ {2}\[test\/p\] server\.health\.httpHeaders\[0\]\.value: "a\\nb" is not a header value/],
    ['a relative path', HealthCheck.http('health'), /^ {2}\[test\/p\] server\.health\.path: "health" is not a URL path/],
    ['a port name that is not one', HealthCheck.http('/health', { portName: 'BAD_' }), /^ {2}\[test\/p\] server\.health\.portName: "BAD_" is not a port name/],
  ])('%s', (_title, health, line) => {
    const lines = expectRefused(chart => pod(chart, { health }), line);
    expect(lines).toHaveLength(1);
  });

  test('a bad livenessPath is named as such; a bad path then is the startup and readiness path, once', () => {
    const lines = expectRefused(chart => pod(chart, { health: HealthCheck.http('x', { livenessPath: 'live' }) }), /server\.health\.livenessPath: "live"/);
    expect(lines).toEqual([
      expect.stringMatching(/^ {2}\[test\/p\] server\.health\.path: "x" is not a URL path/),
      expect.stringMatching(/^ {2}\[test\/p\] server\.health\.livenessPath: "live" is not a URL path/),
    ]);
  });

  test('headers as a map (a JavaScript caller, as other tools write them) are answered with the list to write', () => {
    const lines = expectRefused(chart => pod(chart, { health: HealthCheck.http('/health', { httpHeaders: { 'K-Network-Probe': 'queue' } as any }) }),
      /server\.health\.httpHeaders: \{"K-Network-Probe":"queue"\} is not a list\. Fix: give an array, e\.g\. \[\{ name: 'K-Network-Probe', value: 'queue' \}\]/);
    expect(lines).toHaveLength(1);
  });

  test('HealthCheck.custom keeps each probe its own path: a role is named', () => {
    expectRefused(chart => pod(chart, { health: HealthCheck.custom({ readiness: Probe.httpGet('x') }) }), /server\.health\.readiness\.path: "x"/);
  });
});

describe('subPathExpr written as a shell would', () => {
  const logs = (subPathExpr: string, extra: object = {}) => (chart: Chart) => pod(chart, {
    fieldEnv: { POD_NAME: PodField.POD_NAME }, ...extra,
    volumeMounts: [{ volume: PodVolume.emptyDir('logs'), path: '/var/log/app', subPathExpr }],
  });

  // Break: `${POD_NAME}` and `$POD_NAME` were written without a word; the kubelet expands only
  // $(POD_NAME), so every pod wrote into one directory named "${POD_NAME}".
  test.each([['logs/${POD_NAME}', '${POD_NAME}'], ['logs/$POD_NAME', '$POD_NAME'], ['$$$POD_NAME', '$$$POD_NAME']])('%j is refused with the $(VAR) to write', (expr, shown) => {
    const lines = expectRefused(logs(expr), /subPathExpr: /);
    expect(lines).toEqual([expect.stringContaining(`subPathExpr: ${JSON.stringify(expr)} writes ${shown} as a shell would: the kubelet expands only $(POD_NAME)`)]);
    expect(lines[0]).toMatch(/Fix: write \$\(POD_NAME\), with POD_NAME in the container's env \(or \$\$ for a literal \$\)$/);
  });

  test('also in a container with envFrom (whose variables synth does not know)', () => {
    expectRefused(logs('logs/${POD_NAME}', { envFrom: [EnvFromSource.configMap('settings')] }), /writes \$\{POD_NAME\} as a shell would.*Fix: write \$\(POD_NAME\) \(or/);
  });

  test.each(['logs/$(POD_NAME)', 'logs/$$POD_NAME', 'cost-$$5/$(POD_NAME)', 'logs/$$(POD_NAME)'])('%j is written', expr => {
    const manifests = run(logs(expr)).manifests as any[];
    expect(container(manifestOf(manifests, 'Pod'), 'server').volumeMounts).toContainEqual(expect.objectContaining({ subPathExpr: expr }));
  });
});

describe('ProxySidecar auth and tls that are not the factories\' values (JavaScript callers)', () => {
  // Break: `auth: ProxyAuth.none` (not called) or `auth: 'none'` made a proxy without auth and
  // silenced the "protects nothing" warning; `tls: 'llm-tls'` was named as a missing tls.secretName.
  test.each([
    ['ProxyAuth.none, not called', { auth: ProxyAuth.none }, /^ {2}\[test\/p\/auth-proxy\] auth: the function none \(not called\) is not a ProxyAuth\. Fix: use ProxyAuth\.bearerTokens\('llm-api-tokens'\), basicAuth\('users'\) or none\(\), called$/],
    ['a string', { auth: 'bearer' }, /auth: "bearer" is not a ProxyAuth\. Fix:/],
    ['a look-alike object', { auth: { kind: 'oauth' } }, /auth: \{"kind":"oauth"\} is not a ProxyAuth/],
    ['tls as the Secret name', { tls: 'llm-tls' }, /^ {2}\[test\/p\/auth-proxy\] tls: "llm-tls" is not a ProxyTls\. Fix: use ProxyTls\.fromSecret\('llm-tls'\)/],
    ['tls as the factory, not called', { tls: ProxyTls.fromSecret }, /tls: the function fromSecret \(not called\) is not a ProxyTls/],
  ])('%s', (_title, props, line) => {
    const lines = expectRefused(chart => new ProxySidecar(pod(chart), 'auth-proxy', props as any), line);
    expect(lines).toHaveLength(1);
  });

  test('null (a JavaScript caller) is still "not given"', () => {
    expect(run(chart => new ProxySidecar(pod(chart), 'auth-proxy', { auth: null as any, tls: null as any })).manifests).toBeDefined();
  });

  test('ProxyAuth.none() is still the quiet, open proxy the README describes', () => {
    const writes: string[] = [];
    const spy = jest.spyOn(process.stderr, 'write').mockImplementation((chunk: any) => { writes.push(String(chunk)); return true; });
    try {
      expect(run(chart => new ProxySidecar(pod(chart), 'auth-proxy', { auth: ProxyAuth.none() })).manifests).toBeDefined();
    } finally {
      spy.mockRestore();
    }
    expect(writes.filter(w => w.startsWith('[warning]'))).toEqual([]);
  });
});

describe('README blocks a newcomer completes', () => {
  const WORK = fs.mkdtempSync(path.join(os.tmpdir(), 'newcomer18-'));
  afterAll(() => fs.rmSync(WORK, { recursive: true, force: true }));
  const PRELUDE = "import { App, Chart } from 'cdk8s';\n"
    + "import { AiInferencePod, ModelPrepInit, ModelSource, PodField, PodVolume, Sidecar, HealthCheck } from 'cdk8s-ai-inference';\n"
    + "const app = new App();\nconst chart = new Chart(app, 'c');\n"
    + "const pod = new AiInferencePod(chart, 'pod', { server: { image: 'vllm/vllm-openai:v0.6.3' } });\n"
    + "new ModelPrepInit(pod, 'model-downloader', { source: ModelSource.s3('s3://my-models/llama-3-8b/') });\n"
    + 'void [PodField, PodVolume, Sidecar, HealthCheck];\n';

  // Break: the block began `podVolumeMounts: [...]` in the AiInferencePod section, a prop the
  // server does not have (server.podVolumeMounts: unknown prop).
  test('the downwardAPI block is a whole statement that says where podVolumeMounts belongs, and synthesizes', async () => {
    const block = tsBlocks(readmeSection('AiInferencePod')).find(b => b.includes('PodVolume.downwardApi')) as string;
    expect(block).toMatch(/^new Sidecar\(pod, /);
    expect(readmeSection('AiInferencePod')).toMatch(/mounts a `PodVolume` with `podVolumeMounts`; the server\s+with the same entry in `server\.volumeMounts`/);
    const file = writeApp(path.join(WORK, 'downward.ts'), `${PRELUDE}${block}\napp.synth();\n`);
    expect(typeErrors([file])).toEqual([]);
    const manifests = await runApp(file, path.join(WORK, 'downward-dist'));
    expect(manifestOf(manifests, 'Pod').spec.volumes).toContainEqual({
      name: 'seldon-podinfo', downwardAPI: { defaultMode: 0o644, items: [{ path: 'annotations', fieldRef: { fieldPath: 'metadata.annotations' } }] },
    });
  });

  // Break: `volume: 'model-storage'` was not said to be the ModelPrepInit's volume.
  test('the Sidecar block says whose volume model-storage is, and synthesizes next to a ModelPrepInit', async () => {
    const block = tsBlocks(readmeSection('Sidecars')).find(b => b.includes("'model-storage'")) as string;
    expect(block).toMatch(/'model-storage' is the ModelPrepInit's volume/);
    const file = writeApp(path.join(WORK, 'sidecars.ts'), `${PRELUDE}${block}\napp.synth();\n`);
    expect(typeErrors([file])).toEqual([]);
    const manifests = await runApp(file, path.join(WORK, 'sidecars-dist'));
    expect(container(manifestOf(manifests, 'Pod'), 'adapter').volumeMounts).toContainEqual(expect.objectContaining({ name: 'model-storage', mountPath: '/models' }));
  });
});

test('the subPathExpr sentence names the shell form as refused', () => {
  expect(readmeSection('AiInferencePod')).toMatch(/a\s+shell's `\$\{POD_NAME\}` or `\$POD_NAME`, which the kubelet writes as is/);
  // and the server's own podVolumeMounts mistake is answered with the prop it has
  expectRefused(chart => pod(chart, { podVolumeMounts: [] }), /server\.podVolumeMounts: unknown prop .*Fix: did you mean 'volumeMounts'\?/);
});
