import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Chart } from 'cdk8s';
import { AiInferenceDeployment, AiInferencePod, LogDestination, LogSidecar, ModelPrepInit, ModelSource, PodVolume, ProxySidecar } from '../src';
import { runApp, writeApp } from './helpers/readme-apps';
import { readmeSection, subsections, tsBlocks } from './helpers/readme-blocks';
import { expectRefused, run } from './helpers/refusal';
import { container, manifestOf, podSpec } from './helpers/synth';

/*
 * A newcomer's first hour (session 17): the README followed top to bottom in a fresh cdk8s app
 * against the packed library, and the mistakes a platform engineer new to it makes first.
 */

const SERVER = { image: 'vllm/vllm-openai:v0.6.3' };

/** What synth printed on stderr (warnings) while `build` ran and synthesized. */
function warningsOf(build: (chart: Chart) => void): { warnings: string[]; result: ReturnType<typeof run> } {
  const writes: string[] = [];
  const spy = jest.spyOn(process.stderr, 'write').mockImplementation((chunk: any) => { writes.push(String(chunk)); return true; });
  try {
    const result = run(build);
    return { warnings: writes.filter(w => w.startsWith('[warning]')), result };
  } finally {
    spy.mockRestore();
  }
}

describe('the recipes a newcomer pastes synthesize without a warning', () => {
  const WORK = fs.mkdtempSync(path.join(os.tmpdir(), 'newcomer17-'));
  afterAll(() => fs.rmSync(WORK, { recursive: true, force: true }));

  // Break: the LeaderWorkerSet recipe printed two warnings whose own Fix ("list it in
  // injectedEnv when the pod spec goes into a LeaderWorkerSet") was exactly the recipe's case.
  test.each(subsections(readmeSection('Recipes')).map(s => [s.title, tsBlocks(s.body)[0]] as const))('%s', async (title, code) => {
    const file = writeApp(path.join(WORK, `${title.replace(/\W+/g, '-')}.ts`), code);
    const writes: string[] = [];
    const spy = jest.spyOn(process.stderr, 'write').mockImplementation((chunk: any) => { writes.push(String(chunk)); return true; });
    try {
      await runApp(file, path.join(WORK, `${path.basename(file, '.ts')}-dist`));
    } finally {
      spy.mockRestore();
    }
    expect(writes.filter(w => w.startsWith('[warning]'))).toEqual([]);
  });
});

describe('the LogSidecar block of the README: two alternatives, not two sidecars of one pod', () => {
  const block = tsBlocks(readmeSection('Sidecars')).find(b => b.includes("'log-shipper'")) as string;

  test('the block says the second is instead of the first', () => {
    expect(block).toMatch(/\/\/ or, instead of the one above/);
  });

  test('each alternative synthesizes alone; both on one pod are refused by name, with the prop that renames them', () => {
    const forwarder = (chart: Chart) => new LogSidecar(new AiInferencePod(chart, 'pod', { server: SERVER }), 'log-forwarder', { logDir: '/var/log/app' });
    const shipper = (pod: AiInferencePod) => new LogSidecar(pod, 'log-shipper', { shipTo: LogDestination.loki({ host: 'loki.monitoring.svc', port: 3100, tls: false }) });
    expect(run(forwarder).manifests).toBeDefined();
    expect(run(chart => shipper(new AiInferencePod(chart, 'pod', { server: SERVER }))).manifests).toBeDefined();
    expectRefused(chart => {
      const pod = new AiInferencePod(chart, 'pod', { server: SERVER });
      new LogSidecar(pod, 'log-forwarder', { logDir: '/var/log/app' });
      shipper(pod);
    }, /^ {2}\[test\/pod\/log-shipper\] name: container name "log-forwarder" is already used by test\/pod\/log-forwarder\. Fix: give this container its own name$/);
  });
});

