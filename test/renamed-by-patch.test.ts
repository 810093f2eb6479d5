import { ApiObject, Chart, JsonPatch } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { AiInferenceDeployment, AiInferencePod, ProxySidecar } from '../src';
import { expectRefused, run } from './helpers/refusal';
import { expectApiValid } from './helpers/synth';

/*
 * The app-wide name-clash check reads names as written: a JSON patch that renames or moves an
 * object (on it, or on the pod an object next to it follows) counts, both ways.
 */
const SERVER = { image: 'vllm/vllm-openai:v0.6.3' };
const pod = (c: Chart, id: string, name: string, namespace?: string) => new AiInferencePod(c, id, { metadata: { name, namespace }, server: SERVER });
const patch = (obj: kplus.AbstractPod | ApiObject, ...patches: JsonPatch[]) => ApiObject.of(obj).addJsonPatch(...patches);

describe('a JSON patch that makes two objects clash is refused', () => {
  test.each<[string, (c: Chart) => void, RegExp]>([
    ['a pod renamed onto another', c => {
      pod(c, 'a', 'x');
      patch(pod(c, 'b', 'y').pod, JsonPatch.replace('/metadata/name', 'x'));
    }, /\[test\/(a|b)\] metadata\.name: Pod "x" in the default namespace is also the name of test\/(a|b): /],
    ['a pod moved into the namespace of its namesake', c => {
      pod(c, 'a', 'x', 'one');
      patch(pod(c, 'b', 'x', 'two').pod, JsonPatch.replace('/metadata/namespace', 'one'));
    }, /metadata\.name: Pod "x" in namespace "one" is also the name of test\/(a|b): /],
    ['a proxy\'s NetworkPolicy renamed onto another pod\'s', c => {
      new ProxySidecar(pod(c, 'a', 'x'), 'p');
      const b = new ProxySidecar(pod(c, 'b', 'y'), 'p');
      patch(b.networkPolicy!, JsonPatch.replace('/metadata/name', 'x-auth-proxy'));
    }, /metadata\.name: NetworkPolicy "x-auth-proxy" in the default namespace is also the name of test\/(a|b)\/p\/network-policy/],
    ['a Deployment renamed onto another (its Service keeps its name, the Deployment clashes)', c => {
      new AiInferenceDeployment(c, 'a', { metadata: { name: 'x' }, server: SERVER });
      const b = new AiInferenceDeployment(c, 'b', { metadata: { name: 'y' }, server: SERVER });
      patch(b.deployment, JsonPatch.replace('/metadata/name', 'x'));
    }, /metadata\.name: Deployment "x" in the default namespace is also the name of test\/(a|b): /],
  ])('%s', (_name, build, message) => {
    expectRefused(build, message);
  });
});

describe('a JSON patch that ends a clash is written', () => {
  test.each<[string, (c: Chart) => void]>([
    ['a pod renamed away from its namesake', c => {
      pod(c, 'a', 'x');
      patch(pod(c, 'b', 'x').pod, JsonPatch.replace('/metadata/name', 'z'));
    }],
    ['a pod (and its proxy\'s NetworkPolicy, which follows it) moved to another namespace', c => {
      new ProxySidecar(pod(c, 'a', 'x'), 'p');
      const b = pod(c, 'b', 'x');
      new ProxySidecar(b, 'p');
      patch(b.pod, JsonPatch.add('/metadata/namespace', 'two'));
    }],
  ])('%s', (_name, build) => {
    const { manifests, error } = run(build);
    expect(error).toBeUndefined();
    expectApiValid(manifests!);
  });

  test('the moved NetworkPolicy is written in the pod\'s new namespace, next to its namesake in the default one', () => {
    const { manifests } = run(c => {
      new ProxySidecar(pod(c, 'a', 'x'), 'p');
      const b = pod(c, 'b', 'x');
      new ProxySidecar(b, 'p');
      patch(b.pod, JsonPatch.add('/metadata/namespace', 'two'));
    });
    const policies = manifests!.filter(m => m.kind === 'NetworkPolicy').map(m => [m.metadata.namespace, m.metadata.name]);
    expect(policies).toEqual([[undefined, 'x-auth-proxy'], ['two', 'x-auth-proxy']]);
  });
});

test('a name listed twice in injectedEnv is refused, naming both places', () => {
  expectRefused(c => new AiInferencePod(c, 'p', { server: SERVER, injectedEnv: ['MODEL_PATH', 'LWS_LEADER_ADDRESS', 'MODEL_PATH'] }),
    /\[test\/p\] injectedEnv\[2\]: "MODEL_PATH" is listed twice \(also injectedEnv\[0\]\)\. Fix: list each name once/);
});
