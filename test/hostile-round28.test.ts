/**
 * Hostile round 28: what landed in rounds 26 and new-user 22 under hostile input — the
 * sharedClaimAttach warning for a Job whose completions cap its parallelism (a false positive)
 * and for a CronJob's Job (a false negative), a Duration error whose example for a huge number
 * was a fix that fails again, and an HTTP/2 mark on the proxy's Service port in capitals.
 */
import { ApiObject, Chart, Cron, Duration, JsonPatch } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import {
  AiInferenceDeployment, CacheAccessMode, HealthCheck, InferenceServiceOptions,
  InferenceServer, ModelCache, ModelPrepInit, ModelSource, ProxyAuth, ProxySidecar,
} from '../src';
import { chartWarnings } from './helpers/pod-parts';
import { expectRefused, run } from './helpers/refusal';

const SERVER = { image: 'vllm/vllm-openai:v0.6.3', health: HealthCheck.none() };
const SOURCE = ModelSource.s3('s3://models/llama/');
const cache = (accessMode?: CacheAccessMode) => ModelCache.newPersistentVolumeClaim({ size: '100Gi', accessMode, claimName: 'llm-cache' });

const warningsOf = chartWarnings;

describe('sharedClaimAttach and Jobs', () => {
  // The Job controller starts at most min(parallelism, completions still needed) pods at once
  // (kubernetes.io/docs/concepts/workloads/controllers/job: "the actual number of pods running in
  // parallel will not exceed the number of remaining completions").
  const job = (spec: { parallelism?: number; completions?: number }, accessMode?: CacheAccessMode) => (c: Chart) => {
    const j = new kplus.Job(c, 'j', { metadata: { name: 'j' } });
    for (const [key, value] of Object.entries(spec)) {
      ApiObject.of(j).addJsonPatch(JsonPatch.add(`/spec/${key}`, value));
    }
    new InferenceServer(j, 'server', { server: SERVER });
    new ModelPrepInit(j, 'model-downloader', { source: SOURCE, cache: cache(accessMode) });
  };

  test('parallelism 3 with completions 1: one pod at a time, no warning', () => {
    expect(warningsOf(job({ parallelism: 3, completions: 1 }))).not.toContain('Multi-Attach');
  });
  test('parallelism 4 with completions 2: two pods at once, warned with that count, once', () => {
    const w = warningsOf(job({ parallelism: 4, completions: 2 }));
    expect(w).toContain('the claim "llm-cache" of test/j/model-downloader is ReadWriteOnce: one node at a time attaches it, and the Job runs 2 pods in parallel');
    expect(w.match(/Multi-Attach/g)).toHaveLength(1);
  });
  test('parallelism 3 without completions: still warned', () => {
    expect(warningsOf(job({ parallelism: 3 }))).toContain('the Job runs 3 pods in parallel');
  });

  const cronJob = (parallelism: number | undefined, accessMode?: CacheAccessMode) => (c: Chart) => {
    const j = new kplus.CronJob(c, 'nightly', { metadata: { name: 'nightly' }, schedule: Cron.daily() });
    if (parallelism !== undefined) {
      ApiObject.of(j).addJsonPatch(JsonPatch.add('/spec/jobTemplate/spec/parallelism', parallelism));
    }
    new InferenceServer(j, 'server', { server: SERVER });
    new ModelPrepInit(j, 'model-downloader', { source: SOURCE, cache: cache(accessMode) });
  };
  test('a CronJob whose Job runs 3 pods in parallel on a new ReadWriteOnce claim: warned, the fix naming the CronJob\'s field', () => {
    const w = warningsOf(cronJob(3));
    expect(w).toContain('[warning] [test/nightly/server] spec.jobTemplate.spec.template.spec.volumes[1].persistentVolumeClaim.claimName: '
      + 'the claim "llm-cache" of test/nightly/model-downloader is ReadWriteOnce: one node at a time attaches it, and the CronJob\'s Job runs 3 pods in parallel');
    expect(w).toContain('or jobTemplate.spec.parallelism: 1');
  });
  test.each<[string, number | undefined, CacheAccessMode | undefined]>([
    ['one pod per run', undefined, undefined],
    ['ReadWriteMany (the fix applied)', 3, CacheAccessMode.READ_WRITE_MANY],
  ])('a CronJob with %s: no warning', (_name, parallelism, accessMode) => {
    expect(warningsOf(cronJob(parallelism, accessMode))).not.toContain('Multi-Attach');
  });
});

describe('a plain number given for a Duration', () => {
  test.each([1e12, 1e300])('%d: the example is not the number itself, whose Duration would overflow the next check', value => {
    const lines = expectRefused(c => {
      new AiInferenceDeployment(c, 'd', { server: SERVER, modelLoadTimeout: value as unknown as Duration });
    }, /modelLoadTimeout: .* \(a number, not a Duration\) is not a whole number of seconds of at least 10\. Fix: use e\.g\. Duration\.seconds\(10\);/);
    expect(lines).toHaveLength(1);
  });
  test('900: still its own example, and that fix synthesizes', () => {
    expectRefused(c => {
      new AiInferenceDeployment(c, 'd', { server: SERVER, modelLoadTimeout: 900 as unknown as Duration });
    }, /Fix: use e\.g\. Duration\.seconds\(900\)/);
    expect(run(c => {
      new AiInferenceDeployment(c, 'd', { server: SERVER, modelLoadTimeout: Duration.seconds(900) });
    }).error).toBeUndefined();
  });
});

describe('an HTTP/2 mark on the ProxySidecar\'s Service port, in capitals', () => {
  // Istio parses the protocol of appProtocol case-insensitively (protocol.Parse lowercases it).
  const deployment = (appProtocol: string) => (c: Chart) => {
    const d = new AiInferenceDeployment(c, 'd', { server: { image: 'registry.example.com/grpc-model:1' }, serviceOptions: { appProtocol } });
    new ProxySidecar(d, 'proxy', { auth: ProxyAuth.bearerTokens('tokens') });
  };
  test.each(['GRPC', 'HTTP2', 'Grpc-Web'])('appProtocol %s: refused, once', appProtocol => {
    const lines = expectRefused(deployment(appProtocol), new RegExp(`spec\\.ports\\[0\\]\\.appProtocol: "${appProtocol}" marks port 8080, the ProxySidecar's, as cleartext HTTP\\/2`));
    expect(lines).toHaveLength(1);
  });
  test.each([['serviceOptions.appProtocol', { appProtocol: 'Kubernetes.io/H2C' }], ['serviceOptions.extraPorts[0].appProtocol', { extraPorts: [{ name: 'metrics', port: 9000, appProtocol: 'a b' }] }]] as Array<[string, InferenceServiceOptions]>)(
    'an appProtocol that is not a qualified name (%s): one line, by the prop', (field, serviceOptions) => {
      const lines = expectRefused(c => {
        new AiInferenceDeployment(c, 'd', { server: SERVER, serviceOptions });
      }, new RegExp(`^ {2}\\[test/d\\] ${field.replace(/[.[\]]/g, '\\$&')}: .* is not an application protocol\\. Fix: use a qualified name`));
      expect(lines).toHaveLength(1);
    });
  test('appProtocol HTTP (HTTP/1.1): written', () => {
    expect(run(deployment('HTTP')).error).toBeUndefined();
  });
});
