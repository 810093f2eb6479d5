/**
 * Hostile round 26: the README's "Deployments, StatefulSets, Jobs and worker pods" and
 * "Cluster-aware synth" promises under hostile input — a StatefulSet name whose pods the
 * controller can never create, a model load timeout that overflows the int32 fields derived
 * from it, job ids from JavaScript that are not strings, HTTP/2 marks on the proxy's Service port
 * other than `kubernetes.io/h2c`, options of `KubernetesTarget.of` that are not options, and a
 * default progress deadline shorter than a custom startup probe's budget, and a tag-only warning
 * about an OCI model reference that is refused anyway.
 */
import { ApiObject, Chart, Duration, JsonPatch } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import {
  AiInferenceDeployment, AiInferenceDeploymentProps, AiInferencePod, HealthCheck, InferenceServer, KubernetesTarget, ModelPrepInit, ModelSource,
  PodNames, Probe, ProxyAuth, ProxySidecar, ProxyTls,
} from '../src';
import { synthWithWarnings, withWarnings } from './helpers/pod-parts';
import { expectRefused } from './helpers/refusal';
import { manifestOf, newChart } from './helpers/synth';

const IMAGE = 'vllm/vllm-openai:v0.6.3';
const MAX_INT32 = 2147483647;

describe('a StatefulSet name longer than 52 characters', () => {
  // kubernetes/kubernetes#64023: the controller labels every pod controller-revision-hash:
  // <name>-<hash of up to 10 characters>, a label value of at most 63; the API server accepts the
  // StatefulSet and refuses each pod the controller then creates (FailedCreate, no pod ever).
  const statefulSet = (name: string) => (chart: Chart) => {
    const service = new kplus.Service(chart, 'headless', { clusterIP: 'None', ports: [{ port: 8000 }] });
    const sts = new kplus.StatefulSet(chart, 'vllm', { metadata: { name }, service });
    new InferenceServer(sts, 'server', { server: { image: IMAGE } });
  };

  test.each([53, 63])('%d characters: refused, naming the label that would not fit and a shorter name', length => {
    const name = `vllm-${'a'.repeat(length - 5)}`;
    const lines = expectRefused(statefulSet(name),
      new RegExp(`metadata\\.name: "${name}" has ${length} characters; a StatefulSet name can have at most 52, because the controller labels its pods `
        + 'controller-revision-hash: <name>-<10-character hash>.*Fix: use a shorter name such as "vllm-a{47}"'));
    expect(lines).toHaveLength(1);
  });

  test('52 characters: written', () => {
    const chart = newChart();
    statefulSet(`vllm-${'a'.repeat(47)}`)(chart);
    expect(manifestOf(synthWithWarnings(chart).manifests, 'StatefulSet').metadata.name).toHaveLength(52);
  });
});

describe('modelLoadTimeout beyond what the fields derived from it can hold', () => {
  test('a Deployment whose default progress deadline (modelLoadTimeout + 10 minutes) passes int32: refused by the prop', () => {
    const lines = expectRefused(chart => new AiInferenceDeployment(chart, 'llm', { server: { image: IMAGE }, modelLoadTimeout: Duration.seconds(MAX_INT32 - 599) }),
      /^ {2}\[test\/llm\] modelLoadTimeout: 2147483048 s \+ 10 minutes, the Deployment's default progress deadline, is more than Kubernetes' largest progressDeadlineSeconds, 2147483647\. Fix: .*at most 2147483047 s.*progressDeadline/);
    expect(lines).toHaveLength(1);
  });

  test('the largest load timeout whose deadline fits is written; with progressDeadline given, the load timeout alone decides', () => {
    const fits = newChart();
    new AiInferenceDeployment(fits, 'llm', { server: { image: IMAGE }, modelLoadTimeout: Duration.seconds(MAX_INT32 - 600) });
    expect(manifestOf(synthWithWarnings(fits).manifests, 'Deployment').spec.progressDeadlineSeconds).toBe(MAX_INT32);
    const given = newChart();
    new AiInferenceDeployment(given, 'llm', { server: { image: IMAGE }, modelLoadTimeout: Duration.seconds(MAX_INT32 - 1), progressDeadline: Duration.seconds(MAX_INT32) });
    expect(manifestOf(synthWithWarnings(given).manifests, 'Deployment').spec.progressDeadlineSeconds).toBe(MAX_INT32);
  });

  test.each([
    ['a Pod', (chart: Chart) => new AiInferencePod(chart, 'llm', { server: { image: IMAGE }, modelLoadTimeout: Duration.days(300000) })],
    ['a Deployment', (chart: Chart) => new AiInferenceDeployment(chart, 'llm', { server: { image: IMAGE }, modelLoadTimeout: Duration.days(300000) })],
  ])('%s whose startup probe failureThreshold would pass int32: refused by the prop, once', (_kind, build) => {
    const lines = expectRefused(build, /^ {2}\[test\/llm\] modelLoadTimeout: 25920000000 s is more than 2147483647 s \(about 68 years\).*Fix: give the time the model takes to load/);
    expect(lines).toHaveLength(1);
  });
});

