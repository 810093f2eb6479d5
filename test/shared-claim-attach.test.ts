import { Chart, JsonPatch } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import {
  AiInferenceDeployment, AiInferencePod, CacheAccessMode, DeploymentRollout, HealthCheck, InferenceServer, ModelCache, ModelPrepInit, ModelSource,
} from '../src';
import { chartWarnings } from './helpers/pod-parts';
import { expectRefused } from './helpers/refusal';

/*
 * sharedClaimAttach: a model cache on a new ReadWriteOnce claim (the default access mode) under a
 * workload that runs several pods at once was written without a word, and the pods on other
 * nodes waited in ContainerCreating ("Multi-Attach error"); the library's own rolling update
 * (maxSurge 1, maxUnavailable 0) stalled on it at one replica.
 */

const SERVER = { image: 'vllm/vllm-openai:v0.6.3', health: HealthCheck.none() };
const SOURCE = ModelSource.s3('s3://models/llama/');
const cache = (accessMode?: CacheAccessMode) => ModelCache.newPersistentVolumeClaim({ size: '100Gi', accessMode, claimName: 'llm-cache' });

const warningsOf = chartWarnings;

const deployment = (props: { replicas?: number; rollout?: DeploymentRollout; accessMode?: CacheAccessMode }) => (c: Chart) => {
  const d = new AiInferenceDeployment(c, 'llm', { server: SERVER, replicas: props.replicas, rollout: props.rollout });
  new ModelPrepInit(d, 'model-downloader', { source: SOURCE, cache: cache(props.accessMode) });
};

describe('warned', () => {
  test('two replicas on the default ReadWriteOnce claim: the field, the claim, the owner, why, and both fixes', () => {
    expect(warningsOf(deployment({ replicas: 2 }))).toContain('[warning] [test/llm] spec.template.spec.volumes[1].persistentVolumeClaim.claimName: '
      + 'the claim "llm-cache" of test/llm/model-downloader is ReadWriteOnce: one node at a time attaches it, and the Deployment runs 2 replicas, so a pod on another '
      + 'node waits in ContainerCreating ("Multi-Attach error"); a rollout whose new pod waits for it stalls, as maxUnavailable keeps the old pod. '
      + 'Fix: give the cache accessMode: CacheAccessMode.READ_WRITE_MANY (a storage class that offers it: NFS, EFS, Filestore, CephFS, Azure Files), '
      + 'or one replica with rollout: DeploymentRollout.recreate()');
  });
  test('one replica with the default rolling update (maxSurge 1): the new pod waits for the claim the old one holds', () => {
    expect(warningsOf(deployment({}))).toContain('its rolling update starts the new pod (maxSurge) while the old one still runs, so a pod on another node waits');
  });
  test('ReadWriteOncePod with two replicas: one pod at a time, the others Pending', () => {
    expect(warningsOf(deployment({ replicas: 2, accessMode: CacheAccessMode.READ_WRITE_ONCE_POD, rollout: DeploymentRollout.recreate() })))
      .toContain('is ReadWriteOncePod: one pod at a time uses it, and the Deployment runs 2 replicas, so the other pods wait in Pending.');
  });
  test('a cdk8s-plus StatefulSet of 3 replicas sharing one new claim: the fix names a claim per replica', () => {
    const w = warningsOf(c => {
      const s = new kplus.StatefulSet(c, 's', {
        metadata: { name: 's' }, replicas: 3, service: new kplus.Service(c, 'svc', { metadata: { name: 's' }, clusterIP: 'None', ports: [{ port: 8000 }] }),
      });
      new InferenceServer(s, 'server', { server: SERVER });
      new ModelPrepInit(s, 'model-downloader', { source: SOURCE, cache: cache() });
    });
    expect(w).toContain('the StatefulSet runs 3 replicas, so a pod on another node waits in ContainerCreating');
    expect(w).toContain('or a claim per replica with PodVolume.claimTemplate');
  });
  test('with warningsAsErrors, synth fails on it and writes nothing', () => {
    expectRefused(c => {
      c.node.setContext('cdk8s-ai-inference:warningsAsErrors', true);
      deployment({ replicas: 2 })(c);
    }, /persistentVolumeClaim\.claimName: the claim "llm-cache" .* is ReadWriteOnce/);
  });
});

describe('not warned', () => {
  test.each<[string, (c: Chart) => void]>([
    ['ReadWriteMany with three replicas (the README\'s way)', deployment({ replicas: 3, accessMode: CacheAccessMode.READ_WRITE_MANY })],
    ['one replica with rollout recreate (the old pod stops first)', deployment({ rollout: DeploymentRollout.recreate() })],
    ['one replica replaced without a surge pod (maxSurge 0, maxUnavailable 1)', deployment({ rollout: DeploymentRollout.rollingUpdate({ maxSurge: 0, maxUnavailable: 1 }) })],
    ['a single pod', c => new ModelPrepInit(new AiInferencePod(c, 'llm', { server: SERVER }), 'model-downloader', { source: SOURCE, cache: cache() })],
    ['a claim of yours, whose access mode synth cannot see', c => {
      const d = new AiInferenceDeployment(c, 'llm', { server: SERVER, replicas: 2 });
      new ModelPrepInit(d, 'model-downloader', { source: SOURCE, cache: ModelCache.persistentVolumeClaim('shared-models') });
    }],
    ['a JSON patch that makes the new claim ReadWriteMany (the rendered claim counts)', c => {
      deployment({ replicas: 2 })(c);
      const claim = c.node.findAll().find(x => (x as any).kind === 'PersistentVolumeClaim') as any;
      claim.addJsonPatch(JsonPatch.replace('/spec/accessModes', ['ReadWriteMany']));
    }],
  ])('%s', (_what, build) => {
    expect(warningsOf(build)).not.toContain('persistentVolumeClaim.claimName: the claim');
  });
});
