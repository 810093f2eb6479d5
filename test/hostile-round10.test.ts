/**
 * Hostile review 10: the props of new-user review 7 (postStartCommand, dropCapabilities,
 * PodVolume.csi, workload volumes), the GPU toleration rules, the name-clash check under JSON
 * patches. Each test is a break found (a false refusal or a miss), kept as a regression test.
 */
import { ApiObject, Chart, JsonPatch } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { AiInferencePod, InferenceServer, KubernetesTarget, PodSecurityLevel, PodVolume, ProxySidecar, Sidecar } from '../src';
import { synthWithWarnings } from './helpers/pod-parts';
import { expectRefused, run } from './helpers/refusal';
import { expectApiValid, newChart } from './helpers/synth';

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

describe('PodVolume.csi driver names as the API server checks them (ValidateCSIDriverName)', () => {
  const mounted = (v: PodVolume) => (c: Chart) => new AiInferencePod(c, 'p', { server: { image, volumeMounts: [{ volume: v, path: '/m' }] } });

  test.each(['my_driver.csi.io', 'a..b', 'csi.', '.csi'])('%j is refused (the API server refuses it; it was written)', driver => {
    expectRefused(mounted(PodVolume.csi('v', driver)), /volume "v"\.driver: .* is not a CSI driver name the API server accepts.*Fix: /);
  });

  test.each(['gcsfuse.csi.storage.gke.io', 's3.csi.aws.com', 'secrets-store.csi.k8s.io', 'Foo.CSI.io', 'x'])('%j is accepted', driver => {
    const spec = writtenSpec(mounted(PodVolume.csi('v', driver)));
    expect(spec.volumes.find((v: any) => v.name === 'v').csi.driver).toBe(driver);
  });

  test('a JSON patch that writes such a driver is refused on the rendered pod', () => {
    expectRefused(c => {
      const p = mounted(PodVolume.csi('v', 'x.csi.io'))(c);
      ApiObject.of(p.pod).addJsonPatch(JsonPatch.replace('/spec/volumes/1/csi/driver', 'my_driver'));
    }, /spec\.volumes\[1\]\.csi\.driver: "my_driver" is not a CSI driver name.*Fix: /);
  });
});

describe('capability names with the CAP_ prefix: CRI-O strips it, containerd adds it again (CAP_CAP_NET_RAW): a warning', () => {
  test('dropCapabilities: [\'CAP_NET_RAW\'] warns naming NET_RAW (on containerd it drops nothing)', () => {
    const chart = newChart('cap');
    new AiInferencePod(chart, 'p', {
      server: { image, security: { dropAllCapabilities: false, dropCapabilities: ['CAP_NET_RAW'] } }, security: { level: PodSecurityLevel.BASELINE },
    });
    const { manifests, warnings } = synthWithWarnings(chart);
    expect(manifests[0].spec.containers[0].securityContext.capabilities.drop).toEqual(['CAP_NET_RAW']);
    expect(warnings).toContain('spec.containers[0].securityContext.capabilities.drop[0]: "CAP_NET_RAW" has the CAP_ prefix: CRI-O strips it, '
      + 'but containerd adds it again ("CAP_CAP_NET_RAW"), so on containerd nodes nothing is dropped. Fix: write "NET_RAW", which every runtime reads');
  });

  test('addCapabilities on a Sidecar likewise (on containerd the container fails to start)', () => {
    const chart = newChart('cap2');
    new Sidecar(new AiInferencePod(chart, 'p', { server: { image }, security: { level: PodSecurityLevel.PRIVILEGED } }), 's', {
      name: 's', image: 'busybox:1.36', command: ['sleep', 'infinity'], security: { addCapabilities: ['cap_sys_nice'] },
    });
    expect(synthWithWarnings(chart).warnings).toMatch(/\[cap2\/p\/s\] container "s": .*capabilities\.add\[0\]: "cap_sys_nice" has the CAP_ prefix.*the container fails to start\. Fix: write "SYS_NICE"/);
  });

  test('NET_RAW is written as given', () => {
    const spec = writtenSpec(c => new AiInferencePod(c, 'p', {
      server: { image, security: { dropAllCapabilities: false, dropCapabilities: ['NET_RAW'] } }, security: { level: PodSecurityLevel.BASELINE },
    }));
    expect(spec.containers[0].securityContext.capabilities).toEqual({ drop: ['NET_RAW'] });
  });
});

describe('findings of a JSON patch reported once, for the hook they are on', () => {
  test('a pod namespace patched to a number is the pod\'s finding, not once more per object its proxy writes next to it', () => {
    const lines = expectRefused(c => {
      const p = new AiInferencePod(c, 'p', { server: { image } });
      new ProxySidecar(p, 'px');
      ApiObject.of(p.pod).addJsonPatch(JsonPatch.add('/metadata/namespace', 5));
    }, /\[test\/p\] metadata\.namespace: 5 is not a string/);
    expect(lines.filter(l => l.includes('metadata.namespace'))).toHaveLength(1);
  });

  test('a sleep action patched onto postStart below 1.30 names postStart and postStartCommand, not preStop', () => {
    const lines = expectRefused(c => {
      const p = new AiInferencePod(c, 'p', { target: KubernetesTarget.of('1.29'), server: { image, postStartCommand: ['true'] } });
      ApiObject.of(p.pod).addJsonPatch(JsonPatch.replace('/spec/containers/0/lifecycle/postStart', { sleep: { seconds: 1 } }));
    }, /lifecycle\.postStart\.sleep: uses the sleep lifecycle action \(lifecycle\.postStart\.sleep\).*Fix: use postStartCommand: \['sleep', 'N'\]/);
    expect(lines.join('\n')).not.toMatch(/preStop/);
  });
});