describe('PodNames.forJob with a job id that is not a string (JavaScript callers)', () => {
  // "valid DNS-1123, unique per job id": undefined, null and every object were read as the text
  // "undefined", "null" and "[object Object]" — one pod name for every job that passed one.
  test.each([
    ['undefined', undefined, 'undefined'],
    ['null', null, 'null'],
    ['an object', { id: 42 }, '{"id":42}'],
    ['NaN', NaN, 'NaN'],
    ['Infinity', Infinity, 'Infinity'],
  ])('%s: thrown, with the value and a fix', (_name, jobId, shown) => {
    expect(() => PodNames.forJob('worker', jobId as any)).toThrow(`jobId: ${shown} is not a string. Fix: pass the job's id as a string, e.g. String(job.id)`);
  });

  test('a finite number names the pod its text names, as before (JavaScript callers with numeric ids keep their pod names)', () => {
    expect(PodNames.forJob('worker', 42 as any)).toBe(PodNames.forJob('worker', '42'));
    expect(PodNames.forJob('worker', 42 as any)).not.toBe(PodNames.forJob('worker', 43 as any));
  });

  test('two different objects no longer give one name', () => {
    const names = new Set<string>();
    for (const job of [{ id: 1 }, { id: 2 }]) {
      try {
        names.add(PodNames.forJob('worker', job as any));
      } catch {
        names.add(`refused ${job.id}`);
      }
    }
    expect([...names]).toEqual(['refused 1', 'refused 2']);
  });

  test('a prefix that is not a string is thrown like a bad prefix', () => {
    expect(() => PodNames.forJob(123 as any, 'video-1')).toThrow('prefix: 123 must be a lowercase DNS-1123 label of at most 40 characters');
    expect(PodNames.forJob('worker', 'video-1')).toMatch(/^worker-video-1-[0-9a-f]{8}$/);
  });
});

describe('HTTP/2 marks besides kubernetes.io/h2c on the ProxySidecar\'s Service port', () => {
  // Istio reads appProtocol http2, grpc and grpc-web (and a port name <protocol>[-<suffix>] when
  // there is no appProtocol) as cleartext HTTP/2; the proxy's nginx speaks HTTP/1.1.
  const deployment = (serviceOptions: { appProtocol?: string; portName?: string }, proxy = true, tls = false) => (chart: Chart) => {
    const d = new AiInferenceDeployment(chart, 'd', { server: { image: 'registry.example.com/grpc-model:1' }, serviceOptions });
    if (proxy) {
      new ProxySidecar(d, 'proxy', { auth: ProxyAuth.bearerTokens('tokens'), ...(tls ? { tls: ProxyTls.fromSecret('llm-tls') } : {}) });
    }
  };

  test.each(['grpc', 'http2', 'grpc-web'])('appProtocol %s: refused', appProtocol => {
    expectRefused(deployment({ appProtocol }), new RegExp(`^ {2}\\[test\\/d\\] spec\\.ports\\[0\\]\\.appProtocol: "${appProtocol}" marks port 8080, the ProxySidecar's, as cleartext HTTP\\/2.*Fix: remove appProtocol \\(or use 'http'\\)`));
  });

  test.each([['grpc', false], ['http2-api', true]] as const)('port name %s without appProtocol (tls: %s): refused, naming the port name', (portName, tls) => {
    expectRefused(deployment({ portName }, true, tls),
      new RegExp(`spec\\.ports\\[0\\]\\.name: "${portName}" marks port \\d+, the ProxySidecar's, as cleartext HTTP\\/2 \\(Istio reads a port name.*Fix: name the port otherwise .*appProtocol: '${tls ? 'https' : 'http'}'`));
  });

  test.each([
    ['a port named grpc with appProtocol http', { portName: 'grpc', appProtocol: 'http' }, true],
    ['a port named grpcs (not a protocol Istio reads)', { portName: 'grpcs' }, true],
    ['appProtocol grpc without a proxy (the server speaks gRPC itself)', { appProtocol: 'grpc' }, false],
  ] as Array<[string, { appProtocol?: string; portName?: string }, boolean]>)('%s: written', (_name, options, proxy) => {
    const chart = newChart();
    deployment(options, proxy)(chart);
    const port = manifestOf(synthWithWarnings(chart).manifests, 'Service').spec.ports[0];
    expect(port).toMatchObject(options.appProtocol ? { appProtocol: options.appProtocol } : { name: options.portName });
  });
});

