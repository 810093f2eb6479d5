/**
 * StatefulSet claim templates: `PodVolume.claimTemplate` gives each replica a claim of its own
 * (a per-replica model or compile cache, as Seldon's MLServer ServerConfig and vLLM StatefulSets
 * do), written into the StatefulSet's `volumeClaimTemplates`; a mount of a template the user
 * added by JSON patch is accepted too. Everywhere else a claim template is refused.
 */
import { ApiObject, Chart, JsonPatch } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { CacheAccessMode, HealthCheck, InferenceServer, InitContainer, PodVolume, Sidecar, AiInferenceDeployment, AiInferencePod } from '../src';
import { mount } from './helpers/pod-parts';
import { expectRefused } from './helpers/refusal';
import { container, expectApiValid, manifestOf, newChart, podSpec, synth } from './helpers/synth';

const image = 'vllm/vllm-openai:v0.9.1';

function statefulSet(chart: Chart): kplus.StatefulSet {
  const service = new kplus.Service(chart, 'headless', { clusterIP: 'None', ports: [{ port: 8000 }] });
  return new kplus.StatefulSet(chart, 'vllm', { metadata: { name: 'vllm' }, service });
}

describe('PodVolume.claimTemplate', () => {
  test('each replica\'s cache: the template in volumeClaimTemplates, the mount by its name, no pod volume', () => {
    const chart = newChart('sts');
    const sts = statefulSet(chart);
    const cache = PodVolume.claimTemplate('hf-cache', { storage: '200Gi', storageClassName: 'gp3' });
    new InferenceServer(sts, 'server', {
      server: { image, health: HealthCheck.vllm(), volumeMounts: [{ volume: cache, path: '/root/.cache/huggingface', readOnly: false }] },
    });
    const manifests = synth(chart);
    expectApiValid(manifests);
    const set = manifestOf(manifests, 'StatefulSet');
    expect(set.spec.volumeClaimTemplates).toEqual([{
      metadata: { name: 'hf-cache' },
      spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '200Gi' } }, storageClassName: 'gp3' },
    }]);
    expect(mount(container(set, 'server'), '/root/.cache/huggingface')).toEqual({ mountPath: '/root/.cache/huggingface', name: 'hf-cache', readOnly: false });
    expect((podSpec(set).volumes ?? []).map((v: any) => v.name)).not.toContain('hf-cache');
    expect(JSON.stringify(set)).not.toContain('x-cdk8s-ai-inference');
  });

  test('one template shared by the server, a sidecar and an init step is written once; read-only unless the mount says otherwise; any order', () => {
    const render = (serverFirst: boolean) => {
      const chart = newChart('shared');
      const sts = statefulSet(chart);
      const cache = PodVolume.claimTemplate('cache', { storage: '50Gi', accessMode: CacheAccessMode.READ_WRITE_ONCE_POD });
      const server = () => new InferenceServer(sts, 'server', { server: { image, volumeMounts: [{ volume: cache, path: '/cache', readOnly: false }] } });
      if (serverFirst) server();
      new Sidecar(sts, 'agent', { name: 'agent', image: 'busybox:1.36', command: ['sleep', 'infinity'], podVolumeMounts: [{ volume: cache, path: '/cache' }] });
      new InitContainer(sts, 'warm', { name: 'warm', image: 'busybox:1.36', command: ['true'], podVolumeMounts: [{ volume: cache, path: '/cache', readOnly: false }] });
      if (!serverFirst) server();
      return synth(chart);
    };
    const manifests = render(true);
    expectApiValid(manifests);
    expect(render(false)).toEqual(manifests);
    const set = manifestOf(manifests, 'StatefulSet');
    expect(set.spec.volumeClaimTemplates).toHaveLength(1);
    expect(set.spec.volumeClaimTemplates[0].spec.accessModes).toEqual(['ReadWriteOncePod']);
    expect(mount(container(set, 'agent'), '/cache').readOnly).toBe(true);
    expect(mount(container(set, 'warm'), '/cache').readOnly).toBe(false);
  });

  test('a template the user appends by JSON patch sits after the library\'s; a mount of it is not refused; replacing the list is', () => {
    const build = (chart: Chart, op: 'append' | 'replace') => {
      const sts = statefulSet(chart);
      new InferenceServer(sts, 'server', {
        server: { image, volumeMounts: [{ volume: PodVolume.claimTemplate('compile-cache', { storage: '10Gi' }), path: '/compile', readOnly: false }] },
      });
      const models = { metadata: { name: 'models' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '500Gi' } } } };
      ApiObject.of(sts).addJsonPatch(op === 'append' ? JsonPatch.add('/spec/volumeClaimTemplates/-', models) : JsonPatch.add('/spec/volumeClaimTemplates', [models]));
      ApiObject.of(sts).addJsonPatch(JsonPatch.add('/spec/template/spec/containers/0/volumeMounts/-', { name: 'models', mountPath: '/models', readOnly: true }));
    };
    const chart = newChart('patched');
    build(chart, 'append');
    const manifests = synth(chart);
    expectApiValid(manifests);
    expect(manifestOf(manifests, 'StatefulSet').spec.volumeClaimTemplates.map((t: any) => t.metadata.name)).toEqual(['compile-cache', 'models']);
    // a JSON patch applies after the library's rendering: replacing the list drops the library's template, and its mount is then refused
    expectRefused(c => build(c, 'replace'), /mounts volume "compile-cache", which the pod does not define/);
  });

  test('a mount of a name that is neither a volume nor a claim template is still refused, naming both ways to fix it', () => {
    expectRefused(chart => {
      const sts = statefulSet(chart);
      new InferenceServer(sts, 'server', { server: { image } });
      ApiObject.of(sts).addJsonPatch(JsonPatch.add('/spec/template/spec/containers/0/volumeMounts/-', { name: 'nowhere', mountPath: '/x' }));
    }, /volumeMounts\[\d\]\.name: mounts volume "nowhere", which the pod does not define .*Fix: add the volume to the pod or a volumeClaimTemplate of that name/);
  });

  test('in a Pod or a Deployment, a claim template is refused at the mount, once', () => {
    for (const build of [
      (chart: Chart) => new AiInferencePod(chart, 'pod', { server: { image, volumeMounts: [{ volume: PodVolume.claimTemplate('cache', { storage: '1Gi' }), path: '/c' }] } }),
      (chart: Chart) => new AiInferenceDeployment(chart, 'dep', { server: { image, volumeMounts: [{ volume: PodVolume.claimTemplate('cache', { storage: '1Gi' }), path: '/c' }] } }),
    ]) {
      const lines = expectRefused(build, /volumeMounts\[0\]\.volume: PodVolume\.claimTemplate\("cache"\) gives each pod of a StatefulSet a claim of its own, and this is a (Pod|Deployment)/);
      expect(lines).toHaveLength(1);
    }
  });

  test('two different templates under one name are both written and refused; bad options are refused by prop', () => {
    expectRefused(chart => {
      const sts = statefulSet(chart);
      new InferenceServer(sts, 'server', {
        server: {
          image, volumeMounts: [
            { volume: PodVolume.claimTemplate('cache', { storage: '1Gi' }), path: '/a' },
            { volume: PodVolume.claimTemplate('cache', { storage: '2Gi' }), path: '/b' },
          ],
        },
      });
    }, /spec\.volumeClaimTemplates\[1\]\.metadata\.name: claim template "cache" is defined twice/);
    const bad: Array<[any, RegExp]> = [
      [{}, /volume "c"\.storage: is missing/],
      [{ storage: '10GB' }, /volume "c"\.storage: "10GB" is not a positive Kubernetes quantity/],
      [{ storage: '1Gi', accessMode: 'RWX' }, /volume "c"\.accessMode: "RWX" is not an access mode/],
      [{ storage: '1Gi', storageClassName: 'Fast_SSD' }, /volume "c"\.storageClassName: "Fast_SSD" is not a valid StorageClass name/],
      [{ storage: '1Gi', size: '1Gi' }, /volume "c"\.size: unknown prop/],
      [null, /volume "c"\.storage: is missing/],
    ];
    for (const [options, field] of bad) {
      expectRefused(chart => {
        new InferenceServer(statefulSet(chart), 'server', { server: { image, volumeMounts: [{ volume: PodVolume.claimTemplate('c', options), path: '/c' }] } });
      }, field);
    }
  });
});
