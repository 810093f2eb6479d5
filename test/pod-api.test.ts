/**
 * Issue 13: every field a production pod needs is reachable through props or a typed method —
 * extended resources next to the GPU, shareProcessNamespace and hostIPC, and the validated pod
 * as a template for controllers the library does not wrap. Every pod goes through the real App
 * synth and the official schema; bad input is refused by field, with nothing written.
 */
import { ApiObject, Chart, JsonPatch, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import {
  AiInferenceDeployment, AiInferencePod, ContainerResources, InferenceServer, InitContainer, ModelPrepInit, ModelSource, PodSecurityLevel,
  PodRestartPolicy, ProxyAuth, ProxySidecar, Sidecar,
} from '../src';
import { WorkloadHost } from '../src/_workload-host';
import { pssRestrictedViolations } from './helpers/pss';
import { expectRefused } from './helpers/refusal';
import { container, expectApiValid, manifestOf, newChart, podSpec, synth } from './helpers/synth';

const IMAGE = 'vllm/vllm-openai:v0.9.1';
const MEMORY = { request: '64Gi', limit: '64Gi' };

/** A pod whose server has these resources (and 8 GPUs unless `gpu` is false). */
function serverWith(chart: Chart, resources: ContainerResources, gpu = true): AiInferencePod {
  return new AiInferencePod(chart, 'llm', { metadata: { name: 'llm' }, server: { image: IMAGE, resources }, gpu: gpu ? { count: 8 } : undefined });
}

function synthValid(chart: Chart): any[] {
  const manifests = synth(chart);
  expectApiValid(manifests);
  return manifests;
}

describe('resources.extended', () => {
  test('EFA, InfiniBand and huge pages next to the GPU: each written as request = limit, beside cpu and memory', () => {
    const chart = newChart();
    serverWith(chart, { cpu: { request: '32' }, memory: MEMORY, extended: { 'vpc.amazonaws.com/efa': '4', 'rdma/ib': '1', 'hugepages-2Mi': '1Gi' } });
    const pod = synthValid(chart)[0];
    expect(container(pod, 'server').resources).toEqual({
      limits: { 'hugepages-2Mi': '1Gi', 'memory': '64Gi', 'nvidia.com/gpu': '8', 'rdma/ib': '1', 'vpc.amazonaws.com/efa': '4' },
      requests: { 'cpu': '32', 'hugepages-2Mi': '1Gi', 'memory': '64Gi', 'nvidia.com/gpu': '8', 'rdma/ib': '1', 'vpc.amazonaws.com/efa': '4' },
    });
    // the extended resources do not change the GPU's toleration
    expect(podSpec(pod).tolerations).toEqual([{ effect: 'NoSchedule', key: 'nvidia.com/gpu', operator: 'Exists' }]);
    expect(pssRestrictedViolations(pod)).toEqual([]);
  });

  test('extended alone: exactly what is given, and of a refused entry nothing (never cdk8s-plus\'s 1000m/512Mi defaults)', () => {
    const chart = newChart();
    new InitContainer(serverWith(chart, { extended: { 'rdma/ib': '1' } }, false), 'warmup', {
      name: 'warmup', image: 'busybox:1.36.1', command: ['true'], resources: { extended: { 'rdma/ib': '1' } },
    });
    const pod = synthValid(chart)[0];
    for (const name of ['server', 'warmup']) {
      expect(container(pod, name).resources).toEqual({ limits: { 'rdma/ib': '1' }, requests: { 'rdma/ib': '1' } });
    }
    const refused = newChart();
    const bad = serverWith(refused, { memory: MEMORY, extended: { 'rdma/ib': '1', 'ib': '1' } }, false);
    expect(() => synth(refused)).toThrow(/server\.resources\.extended\["ib"\]/);
    // what would have been written: the accepted entry only
    const { requests } = container(WorkloadHost.of(bad.pod).render(), 'server').resources;
    expect(requests).toEqual({ 'memory': '64Gi', 'rdma/ib': '1' });
  });

  test('huge pages with a cpu amount and no memory pass, as the API server accepts them', () => {
    const chart = newChart();
    serverWith(chart, { cpu: { request: '1' }, extended: { 'hugepages-1Gi': '2Gi' } }, false);
    expect(container(synthValid(chart)[0], 'server').resources).toEqual({ limits: { 'hugepages-1Gi': '2Gi' }, requests: { 'cpu': '1', 'hugepages-1Gi': '2Gi' } });
  });

  test('InitContainer, Sidecar and ModelPrepInit take extended resources too, and on a Deployment', () => {
    const chart = newChart();
    const llm = new AiInferenceDeployment(chart, 'llm', { metadata: { name: 'llm' }, server: { image: IMAGE } });
    new InitContainer(llm, 'warmup', { name: 'warmup', image: 'busybox:1.36.1', resources: { cpu: { request: '100m' }, extended: { 'rdma/ib': '1' } } });
    new Sidecar(llm, 'nic', { name: 'nic', image: 'busybox:1.36.1', resources: { memory: { request: '64Mi', limit: '64Mi' }, extended: { 'hugepages-2Mi': '4Mi' } } });
    new ModelPrepInit(llm, 'weights', { source: ModelSource.http('https://example.com/m.bin'), resources: { memory: { request: '1Gi', limit: '1Gi' }, extended: { 'rdma/ib': '2' } } });
    const deployment = manifestOf(synthValid(chart), 'Deployment');
    expect(container(deployment, 'warmup').resources).toEqual({ limits: { 'rdma/ib': '1' }, requests: { 'cpu': '100m', 'rdma/ib': '1' } });
    expect(container(deployment, 'nic').resources.requests).toEqual({ 'hugepages-2Mi': '4Mi', 'memory': '64Mi' });
    expect(container(deployment, 'model-downloader').resources.limits).toEqual({ 'memory': '1Gi', 'rdma/ib': '2' });
  });

  test.each([
    ['a name without a domain', { gpu: '1' }, /server\.resources\.extended\["gpu"\]: "gpu" is not a resource name: a name without a domain .*Fix: use a vendor-qualified name/],
    ['a name with a space', { 'example.com/bad name': '1' }, /server\.resources\.extended\["example\.com\/bad name"\]: .* is not a resource name: a vendor resource is/],
    ['a "requests." prefix', { 'requests.example.com/x': '1' }, /server\.resources\.extended\["requests\.example\.com\/x"\]: .* is not a resource name/],
    ['a huge-page size that is not a quantity', { 'hugepages-big': '1Gi' }, /server\.resources\.extended\["hugepages-big"\]: .*the page size after "hugepages-" is not a quantity/],
    ['cpu, which has its own field', { cpu: '2' }, /server\.resources\.extended\["cpu"\]: "cpu" has its own field\. Fix: give it as resources\.cpu/],
    ['an amount that is not a quantity', { 'rdma/ib': 'one' }, /server\.resources\.extended\["rdma\/ib"\]: "one" is not a Kubernetes quantity\. Fix:/],
    ['a negative amount', { 'rdma/ib': '-1' }, /server\.resources\.extended\["rdma\/ib"\]: "-1" is not a Kubernetes quantity/],
  ])('refused by field: %s', (_what, extended, field) => {
    const lines = expectRefused(chart => serverWith(chart, { memory: MEMORY, extended: extended as { [name: string]: string } }), field);
    // reported once, by the prop: the bad entry is not rendered for the manifest rules to report again
    expect(lines.filter(l => /resources\.(limits|requests)\[/.test(l))).toEqual([]);
  });

  test('refused by field: extended given as a string (a JavaScript caller)', () => {
    expectRefused(chart => serverWith(chart, { extended: 'rdma/ib=1' as any }), /server\.resources\.extended: "rdma\/ib=1" is not a map of strings/);
  });

  test('refused on the rendered container: a fractional device, huge pages that are not whole pages, huge pages without cpu or memory', () => {
    expectRefused(chart => serverWith(chart, { memory: MEMORY, extended: { 'rdma/ib': '0.5' } }),
      /spec\.containers\[0\]\.resources\.limits\["rdma\/ib"\]: "0\.5" must be a whole, non-negative number/);
    expectRefused(chart => serverWith(chart, { memory: MEMORY, extended: { 'hugepages-2Mi': '3Mi' } }),
      /spec\.containers\[0\]\.resources\.limits\["hugepages-2Mi"\]: "3Mi" is not a whole number of 2Mi pages\. Fix: use a multiple of the page size/);
    expectRefused(chart => serverWith(chart, { extended: { 'hugepages-2Mi': '1Gi' } }, false),
      /spec\.containers\[0\]\.resources: requests hugepages-2Mi but neither cpu nor memory, which the API server refuses.*Fix: give the container a memory request and limit/);
  });

  test('InitContainer and Sidecar: a bad extended name is refused by their own field', () => {
    expectRefused(chart => {
      const pod = serverWith(chart, { memory: MEMORY });
      new InitContainer(pod, 'warmup', { name: 'warmup', image: 'busybox:1.36.1', resources: { extended: { ib: '1' } } });
    }, /^ {2}\[test\/llm\/warmup\] resources\.extended\["ib"\]: "ib" is not a resource name/);
    expectRefused(chart => {
      const pod = serverWith(chart, { memory: MEMORY });
      new Sidecar(pod, 'nic', { name: 'nic', image: 'busybox:1.36.1', resources: { extended: { 'rdma/ib': '1x' } } });
    }, /^ {2}\[test\/llm\/nic\] resources\.extended\["rdma\/ib"\]: "1x" is not a Kubernetes quantity/);
  });

  test('huge pages through a JSON patch: a request different from the limit, or without a limit, is refused', () => {
    const patched = (patch: JsonPatch) => (chart: Chart) => {
      const pod = serverWith(chart, { memory: MEMORY, extended: { 'hugepages-2Mi': '1Gi' } });
      ApiObject.of(pod.pod).addJsonPatch(patch);
    };
    expectRefused(patched(JsonPatch.replace('/spec/containers/0/resources/requests/hugepages-2Mi', '512Mi')),
      /spec\.containers\[0\]\.resources\.requests\["hugepages-2Mi"\]: request "512Mi" differs from limit "1Gi"; hugepages-2Mi cannot be overcommitted/);
    expectRefused(patched(JsonPatch.remove('/spec/containers/0/resources/limits/hugepages-2Mi')),
      /spec\.containers\[0\]\.resources\.limits\["hugepages-2Mi"\]: hugepages-2Mi is requested without a limit/);
  });

  test.each([
    ['the default NVIDIA resource', undefined, 'nvidia.com/gpu'],
    ['a resourceName', 'amd.com/gpu', 'amd.com/gpu'],
  ])('the GPU cannot be given twice (gpu.count and extended): %s', (_what, resourceName, resource) => {
    expectRefused(chart => new AiInferencePod(chart, 'llm', {
      server: { image: IMAGE, resources: { memory: MEMORY, extended: { [resource]: '8' } } },
      gpu: { count: 8, resourceName },
    }), new RegExp(`server\\.resources\\.extended\\["${resource.replace(/\./g, '\\.')}"\\]: "8" asks again for the GPU that gpu already gives the server .*`
      + 'Fix: remove it from resources\\.extended and set the number in gpu\\.count'));
  });

  test('without gpu, a GPU in extended is a plain extended resource (request = limit), with the usual toleration warning', () => {
    const chart = newChart();
    serverWith(chart, { memory: MEMORY, extended: { 'nvidia.com/gpu': '1' } }, false);
    const spy = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      const pod = synthValid(chart)[0];
      expect(container(pod, 'server').resources.limits['nvidia.com/gpu']).toBe('1');
      expect(spy.mock.calls.map(c => String(c[0])).join('')).toContain('does not tolerate the "nvidia.com/gpu" taint');
    } finally {
      spy.mockRestore();
    }
  });
});

describe('shareProcessNamespace and hostIPC', () => {
  test('shareProcessNamespace is written and passes PSS restricted; left out, neither field is written', () => {
    const chart = newChart();
    new AiInferencePod(chart, 'shared', { metadata: { name: 'shared' }, server: { image: IMAGE }, shareProcessNamespace: true });
    new AiInferencePod(chart, 'plain', { metadata: { name: 'plain' }, server: { image: IMAGE } });
    const [shared, plain] = synthValid(chart);
    expect(podSpec(shared).shareProcessNamespace).toBe(true);
    expect(pssRestrictedViolations(shared)).toEqual([]);
    expect(podSpec(plain).shareProcessNamespace).toBeUndefined();
    expect(podSpec(plain).hostIPC).toBeUndefined();
  });

  test('hostIPC fails the declared level until it is PRIVILEGED, and the fix names that level', () => {
    const build = (level?: PodSecurityLevel) => (chart: Chart) => new AiInferencePod(chart, 'pd', {
      metadata: { name: 'pd' }, server: { image: 'lmcache/vllm-openai:v0.3.1' }, hostIPC: true, security: level && { level },
    });
    const restricted = expectRefused(build(), /^ {2}\[test\/pd\] spec: hostIPC is true, which Pod Security Standard "restricted" forbids\. Fix: .*PodSecurityLevel\.PRIVILEGED/);
    expect(restricted.join('\n')).not.toContain('PodSecurityLevel.BASELINE');
    expectRefused(build(PodSecurityLevel.BASELINE), /spec: hostIPC is true, which Pod Security Standard "baseline" forbids/);
    const chart = newChart();
    build(PodSecurityLevel.PRIVILEGED)(chart);
    const pod = synthValid(chart)[0];
    expect(podSpec(pod).hostIPC).toBe(true);
    // the rest of the hardening stays: only the declared relaxation is relaxed
    expect(container(pod, 'server').securityContext).toMatchObject({ allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, runAsNonRoot: true });
  });

  test('InferenceServer on a Deployment of yours takes both, in the pod template', () => {
    const chart = newChart();
    const deployment = new kplus.Deployment(chart, 'engine', { metadata: { name: 'engine' } });
    new InferenceServer(deployment, 'server', {
      server: { image: IMAGE }, shareProcessNamespace: true, hostIPC: true, security: { level: PodSecurityLevel.PRIVILEGED },
    });
    const spec = podSpec(manifestOf(synthValid(chart), 'Deployment'));
    expect([spec.shareProcessNamespace, spec.hostIPC]).toEqual([true, true]);
  });

  test('a value that is not a boolean (a JavaScript caller) is refused by field', () => {
    expectRefused(chart => new AiInferencePod(chart, 'pd', { server: { image: IMAGE }, hostIPC: 'yes' as any }), /spec\.hostIPC: .*"yes"/);
    expectRefused(chart => new AiInferencePod(chart, 'pd', { server: { image: IMAGE }, shareProcessNamespace: 1 as any }), /spec\.shareProcessNamespace: .*1/);
  });
});

describe('toPodTemplate()', () => {
  test('the validated pod as { metadata: { labels, annotations }, spec }: no name or namespace, the spec of toManifest()', () => {
    const build = () => new AiInferencePod(new Chart(Testing.app(), 'c', { namespace: 'serving' }), 'leader', {
      metadata: { name: 'leader', namespace: 'ml', labels: { role: 'leader' }, annotations: { 'example.com/owner': 'ml-platform' } },
      server: { image: IMAGE, resources: { memory: MEMORY, extended: { 'vpc.amazonaws.com/efa': '4' } } },
      gpu: { count: 8 },
    });
    const manifest = build().toManifest();
    const template = build().toPodTemplate();
    expect(Object.keys(template)).toEqual(['metadata', 'spec']);
    expect(template.metadata).toEqual({ labels: manifest.metadata.labels, annotations: { 'example.com/owner': 'ml-platform' } });
    expect(template.metadata.labels.role).toBe('leader');
    expect(template.spec).toEqual(manifest.spec);
    expect(template.spec.containers[0].resources.limits['vpc.amazonaws.com/efa']).toBe('4');
  });

  test('the pod is not written by the chart once it is a template; the objects it needs still are; a second call gives the same template', () => {
    const chart = newChart();
    const pod = new AiInferencePod(chart, 'worker', { metadata: { name: 'worker' }, server: { image: IMAGE }, restartPolicy: PodRestartPolicy.NEVER });
    new ProxySidecar(pod, 'proxy', { auth: ProxyAuth.bearerTokens('tokens') });
    const template = pod.toPodTemplate();
    // a controller the library does not wrap, written as a raw object (a Job stands in: its schema is known)
    new ApiObject(chart, 'group', { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'group' }, spec: { template } });
    const manifests = synthValid(chart);
    expect(manifests.map(m => m.kind).sort()).toEqual(['ConfigMap', 'Job', 'NetworkPolicy']);
    expect(manifestOf(manifests, 'Job').spec.template).toEqual(template);
    // the NetworkPolicy still selects the pods the controller creates from the template
    expect(template.metadata.labels).toMatchObject(manifestOf(manifests, 'NetworkPolicy').spec.podSelector.matchLabels);
    expect(pod.toPodTemplate()).toEqual(template);
  });

  test('an invalid pod: the same structured error as toManifest(), and the pod stays in the chart (synth refuses it too)', () => {
    const build = (chart: Chart) => new AiInferencePod(chart, 'w', { server: { image: IMAGE, port: 0, resources: { extended: { ib: '1' } } } });
    const message = (call: (pod: AiInferencePod) => unknown) => {
      try {
        call(build(newChart()));
      } catch (e) {
        return (e as Error).message;
      }
      return 'no error';
    };
    const fromTemplate = message(pod => pod.toPodTemplate());
    expect(fromTemplate).toBe(message(pod => pod.toManifest()));
    expect(fromTemplate).toMatch(/^Validation failed with the following errors:\n {2}\[test\/w\] server\.port: 0 .*\n[\s\S]*server\.resources\.extended\["ib"\]/);
    expectRefused(chart => {
      const pod = build(chart);
      expect(() => pod.toPodTemplate()).toThrow();
      expect(pod.node.tryFindChild('Resource')).toBeDefined();
    }, /server\.port: 0/);
  });

  test('validation still runs at synth after the template is taken: a later break of the pod fails the app', () => {
    expectRefused(chart => {
      const pod = new AiInferencePod(chart, 'w', { server: { image: IMAGE } });
      pod.toPodTemplate();
      ApiObject.of(pod.pod).addJsonPatch(JsonPatch.add('/spec/hostIPC', true));
    }, /spec: hostIPC is true, which Pod Security Standard "restricted" forbids/);
  });
});