describe('KubernetesTarget.of with options that are not options', () => {
  test.each([['a string', 'imageVolumes', '"imageVolumes"'], ['a list', [true], '[true]'], ['true', true, 'true']])('%s: refused, not read as no options', (_name, options, shown) => {
    expectRefused(chart => new AiInferencePod(chart, 'llm', { server: { image: IMAGE }, target: KubernetesTarget.of('1.34', options as any) }),
      new RegExp(`^ {2}\\[test\\/llm\\] target: the options ${shown.replace(/[[\]]/g, '\\$&')} of KubernetesTarget\\.of\\("1\\.34", …\\) are not \\{ imageVolumes \\}\\. Fix: `));
  });

  test('null and undefined options are the version\'s defaults', () => {
    for (const options of [null, undefined]) {
      const chart = newChart();
      new AiInferencePod(chart, 'llm', { server: { image: IMAGE }, target: KubernetesTarget.of('1.34', options as any) });
      synthWithWarnings(chart);
    }
  });
});

describe('the default progress deadline covers a custom startup probe\'s budget', () => {
  // "a progress deadline that covers the model load": a custom startup probe that lets the model
  // load for 6000 s had the default deadline of modelLoadTimeout + 10 minutes (1500 s), so every
  // rollout was reported failed (ProgressDeadlineExceeded) while its new pod was still loading.
  const slowStartup = (extra: Partial<AiInferenceDeploymentProps> = {}) => (chart: Chart) => new AiInferenceDeployment(chart, 'llm', {
    server: { image: IMAGE, health: HealthCheck.custom({ startup: Probe.httpGet('/health', { period: Duration.seconds(60), failureThreshold: 100 }) }) },
    ...extra,
  });
  const deadlineOf = (build: (chart: Chart) => unknown) => {
    const chart = newChart();
    build(chart);
    const { manifests, warnings } = synthWithWarnings(chart);
    return { seconds: manifestOf(manifests, 'Deployment').spec.progressDeadlineSeconds, warnings };
  };

  test('the budget (6000 s) + 10 minutes, without a warning', () => {
    expect(deadlineOf(slowStartup())).toEqual({ seconds: 6600, warnings: '' });
  });

  test('a startup probe within modelLoadTimeout keeps modelLoadTimeout + 10 minutes; the library\'s own probe is the load timeout', () => {
    expect(deadlineOf(slowStartup({ modelLoadTimeout: Duration.hours(3) })).seconds).toBe(3 * 3600 + 600);
    expect(deadlineOf(chart => new AiInferenceDeployment(chart, 'llm', { server: { image: IMAGE }, modelLoadTimeout: Duration.minutes(40) })).seconds).toBe(3000);
  });

  test('a progressDeadline given is written as given (shorter than the budget: the warning)', () => {
    const { seconds, warnings } = deadlineOf(slowStartup({ progressDeadline: Duration.minutes(30) }));
    expect(seconds).toBe(1800);
    expect(warnings).toMatch(/progressDeadline: 1800 s is shorter than the server's startup probe budget \(6000 s\)/);
  });

  test('a JSON patch of progressDeadlineSeconds still wins', () => {
    const { seconds } = deadlineOf(chart => ApiObject.of(slowStartup()(chart).deployment).addJsonPatch(JsonPatch.replace('/spec/progressDeadlineSeconds', 7200)));
    expect(seconds).toBe(7200);
  });
});

describe('ModelSource.ociImage: a refused reference is not also a tag-only warning', () => {
  const oci = (reference: string) => (chart: Chart) => {
    const pod = new AiInferencePod(chart, 'p', { server: { image: IMAGE }, target: KubernetesTarget.V1_35 });
    new ModelPrepInit(pod, 'm', { source: ModelSource.ociImage(reference, { path: '/models' }) });
  };

  test.each(['', 'registry.example.com/Models/llama:v1', 'registry.example.com/models/llama@sha256:abc'])('%j: refused, with no warning to pin its digest', reference => {
    const { warnings } = withWarnings(() => expectRefused(oci(reference), /source: .* is not an image reference\. Fix: /));
    expect(warnings).toBe('');
  });

  test('a valid tag-only reference (a registry port, no tag) still warns', () => {
    const chart = newChart();
    oci('registry.example.com:5000/models/llama')(chart);
    expect(synthWithWarnings(chart).warnings).toMatch(/names the model by tag only.*Fix: pin the digest: 'registry\.example\.com:5000\/models\/llama@sha256:<digest>'/);
  });
});
