import { ApiObject, Chart, Cron, JsonPatch, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import {
  AiInferenceDeployment, AiInferencePod, CacheAccessMode, DeploymentRollout, HealthCheck, InferenceServer, ModelCache, ModelPrepInit, ModelSource,
  PodVolume,
} from '../src';
import { chartWarnings } from './helpers/pod-parts';
import { expectRefused } from './helpers/refusal';
import { expectApiValid, manifestOf, synth } from './helpers/synth';

/*
 * Hostile round 30, against "Left-alone fixes 3" (sharedClaimAttach across workloads): the
 * attach-detach controller refuses a ReadWriteOnce volume on a second node whatever the mount
 * says (only the PV's access modes allow more), so a read-only reader attaches it too; a
 * workload of the app's own (cdk8s-plus, an included Pod) attaches it as well; and pods pinned
 * to one node (nodeName, the hostname label) share a ReadWriteOnce claim there.
 */

const SERVER = { image: 'vllm/vllm-openai:v0.6.3', health: HealthCheck.none() };
const SOURCE = ModelSource.s3('s3://models/llama/');
const cache = (accessMode?: CacheAccessMode) => ModelCache.newPersistentVolumeClaim({ size: '100Gi', accessMode, claimName: 'llm-cache' });
const MULTI_ATTACH = /Multi-Attach/g;
const pin = (o: ApiObject, path: string, value: unknown) => o.addJsonPatch(JsonPatch.add(path, value));

/** A pod whose model download fills the new claim "llm-cache". */
function cachedPod(c: Chart, id: string, accessMode?: CacheAccessMode): AiInferencePod {
  const p = new AiInferencePod(c, id, { server: SERVER });
  new ModelPrepInit(p, 'model-downloader', { source: SOURCE, cache: cache(accessMode) });
  return p;
}

describe('a reader that mounts the ReadWriteOnce claim read-only attaches it all the same', () => {
  // pkg/controller/volume/attachdetach/reconciler: isMultiAttachForbidden reads the PV's access modes, not the mount
  test.each<[string, object]>([
    ['a read-only mount', { volume: PodVolume.persistentVolumeClaim('models', 'llm-cache'), path: '/models', readOnly: true }],
    ['a read-only claim volume', { volume: PodVolume.persistentVolumeClaim('models', 'llm-cache', { readOnly: true }), path: '/models' }],
  ])('%s: warned once, by the claim\'s workload, naming the reader', (_what, mount) => {
    const w = chartWarnings(c => {
      cachedPod(c, 'a');
      new AiInferencePod(c, 'reader', { server: { ...SERVER, volumeMounts: [mount as any] } });
    });
    expect(w).toContain('[warning] [test/a] spec.volumes[1].persistentVolumeClaim.claimName: the claim "llm-cache" of test/a/model-downloader is ReadWriteOnce: '
      + 'one node at a time attaches it, and test/reader mounts it too (another workload of the app, in the same namespace)');
    expect(w.match(MULTI_ATTACH)).toHaveLength(1);
  });
  test('the fix it names (ReadWriteMany) makes the warning go', () => {
    const w = chartWarnings(c => {
      cachedPod(c, 'a', CacheAccessMode.READ_WRITE_MANY);
      new AiInferencePod(c, 'reader', { server: { ...SERVER, volumeMounts: [{ volume: PodVolume.persistentVolumeClaim('models', 'llm-cache'), path: '/models', readOnly: true }] } });
    });
    expect(w).not.toMatch(MULTI_ATTACH);
  });
  test('a claim volume no container mounts: not attached by the kubelet, no warning', () => {
    const w = chartWarnings(c => {
      cachedPod(c, 'a');
      const b = new AiInferencePod(c, 'b', { server: SERVER });
      pin(ApiObject.of(b.pod), '/spec/volumes/-', { name: 'unused', persistentVolumeClaim: { claimName: 'llm-cache' } });
    });
    expect(w).not.toMatch(MULTI_ATTACH);
  });
});

describe('a workload of the app\'s own (no library add-on) that mounts the claim', () => {
  test('a cdk8s-plus Deployment: warned, naming it', () => {
    const w = chartWarnings(c => {
      cachedPod(c, 'a');
      const tuner = new kplus.Deployment(c, 'tuner');
      const volume = kplus.Volume.fromPersistentVolumeClaim(c, 'models', kplus.PersistentVolumeClaim.fromClaimName(c, 'models-claim', 'llm-cache'));
      tuner.addContainer({ image: 'busybox:1.36', volumeMounts: [{ volume, path: '/models' }] });
    });
    expect(w).toContain('and test/tuner mounts it too (another workload of the app, in the same namespace)');
    expect(w.match(MULTI_ATTACH)).toHaveLength(1);
  });
  test('a Pod written as a plain ApiObject (an included manifest): warned, naming it', () => {
    const w = chartWarnings(c => {
      cachedPod(c, 'a');
      new ApiObject(c, 'loader', {
        apiVersion: 'v1', kind: 'Pod', metadata: { name: 'loader' },
        spec: {
          containers: [{ name: 'main', image: 'busybox:1.36', volumeMounts: [{ name: 'models', mountPath: '/models' }] }],
          volumes: [{ name: 'models', persistentVolumeClaim: { claimName: 'llm-cache' } }],
        },
      });
    });
    expect(w).toContain('and test/loader mounts it too (another workload of the app, in the same namespace)');
  });
  test('in another namespace it mounts another claim: no warning', () => {
    const w = chartWarnings(c => {
      cachedPod(c, 'a');
      const tuner = new kplus.Deployment(c, 'tuner', { metadata: { namespace: 'team-b' } });
      const volume = kplus.Volume.fromPersistentVolumeClaim(c, 'models', kplus.PersistentVolumeClaim.fromClaimName(c, 'models-claim', 'llm-cache'));
      tuner.addContainer({ image: 'busybox:1.36', volumeMounts: [{ volume, path: '/models' }] });
    });
    expect(w).not.toMatch(MULTI_ATTACH);
  });
});

describe('pods pinned to one node share a ReadWriteOnce claim there', () => {
  const two = (pinA: (o: ApiObject) => void, pinB: (o: ApiObject) => void, accessMode?: CacheAccessMode) => chartWarnings(c => {
    pinA(ApiObject.of(cachedPod(c, 'a', accessMode).pod));
    const b = new AiInferencePod(c, 'b', { server: { ...SERVER, volumeMounts: [{ volume: PodVolume.persistentVolumeClaim('models', 'llm-cache'), path: '/models', readOnly: false }] } });
    pinB(ApiObject.of(b.pod));
  });
  const nodeName = (node: string) => (o: ApiObject) => pin(o, '/spec/nodeName', node);
  const hostname = (node: string) => (o: ApiObject) => pin(o, '/spec/nodeSelector', { 'kubernetes.io/hostname': node });
  const affinity = (node: string) => (o: ApiObject) => pin(o, '/spec/affinity', {
    nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [node] }] }] } },
  });
  test.each<[string, (o: ApiObject) => void, (o: ApiObject) => void]>([
    ['both by nodeName', nodeName('gpu-1'), nodeName('gpu-1')],
    ['both by the hostname label', hostname('gpu-1'), hostname('gpu-1')],
    ['by the hostname label and by a required node affinity', hostname('gpu-1'), affinity('gpu-1')],
  ])('%s: no warning (it was one)', (_what, pinA, pinB) => {
    expect(two(pinA, pinB)).not.toMatch(MULTI_ATTACH);
  });
  test.each<[string, (o: ApiObject) => void, (o: ApiObject) => void]>([
    ['one pinned, the other not', nodeName('gpu-1'), () => undefined],
    ['two nodes', nodeName('gpu-1'), nodeName('gpu-2')],
    ['a nodeName and a hostname label (a node\'s name and hostname may differ)', nodeName('gpu-1'), hostname('gpu-1')],
  ])('%s: warned', (_what, pinA, pinB) => {
    expect(two(pinA, pinB).match(MULTI_ATTACH)).toHaveLength(1);
  });
  test('two pods of the claim pinned to one node and a third elsewhere: one line, by the first, naming the third', () => {
    const w = chartWarnings(c => {
      nodeName('gpu-1')(ApiObject.of(cachedPod(c, 'a').pod));
      nodeName('gpu-1')(ApiObject.of(cachedPod(c, 'b').pod));
      cachedPod(c, 'elsewhere');
    });
    expect(w).toContain('[warning] [test/a] spec.volumes[1].persistentVolumeClaim.claimName: the claim "llm-cache" of test/a/model-downloader is ReadWriteOnce: '
      + 'one node at a time attaches it, and test/elsewhere mounts it too');
    expect(w.match(MULTI_ATTACH)).toHaveLength(1);
  });
  test('ReadWriteOncePod is one pod\'s even on one node: warned', () => {
    expect(two(nodeName('gpu-1'), nodeName('gpu-1'), CacheAccessMode.READ_WRITE_ONCE_POD)).toContain('is ReadWriteOncePod: one pod at a time uses it, and test/b mounts it too');
  });
  test('a Deployment of two replicas pinned to one node: no warning; ReadWriteOncePod still warned', () => {
    const deployment = (accessMode?: CacheAccessMode) => chartWarnings(c => {
      const d = new AiInferenceDeployment(c, 'llm', { server: SERVER, replicas: 2, rollout: DeploymentRollout.recreate(), nodeSelector: { 'kubernetes.io/hostname': 'gpu-1' } });
      new ModelPrepInit(d, 'model-downloader', { source: SOURCE, cache: cache(accessMode) });
    });
    expect(deployment()).not.toMatch(MULTI_ATTACH);
    expect(deployment(CacheAccessMode.READ_WRITE_ONCE_POD)).toContain('the Deployment runs 2 replicas');
  });
  test('with warningsAsErrors, the reader on another node fails synth; pinning both to the claim\'s node passes', () => {
    const build = (pinned: boolean) => (c: Chart) => {
      c.node.setContext('cdk8s-ai-inference:warningsAsErrors', true);
      const a = cachedPod(c, 'a');
      const b = new AiInferencePod(c, 'b', { server: { ...SERVER, volumeMounts: [{ volume: PodVolume.persistentVolumeClaim('models', 'llm-cache'), path: '/models', readOnly: true }] } });
      if (pinned) {
        [a, b].forEach(p => nodeName('gpu-1')(ApiObject.of(p.pod)));
      }
    };
    const lines = expectRefused(build(false), /^ {2}\[test\/a\] spec\.volumes\[1\]\.persistentVolumeClaim\.claimName: the claim "llm-cache".*test\/b mounts it too/);
    expect(lines.filter(l => MULTI_ATTACH.test(l))).toHaveLength(1);
    expect(chartWarnings(build(true))).toBe('');
  });
});

