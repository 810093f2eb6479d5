import { ApiObject, Chart, Cron, JsonPatch, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import {
  AiInferenceDeployment, AiInferencePod, CacheAccessMode, DeploymentRollout, HealthCheck, InferenceServer, ModelCache, ModelPrepInit, ModelSource,
  PodVolume,
} from '../src';
import { WorkloadHost } from '../src/_workload-host';
import { chartWarnings } from './helpers/pod-parts';
import { expectRefused, run } from './helpers/refusal';
import { expectApiValid, manifestOf, synth } from './helpers/synth';

/*
 * Items the last session noticed and left alone: a Service whose selector a JSON patch removed,
 * two error lines for one mistake (an unnamed extra Service port, an over-long Deployment name
 * that names the Service), a DNS-1035 suggestion that dropped a name's leading digits, a
 * ReadWriteOnce cache written by overlapping CronJob runs or by two workloads, and a cache claim
 * named apart from a chart's generateObjectName.
 */

const SERVER = { image: 'vllm/vllm-openai:v0.6.3', health: HealthCheck.none() };
const SOURCE = ModelSource.s3('s3://models/llama/');
const cache = (accessMode?: CacheAccessMode, claimName = 'llm-cache') => ModelCache.newPersistentVolumeClaim({ size: '100Gi', accessMode, claimName });
const warningsOf = chartWarnings;

describe('a JSON patch that removes or empties the Service\'s selector', () => {
  // Kubernetes stores {} as no selector (kubernetes/kubernetes#25836); the EndpointSlice controller
  // leaves a Service without one alone: it reaches no pod. Valid to the API server (endpoints by hand).
  const patched = (patch: JsonPatch) => (c: Chart) => {
    const d = new AiInferenceDeployment(c, 'd', { server: SERVER, rollout: DeploymentRollout.recreate() });
    d.service!.addJsonPatch(patch);
  };
  test.each<[string, JsonPatch, string]>([
    ['removed', JsonPatch.remove('/spec/selector'), 'is removed'],
    ['emptied', JsonPatch.replace('/spec/selector', {}), '{}'],
  ])('%s: a warning naming the field, why and the fix, once', (_what, patch, shown) => {
    const w = warningsOf(patched(patch));
    expect(w).toContain(`[warning] [test/d] spec.selector: ${shown} (a JSON patch): a Service without a selector (an empty one is stored as none) gets no endpoints `
      + 'from Kubernetes, so it sends its traffic to none of the Deployment\'s pods, only to EndpointSlices written by hand. Fix: remove the JSON patch, '
      + 'so that the Service selects the pods ({"cdk8s.io/metadata.addr":');
    expect(w.match(/spec\.selector:/g)).toHaveLength(1);
  });
  test('with warningsAsErrors, synth fails on it and writes nothing', () => {
    expectRefused(c => {
      c.node.setContext('cdk8s-ai-inference:warningsAsErrors', true);
      patched(JsonPatch.remove('/spec/selector'))(c);
    }, /^ {2}\[test\/d\] spec\.selector: is removed \(a JSON patch\)/);
  });
  test('a patch that keeps a selector the pods match: no warning', () => {
    // a label the pods do not carry selects none of them: warned since left-alone-fixes-4v
    expect(warningsOf(c => {
      const d = new AiInferenceDeployment(c, 'd', { server: SERVER, rollout: DeploymentRollout.recreate(), podMetadata: { labels: { tier: 'llm' } } });
      d.service!.addJsonPatch(JsonPatch.add('/spec/selector/tier', 'llm'));
    })).not.toContain('spec.selector');
  });
});

describe('an unnamed extra Service port: one line, naming the field and the fix', () => {
  test('the prop says it; the rendered Service does not say it again', () => {
    const lines = expectRefused(c => new AiInferenceDeployment(c, 'd', { server: SERVER, serviceOptions: { extraPorts: [{ port: 9090 } as any] } }),
      /\[test\/d\] serviceOptions\.extraPorts\[0\]\.name: is missing, and every port of a Service with several ports \(this one and the server's\) needs a name\. Fix: name it, e\.g\. \{ name: 'metrics', port: 8080 \}/);
    expect(lines).toHaveLength(1);
  });
  test('a name the Service cannot have: one line too (it was two, by the prop and by spec.ports[1].name)', () => {
    const lines = expectRefused(c => new AiInferenceDeployment(c, 'd', { server: SERVER, serviceOptions: { extraPorts: [{ name: 'Metrics', port: 9090 }] } }),
      /serviceOptions\.extraPorts\[0\]\.name: "Metrics" is not a Service port name/);
    expect(lines).toHaveLength(1);
  });
  test('named, the port is written', () => {
    const { manifests, error } = run(c => new AiInferenceDeployment(c, 'd', { server: SERVER, serviceOptions: { extraPorts: [{ name: 'metrics', port: 9090 }] } }));
    expect(error).toBeUndefined();
    expectApiValid(manifests!);
    expect(manifests!.find(m => m.kind === 'Service').spec.ports[1]).toMatchObject({ name: 'metrics', port: 9090 });
  });
});

describe('a Deployment name over 242 characters that names its Service too: one line', () => {
  const name = `${'d'.repeat(246)}.llm`;
  test('the length and the Service, with a name that fits both', () => {
    const lines = expectRefused(c => new AiInferenceDeployment(c, 'd', { metadata: { name }, server: SERVER }),
      /\[test\/d\] metadata\.name: "d{246}\.llm" has 250 characters; a Deployment name can have at most 242, because its ReplicaSets are named <name>-<pod-template-hash> within 253, and it names the Deployment's Service too, which must be a DNS-1035 label .*Fix: use a shorter name that fits both, such as "d{63}", or give the Service its own name \(serviceOptions\.name\)/);
    expect(lines).toHaveLength(1);
  });
  test('with the Service named apart, the Deployment\'s own rule says it, once', () => {
    const lines = expectRefused(c => new AiInferenceDeployment(c, 'd', { metadata: { name }, server: SERVER, serviceOptions: { name: 'llm' } }),
      /metadata\.name: "d{246}\.llm" has 250 characters; a Deployment name can have at most 242/);
    expect(lines).toHaveLength(1);
  });
  test('the suggested name is written', () => {
    const { manifests, error } = run(c => new AiInferenceDeployment(c, 'd', { metadata: { name: 'd'.repeat(63) }, server: SERVER }));
    expect(error).toBeUndefined();
    expectApiValid(manifests!);
  });
});

describe('a DNS-1035 suggestion for a name that starts with digits keeps them (an "m" in front)', () => {
  test('a Deployment name "7b-llm.v1" names the Service: the suggestion is m7b-llm-v1, and the message says the rule', () => {
    const lines = expectRefused(c => new AiInferenceDeployment(c, 'd', { metadata: { name: '7b-llm.v1' }, server: SERVER }),
      /starting with a letter: a name that starts with a digit gets an "m" in front, so that it keeps its digits \("7b-llm" becomes "m7b-llm"\)\)\. Fix: give the Service its own name, serviceOptions: \{ name: "m7b-llm-v1" \}/);
    expect(lines).toHaveLength(1);
  });
  test('the suggestion is a name the Service takes', () => {
    const { manifests, error } = run(c => new AiInferenceDeployment(c, 'd', { metadata: { name: '7b-llm.v1' }, server: SERVER, serviceOptions: { name: 'm7b-llm-v1' } }));
    expect(error).toBeUndefined();
    expectApiValid(manifests!);
  });
  test('a Service renamed by a JSON patch to "7b-llm": its name rule suggests m7b-llm', () => {
    const lines = expectRefused(c => {
      const d = new AiInferenceDeployment(c, 'd', { server: SERVER });
      d.service!.addJsonPatch(JsonPatch.replace('/metadata/name', '7b-llm'));
    }, /metadata\.name: "7b-llm" is not a valid Service name .*Fix: use a name such as "m7b-llm" \(a name that starts with a digit gets an "m" in front/);
    expect(lines.filter(l => /7b-llm/.test(l))).toHaveLength(1);
  });
  test('a derived Service name keeps the name it always had (chart "7b": no existing Service renamed)', () => {
    const chart = new Chart(Testing.app(), '7b');
    new AiInferenceDeployment(chart, 'd', { server: SERVER });
    expect(manifestOf(synth(chart), 'Service').metadata.name).toMatch(/^b-d-[0-9a-f]{8}$/);
  });
});

describe('sharedClaimAttach: a CronJob whose runs overlap (concurrencyPolicy Allow)', () => {
  const cronJob = (policy: kplus.ConcurrencyPolicy | undefined, accessMode?: CacheAccessMode, unset = false) => (c: Chart) => {
    const j = new kplus.CronJob(c, 'nightly', { metadata: { name: 'nightly' }, schedule: Cron.daily(), concurrencyPolicy: policy });
    if (unset) {
      ApiObject.of(j).addJsonPatch(JsonPatch.remove('/spec/concurrencyPolicy'));
    }
    new InferenceServer(j, 'server', { server: SERVER });
    new ModelPrepInit(j, 'model-downloader', { source: SOURCE, cache: cache(accessMode) });
  };
  test('Allow on a new ReadWriteOnce claim: warned, with Forbid as the fix', () => {
    const w = warningsOf(cronJob(kplus.ConcurrencyPolicy.ALLOW));
    expect(w).toContain('[warning] [test/nightly/server] spec.jobTemplate.spec.template.spec.volumes[1].persistentVolumeClaim.claimName: '
      + 'the claim "llm-cache" of test/nightly/model-downloader is ReadWriteOnce: one node at a time attaches it, and the CronJob\'s concurrencyPolicy is Allow, '
      + 'so a run that outlasts its schedule runs beside the next one, so a pod on another node waits in ContainerCreating ("Multi-Attach error")');
    expect(w).toContain('or concurrencyPolicy: ConcurrencyPolicy.FORBID (the next run waits) or REPLACE');
    expect(w.match(/Multi-Attach/g)).toHaveLength(1);
  });
  test('unset by a JSON patch (Kubernetes\' default is Allow): warned, saying so', () => {
    expect(warningsOf(cronJob(undefined, undefined, true))).toContain('the CronJob\'s concurrencyPolicy is unset, Allow to Kubernetes, so a run that outlasts');
  });
  test('ReadWriteOncePod with Allow: the overlapping run waits in Pending', () => {
    expect(warningsOf(cronJob(kplus.ConcurrencyPolicy.ALLOW, CacheAccessMode.READ_WRITE_ONCE_POD))).toContain('is ReadWriteOncePod: one pod at a time uses it');
  });
  test.each<[string, kplus.ConcurrencyPolicy | undefined, CacheAccessMode | undefined]>([
    ['Forbid (cdk8s-plus\'s default)', undefined, undefined],
    ['Forbid', kplus.ConcurrencyPolicy.FORBID, undefined],
    ['Replace (the old run stops first)', kplus.ConcurrencyPolicy.REPLACE, undefined],
    ['Allow on ReadWriteMany', kplus.ConcurrencyPolicy.ALLOW, CacheAccessMode.READ_WRITE_MANY],
  ])('%s: no warning', (_what, policy, accessMode) => {
    expect(warningsOf(cronJob(policy, accessMode))).not.toContain('Multi-Attach');
  });
});

describe('sharedClaimAttach: two workloads of one chart that write one claim', () => {
  const pod = (c: Chart, id: string, accessMode?: CacheAccessMode, namespace?: string) => {
    const p = new AiInferencePod(c, id, { server: SERVER, metadata: namespace ? { namespace } : undefined });
    new ModelPrepInit(p, 'model-downloader', { source: SOURCE, cache: cache(accessMode) });
    return p;
  };
  test('two pods, each with the cache\'s claim "llm-cache": one warning, by the first, naming the other', () => {
    const w = warningsOf(c => {
      pod(c, 'a');
      pod(c, 'b');
    });
    expect(w).toContain('[warning] [test/a] spec.volumes[1].persistentVolumeClaim.claimName: the claim "llm-cache" of test/a/model-downloader is ReadWriteOnce: '
      + 'one node at a time attaches it, and test/b mounts it too (another workload of the app, in the same namespace), so a pod on another node waits in '
      + 'ContainerCreating ("Multi-Attach error"). Fix: give the cache accessMode: CacheAccessMode.READ_WRITE_MANY');
    expect(w).toContain('or each workload a claim of its own (the cache\'s claimName)');
    expect(w.match(/Multi-Attach/g)).toHaveLength(1);
  });
  test('a Deployment of two replicas and a pod that mounts its claim writable: both reasons in one line', () => {
    const w = warningsOf(c => {
      const d = new AiInferenceDeployment(c, 'llm', { server: SERVER, replicas: 2, rollout: DeploymentRollout.recreate() });
      new ModelPrepInit(d, 'model-downloader', { source: SOURCE, cache: cache() });
      new AiInferencePod(c, 'tuner', { server: { ...SERVER, volumeMounts: [{ volume: PodVolume.persistentVolumeClaim('models', 'llm-cache'), path: '/models', readOnly: false }] } });
    });
    expect(w).toContain('and the Deployment runs 2 replicas, and test/tuner mounts it too (another workload of the app, in the same namespace)');
    expect(w.match(/Multi-Attach/g)).toHaveLength(1);
  });
  test.each<[string, (c: Chart) => void]>([
    ['ReadWriteMany', c => {
      pod(c, 'a', CacheAccessMode.READ_WRITE_MANY);
      pod(c, 'b', CacheAccessMode.READ_WRITE_MANY);
    }],
    // a reader that mounts the claim read-only attaches it all the same: warned (test/hostile-round30.test.ts)
    ['the same claim name in two namespaces (two claims)', c => {
      pod(c, 'a', undefined, 'team-a');
      pod(c, 'b', undefined, 'team-b');
    }],
    ['two claims of their own', c => {
      new ModelPrepInit(new AiInferencePod(c, 'a', { server: SERVER }), 'model-downloader', { source: SOURCE, cache: cache(undefined, 'cache-a') });
      new ModelPrepInit(new AiInferencePod(c, 'b', { server: SERVER }), 'model-downloader', { source: SOURCE, cache: cache(undefined, 'cache-b') });
    }],
  ])('%s: no warning', (_what, build) => {
    expect(warningsOf(build)).not.toContain('Multi-Attach');
  });
  test('each workload is read once a synth, not once per claim of every other (2,000 pods took 37 s, 5.7 s now)', () => {
    const reads = jest.spyOn(WorkloadHost.prototype, 'mountedClaimKeys');
    try {
      warningsOf(c => {
        for (let i = 0; i < 40; i++) {
          new ModelPrepInit(new AiInferencePod(c, `p${i}`, { server: SERVER }), 'model-downloader', { source: SOURCE, cache: cache(undefined, `cache-${i}`) });
        }
      });
      expect(reads.mock.calls.length).toBeLessThanOrEqual(40);
    } finally {
      reads.mockRestore();
    }
  });
});

describe('a model-cache claim\'s default name follows the chart\'s generateObjectName', () => {
  class TeamChart extends Chart {
    public generateObjectName(obj: ApiObject): string {
      return `team-a-${super.generateObjectName(obj)}`;
    }
  }
  const build = (chart: Chart) => {
    const d = new AiInferenceDeployment(chart, 'llm', { server: SERVER, rollout: DeploymentRollout.recreate() });
    new ModelPrepInit(d, 'model-downloader', { source: SOURCE, cache: ModelCache.newPersistentVolumeClaim({ size: '100Gi' }) });
  };
  test('with an override, the claim carries its prefix like the Deployment and the Service, and the pod mounts it', () => {
    const chart = new TeamChart(Testing.app(), 'c');
    build(chart);
    const manifests = synth(chart);
    expectApiValid(manifests);
    expect(manifests.map(m => `${m.kind} ${m.metadata.name}`).filter(n => !/ team-a-c-/.test(n))).toEqual([]);
    const claim = manifestOf(manifests, 'PersistentVolumeClaim');
    expect(manifestOf(manifests, 'Deployment').spec.template.spec.volumes).toContainEqual(expect.objectContaining({ persistentVolumeClaim: expect.objectContaining({ claimName: claim.metadata.name }) }));
  });
  const claimName = (chart: Chart) => {
    build(chart);
    return manifestOf(synth(chart), 'PersistentVolumeClaim').metadata.name;
  };
  test('without one, the name existing users have stays', () => {
    expect(claimName(new Chart(Testing.app(), 'c'))).toMatch(/^c-llm-model-downloader-model-cache-[0-9a-f]{8}$/);
  });
  test.each<[string, () => string]>([
    ['throws', () => {
      throw new Error('no team');
    }],
    ['names nothing', () => ''],
  ])('an override that %s leaves the name existing users have', (_what, generate) => {
    class Odd extends Chart {
      public generateObjectName(obj: ApiObject): string {
        return obj.kind === 'PersistentVolumeClaim' ? generate() : super.generateObjectName(obj);
      }
    }
    expect(claimName(new Odd(Testing.app(), 'c'))).toMatch(/^c-llm-model-downloader-model-cache-[0-9a-f]{8}$/);
  });
  test('a claimName given is kept under an override', () => {
    const chart = new TeamChart(Testing.app(), 'c');
    const d = new AiInferenceDeployment(chart, 'llm', { server: SERVER, rollout: DeploymentRollout.recreate() });
    new ModelPrepInit(d, 'model-downloader', { source: SOURCE, cache: cache() });
    expect(manifestOf(synth(chart), 'PersistentVolumeClaim').metadata.name).toBe('llm-cache');
  });
});
