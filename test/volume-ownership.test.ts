/**
 * Volume ownership (pod `security.keepVolumeOwnership`): the pod writes no `fsGroup` and no
 * `fsGroupChangePolicy`, so the kubelet leaves a mounted claim's owner as it is (a shared
 * weights volume of other teams, a root-squashed NFS export). Found by a new user writing vLLM
 * on Huawei Ascend (a root pod with a shared claim, production-pods-17): the library always
 * wrote fsGroup 1000, and only `idsFromPlatform` (which refuses root) removed it.
 */
import { Chart } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import {
  AiInferencePod, FsGroupChangePolicy, HealthCheck, ImagePullPolicy, InferenceServer, ModelCache, ModelPrepInit, ModelSource,
  PodSecurityLevel, PodVolume,
} from '../src';
import { mount, synthWithWarnings, templateOf, volume } from './helpers/pod-parts';
import { pssRestrictedViolations } from './helpers/pss';
import { expectRefused, run } from './helpers/refusal';
import { container, expectApiValid, manifestOf, newChart, podSpec } from './helpers/synth';

const image = 'vllm/vllm-openai:v0.9.1';
const DEFAULTS = { fsGroup: 1000, fsGroupChangePolicy: 'OnRootMismatch', runAsGroup: 1000, runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: 'RuntimeDefault' } };

function pod(chart: Chart, security: any, server: any = {}): AiInferencePod {
  return new AiInferencePod(chart, 'p', { server: { image, ...server }, security });
}

