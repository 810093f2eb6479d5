import { ApiObject, Chart, JsonPatch } from 'cdk8s';
import {
  AiInferenceDeployment, AiInferencePod, GpuClaim, KubernetesTarget, LogDestination, LogSidecar, ModelCache, ModelPrepInit, ModelSource, ProxySidecar,
} from '../src';
import { expectRefused, run } from './helpers/refusal';
import { expectApiValid } from './helpers/synth';

/*
 * The objects the library writes next to a pod — the proxy's and the log shipper's ConfigMaps,
 * a new model-cache claim, a DRA claim template, the NetworkPolicy, a Deployment's Service —
 * follow the pod: a JSON patch that moves the pod to another namespace takes them along, and a
 * patch that moves or renames one of them away from the pod is refused (a ConfigMap in another
 * namespace cannot be mounted; a NetworkPolicy there protects nothing; a renamed claim leaves
 * the pod Pending).
 */

/** A pod with every kind of companion object. */
function fullPod(chart: Chart, namespace?: string) {
  const pod = new AiInferencePod(chart, 'llm', {
    metadata: namespace === undefined ? {} : { namespace },
    server: { image: 'vllm/vllm-openai:v0.6.3' },
    gpu: { count: 1, claim: GpuClaim.dra({ deviceClassName: 'gpu.nvidia.com' }) },
    target: KubernetesTarget.of('1.34'),
  });
  const model = new ModelPrepInit(pod, 'model-downloader', {
    source: ModelSource.s3('s3://models/llama/'), cache: ModelCache.newPersistentVolumeClaim({ size: '100Gi', claimName: 'llama-cache' }),
  });
  const logs = new LogSidecar(pod, 'logs', { shipTo: LogDestination.loki({ host: 'loki' }) });
  const proxy = new ProxySidecar(pod, 'proxy');
  return { pod, model, logs, proxy };
}

const namespaces = (manifests: any[]) => manifests.map(m => `${m.kind} ${m.metadata.namespace}`).sort();
const companion = (chart: Chart, kind: string) =>
  chart.node.findAll().find((c): c is ApiObject => c instanceof ApiObject && c.kind === kind) as ApiObject;

test('a JSON patch that moves the pod to a namespace takes every object next to it along', () => {
  const { manifests } = run(chart => {
    const { pod } = fullPod(chart);
    ApiObject.of(pod.pod).addJsonPatch(JsonPatch.add('/metadata/namespace', 'ai'));
  });
  expect(namespaces(manifests!)).toEqual(['ConfigMap ai', 'ConfigMap ai', 'NetworkPolicy ai', 'PersistentVolumeClaim ai', 'Pod ai', 'ResourceClaimTemplate ai']);
  expectApiValid(manifests!.filter(m => m.kind !== 'ResourceClaimTemplate'));
});

test('…and one that moves it back to the default namespace too; a Deployment\'s Service follows its Deployment', () => {
  const back = run(chart => {
    const { pod } = fullPod(chart, 'ai');
    ApiObject.of(pod.pod).addJsonPatch(JsonPatch.remove('/metadata/namespace'));
  });
  expect(namespaces(back.manifests!)).toEqual(['ConfigMap undefined', 'ConfigMap undefined', 'NetworkPolicy undefined',
    'PersistentVolumeClaim undefined', 'Pod undefined', 'ResourceClaimTemplate undefined']);
  const deployment = run(chart => {
    const dep = new AiInferenceDeployment(chart, 'llm', { server: { image: 'vllm/vllm-openai:v0.6.3' } });
    new ProxySidecar(dep, 'proxy');
    ApiObject.of(dep.deployment).addJsonPatch(JsonPatch.add('/metadata/namespace', 'serving'));
  });
  expect(namespaces(deployment.manifests!)).toEqual(['ConfigMap serving', 'Deployment serving', 'NetworkPolicy serving', 'Service serving']);
});

test.each(['ConfigMap', 'NetworkPolicy', 'PersistentVolumeClaim', 'ResourceClaimTemplate'])('a %s patched into another namespace than its pod\'s is refused', kind => {
  const lines = expectRefused(chart => {
    fullPod(chart, 'ai');
    companion(chart, kind).addJsonPatch(JsonPatch.replace('/metadata/namespace', 'elsewhere'));
  }, /metadata\.namespace: "elsewhere" is not the namespace of the Pod that uses it \("ai"\)\. Fix: leave it out/);
  expect(lines).toHaveLength(1);
});

test.each([
  ['PersistentVolumeClaim', 'llama-cache-2'],
  ['ResourceClaimTemplate', 'other-template'],
  ['ConfigMap', 'other-config'],
])('a %s renamed by a JSON patch away from the name the pod refers to is refused', (kind, name) => {
  expectRefused(chart => {
    fullPod(chart);
    companion(chart, kind).addJsonPatch(JsonPatch.replace('/metadata/name', name));
  }, new RegExp(`metadata\\.name: "${name}" is not a ${kind} the Pod refers to\\. Fix: name it with the construct's prop`));
});

test('renaming the claim and the pod\'s reference together is what was asked, and is written', () => {
  const { manifests } = run(chart => {
    const { pod } = fullPod(chart);
    companion(chart, 'PersistentVolumeClaim').addJsonPatch(JsonPatch.replace('/metadata/name', 'renamed'));
    const json = ApiObject.of(pod.pod).toJson();
    const index = json.spec.volumes.findIndex((v: any) => v.persistentVolumeClaim?.claimName === 'llama-cache');
    ApiObject.of(pod.pod).addJsonPatch(JsonPatch.replace(`/spec/volumes/${index}/persistentVolumeClaim/claimName`, 'renamed'));
  });
  expect(manifests!.find(m => m.kind === 'PersistentVolumeClaim').metadata.name).toBe('renamed');
  expect(manifests!.find(m => m.kind === 'Pod').spec.volumes.some((v: any) => v.persistentVolumeClaim?.claimName === 'renamed')).toBe(true);
});

test('a pod that cannot be rendered (a JSON patch under a missing parent) is reported once, not again by each object next to it', () => {
  const lines = expectRefused(chart => {
    const { pod } = fullPod(chart);
    ApiObject.of(pod.pod).addJsonPatch(JsonPatch.add('/spec/nope/deeper', 1));
  }, /\[test\/llm\] JSON patch add "\/spec\/nope\/deeper": cannot be applied: "\/spec\/nope" does not exist in the rendered Pod\. Fix: add the parent first/);
  expect(lines).toHaveLength(1);
});

test('a JSON patch that cannot apply to an object next to the pod names that patch', () => {
  expectRefused(chart => {
    fullPod(chart);
    companion(chart, 'NetworkPolicy').addJsonPatch(JsonPatch.replace('/spec/ingress/5/ports', []));
  }, /JSON patch replace "\/spec\/ingress\/5\/ports": cannot be applied/);
});

test('an invalid namespace patched onto the pod is reported once, by the pod, not again by each object that follows it', () => {
  const lines = expectRefused(chart => {
    const { pod } = fullPod(chart);
    ApiObject.of(pod.pod).addJsonPatch(JsonPatch.add('/metadata/namespace', 'Bad_NS'));
  }, /\[test\/llm\] metadata\.namespace: "Bad_NS" is not a valid namespace/);
  expect(lines.filter(l => l.includes('"Bad_NS"'))).toHaveLength(1);
});
