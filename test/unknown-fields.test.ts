import { ApiObject, Chart, JsonPatch } from 'cdk8s';
import { AiInferencePod, HealthCheck, LogSidecar, ModelPrepInit, ModelSource, ProxySidecar, ProxyTls } from '../src';
import { expectRefused } from './helpers/refusal';
import { expectApiValid, manifestOf, newChart, synth } from './helpers/synth';

// A JSON patch that writes a member the Kubernetes API does not have is not an escape hatch that
// works: kubectl (strict field validation, its default since 1.27) refuses the object, and a
// client that only warns drops the member. A misspelled field is named with the one it misspells.

function fullPod(chart: Chart) {
  const pod = new AiInferencePod(chart, 'llm', { server: { image: 'vllm/vllm-openai:v0.6.3', health: HealthCheck.vllm() }, gpu: { count: 1 } });
  new ModelPrepInit(pod, 'model-downloader', { source: ModelSource.s3('s3://models/llama/') });
  new LogSidecar(pod, 'log-forwarder');
  const proxy = new ProxySidecar(pod, 'auth-proxy', { tls: ProxyTls.fromSecret('tls') });
  return { pod, proxy };
}

const escaped = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('a JSON patch that writes a field the API does not have', () => {
  test.each([
    ['/spec/containers/0/readinessProbe/initialDelaySecond', 5, 'spec.containers[0].readinessProbe.initialDelaySecond', 'Probe (did you mean initialDelaySeconds?)', 'write it as initialDelaySeconds'],
    ['/spec/containers/0/imagePullpolicy', 'Always', 'spec.containers[0].imagePullpolicy', 'Container (did you mean imagePullPolicy?)', 'write it as imagePullPolicy'],
    ['/spec/containers/0/image_pull_policy', 'Always', 'spec.containers[0].image_pull_policy', 'Container (did you mean imagePullPolicy?)', 'write it as imagePullPolicy'],
    ['/spec/nodeSelecter', { a: 'b' }, 'spec.nodeSelecter', 'PodSpec (did you mean nodeSelector?)', 'write it as nodeSelector'],
    ['/spec/toleration', [], 'spec.toleration', 'PodSpec (did you mean tolerations?)', 'write it as tolerations'],
    ['/metadata/label', { a: 'b' }, 'metadata.label', 'ObjectMeta (did you mean labels?)', 'write it as labels'],
    ['/spec/containers/0/foo', 1, 'spec.containers[0].foo', 'Container:', 'remove it, or move it'],
    ['/spec/containers/0/ports/0/appProtocol', 'http', 'spec.containers[0].ports[0].appProtocol', 'ContainerPort:', 'remove it, or move it to where the API has it (kubectl explain lists the fields of ContainerPort)'],
    ['/specs', {}, 'specs', 'Pod (did you mean spec?)', 'write it as spec'],
  ])('%s is refused naming the field and the fix', (patchPath, value, field, message, fix) => {
    const lines = expectRefused(chart => ApiObject.of(fullPod(chart).pod.pod).addJsonPatch(JsonPatch.add(patchPath, value)),
      new RegExp(`^ *\\[test/llm\\] ${escaped(field)}: is not a field of ${escaped(message)}.*Fix: ${escaped(fix)}`));
    expect(lines).toHaveLength(1);
  });

  test('fields the newer APIs have are written (hostnameOverride, a container\'s restartPolicy)', () => {
    const chart = newChart();
    ApiObject.of(fullPod(chart).pod.pod).addJsonPatch(JsonPatch.add('/spec/hostnameOverride', 'llm-0'));
    const docs = synth(chart);
    expectApiValid(docs);
    expect(manifestOf(docs, 'Pod').spec.hostnameOverride).toBe('llm-0');
    expect(manifestOf(docs, 'Pod').spec.initContainers[1].restartPolicy).toBe('Always');
  });

  test('status on an object is accepted (the API server ignores it on create)', () => {
    const chart = newChart();
    ApiObject.of(fullPod(chart).pod.pod).addJsonPatch(JsonPatch.add('/status', { phase: 'Pending' }));
    expect(manifestOf(synth(chart), 'Pod').status).toEqual({ phase: 'Pending' });
  });

  test('an unknown member of a ConfigMap the library writes is refused too', () => {
    expectRefused(chart => ApiObject.of(fullPod(chart).proxy.config).addJsonPatch(JsonPatch.add('/datas', { a: 'b' })),
      /^ *\[test\/llm\/auth-proxy\] datas: is not a field of ConfigMap \(did you mean data\?\)/);
  });

  test('keys of maps (labels, annotations, nodeSelector) are not fields', () => {
    const chart = newChart();
    ApiObject.of(fullPod(chart).pod.pod).addJsonPatch(JsonPatch.add('/metadata/annotations', { 'x.io/anything_Goes': 'v' }),
      JsonPatch.add('/spec/nodeSelector', { 'node.kubernetes.io/instance-type': 'g5' }));
    expectApiValid(synth(chart));
  });
});