describe('security.keepVolumeOwnership', () => {
  test('a non-root pod: no fsGroup, no fsGroupChangePolicy; the user, group and restricted level stay', () => {
    const chart = newChart();
    pod(chart, { keepVolumeOwnership: true });
    const { manifests, warnings } = synthWithWarnings(chart);
    const spec = podSpec(manifestOf(manifests, 'Pod'));
    expect(spec.securityContext).toEqual({ runAsGroup: 1000, runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: 'RuntimeDefault' } });
    expect(pssRestrictedViolations(manifestOf(manifests, 'Pod'))).toEqual([]);
    expect(warnings).toBe('');
  });

  test('false, or left out, writes the defaults (fsGroup 1000, OnRootMismatch)', () => {
    for (const security of [{ keepVolumeOwnership: false }, {}]) {
      const chart = newChart();
      pod(chart, security);
      const { manifests } = synthWithWarnings(chart);
      expect(podSpec(manifestOf(manifests, 'Pod')).securityContext).toEqual(DEFAULTS);
    }
  });

  test('a root pod (the Ascend case): no fsGroup, no runAsNonRoot, user 0', () => {
    const chart = newChart();
    pod(chart, { level: PodSecurityLevel.BASELINE, runAsNonRoot: false, runAsUser: 0, keepVolumeOwnership: true },
      { security: { runAsNonRoot: false, runAsUser: 0 } });
    const { manifests } = synthWithWarnings(chart);
    expect(podSpec(manifestOf(manifests, 'Pod')).securityContext).toEqual({ runAsGroup: 1000, runAsUser: 0, seccompProfile: { type: 'RuntimeDefault' } });
  });

  test('with idsFromPlatform: neither ids nor fsGroupChangePolicy', () => {
    const chart = newChart();
    pod(chart, { idsFromPlatform: true, keepVolumeOwnership: true });
    const { manifests } = synthWithWarnings(chart);
    expect(podSpec(manifestOf(manifests, 'Pod')).securityContext).toEqual({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
  });

  test('on a workload of yours, the fsGroup and policy its pod sets (cdk8s-plus securityContext) are left out too; its user and group stay', () => {
    const { manifests, error } = run(c => {
      const d = new kplus.Deployment(c, 'd', {
        metadata: { name: 'd' },
        securityContext: { user: 2000, group: 2000, fsGroup: 2000, fsGroupChangePolicy: kplus.FsGroupChangePolicy.ALWAYS },
      });
      new InferenceServer(d, 's', { server: { image }, security: { keepVolumeOwnership: true } });
    });
    expect(error).toBeUndefined();
    expectApiValid(manifests!);
    expect(manifests![0].spec.template.spec.securityContext).toEqual({ runAsGroup: 2000, runAsNonRoot: true, runAsUser: 2000, seccompProfile: { type: 'RuntimeDefault' } });
  });

  test.each<[string, any, RegExp]>([
    ['fsGroup', { keepVolumeOwnership: true, fsGroup: 2000 },
      /\[test\/p\] security\.fsGroup: 2000 is given with security\.keepVolumeOwnership, which writes no fsGroup or fsGroupChangePolicy .* Fix: keep one of them$/],
    ['fsGroupChangePolicy', { keepVolumeOwnership: true, fsGroupChangePolicy: FsGroupChangePolicy.ALWAYS },
      /\[test\/p\] security\.fsGroupChangePolicy: "Always" is given with security\.keepVolumeOwnership, .* Fix: keep one of them$/],
    ['a non-boolean (JavaScript caller)', { keepVolumeOwnership: 'yes' },
      /\[test\/p\] security\.keepVolumeOwnership: "yes" is not true or false\. Fix: true leaves the volumes' owner as it is/],
  ])('refused with %s', (_what, security, line) => {
    expectRefused(c => pod(c, security), line);
  });

  test('fsGroup 0 is refused too (given is given)', () => {
    expectRefused(c => pod(c, { keepVolumeOwnership: true, fsGroup: 0 }), /security\.fsGroup: 0 is given with security\.keepVolumeOwnership/);
  });

  test('a misspelt key is named with the suggestion', () => {
    expectRefused(c => pod(c, { keepVolumeOwnerships: true }), /security\.keepVolumeOwnerships.*keepVolumeOwnership/);
  });
});

describe('volumeOwnershipKept: a non-root container that must write a claim the kubelet does not give it', () => {
  const kept = { keepVolumeOwnership: true };

  test('ModelPrepInit\'s cache on a claim: a warning on the downloader\'s mount, naming the claim, the user and the ways out', () => {
    const chart = newChart();
    const p = pod(chart, kept);
    new ModelPrepInit(p, 'm', { source: ModelSource.s3('s3://models/granite/'), cache: ModelCache.persistentVolumeClaim('models') });
    const { manifests, warnings } = synthWithWarnings(chart);
    expect(podSpec(manifestOf(manifests, 'Pod')).securityContext.fsGroup).toBeUndefined();
    const lines = warnings.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^\[warning\] \[test\/p\/m\] container "model-downloader": spec\.initContainers\[0\]\.volumeMounts\[\d\]\.name: volume "model-storage" \(the PersistentVolumeClaim "models"\) is where the model download writes in a container that runs as user 1000, and test\/p leaves the volume's owner as it is \(security\.keepVolumeOwnership: no fsGroup\)/);
    expect(lines[0]).toContain('Fix: give the claim to user 1000 first');
    expect(lines[0]).toContain('or leave security.keepVolumeOwnership out');
  });

  test('no warning without keepVolumeOwnership (fsGroup 1000 gives the claim to the pod)', () => {
    const chart = newChart();
    new ModelPrepInit(pod(chart, {}), 'm', { source: ModelSource.s3('s3://models/granite/'), cache: ModelCache.persistentVolumeClaim('models') });
    expect(synthWithWarnings(chart).warnings).toBe('');
  });

  test('no warning for an emptyDir cache (anyone may write it)', () => {
    const chart = newChart();
    new ModelPrepInit(pod(chart, kept), 'm', { source: ModelSource.s3('s3://models/granite/') });
    const { manifests, warnings } = synthWithWarnings(chart);
    expect(volume(podSpec(manifestOf(manifests, 'Pod')), 'model-storage').emptyDir).toBeDefined();
    expect(warnings).toBe('');
  });

  test('the Hub cache of a named model on a claim: warned; on an emptyDir: not', () => {
    const hub = (v: PodVolume) => ({
      args: ['--model', 'Qwen/Qwen3-8B'], env: { HF_HOME: '/data/hf' }, volumeMounts: [{ volume: v, path: '/data/hf', readOnly: false }],
    });
    const claim = newChart();
    pod(claim, kept, hub(PodVolume.persistentVolumeClaim('hf', 'hf-cache')));
    const { warnings } = synthWithWarnings(claim);
    expect(warnings).toMatch(/\[test\/p\] container "server": spec\.containers\[0\]\.volumeMounts\[\d\]\.name: volume "hf" \(the PersistentVolumeClaim "hf-cache"\) is where the Hugging Face Hub cache of "Qwen\/Qwen3-8B" \(\/data\/hf\/hub\) is in a container that runs as user 1000/);
    expect(warnings.trim().split('\n')).toHaveLength(1);

    const scratch = newChart();
    pod(scratch, kept, hub(PodVolume.emptyDir('hf')));
    expect(synthWithWarnings(scratch).warnings).toBe('');
  });

  test('a generic ephemeral volume is a fresh claim: warned', () => {
    const chart = newChart();
    pod(chart, kept, {
      args: ['--model', 'Qwen/Qwen3-8B'], env: { HF_HOME: '/scratch' },
      volumeMounts: [{ volume: PodVolume.ephemeral('scratch', { storage: '100Gi' }), path: '/scratch' }],
    });
    expect(synthWithWarnings(chart).warnings).toMatch(/volume "scratch" \(a generic ephemeral volume\) is where the Hugging Face Hub cache/);
  });

  test('a StatefulSet claim template: warned', () => {
    const chart = newChart();
    const service = new kplus.Service(chart, 'headless', { clusterIP: 'None', ports: [{ port: 8000 }] });
    const sts = new kplus.StatefulSet(chart, 'vllm', { metadata: { name: 'vllm' }, service });
    new InferenceServer(sts, 'server', {
      server: {
        image, health: HealthCheck.vllm(), args: ['--model', 'Qwen/Qwen3-8B'], env: { HF_HOME: '/data/hf' },
        volumeMounts: [{ volume: PodVolume.claimTemplate('hf-cache', { storage: '200Gi' }), path: '/data/hf', readOnly: false }],
      },
      security: kept,
    });
    const { manifests, warnings } = synthWithWarnings(chart);
    expect(podSpec(manifestOf(manifests, 'StatefulSet')).securityContext.fsGroup).toBeUndefined();
    expect(warnings).toMatch(/volume "hf-cache" \(a claim template of the StatefulSet\) is where the Hugging Face Hub cache/);
  });

  test('a read-only claim, a hostPath (an fsGroup would not change it either) and a root server: no warning', () => {
    const chart = newChart();
    pod(chart, { ...kept, level: PodSecurityLevel.PRIVILEGED }, {
      args: ['--model', 'Qwen/Qwen3-8B'], env: { HF_HOME: '/data/hf' },
      volumeMounts: [
        { volume: PodVolume.hostPath('hf', '/mnt/hf'), path: '/data/hf', readOnly: false },
        { volume: PodVolume.persistentVolumeClaim('weights', 'shared-weights'), path: '/weights' },
      ],
    });
    const { warnings } = synthWithWarnings(chart);
    expect(warnings).not.toContain('keepVolumeOwnership');

    const root = newChart();
    pod(root, { ...kept, level: PodSecurityLevel.BASELINE, runAsNonRoot: false, runAsUser: 0 }, {
      args: ['--model', 'Qwen/Qwen3-8B'], env: { HF_HOME: '/data/hf' }, security: { runAsNonRoot: false, runAsUser: 0 },
      volumeMounts: [{ volume: PodVolume.persistentVolumeClaim('hf', 'hf-cache'), path: '/data/hf', readOnly: false }],
    });
    expect(synthWithWarnings(root).warnings).not.toContain('keepVolumeOwnership');
  });
});

// production-pods-17's Ascend pod (vllm-ascend multi_node_test.md, lws.yaml): root, the claim nv-action-vllm-benchmarks-v2
// shared at /root/.cache, the driver tools from the node; no securityContext in the manifest, so no fsGroup either
describe('vLLM on Huawei Ascend with a shared claim, as the manifest writes it: no fsGroup', () => {
  test('the leader\'s template re-owns nothing', () => {
    const chart = newChart('vllm-ascend');
    const root = { runAsNonRoot: false, runAsUser: 0, readOnlyRootFilesystem: false, allowPrivilegeEscalation: true, dropAllCapabilities: false };
    const leader = new AiInferencePod(chart, 'leader', {
      metadata: { labels: { role: 'leader' } },
      server: {
        name: 'vllm-leader', image: 'swr.cn-southwest-2.myhuaweicloud.com/base_image/ascend-ci/vllm-ascend:nightly-a3', imagePullPolicy: ImagePullPolicy.ALWAYS,
        command: ['sh', '-c', 'bash /vllm-workspace/vllm-ascend/tests/e2e/nightly/multi_node/scripts/run.sh\n'],
        port: 8080, health: HealthCheck.none(), security: root,
        volumeMounts: [
          { volume: PodVolume.persistentVolumeClaim('shared-volume', 'nv-action-vllm-benchmarks-v2'), path: '/root/.cache', readOnly: false },
          { volume: PodVolume.hostPath('driver-tools', '/usr/local/Ascend/driver/tools'), path: '/usr/local/Ascend/driver/tools', readOnly: false },
        ],
      },
      gpu: { count: 16, resourceName: 'huawei.com/ascend-1980', tolerate: false, shmSize: '15Gi' },
      security: { level: PodSecurityLevel.PRIVILEGED, runAsNonRoot: false, runAsUser: 0, keepVolumeOwnership: true },
    });
    const { template, warnings } = templateOf(leader);
    expect(template.spec.securityContext).toEqual({ runAsGroup: 1000, runAsUser: 0, seccompProfile: { type: 'RuntimeDefault' } });
    expect(mount(template.spec.containers[0], '/root/.cache')).toMatchObject({ name: 'shared-volume' });
    expect(warnings).not.toContain('keepVolumeOwnership');
  });

  test('a similar pod: SGLang as root on a shared ReadWriteMany weights claim of another team, with its own Hub cache on a claim', () => {
    const chart = newChart();
    new AiInferencePod(chart, 'sglang', {
      server: {
        image: 'lmsysorg/sglang:v0.4.6.post4-cu124',
        command: ['python3', '-m', 'sglang.launch_server', '--model-path', 'Qwen/Qwen3-8B', '--host', '0.0.0.0', '--port', '30000'],
        port: 30000, health: HealthCheck.none(),
        env: { HF_HOME: '/cache/hf' },
        security: { runAsNonRoot: false, runAsUser: 0, readOnlyRootFilesystem: false },
        volumeMounts: [
          { volume: PodVolume.persistentVolumeClaim('team-weights', 'shared-weights-rwx'), path: '/weights' },
          { volume: PodVolume.persistentVolumeClaim('hf', 'sglang-hf-cache'), path: '/cache', readOnly: false },
        ],
      },
      gpu: { count: 1 },
      security: { level: PodSecurityLevel.BASELINE, runAsNonRoot: false, runAsUser: 0, runAsGroup: 0, keepVolumeOwnership: true },
    });
    const { manifests, warnings } = synthWithWarnings(chart);
    const spec = podSpec(manifestOf(manifests, 'Pod'));
    expect(spec.securityContext).toEqual({ runAsGroup: 0, runAsUser: 0, seccompProfile: { type: 'RuntimeDefault' } });
    expect(mount(container(manifestOf(manifests, 'Pod'), 'server'), '/weights').readOnly).toBe(true);
    expect(warnings).not.toContain('keepVolumeOwnership');
  });
});
