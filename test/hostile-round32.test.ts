import { ApiObject, Chart, JsonPatch } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { AiInferenceDeployment, HealthCheck, InferenceServer, PodVolume, Sidecar } from '../src';
import { chartWarnings } from './helpers/pod-parts';
import { expectRefused, run } from './helpers/refusal';
import { expectApiValid } from './helpers/synth';

/*
 * Hostile round 32 (validation): the warning for a Service that selects none of the
 * Deployment's pods, reached through another path than a patch of the Service's selector.
 */

const SERVER = { image: 'vllm/vllm-openai:v0.6.3', health: HealthCheck.none() };
const strict = (build: (c: Chart) => void) => (c: Chart) => {
  c.node.setContext('cdk8s-ai-inference:warningsAsErrors', true);
  build(c);
};

describe('a JSON patch on the Deployment\'s pod template that takes away the labels the (unpatched) Service selects', () => {
  // the pods' labels and the Deployment's selector replaced together (the API server accepts it)
  const relabelled = (how: 'replace' | 'add', service?: object) => (c: Chart) => {
    const d = new AiInferenceDeployment(c, 'd', { server: SERVER });
    const labels = how === 'replace'
      ? JsonPatch.replace('/spec/template/metadata/labels', { app: 'x' })
      : JsonPatch.add('/spec/template/metadata/labels/app', 'x');
    ApiObject.of(d.deployment).addJsonPatch(labels, JsonPatch.replace('/spec/selector/matchLabels', { app: 'x' }));
    if (service) d.service!.addJsonPatch(JsonPatch.replace('/spec/selector', service));
  };
  test('warned once, naming the template\'s patch (not a patch of the Service, which has none) and a fix that works', () => {
    const w = chartWarnings(relabelled('replace'));
    expect(w).toMatch(/\[warning\] \[test\/d\] spec\.selector: \{"cdk8s\.io\/metadata\.addr":"test-d-[0-9a-f]{8}"\} selects none of the Deployment's pods, which do not carry cdk8s\.io\/metadata\.addr=test-d-[0-9a-f]{8} \(they carry \{"app":"x"\}, as a JSON patch on the Deployment's pod template left them\): the Service gets no endpoint among them, so it sends its traffic to other pods that carry those labels, or nowhere\. Fix: keep those labels on the pod template \(a JSON patch that adds to \/spec\/template\/metadata\/labels instead of replacing it\), or patch the Service's spec\.selector to labels the pods carry/);
    expect(w).not.toContain('(a JSON patch) selects');
    expect(w).not.toContain('podMetadata');
    expect(w.match(/spec\.selector:/g)).toHaveLength(1);
  });
  test('with warningsAsErrors, refused, and nothing written', () => {
    expectRefused(strict(relabelled('replace')), /^ {2}\[test\/d\] spec\.selector: .* as a JSON patch on the Deployment's pod template left them/);
  });
  test('the first fix applied (the label added, not the labels replaced): no warning, and written', () => {
    expect(chartWarnings(relabelled('add'))).not.toContain('spec.selector');
    const { manifests, error } = run(strict(relabelled('add')));
    expect(error).toBeUndefined();
    expectApiValid(manifests!);
  });
  test('the second fix applied (the Service selects the pods\' new label): no warning, and written', () => {
    expect(chartWarnings(relabelled('replace', { app: 'x' }))).not.toContain('spec.selector');
    const { manifests, error } = run(strict(relabelled('replace', { app: 'x' })));
    expect(error).toBeUndefined();
    expectApiValid(manifests!);
  });
});

describe('ephemeralClaimNames: two StatefulSets whose pods meet at neither one\'s first pod', () => {
  const statefulSets = (firstVolume: string, firstReplicas: number) => (c: Chart) => {
    const service = new kplus.Service(c, 'headless', { clusterIP: 'None', ports: [{ port: 8000 }] });
    const scratch = (name: string) => ({ volume: PodVolume.ephemeral(name, { storage: '10Gi' }), path: '/scratch' });
    // a's replica 2 gets `a-2-1-data` for its volume "1-data"; a-2's replica 1 gets it for "data"
    const a = new kplus.StatefulSet(c, 'a', { metadata: { name: 'a' }, service, replicas: firstReplicas });
    new InferenceServer(a, 'server', { server: { ...SERVER, volumeMounts: [scratch(firstVolume)] } });
    const b = new kplus.StatefulSet(c, 'b', { metadata: { name: 'a-2' }, service, replicas: 2 });
    new InferenceServer(b, 'server', { server: { ...SERVER, volumeMounts: [scratch('data')] } });
  };
  test('a-2-1-data (a\'s replica 2, a-2\'s replica 1): refused once, naming the claim', () => {
    const lines = expectRefused(statefulSets('1-data', 3),
      /^ {2}\[test\/b\/server\] spec\.template\.spec\.volumes\[\d\]\.name: the generic ephemeral volume "data" gets the claim "a-2-1-data" \(<pod>-<volume>\), which is also the name of the claim of test\/a's ephemeral volume "1-data"/);
    expect(lines).toHaveLength(1);
  });
  test('a of two replicas (no replica 2): written', () => {
    const { manifests, error } = run(statefulSets('1-data', 2));
    expect(error).toBeUndefined();
    expectApiValid(manifests!);
  });
});

describe('a Sidecar front door on port NaN (a computed port: parseInt of an unset variable)', () => {
  const door = (ports: number[]) => (c: Chart) => {
    const d = new AiInferenceDeployment(c, 'p', { server: SERVER });
    new Sidecar(d, 'a', { name: 'rbac', image: 'quay.io/brancz/kube-rbac-proxy:v0.18.1', ports: ports.map(number => ({ number })), frontDoor: { port: NaN } });
  };
  test('listed in ports as NaN too: one line, by the rendered port (not a second "is not one of the sidecar\'s ports (NaN)")', () => {
    const lines = expectRefused(door([NaN]), /^ {2}\[test\/p\] spec\.template\.spec\.initContainers\[0\]\.ports\[0\]\.containerPort: NaN /);
    expect(lines).toHaveLength(1);
  });
  test('not listed: one line naming NaN (not "null", the JSON of NaN)', () => {
    const lines = expectRefused(door([8443]), /^ {2}\[test\/p\/a\] frontDoor\.port: NaN is not one of the sidecar's ports \(8443\)\. Fix: list it in ports$/);
    expect(lines).toHaveLength(1);
  });
});
