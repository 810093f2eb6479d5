/**
 * Hostile review 8: what landed with claim templates, podMetadata, serviceOptions.port,
 * hostNetwork/dnsPolicy, injectedEnv, container seccomp and capabilities, and the named
 * relaxation. Each test is a break found (a false refusal or a miss), kept as a regression test.
 */
import { ApiObject, Chart, JsonPatch } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { AiInferencePod, DnsPolicy, InferenceServer, PodSecurityLevel, PodVolume, ProxyAuth, ProxySidecar } from '../src';
import { synthWithWarnings } from './helpers/pod-parts';
import { expectRefused, run } from './helpers/refusal';
import { manifestOf, newChart } from './helpers/synth';

const image = 'vllm/vllm-openai:v0.9.1';

function statefulSet(chart: Chart): kplus.StatefulSet {
  const service = new kplus.Service(chart, 'headless', { clusterIP: 'None', ports: [{ port: 8000 }] });
  return new kplus.StatefulSet(chart, 'vllm', { metadata: { name: 'vllm' }, service });
}

describe('PodVolume.claimTemplate', () => {
  test('storageClassName "" (no class: bind each claim to a pre-provisioned local volume) is accepted, as the API server and the volumeClaimTemplates rule accept it', () => {
    const chart = newChart('no-class');
    new InferenceServer(statefulSet(chart), 'server', {
      server: { image, volumeMounts: [{ volume: PodVolume.claimTemplate('cache', { storage: '1Ti', storageClassName: '' }), path: '/cache', readOnly: false }] },
    });
    const { manifests } = synthWithWarnings(chart);
    expect(manifestOf(manifests, 'StatefulSet').spec.volumeClaimTemplates[0].spec.storageClassName).toBe('');
  });

  test('a pod volume with a claim template\'s name is refused: the StatefulSet controller would replace it with the claim, silently', () => {
    expectRefused(c => new InferenceServer(statefulSet(c), 'server', {
      server: {
        image, volumeMounts: [
          { volume: PodVolume.claimTemplate('cache', { storage: '1Gi' }), path: '/cache', readOnly: false },
          { volume: PodVolume.emptyDir('cache'), path: '/scratch' },
        ],
      },
    }), /spec\.template\.spec\.volumes\[0\]\.name: volume "cache" is also the name of a volumeClaimTemplate of the StatefulSet.*Fix: /);
    // the same through the StatefulSet's own volume (cdk8s-plus) and through a template added by JSON patch
    expectRefused(c => {
      const sts = statefulSet(c);
      sts.addVolume(kplus.Volume.fromEmptyDir(c, 'scratch', 'cache'));
      new InferenceServer(sts, 'server', {
        server: { image, volumeMounts: [{ volume: PodVolume.claimTemplate('cache', { storage: '1Gi' }), path: '/cache', readOnly: false }] },
      });
    }, /volume "cache" is also the name of a volumeClaimTemplate/);
    expectRefused(c => {
      const sts = statefulSet(c);
      new InferenceServer(sts, 'server', { server: { image, volumeMounts: [{ volume: PodVolume.emptyDir('models'), path: '/models' }] } });
      ApiObject.of(sts).addJsonPatch(JsonPatch.add('/spec/volumeClaimTemplates', [
        { metadata: { name: 'models' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } },
      ]));
    }, /volume "models" is also the name of a volumeClaimTemplate/);
  });
});

describe('JSON patches', () => {
  test('a plain { op, path, value } object given as a JSON patch (JavaScript) is refused with a finding, not "patch._toJson is not a function"', () => {
    const lines = expectRefused(c => {
      const pod = new AiInferencePod(c, 'pod', { metadata: { name: 'pod' }, server: { image } });
      ApiObject.of(pod.pod).addJsonPatch({ op: 'add', path: '/spec/hostNetwork', value: true } as any);
    }, /JSON patch: \{"op":"add","path":"\/spec\/hostNetwork","value":true\} is not a cdk8s JsonPatch\. Fix: build it with JsonPatch\.add/);
    expect(lines).toHaveLength(1);
  });
});

