import { Duration } from 'cdk8s';
import * as fc from 'fast-check';
import { AiInferencePod, HealthCheck, LogSidecar, ModelCache, ModelPrepInit, ModelSource, PodRestartPolicy, PodSecurityLevel, ProxyAuth, ProxySidecar, ProxyTls } from '../src';
import { pssRestrictedViolations } from './helpers/pss';
import { newChart, podSpec, synth } from './helpers/synth';

const dnsLabel = fc.stringMatching(/^[a-z]([a-z0-9-]{0,20}[a-z0-9])?$/);
const envName = fc.stringMatching(/^[A-Z_][A-Z0-9_]{0,15}$/);
const HEALTH = [HealthCheck.vllm(), HealthCheck.nim(), HealthCheck.triton(), HealthCheck.tcp(), HealthCheck.command(['cat', '/tmp/ready']), HealthCheck.none()];
const SOURCES = [
  ModelSource.s3('s3://models/llama/', { region: 'us-east-1' }),
  ModelSource.s3('s3://models/model.bin', { endpoint: 'http://minio:9000', sha256: 'a'.repeat(64) }),
  ModelSource.gcs('gs://models/gemma/'),
  ModelSource.http('https://cdn.example.com/model.gguf'),
  ModelSource.huggingFace('org/model', { revision: 'main' }),
];

const validProps = fc.record({
  name: dnsLabel,
  labels: fc.dictionary(dnsLabel, dnsLabel, { maxKeys: 3 }),
  tag: fc.stringMatching(/^v?[0-9]{1,2}\.[0-9]{1,2}(\.[0-9]{1,2})?$/),
  port: fc.integer({ min: 1024, max: 7999 }),
  env: fc.dictionary(envName, fc.string({ maxLength: 20 }), { maxKeys: 4 }),
  cpuRequest: fc.integer({ min: 100, max: 4000 }),
  cpuExtra: fc.integer({ min: 0, max: 4000 }),
  memoryMi: fc.integer({ min: 2048, max: 65536 }),
  gpus: fc.integer({ min: 0, max: 8 }),
  health: fc.integer({ min: 0, max: HEALTH.length - 1 }),
  loadMinutes: fc.integer({ min: 1, max: 60 }),
  worker: fc.boolean(),
  model: fc.option(fc.record({ source: fc.integer({ min: 0, max: SOURCES.length - 1 }), pvc: fc.boolean() }), { nil: undefined }),
  logs: fc.boolean(),
  proxy: fc.option(fc.record({ tls: fc.boolean(), bearer: fc.boolean() }), { nil: undefined }),
});

test('random valid props always synthesize to schema-valid, PSS-restricted manifests', () => {
  fc.assert(fc.property(validProps, (p) => {
    const chart = newChart();
    const pod = new AiInferencePod(chart, 'llm', {
      metadata: { name: p.name, labels: p.labels },
      restartPolicy: p.worker ? PodRestartPolicy.NEVER : PodRestartPolicy.ALWAYS,
      modelLoadTimeout: Duration.minutes(p.loadMinutes),
      gpu: p.gpus > 0 ? { count: p.gpus } : undefined,
      server: {
        image: `registry.example.com/server:${p.tag}`,
        port: p.port,
        env: p.env,
        health: HEALTH[p.health],
        resources: {
          cpu: { request: `${p.cpuRequest}m`, limit: `${p.cpuRequest + p.cpuExtra}m` },
          memory: { request: `${p.memoryMi}Mi`, limit: `${p.memoryMi}Mi` },
        },
      },
    });
    if (p.model) {
      new ModelPrepInit(pod, 'model', {
        source: SOURCES[p.model.source],
        cache: p.model.pvc ? ModelCache.newPersistentVolumeClaim({ size: '100Gi' }) : ModelCache.emptyDir({ sizeLimit: '50Gi' }),
      });
    }
    if (p.logs) new LogSidecar(pod, 'logs');
    if (p.proxy) {
      new ProxySidecar(pod, 'proxy', {
        tls: p.proxy.tls ? ProxyTls.fromSecret('tls') : undefined,
        auth: p.proxy.bearer ? ProxyAuth.bearerTokens('tokens') : ProxyAuth.none(),
      });
    }
    const manifests = synth(chart); // validates every manifest against the official schema
    const manifest = manifests.find(m => m.kind === 'Pod');
    expect(pssRestrictedViolations(manifest)).toEqual([]);
    expect(manifest.metadata.name).toBe(p.name);
    expect(podSpec(manifest).containers[0].resources.requests.cpu).toBe(`${p.cpuRequest}m`);
  }), { numRuns: 60 });
});

test('the PSS checker itself catches violations (the pod declares the relaxation, so synth accepts it)', () => {
  const chart = newChart();
  const pod = new AiInferencePod(chart, 'llm', {
    server: { image: 'x/y:1', security: { allowPrivilegeEscalation: true } },
    security: { level: PodSecurityLevel.BASELINE },
  });
  const manifest = synth(chart).find(m => m.kind === 'Pod');
  expect(pssRestrictedViolations(manifest)).toEqual(['container server does not set allowPrivilegeEscalation: false']);
  pod.pod.addContainer({ name: 'root', image: 'x/root:1', securityContext: { ensureNonRoot: false, user: 0 }, resources: {} });
  const second = synth(chart).find(m => m.kind === 'Pod');
  expect(pssRestrictedViolations(second)).toEqual(expect.arrayContaining([
    'container root does not drop ALL capabilities',
    'container root may run as root (runAsNonRoot)',
    'container root runAsUser is 0',
  ]));
});

test('a relaxation beyond the declared level fails synth, naming the setting and both ways out', () => {
  const chart = newChart();
  new AiInferencePod(chart, 'llm', { server: { image: 'x/y:1', security: { allowPrivilegeEscalation: true } } });
  expect(() => synth(chart)).toThrow('spec: container server does not set allowPrivilegeEscalation: false, which Pod Security Standard "restricted" forbids. '
    + 'Fix: harden it back (the library\'s defaults pass "restricted"), or declare the relaxation: security: { level: PodSecurityLevel.BASELINE }');
});

test('every property test runs on the fixed seed unless PROPERTY_SEED names another (CI replays the same cases)', () => {
  expect(fc.readConfigureGlobal().seed).toBe(process.env.PROPERTY_SEED === undefined ? 20261126 : Number(process.env.PROPERTY_SEED));
});