describe('a CronJob under concurrencyPolicy Allow whose runs cannot overlap: each ends long before the next', () => {
  // the Job controller stops a run at activeDeadlineSeconds; its pods get their grace period, the volume minutes to detach
  const cronJob = (schedule: string, deadline?: number, extra: (o: ApiObject) => void = () => undefined) => chartWarnings(c => {
    const j = new kplus.CronJob(c, 'nightly', {
      metadata: { name: 'nightly' }, schedule: Cron.schedule({ minute: '0', hour: '3', day: '*', month: '*', weekDay: '*' }), concurrencyPolicy: kplus.ConcurrencyPolicy.ALLOW,
    });
    const o = ApiObject.of(j);
    o.addJsonPatch(JsonPatch.replace('/spec/schedule', schedule));
    if (deadline !== undefined) {
      o.addJsonPatch(JsonPatch.add('/spec/jobTemplate/spec/activeDeadlineSeconds', deadline));
    }
    extra(o);
    new InferenceServer(j, 'server', { server: SERVER });
    new ModelPrepInit(j, 'model-downloader', { source: SOURCE, cache: cache() });
  });
  test.each<[string, string, number]>([
    ['daily at 03:00, a 2 h deadline', '0 3 * * *', 2 * 3600],
    ['@daily, a 20 h deadline', '@daily', 20 * 3600],
    ['weekly on Mondays with a time zone, a 12 h deadline', 'CRON_TZ=Europe/Berlin 30 2 * * 1', 12 * 3600],
  ])('%s: no warning (it was one)', (_what, schedule, deadline) => {
    expect(cronJob(schedule, deadline)).not.toMatch(MULTI_ATTACH);
  });
  test.each<[string, string, number | undefined, (o: ApiObject) => void]>([
    ['no deadline', '0 3 * * *', undefined, () => undefined],
    ['a 22 h 50 min deadline (with the grace period and 10 min to detach, past the 23 h of a daylight-saving day)', '0 3 * * *', 22 * 3600 + 3000, () => undefined],
    ['hourly, a 30 min deadline (an hour off for a daylight-saving shift leaves nothing)', '0 * * * *', 1800, () => undefined],
    ['every 5 minutes, a 1 min deadline', '*/5 * * * *', 60, () => undefined],
    ['daily, a 2 h deadline, but a start up to 22 h late (startingDeadlineSeconds)', '0 3 * * *', 2 * 3600, o => o.addJsonPatch(JsonPatch.add('/spec/startingDeadlineSeconds', 22 * 3600))],
  ])('%s: warned', (_what, schedule, deadline, extra) => {
    expect(cronJob(schedule, deadline, extra).match(MULTI_ATTACH)).toHaveLength(1);
  });
});