describe('hostNetwork', () => {
  test('behind a ProxySidecar\'s NetworkPolicy, hostNetwork is refused: a NetworkPolicy does not restrict a pod on the node\'s network, so the server is reachable around the proxy', () => {
    expectRefused(c => {
      const pod = new AiInferencePod(c, 'pod', {
        metadata: { name: 'pod' }, server: { image }, hostNetwork: true, dnsPolicy: DnsPolicy.CLUSTER_FIRST_WITH_HOST_NET,
        security: { level: PodSecurityLevel.PRIVILEGED },
      });
      new ProxySidecar(pod, 'proxy', { auth: ProxyAuth.bearerTokens('tokens') });
    }, /spec\.hostNetwork: is true, and the NetworkPolicy of the pod's front door .*Fix: /);
    // with the policy opted out, the pod is what it says
    const chart = newChart('hostnet-proxy');
    const pod = new AiInferencePod(chart, 'pod', {
      metadata: { name: 'pod' }, server: { image }, hostNetwork: true, dnsPolicy: DnsPolicy.CLUSTER_FIRST_WITH_HOST_NET,
      security: { level: PodSecurityLevel.PRIVILEGED },
    });
    new ProxySidecar(pod, 'proxy', { auth: ProxyAuth.bearerTokens('tokens'), networkPolicy: false });
    expect(synthWithWarnings(chart).manifests.map(m => m.kind)).not.toContain('NetworkPolicy');
  });
});

describe('name clashes and pod templates', () => {
  const lws = (c: Chart, templates: any) => new ApiObject(c, 'lws', {
    apiVersion: 'leaderworkerset.x-k8s.io/v1', kind: 'LeaderWorkerSet', metadata: { name: 'vllm' }, spec: { leaderWorkerTemplate: templates },
  });

  test('a LeaderWorkerSet\'s leader and worker pods may share a name: taken as templates, neither is written, so nothing clashes', () => {
    // run: no schema for the LeaderWorkerSet in the test helpers
    const result = run(chart => {
      const leader = new AiInferencePod(chart, 'leader', { metadata: { name: 'vllm' }, server: { image } });
      const worker = new AiInferencePod(chart, 'worker', { metadata: { name: 'vllm' }, server: { image, args: ['--headless'] } });
      lws(chart, { leaderTemplate: leader.toPodTemplate(), workerTemplate: worker.toPodTemplate() });
    });
    expect([result.error, result.manifests?.map(m => m.kind)]).toEqual([undefined, ['LeaderWorkerSet']]);
  });

  test('a pod taken as a template and a pod the chart writes may share a name; the objects both pods need still clash', () => {
    const result = run(chart => {
      const template = new AiInferencePod(chart, 'leader', { metadata: { name: 'vllm' }, server: { image } });
      new AiInferencePod(chart, 'pod', { metadata: { name: 'vllm' }, server: { image, args: ['--other'] } });
      lws(chart, { leaderTemplate: template.toPodTemplate() });
    });
    expect([result.error, result.manifests?.map(m => m.kind)]).toEqual([undefined, ['Pod', 'LeaderWorkerSet']]);
    // the NetworkPolicies the two pods' proxies need are written, under one name: still refused (by toPodTemplate, which validates the app)
    const chart = newChart('template-policies');
    const a = new AiInferencePod(chart, 'leader', { metadata: { name: 'vllm' }, server: { image } });
    const b = new AiInferencePod(chart, 'worker', { metadata: { name: 'vllm' }, server: { image, args: ['--headless'] } });
    new ProxySidecar(a, 'proxy', { auth: ProxyAuth.bearerTokens('tokens') });
    new ProxySidecar(b, 'proxy', { auth: ProxyAuth.bearerTokens('tokens') });
    let message = '';
    try {
      a.toPodTemplate();
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(/NetworkPolicy "vllm-auth-proxy" in the default namespace is also the name of template-policies\/leader\/proxy\/network-policy/);
    expect(message).not.toContain('Pod "vllm"');
  });
});
