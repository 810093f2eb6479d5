import { Chart } from 'cdk8s';
import {
  Accelerator, AiInferencePod, GpuClaim, InitContainer, KubernetesTarget, ModelPrepInit, ModelProfile, ModelSource,
  PodSecurityLevel, PodVolume, Sidecar,
} from '../src';
import { expectRefused, run } from './helpers/refusal';
import { expectApiValid } from './helpers/synth';

/*
 * Hostile inputs against the README's contract for bad input: a synth either writes YAML the
 * API server accepts, or fails with only `[construct path] field: ... Fix: ...` lines naming the
 * field and writes nothing. Each case here broke that contract once (a raw TypeError, a stack
 * trace, invalid YAML, a silently garbled prop, or a pod the kubelet never starts).
 */

const SERVER = { image: 'vllm/vllm-openai:v0.6.3' };

describe('values of the wrong shape are reported by field, never thrown or garbled', () => {
  test.each<[string, (chart: Chart) => void, RegExp]>([
    ['server: null', c => new AiInferencePod(c, 'p', { server: null as any }), /\] server: null is not/],
    ['props undefined', c => new AiInferencePod(c, 'p', undefined as any), /\] server: undefined is not/],
    ['Sidecar props null', c => new Sidecar(new AiInferencePod(c, 'p', { server: SERVER }), 's', null as any), /\[test\/p\/s\] name: /],
    ['InitContainer props null', c => new InitContainer(new AiInferencePod(c, 'p', { server: SERVER }), 'i', null as any), /\[test\/p\/i\] name: /],
    ['extraPorts: [null]', c => new AiInferencePod(c, 'p', { server: { ...SERVER, extraPorts: [null] as any } }), /server\.extraPorts\[0\]: null is not a port/],
    ['server.command as a string', c => new AiInferencePod(c, 'p', { server: { ...SERVER, command: 'vllm serve' as any } }), /server\.command: "vllm serve" is not a list/],
    ['server.args as a string', c => new AiInferencePod(c, 'p', { server: { ...SERVER, args: '--port 8000' as any } }), /server\.args: "--port 8000" is not a list/],
    ['nodeSelector as a string', c => new AiInferencePod(c, 'p', { server: SERVER, nodeSelector: 'gpu' as any }), /\] nodeSelector: "gpu" is not a map/],
    ['gpu.nodeSelector as a string', c => new AiInferencePod(c, 'p', { server: SERVER, gpu: { count: 1, nodeSelector: 'gpu' as any } }), /gpu\.nodeSelector: "gpu" is not a map/],
    ['tolerations as a string', c => new AiInferencePod(c, 'p', { server: SERVER, tolerations: 'gpu' as any }), /\] tolerations: "gpu" is not a list/],
    ['tolerations: [null]', c => new AiInferencePod(c, 'p', { server: SERVER, tolerations: [null] as any }), /tolerations\[0\]: null is not a toleration/],
    ['imagePullSecrets as a string', c => new AiInferencePod(c, 'p', { server: SERVER, imagePullSecrets: 'regcred' as any }), /imagePullSecrets: "regcred" is not a list/],
    ['affinity with a cycle', c => {
      const affinity: any = { nodeAffinity: {} };
      affinity.nodeAffinity.self = affinity;
      new AiInferencePod(c, 'p', { server: SERVER, affinity });
    }, /\] affinity: .*JSON/],
    ['security.level not a PodSecurityLevel', c => new AiInferencePod(c, 'p', { server: SERVER, security: { level: 'bogus' as any } }), /security\.level: "bogus" is not/],
    ['gpu.claim selectors as a string', c => new AiInferencePod(c, 'p', {
      server: SERVER, target: KubernetesTarget.V1_34, gpu: { count: 1, claim: GpuClaim.dra({ selectors: 'device.driver == "x"' as any }) },
    }), /gpu\.claim\.selectors: .* is not a list/],
    ['model: null', c => new AiInferencePod(c, 'p', { server: SERVER, model: null as any, gpu: { count: 1, accelerator: Accelerator.NVIDIA_L4 } }), /\] model: null is not/],
    ['an accelerator name with a line break', c => new AiInferencePod(c, 'p', {
      server: SERVER, model: { profile: ModelProfile.LLAMA_3_1_8B }, gpu: { count: 1, accelerator: Accelerator.custom({ name: 'a\nb', memory: '80Gi' }) },
    }), /gpu\.accelerator\.name: "a\\nb"/],
    ['an OCI model image pull policy that is not one', c => new ModelPrepInit(new AiInferencePod(c, 'p', { server: SERVER, target: KubernetesTarget.V1_35 }), 'm', {
      source: ModelSource.ociImage('registry.example.com/models/llama:1', { pullPolicy: 'Sometimes' as any }),
    }), /source\.pullPolicy: "Sometimes"/],
  ])('%s', (_name, build, field) => {
    expectRefused(build, field);
  });
});

describe('arrays with holes are never written as nulls', () => {
  test.each<[string, (chart: Chart) => void, RegExp]>([
    // eslint-disable-next-line no-sparse-arrays
    ['server.args', c => new AiInferencePod(c, 'p', { server: { ...SERVER, args: [, '--port', '8000'] as any } }), /args\[0\]: null is not a string/],
    // eslint-disable-next-line no-sparse-arrays
    ['tolerations', c => new AiInferencePod(c, 'p', { server: SERVER, tolerations: [, { key: 'a' }] as any }), /tolerations\[0\]/],
    ['configMap keys', c => new AiInferencePod(c, 'p', {
      // eslint-disable-next-line no-sparse-arrays
      server: { ...SERVER, volumeMounts: [{ volume: PodVolume.configMap('templates', 'llm-templates', { keys: [, 'a.txt'] as any }), path: '/templates' }] },
    }), /items\[0\]|keys\[0\]/],
  ])('%s', (_name, build, field) => {
    expectRefused(build, field);
  });
});

describe('relaxations the kubelet would refuse fail at synth', () => {
  test('root declared at pod level only (README: "container or pod") is written, and its server does not say runAsNonRoot', () => {
    // README, Security: root is `{ runAsNonRoot: false, runAsUser: 0 }` (container or pod) with level BASELINE
    const result = run(c => new AiInferencePod(c, 'p', {
      server: SERVER, security: { level: PodSecurityLevel.BASELINE, runAsUser: 0, runAsNonRoot: false },
    }));
    expect(result.error).toBeUndefined();
    if (result.manifests) {
      // no container may combine runAsNonRoot: true with the root user it inherits
      const pod = result.manifests[0];
      for (const c of [...(pod.spec.initContainers ?? []), ...pod.spec.containers]) {
        const user = c.securityContext?.runAsUser ?? pod.spec.securityContext?.runAsUser;
        const nonRoot = c.securityContext?.runAsNonRoot ?? pod.spec.securityContext?.runAsNonRoot;
        expect({ container: c.name, rootWithNonRoot: user === 0 && nonRoot === true }).toEqual({ container: c.name, rootWithNonRoot: false });
      }
      expectApiValid(result.manifests);
    }
  });

  test('a container inheriting user 0 from the pod while it says runAsNonRoot is an error naming the container', () => {
    expectRefused(c => new AiInferencePod(c, 'p', {
      server: { ...SERVER, security: { runAsNonRoot: true } }, security: { level: PodSecurityLevel.BASELINE, runAsUser: 0, runAsNonRoot: false },
    }), /container "server".*runAsUser|runAsNonRoot/);
  });
});
