/**
 * Hostile review 10: the props of new-user review 7 (postStartCommand, dropCapabilities,
 * PodVolume.csi, workload volumes), the GPU toleration rules, the name-clash check under JSON
 * patches. Each test is a break found (a false refusal or a miss), kept as a regression test.
 */
import { Chart } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { AiInferencePod, InferenceServer } from '../src';
import { expectRefused, run } from './helpers/refusal';
import { expectApiValid } from './helpers/synth';

const image = 'vllm/vllm-openai:v0.9.1';

/** The written pod spec of a synth that must succeed. */
function writtenSpec(build: (c: Chart) => void): any {
  const { manifests, error } = run(build);
  expect(error).toBeUndefined();
  expectApiValid(manifests!);
  const workload = manifests!.find(m => ['Pod', 'Deployment', 'StatefulSet', 'Job'].includes(m.kind));
  return workload.kind === 'Pod' ? workload.spec : workload.spec.template.spec;
}

describe('GPU tolerations', () => {
  test('tolerationSeconds on a NoExecute toleration is written (it was refused as an unknown prop)', () => {
    const spec = writtenSpec(c => new AiInferencePod(c, 'p', {
      server: { image }, gpu: { count: 1 },
      tolerations: [{ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 30 }],
    }));
    expect(spec.tolerations).toEqual([
      { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 30 },
      { key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' },
    ]);
  });

  test('tolerationSeconds on another effect, or not a number, is refused', () => {
    expectRefused(c => new AiInferencePod(c, 'p', { server: { image }, tolerations: [{ key: 'x', effect: 'NoSchedule', tolerationSeconds: 30 }] }),
      /tolerations\[0\]\.tolerationSeconds: 30 is set with effect "NoSchedule".*Fix: /);
    expectRefused(c => new AiInferencePod(c, 'p', { server: { image }, tolerations: [{ key: 'x', effect: 'NoExecute', tolerationSeconds: '30' as any }] }),
      /tolerations\[0\]\.tolerationSeconds: .*Fix: /);
  });

  test('an empty key with Exists (every taint, as the API server reads it) is accepted and covers the GPU taint (it was refused)', () => {
    const spec = writtenSpec(c => new AiInferencePod(c, 'p', { server: { image }, gpu: { count: 1 }, tolerations: [{ key: '', operator: 'Exists' }] }));
    expect(spec.tolerations).toEqual([{ key: '', operator: 'Exists' }]);
    expectRefused(c => new AiInferencePod(c, 'p', { server: { image }, tolerations: [{ key: '', operator: 'Equal', value: 'x' }] }),
      /tolerations\[0\]\.operator: "Equal" with an empty key/);
  });

  test('the workload\'s own toleration of the GPU taint (cdk8s-plus scheduling.tolerate) is not written a second time', () => {
    const spec = writtenSpec(c => {
      const d = new kplus.Deployment(c, 'd', { metadata: { name: 'd' } });
      d.scheduling.tolerate(kplus.Node.tainted(kplus.NodeTaintQuery.exists('nvidia.com/gpu', { effect: kplus.TaintEffect.NO_SCHEDULE })));
      new InferenceServer(d, 's', { server: { image }, gpu: { count: 1 } });
    });
    expect(spec.tolerations).toEqual([{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }]);
  });

  test.each<[string, any]>([
    ['NoExecute only', { operator: 'Exists', effect: 'NoExecute' }],
    ['Equal a value', { key: 'nvidia.com/gpu', operator: 'Equal', value: 'present', effect: 'NoSchedule' }],
    ['NoExecute with tolerationSeconds', { key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 60 }],
  ])('a narrower toleration (%s) still gets the library\'s next to it', (_name, toleration) => {
    const spec = writtenSpec(c => new AiInferencePod(c, 'p', { server: { image }, gpu: { count: 1 }, tolerations: [toleration] }));
    expect(spec.tolerations).toEqual([toleration, { key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }]);
  });
});