describe('the ten first mistakes: each refused by field with the fix, or a judged default', () => {
  const pod = (chart: Chart) => new AiInferencePod(chart, 'p', { metadata: { name: 'p' }, server: SERVER });

  test('a wrong prop name is refused with the right one', () => {
    expectRefused(chart => new AiInferencePod(chart, 'p', { server: SERVER, gpus: { count: 1 } } as any), /gpus: unknown prop .*Fix: did you mean 'gpu'\?/);
  });

  test('a GPU count as a string is refused, not written as "1"', () => {
    expectRefused(chart => new AiInferencePod(chart, 'p', { server: SERVER, gpu: { count: '1' as any } }), /gpu\.count: "1" must be a whole number from 1 to 1024\. Fix:/);
  });

  test('a port as a string is refused', () => {
    expectRefused(chart => new AiInferencePod(chart, 'p', { server: { ...SERVER, port: '8000' as any } }), /server\.port: "8000" must be a whole number/);
  });

  test('an image without a tag is a warning naming the fix', () => {
    const { warnings, result } = warningsOf(chart => new AiInferencePod(chart, 'p', { server: { image: 'vllm/vllm-openai' } }));
    expect(result.manifests).toBeDefined();
    expect(warnings.join('')).toMatch(/"vllm\/vllm-openai" is not pinned \(no tag\).*Fix: pin a version tag or a digest/);
  });

  test('a relative mount path is refused by the prop', () => {
    expectRefused(chart => new AiInferencePod(chart, 'p', { server: { ...SERVER, volumeMounts: [{ volume: PodVolume.emptyDir('data'), path: 'data' }] } }),
      /server\.volumeMounts\[0\]\.path: "data" must be an absolute path/);
  });

  // Break: a relative logDir was answered "Fix: use e.g. '/models'", a model path for a log directory.
  test('a relative logDir is answered with a log directory as the example', () => {
    const lines = expectRefused(chart => new LogSidecar(pod(chart), 'logs', { logDir: 'logs' }), /logDir: "logs" must be an absolute path/);
    expect(lines.find(l => /logDir: "logs"/.test(l))).toMatch(/Fix: use e\.g\. '\/var\/log\/app'$/);
  });

  test('ModelSource.s3 without s3:// is refused with an example', () => {
    expectRefused(chart => new ModelPrepInit(pod(chart), 'm', { source: ModelSource.s3('my-models/claude.bin') }),
      /uri: "my-models\/claude\.bin" is not a s3:\/\/bucket\/key URI\. Fix: write e\.g\. 's3:\/\/my-models\/llama-3-8b\/'/);
  });

  // Break: 's3://b/m.bin' and 's3://My-Models/m.bin' were answered "is not a s3://bucket/key URI",
  // which they are: the bucket name is what S3 refuses, and the message did not say so.
  test.each([
    ['s3', 's3://b/m.bin', '"b"'],
    ['s3', 's3://My-Models/llama/', '"My-Models"'],
    ['gs', 'gs://x/model.gguf', '"x"'],
  ] as const)('%s bucket name: %j is refused for its bucket', (scheme, uri, bucket) => {
    const source = scheme === 's3' ? ModelSource.s3(uri) : ModelSource.gcs(uri);
    const lines = expectRefused(chart => new ModelPrepInit(pod(chart), 'm', { source }), /uri: /);
    expect(lines.find(l => l.includes('uri: '))).toContain(`the bucket ${bucket} is not a valid bucket name (3 to 63 characters`);
  });

  // Break: the message named the other pod as "test/p1/Resource/Resource", a path through
  // cdk8s-plus internals the user never created.
  test('two pods with one name: the message names the construct the user made', () => {
    expectRefused(chart => {
      new AiInferencePod(chart, 'p1', { metadata: { name: 'llm' }, server: SERVER });
      new AiInferencePod(chart, 'p2', { metadata: { name: 'llm' }, server: SERVER });
    }, /^ {2}\[test\/p2\] metadata\.name: Pod "llm" in the default namespace is also the name of test\/p1: kubectl apply/);
  });

  test('a ProxySidecar without TLS (as the types allow) is a plain HTTP proxy on 8080, probes through it', () => {
    const manifests = run(chart => new ProxySidecar(pod(chart), 'proxy')).manifests as any[];
    const spec = podSpec(manifestOf(manifests, 'Pod'));
    expect(spec.initContainers[0].ports).toEqual([{ containerPort: 8080, name: 'http-proxy' }]);
    expect(container(manifestOf(manifests, 'Pod'), 'server').readinessProbe.httpGet).toEqual({ path: '/health', port: 8080 });
  });

  test('a Deployment with replicas 0 is written as asked (scaled to zero is valid)', () => {
    const manifests = run(chart => new AiInferenceDeployment(chart, 'd', { replicas: 0, server: SERVER })).manifests as any[];
    expect(manifestOf(manifests, 'Deployment').spec.replicas).toBe(0);
  });
});

describe('the quick start writes what the sentence under it says', () => {
  const WORK = fs.mkdtempSync(path.join(os.tmpdir(), 'newcomer17-qs-'));
  afterAll(() => fs.rmSync(WORK, { recursive: true, force: true }));

  // Break: the sentence named only the Pod; the ConfigMap and the NetworkPolicy that closes every
  // port but 8443 came unannounced.
  test('a Pod, the proxy ConfigMap and a NetworkPolicy admitting 8443; the server probed through the proxy', async () => {
    const section = readmeSection('Quick start');
    expect(section).toMatch(/the proxy's nginx ConfigMap and a NetworkPolicy that admits traffic\s+only on the proxy's port 8443/);
    const file = writeApp(path.join(WORK, 'main.ts'), tsBlocks(section)[0]);
    const manifests = await runApp(file, path.join(WORK, 'dist'));
    expect(manifests.map(m => m.kind).sort()).toEqual(['ConfigMap', 'NetworkPolicy', 'Pod']);
    expect(manifestOf(manifests, 'NetworkPolicy').spec.ingress).toEqual([{ ports: [{ port: 8443, protocol: 'TCP' }] }]);
    expect(container(manifestOf(manifests, 'Pod'), 'fastapi-container').readinessProbe.httpGet).toEqual({ path: '/health', port: 8443, scheme: 'HTTPS' });
  });
});
