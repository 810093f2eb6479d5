import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ApiObject, App, Chart, JsonPatch } from 'cdk8s';
import { AiInferenceDeployment, AiInferencePod, HealthCheck, LogSidecar, ModelPrepInit, ModelSource, ProxySidecar, ProxyTls } from '../src';
import { schemaTypes } from '../src/validation/schema-types';

// A JSON patch can put any JSON anywhere. Whatever type the Kubernetes API would reject is a
// structured synth error naming the field, and no YAML is written — never a stack trace from a
// rule that expected a list, never a silently written manifest the API server refuses.

function fullPod() {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'types-'));
  const app = new App({ outdir });
  const chart = new Chart(app, 'test');
  const pod = new AiInferencePod(chart, 'llm', { server: { image: 'vllm/vllm-openai:v0.6.3', health: HealthCheck.vllm() }, gpu: { count: 1 } });
  new ModelPrepInit(pod, 'model-downloader', { source: ModelSource.s3('s3://models/llama/') });
  new LogSidecar(pod, 'log-forwarder');
  const proxy = new ProxySidecar(pod, 'auth-proxy', { tls: ProxyTls.fromSecret('tls') });
  return { app, chart, pod, proxy, outdir };
}

const POD_PATCHES: Array<[string, unknown, string]> = [
  ['/spec/containers/0/ports', true, 'spec.containers[0].ports: true is not a list'],
  ['/spec/containers/0/env', -1, 'spec.containers[0].env: -1 is not a list'],
  ['/spec/containers/0/env/0', 'X=1', 'spec.containers[0].env[0]: "X=1" is not an object'],
  ['/spec/containers/0/args', { a: 1 }, 'spec.containers[0].args: {"a":1} is not a list'],
  ['/spec/containers/0/args', [1, 2], 'spec.containers[0].args[0]: 1 is not a string'],
  ['/spec/containers/0/resources', 'big', 'spec.containers[0].resources: "big" is not an object'],
  ['/spec/containers/0/resources/limits/memory', true, 'spec.containers[0].resources.limits["memory"]: true is not a string or a number'],
  ['/spec/containers/0/volumeMounts', 5, 'spec.containers[0].volumeMounts: 5 is not a list'],
  ['/spec/containers/0/readinessProbe/periodSeconds', '5', 'spec.containers[0].readinessProbe.periodSeconds: "5" is not a number'],
  ['/spec/containers/0/securityContext/runAsUser', 'root', 'spec.containers[0].securityContext.runAsUser: "root" is not a number'],
  ['/spec/containers/0/stdin', 'yes', 'spec.containers[0].stdin: "yes" is not a boolean'],
  ['/spec/initContainers', 7, 'spec.initContainers: 7 is not a list'],
  ['/spec/volumes', 'x', 'spec.volumes: "x" is not a list'],
  ['/spec/volumes/0/emptyDir', [], 'spec.volumes[0].emptyDir: [] is not an object'],
  ['/spec/tolerations', {}, 'spec.tolerations: {} is not a list'],
  ['/spec/nodeSelector', ['gpu'], 'spec.nodeSelector: ["gpu"] is not an object (a map)'],
  ['/spec/nodeSelector', { gpu: 1 }, 'spec.nodeSelector["gpu"]: 1 is not a string'],
  ['/spec/securityContext', [], 'spec.securityContext: [] is not an object'],
  ['/spec/hostNetwork', 'false', 'spec.hostNetwork: "false" is not a boolean'],
  ['/spec/terminationGracePeriodSeconds', '60s', 'spec.terminationGracePeriodSeconds: "60s" is not a number'],
  ['/metadata/labels', [1], 'metadata.labels: [1] is not an object (a map)'],
  ['/metadata/annotations', { note: { a: 1 } }, 'metadata.annotations["note"]: {"a":1} is not a string'],
  ['/spec', 'none', 'spec: "none" is not an object'],
];

describe('a JSON patch that gives a field the wrong type is a structured synth error and nothing is written', () => {
  test.each(POD_PATCHES)('pod %s = %j', (at, value, expected) => {
    const { app, chart, pod, outdir } = fullPod();
    ApiObject.of(pod.pod).addJsonPatch(at === '/spec/containers/0/env/0' ? JsonPatch.replace(at, value) : JsonPatch.add(at, value));
    let message = '';
    try {
      app.synth();
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toContain(`[test/llm] ${expected}. Fix: give`);
    expect(message.split('\n').slice(1).every(line => /^ {2}\[[^\]]+\] \S.*\. Fix: /.test(line))).toBe(true);
    expect(fs.readdirSync(outdir)).toEqual([]);
    expect(chart).toBeDefined();
  });

  test.each([
    ['ConfigMap', (p: ReturnType<typeof fullPod>) => ApiObject.of(p.proxy.config), '/data', 5, 'data: 5 is not an object (a map)'],
    ['ConfigMap', (p: ReturnType<typeof fullPod>) => ApiObject.of(p.proxy.config), '/data/extra', 1, 'data["extra"]: 1 is not a string'],
    ['NetworkPolicy', (p: ReturnType<typeof fullPod>) => p.proxy.networkPolicy as ApiObject, '/spec/ingress', {}, 'spec.ingress: {} is not a list'],
    ['NetworkPolicy', (p: ReturnType<typeof fullPod>) => p.proxy.networkPolicy as ApiObject, '/spec/policyTypes', 'Ingress', 'spec.policyTypes: "Ingress" is not a list'],
  ])('%s %s = %j', (_kind, target, at, value, expected) => {
    const p = fullPod();
    target(p).addJsonPatch(JsonPatch.add(at as string, value));
    expect(() => p.app.synth()).toThrow(`${expected}. Fix: give`);
    expect(fs.readdirSync(p.outdir)).toEqual([]);
  });

  test('a Deployment\'s own fields too (replicas, strategy, template)', () => {
    const app = new App({ outdir: fs.mkdtempSync(path.join(os.tmpdir(), 'types-')) });
    const chart = new Chart(app, 'test');
    const dep = new AiInferenceDeployment(chart, 'llm', { replicas: 2, server: { image: 'vllm/vllm-openai:v0.6.3' } });
    ApiObject.of(dep.deployment).addJsonPatch(JsonPatch.replace('/spec/replicas', '2'), JsonPatch.add('/spec/template/spec/containers/0/ports', 'x'));
    expect(() => app.synth()).toThrow(/spec\.replicas: "2" is not a number[\s\S]*spec\.template\.spec\.containers\[0\]\.ports: "x" is not a list/);
  });
});

test('well-typed objects have no type findings, unknown (newer) fields are left to the target rules, other versions are skipped', () => {
  const { chart } = fullPod();
  for (const m of App._synthChart(chart)) {
    expect(schemaTypes(m)).toEqual([]);
  }
  expect(schemaTypes({ apiVersion: 'v1', kind: 'Pod', spec: { containers: [{ name: 'a', restartPolicy: 'Always', newField: [1] }] } })).toEqual([]);
  expect(schemaTypes({ apiVersion: 'resource.k8s.io/v1', kind: 'ResourceClaimTemplate', spec: 5 })).toEqual([]);
  expect(schemaTypes({ apiVersion: 'v1', kind: 'Pod', spec: { containers: 5 } }).map(f => f.field)).toEqual(['spec.containers']);
});