describe('a chart with a generateObjectName override: the cache claim a release before named is kept by claimName', () => {
  // 0.1.0 named the new claim <path>-model-cache-<hash> whatever the chart's override; it follows the override now
  class TeamChart extends Chart {
    public generateObjectName(obj: ApiObject): string {
      return `team-a-${super.generateObjectName(obj)}`;
    }
  }
  const claimOf = (claimName?: string) => {
    const chart = new TeamChart(Testing.app(), 'c');
    const d = new AiInferenceDeployment(chart, 'llm', { server: SERVER, rollout: DeploymentRollout.recreate() });
    new ModelPrepInit(d, 'model-downloader', { source: SOURCE, cache: ModelCache.newPersistentVolumeClaim({ size: '100Gi', claimName }) });
    const manifests = synth(chart);
    expectApiValid(manifests);
    const mounted = manifestOf(manifests, 'Deployment').spec.template.spec.volumes.map((v: any) => v.persistentVolumeClaim?.claimName).filter(Boolean);
    return { claim: manifestOf(manifests, 'PersistentVolumeClaim').metadata.name, mounted };
  };
  test('without claimName the claim is renamed; with the old name as claimName, the old claim is written and mounted', () => {
    const renamed = claimOf();
    expect(renamed.claim).toMatch(/^team-a-c-/);
    const old = 'c-llm-model-downloader-model-cache-0a1b2c3d';
    expect(claimOf(old)).toEqual({ claim: old, mounted: [old] });
  });
});
