import { ApiObject, Chart, Cron, Duration, JsonPatch, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { AiInferenceDeployment, AiInferencePod, CacheAccessMode, HealthCheck, InferenceServer, LogDestination, LogSidecar, ModelCache, ModelPrepInit, ModelSource, ProxyAuth, ProxySidecar, ProxyTls } from '../src';
import { expectRefused, run } from './helpers/refusal';
import { expectApiValid } from './helpers/synth';

/*
 * Round 7 of hostile inputs: size limits, generated names that grow with the user's names,
 * several workloads in one chart, the user's own workloads, synth twice, odd props objects.
 * Each case here broke once.
 */

const SERVER = { image: 'vllm/vllm-openai:v0.6.3' };
const podOf = (manifests: any[]) => manifests.find(m => m.kind === 'Pod');

describe('volume names derived from a long container name stay valid and distinct (cdk8s-plus cut them at 63 without a word)', () => {
  const cases: Array<[string, (chart: Chart) => void]> = [
    ['a proxy named with 62 characters (its -tmp, -tls, -auth volumes all became "<name>-")', c => {
      new ProxySidecar(new AiInferencePod(c, 'p', { server: SERVER }), 'x', { name: 'x'.repeat(62), tls: ProxyTls.fromSecret('t'), auth: ProxyAuth.bearerTokens('tok') });
    }],
    ['a proxy named with 63 characters (two volumes of the same name)', c => {
      new ProxySidecar(new AiInferencePod(c, 'p', { server: SERVER }), 'x', { name: 'x'.repeat(63) });
    }],
    ['a log shipper named with 60 characters', c => {
      new LogSidecar(new AiInferencePod(c, 'p', { server: SERVER }), 'l', { name: 'l'.repeat(60), shipTo: LogDestination.loki({ host: 'loki' }) });
    }],
    ['a model download named with 63 characters', c => {
      new ModelPrepInit(new AiInferencePod(c, 'p', { server: SERVER }), 'm', { name: 'm'.repeat(63), source: ModelSource.s3('s3://bucket/model.bin') });
    }],
  ];
  test.each(cases)('%s', (_name, build) => {
    const { manifests, error } = run(build);
    expect(error).toBeUndefined();
    expectApiValid(manifests!);
    const names: string[] = podOf(manifests!).spec.volumes.map((v: any) => v.name);
    expect(new Set(names).size).toBe(names.length);
    names.forEach(n => expect(n).toMatch(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/));
  });

  test('server.tmpSize applies to the /tmp of a server with a 60-character name (the size limit was looked up under the uncut name and dropped)', () => {
    const { manifests } = run(c => new AiInferencePod(c, 'p', { server: { ...SERVER, name: 's'.repeat(60), tmpSize: '3Gi' } }));
    const pod = podOf(manifests!);
    const tmp = pod.spec.containers[0].volumeMounts.find((m: any) => m.mountPath === '/tmp');
    expect(pod.spec.volumes.find((v: any) => v.name === tmp.name)?.emptyDir).toEqual({ sizeLimit: '3Gi' });
  });

  test('a LogSidecar volumeName longer than 63 characters is reported on volumeName', () => {
    expectRefused(c => new LogSidecar(new AiInferencePod(c, 'p', { server: SERVER }), 'l', { volumeName: 'v'.repeat(70) }),
      /\[test\/p\/l\] volumeName: "v{70}" is not a valid volume name/);
  });
});

describe('a class instance where a string belongs is reported by field, not as cdk8s\'s "can\'t render non-simple object"', () => {
  class Custom {
    public readonly a = 1;
  }
  const cache = (options: object) => (c: Chart) => new ModelPrepInit(new AiInferencePod(c, 'p', { server: SERVER }), 'm', {
    source: ModelSource.s3('s3://bucket/model.bin'), cache: ModelCache.newPersistentVolumeClaim({ size: '10Gi', ...options } as any),
  });
  test.each<[string, (chart: Chart) => void, RegExp]>([
    ['a cdk8s Size as the new claim\'s size', cache({ size: Size.gibibytes(10) }), /\[test\/p\/m\] cache\.size: a Size is not a string\. Fix: write the size like '100Gi'/],
    ['a Duration as the new claim\'s size', cache({ size: Duration.minutes(1) }), /\[test\/p\/m\] cache\.size: a Duration is not a string/],
    ['a class instance as storageClassName', cache({ storageClassName: new Custom() }), /\[test\/p\/m\] cache\.storageClassName: a Custom is not a string/],
    ['a class instance as accessMode', cache({ accessMode: new Custom() }), /\[test\/p\/m\] cache\.accessMode: a Custom is not a string\. Fix: use CacheAccessMode/],
    ['a class instance as claimName', cache({ claimName: new Custom() }), /\[test\/p\/m\] cache\.claimName: a Custom is not a string/],
    ['a function as the new claim\'s size', cache({ size: () => '10Gi' }), /\[test\/p\/m\] cache\.size: a function is not a string/],
    ['a class instance as a pod label', c => new AiInferencePod(c, 'p', { metadata: { labels: { app: new Custom() as any } }, server: SERVER }),
      /\[test\/p\] metadata\.labels\["app"\]: a Custom is not a string/],
    ['a Size as a pod annotation', c => new AiInferencePod(c, 'p', { metadata: { annotations: { size: Size.gibibytes(1) as any } }, server: SERVER }),
      /\[test\/p\] metadata\.annotations\["size"\]: a Size is not a string/],
    ['a class instance as a Deployment label', c => new AiInferenceDeployment(c, 'd', { metadata: { labels: { app: new Custom() as any } }, server: SERVER }),
      /\[test\/d\] metadata\.labels\["app"\]: a Custom is not a string/],
    ['a symbol as a Deployment annotation', c => new AiInferenceDeployment(c, 'd', { metadata: { annotations: { a: Symbol('x') as any } }, server: SERVER }),
      /\[test\/d\] metadata\.annotations\["a"\]: the symbol Symbol\(x\) is not a string/],
  ])('%s', (_name, build, field) => {
    expectRefused(build, field);
  });
});

describe('a Job or CronJob of your own whose pod template loses its restartPolicy (a JSON patch) is refused: the API server defaults it to Always and rejects the Job', () => {
  test.each<[string, (chart: Chart) => kplus.Job | kplus.CronJob, string]>([
    ['Job', c => new kplus.Job(c, 'j'), '/spec/template/spec/restartPolicy'],
    ['CronJob', c => new kplus.CronJob(c, 'j', { schedule: Cron.daily() }), '/spec/jobTemplate/spec/template/spec/restartPolicy'],
  ])('%s', (kind, workload, path) => {
    expectRefused(c => {
      const obj = workload(c);
      new InferenceServer(obj, 'server', { server: { ...SERVER, health: HealthCheck.none() } });
      ApiObject.of(obj).addJsonPatch(JsonPatch.remove(path));
    }, new RegExp(`\\[test/j/server\\] ${path.slice(1).replace(/\//g, '\\.')}: is missing: the API server defaults it to Always, which a ${kind} cannot use`));
  });
});

describe('an object larger than etcd stores (1.5 MiB of text) is refused at synth, not at kubectl apply', () => {
  const files = Array.from({ length: 50_000 }, (_, i) => `shard-${'x'.repeat(30)}-${i}.safetensors`);
  test.each<[string, (chart: Chart) => void, RegExp]>([
    ['a 2 MB server argument', c => new AiInferencePod(c, 'p', { server: { ...SERVER, args: ['x'.repeat(2 * 1024 * 1024)] } }),
      /\[test\/p\] spec\.containers\[0\]\.args\[0\]: the Pod holds at least \d+ bytes of text, more than the 1572864 \(1\.5 MiB\) etcd stores/],
    ['a 2 MB environment variable in a Deployment', c => new AiInferenceDeployment(c, 'd', { server: { ...SERVER, env: { BIG: 'x'.repeat(2 * 1024 * 1024) } } }),
      /\[test\/d\] spec\.template\.spec\.containers\[0\]\.env\[0\]\.value: the Deployment holds at least \d+ bytes of text/],
    ['50,000 listed Hugging Face files', c => new ModelPrepInit(new AiInferencePod(c, 'p', { server: SERVER }), 'm', {
      source: ModelSource.huggingFace('org/repo', { revision: 'a'.repeat(40), files }),
    }), /\[test\/p\] spec\.initContainers\[0\]\.env\[\d+\]\.value: the Pod holds at least \d+ bytes of text/],
  ])('%s', (_name, build, field) => {
    expectRefused(build, field);
  });

  test('multi-byte text is counted in UTF-8 bytes: 600,000 three-byte characters are 1.8 MB', () => {
    expectRefused(c => new AiInferencePod(c, 'p', { server: { ...SERVER, env: { TEXT: '€'.repeat(600_000) } } }),
      /\[test\/p\] spec\.containers\[0\]\.env\[0\]\.value: the Pod holds 18\d{5} bytes of text/);
  });

  test('a pod just under the limit is written', () => {
    // ten arguments of 100 KiB: one word may not exceed the kernel's 128 KiB (MAX_ARG_STRLEN), the whole may
    const { manifests } = run(c => new AiInferencePod(c, 'p', { server: { ...SERVER, args: Array.from({ length: 10 }, () => 'x'.repeat(100 * 1024)) } }));
    expectApiValid(manifests!);
  });
});

describe('two objects of one kind with one name in one namespace are refused: kubectl apply keeps only the last', () => {
  const s3 = ModelSource.s3('s3://bucket/model.bin');
  test.each<[string, (chart: Chart) => void, RegExp]>([
    ['two pods named alike', c => {
      new AiInferencePod(c, 'a', { metadata: { name: 'x' }, server: SERVER });
      new AiInferencePod(c, 'b', { metadata: { name: 'x' }, server: SERVER });
    }, /\[test\/b\] metadata\.name: Pod "x" in the default namespace is also the name of test\/a: kubectl apply keeps only the last one written/],
    ['two Deployments named alike (and so their Services)', c => {
      new AiInferenceDeployment(c, 'a', { metadata: { name: 'x' }, server: SERVER });
      new AiInferenceDeployment(c, 'b', { metadata: { name: 'x' }, server: SERVER });
    }, /\[test\/b\] metadata\.name: Service "x" in the default namespace is also the name of test\/a\/Service/],
    // the second policy replaced the first: pod x was open around its proxy
    ['two pods whose proxies\' NetworkPolicies get one generated name ("x" + "auth-proxy", "x-auth" + "proxy")', c => {
      new ProxySidecar(new AiInferencePod(c, 'a', { metadata: { name: 'x' }, server: SERVER }), 'p');
      new ProxySidecar(new AiInferencePod(c, 'b', { metadata: { name: 'x-auth' }, server: SERVER }), 'p', { name: 'proxy' });
    }, /\[test\/b\/p\] metadata\.name: NetworkPolicy "x-auth-proxy" in the default namespace is also the name of test\/a\/p\/network-policy/],
    ['a Service of your own named like the Deployment\'s', c => {
      new AiInferenceDeployment(c, 'a', { metadata: { name: 'x' }, server: SERVER });
      new kplus.Service(c, 's', { metadata: { name: 'x' }, ports: [{ port: 80 }] });
    }, /\[test\/a\] metadata\.name: Service "x" in the default namespace is also the name of test\/s: /],
    ['two new claims of one name and different sizes', c => {
      for (const [id, size] of [['a', '10Gi'], ['b', '20Gi']]) {
        new ModelPrepInit(new AiInferencePod(c, id, { server: SERVER }), 'm', { source: s3, cache: ModelCache.newPersistentVolumeClaim({ size, claimName: 'shared' }) });
      }
    }, /\[test\/b\/m\] metadata\.name: PersistentVolumeClaim "shared" in the default namespace is also the name of test\/a\/m\/volume-claim/],
  ])('%s', (_name, build, field) => {
    expectRefused(build, field);
  });

  test.each<[string, (chart: Chart) => void]>([
    ['one name in two namespaces', c => {
      new ProxySidecar(new AiInferencePod(c, 'a', { metadata: { name: 'x', namespace: 'one' }, server: SERVER }), 'p');
      new ProxySidecar(new AiInferencePod(c, 'b', { metadata: { name: 'x', namespace: 'two' }, server: SERVER }), 'p');
    }],
    ['one new claim shared by two pods (written alike twice)', c => {
      const cache = ModelCache.newPersistentVolumeClaim({ size: '10Gi', claimName: 'shared', accessMode: CacheAccessMode.READ_WRITE_MANY });
      for (const id of ['a', 'b']) {
        new ModelPrepInit(new AiInferencePod(c, id, { server: SERVER }), 'm', { source: s3, cache });
      }
    }],
  ])('written: %s', (_name, build) => {
    const { manifests, error } = run(build);
    expect(error).toBeUndefined();
    expectApiValid(manifests!);
  });
});

describe('a CronJob of your own named with more than 52 characters is refused, as the API server refuses it (its Jobs add 11)', () => {
  const cronJob = (length: number) => (c: Chart) => {
    const j = new kplus.CronJob(c, 'j', { metadata: { name: 'c'.repeat(length) }, schedule: Cron.daily() });
    new InferenceServer(j, 'server', { server: { ...SERVER, health: HealthCheck.none() } });
  };
  test('53 characters', () => {
    expectRefused(cronJob(53), /\[test\/j\/server\] metadata\.name: "c{53}" has 53 characters; a CronJob name can have at most 52/);
  });
  test('52 characters are written', () => {
    const { manifests } = run(cronJob(52));
    expectApiValid(manifests!);
  });
});

test('an AiInferenceDeployment\'s service given an object is reported (a Service was written without the annotations it held)', () => {
  expectRefused(c => new AiInferenceDeployment(c, 'd', { server: SERVER, service: { annotations: { a: 'b' } } as any }),
    /\[test\/d\] service: \{"annotations":\{"a":"b"\}\} is not true or false\. Fix: true or false .*serviceOptions/);
});

describe('round 7, left over: messages that name the value given', () => {
  const image = 'vllm/vllm-openai:v0.9.1';
  test('a number where a Duration belongs is shown as the number, once (the probes fall back to the default budget)', () => {
    const lines = expectRefused(chart => { new AiInferencePod(chart, 'p', { server: { image }, modelLoadTimeout: 600 as any }); },
      /modelLoadTimeout: 600 \(a number, not a Duration\) is not a whole number of seconds/);
    expect(lines.join('\n')).not.toContain('NaN');
    expect(lines).toHaveLength(1);
  });

  test('a cdk8s Size as a memory amount is refused by prop, not written as "[object Object]"', () => {
    const lines = expectRefused(chart => { new AiInferencePod(chart, 'p', { server: { image, resources: { memory: { limit: Size.gibibytes(4) as any } } } }); },
      /server\.resources\.memory\.limit: a Size is not a quantity\. Fix: write it as text, e\.g\. '4Gi'/);
    expect(lines.join('\n')).not.toContain('[object Object]');
  });

  test('a map whose keys are inherited (Object.create) is described as such', () => {
    expectRefused(chart => { new AiInferencePod(chart, 'p', { server: { image }, nodeSelector: Object.create({ a: 'b' }) }); },
      /nodeSelector: an object with a prototype of its own \(its keys are not its own\) is not a map of strings/);
  });
});
