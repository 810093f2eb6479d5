import { ApiObject, Chart, Cron, Duration, JsonPatch } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import {
  AiInferenceDeployment, AiInferencePod, HealthCheck, InferenceServer, ModelCache, ModelPrepInit, ModelSource, PodNames, PodVolume,
} from '../src';
import { chartWarnings } from './helpers/pod-parts';
import { expectRefused, run } from './helpers/refusal';
import { expectApiValid } from './helpers/synth';

/*
 * Left-alone fixes 4 (validation): a suspended CronJob warned about overlapping runs; a Service
 * selector patched to labels no pod carries; claim templates patched away from their mounts; a
 * claim named as a generic ephemeral volume's (`<pod>-<volume>`); PodNames.forJob's join.
 */

const SERVER = { image: 'vllm/vllm-openai:v0.6.3', health: HealthCheck.none() };
const SOURCE = ModelSource.s3('s3://models/llama/');
const MULTI_ATTACH = /Multi-Attach/g;
const strict = (build: (c: Chart) => void) => (c: Chart) => {
  c.node.setContext('cdk8s-ai-inference:warningsAsErrors', true);
  build(c);
};
const written = (build: (c: Chart) => void) => {
  const { manifests, error } = run(build);
  expect(error).toBeUndefined();
  expectApiValid(manifests!);
  return manifests!;
};

describe('sharedClaimAttach: a suspended CronJob starts no Job', () => {
  const cronJob = (props: Partial<kplus.CronJobProps>, parallelism?: number) => (c: Chart) => {
    const j = new kplus.CronJob(c, 'nightly', { metadata: { name: 'nightly' }, schedule: Cron.daily(), concurrencyPolicy: kplus.ConcurrencyPolicy.ALLOW, ...props });
    if (parallelism !== undefined) {
      ApiObject.of(j).addJsonPatch(JsonPatch.add('/spec/jobTemplate/spec/parallelism', parallelism));
    }
    new InferenceServer(j, 'server', { server: SERVER });
    new ModelPrepInit(j, 'model-downloader', { source: SOURCE, cache: ModelCache.newPersistentVolumeClaim({ size: '100Gi', claimName: 'llm-cache' }) });
  };
  test.each<[string, number | undefined]>([
    ['Allow', undefined],
    ['Allow, parallelism 2', 2],
  ])('suspend: true, %s: no warning (it was warned about overlapping runs)', (_what, parallelism) => {
    expect(chartWarnings(cronJob({ suspend: true }, parallelism))).not.toMatch(MULTI_ATTACH);
  });
  test('running, Allow: warned once, and the fix names an activeDeadline as another way to keep runs apart', () => {
    const w = chartWarnings(cronJob({}));
    expect(w.match(MULTI_ATTACH)).toHaveLength(1);
    expect(w).toContain('or concurrencyPolicy: ConcurrencyPolicy.FORBID (the next run waits) or REPLACE, or an activeDeadline (the Job\'s activeDeadlineSeconds) '
      + 'that ends each run before the next starts (a schedule with a fixed minute; the deadline, startingDeadlineSeconds, the grace period and '
      + '10 minutes to detach the volume within the time between runs, less an hour)');
  });
  test('with warningsAsErrors, the running one is refused', () => {
    expectRefused(strict(cronJob({})), /\[test\/nightly\/server\] spec\.jobTemplate\.spec\.template\.spec\.volumes\[1\]\.persistentVolumeClaim\.claimName: .*Multi-Attach/);
  });
  test('the fix applied (a 30-minute activeDeadline on a daily schedule): the warning goes', () => {
    expect(chartWarnings(cronJob({ activeDeadline: Duration.minutes(30) }))).not.toMatch(MULTI_ATTACH);
  });
  test('suspended, with warningsAsErrors: written', () => {
    written(strict(cronJob({ suspend: true })));
  });
});

describe('a JSON patch that changes the Service\'s selector to labels no pod of the Deployment carries', () => {
  const patched = (selector: object, podLabels?: { [key: string]: string }) => (c: Chart) => {
    const d = new AiInferenceDeployment(c, 'd', { server: SERVER, podMetadata: podLabels && { labels: podLabels } });
    d.service!.addJsonPatch(JsonPatch.replace('/spec/selector', selector));
  };
  test('a warning naming the field, the value, why and the fix, once', () => {
    const w = chartWarnings(patched({ app: 'llm' }));
    expect(w).toMatch(/\[warning\] \[test\/d\] spec\.selector: \{"app":"llm"\} \(a JSON patch\) selects none of the Deployment's pods, which do not carry app=llm \(they carry \{"cdk8s\.io\/metadata\.addr":"test-d-[0-9a-f]{8}"\}\): the Service gets no endpoint among them, so it sends its traffic to other pods that carry those labels, or nowhere\. Fix: remove the JSON patch, so that the Service selects the pods \(\{"cdk8s\.io\/metadata\.addr":"test-d-[0-9a-f]{8}"\}\), or give the pods the labels it selects \(podMetadata: \{ labels: \{"app":"llm"\} \}\)/);
    expect(w.match(/spec\.selector:/g)).toHaveLength(1);
  });
  test('with warningsAsErrors, synth fails on it and writes nothing', () => {
    expectRefused(strict(patched({ app: 'llm' })), /^ {2}\[test\/d\] spec\.selector: \{"app":"llm"\} \(a JSON patch\) selects none of the Deployment's pods/);
  });
  test('the fix applied (the pods carry the label): no warning, and the Service selects them', () => {
    expect(chartWarnings(patched({ app: 'llm' }, { app: 'llm' }))).not.toContain('spec.selector');
  });
  test('the address label given another value: the pods cannot take it, so the fix names the patch only', () => {
    const w = chartWarnings(patched({ 'cdk8s.io/metadata.addr': 'elsewhere' }));
    expect(w).toMatch(/spec\.selector: \{"cdk8s\.io\/metadata\.addr":"elsewhere"\} \(a JSON patch\) selects none of the Deployment's pods, which do not carry cdk8s\.io\/metadata\.addr=elsewhere /);
    expect(w).not.toContain('podMetadata');
  });
  test('a selector that adds a label the pods carry: no warning', () => {
    const w = chartWarnings(c => {
      const d = new AiInferenceDeployment(c, 'd', { server: SERVER, podMetadata: { labels: { tier: 'llm' } } });
      d.service!.addJsonPatch(JsonPatch.add('/spec/selector/tier', 'llm'));
    });
    expect(w).not.toContain('spec.selector');
  });
});

describe('a JSON patch that replaces a StatefulSet\'s volumeClaimTemplates and drops a template the pod mounts', () => {
  const statefulSet = (patch?: JsonPatch) => (c: Chart) => {
    const service = new kplus.Service(c, 'headless', { clusterIP: 'None', ports: [{ port: 8000 }] });
    const sts = new kplus.StatefulSet(c, 'vllm', { metadata: { name: 'vllm' }, service });
    new InferenceServer(sts, 'server', { server: { ...SERVER, volumeMounts: [{ volume: PodVolume.claimTemplate('cache', { storage: '10Gi' }), path: '/cache', readOnly: false }] } });
    if (patch) {
      ApiObject.of(sts).addJsonPatch(patch);
    }
  };
  const other = { metadata: { name: 'other' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } };
  test.each<[string, JsonPatch]>([
    ['replaced by another template', JsonPatch.replace('/spec/volumeClaimTemplates', [other])],
    ['replaced by none', JsonPatch.replace('/spec/volumeClaimTemplates', [])],
    ['removed', JsonPatch.remove('/spec/volumeClaimTemplates')],
  ])('%s: refused, naming the mount and the fix, once', (_what, patch) => {
    const lines = expectRefused(statefulSet(patch),
      /\[test\/vllm\/server\] container "server": spec\.template\.spec\.containers\[0\]\.volumeMounts\[1\]\.name: mounts volume "cache", which the pod does not define .*Fix: add the volume to the pod or a volumeClaimTemplate of that name/);
    expect(lines.filter(l => /"cache"/.test(l))).toHaveLength(1);
  });
  test('a patch that adds a template and keeps the mounted one: written', () => {
    const manifests = written(statefulSet(JsonPatch.add('/spec/volumeClaimTemplates/-', other)));
    expect(manifests.find(m => m.kind === 'StatefulSet').spec.volumeClaimTemplates.map((t: any) => t.metadata.name)).toEqual(['cache', 'other']);
  });
});

describe('a claim named as a generic ephemeral volume\'s claim (<pod>-<volume>)', () => {
  const scratch = (name = 'scratch') => ({ volume: PodVolume.ephemeral(name, { storage: '10Gi' }), path: '/scratch' });
  const pod = (c: Chart, id: string, name: string, volume = 'scratch', namespace?: string) =>
    new AiInferencePod(c, id, { metadata: { name, namespace }, server: { ...SERVER, volumeMounts: [scratch(volume)] } });
  const claim = (c: Chart, name: string, namespace?: string) => new ApiObject(c, 'pvc', {
    apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name, namespace },
    spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
  });
  test('a claim object of that name: refused, naming the volume, the claim, the other and the fix, once', () => {
    const lines = expectRefused(c => {
      pod(c, 'p', 'llm');
      claim(c, 'llm-scratch');
    }, /^ {2}\[test\/p\] spec\.volumes\[0\]\.name: the generic ephemeral volume "scratch" gets the claim "llm-scratch" \(<pod>-<volume>\), which is also the name of the PersistentVolumeClaim of test\/pvc in the same namespace: Kubernetes does not adopt a claim the pod does not own, so the pod stays Pending \("PVC \.\.\. was not created for pod"\)\. Fix: give the volume \(PodVolume\.ephemeral's name\), the pod \(metadata\.name\) or the other claim another name/);
    expect(lines).toHaveLength(1);
  });
  test('a cache\'s claimName of that name: refused', () => {
    expectRefused(c => {
      const p = pod(c, 'p', 'llm');
      new ModelPrepInit(p, 'model-downloader', { source: SOURCE, cache: ModelCache.newPersistentVolumeClaim({ size: '100Gi', claimName: 'llm-scratch' }) });
    }, /\[test\/p\] spec\.volumes\[\d\]\.name: the generic ephemeral volume "scratch" gets the claim "llm-scratch" .*the PersistentVolumeClaim of test\/p\/model-downloader/);
  });
  test('two pods whose names and volumes join alike (a + b-c, a-b + c): refused once, by the later', () => {
    const lines = expectRefused(c => {
      pod(c, 'first', 'a', 'b-c');
      pod(c, 'second', 'a-b', 'c');
    }, /^ {2}\[test\/second\] spec\.volumes\[0\]\.name: the generic ephemeral volume "c" gets the claim "a-b-c" \(<pod>-<volume>\), which is also the name of the claim of test\/first's ephemeral volume "b-c"/);
    expect(lines).toHaveLength(1);
  });
  test('a StatefulSet\'s pods (<name>-<ordinal>): a claim of replica 1\'s name is refused; one past the replicas is not', () => {
    const statefulSet = (claimName: string) => (c: Chart) => {
      const service = new kplus.Service(c, 'headless', { clusterIP: 'None', ports: [{ port: 8000 }] });
      const sts = new kplus.StatefulSet(c, 'vllm', { metadata: { name: 'vllm' }, service, replicas: 2 });
      new InferenceServer(sts, 'server', { server: { ...SERVER, volumeMounts: [scratch()] } });
      claim(c, claimName);
    };
    expectRefused(statefulSet('vllm-1-scratch'), /\[test\/vllm\/server\] spec\.template\.spec\.volumes\[\d\]\.name: the generic ephemeral volume "scratch" gets the claim "vllm-1-scratch"/);
    written(statefulSet('vllm-2-scratch'));
  });
  test.each<[string, (c: Chart) => void]>([
    ['the fix applied (the volume renamed)', c => {
      pod(c, 'p', 'llm', 'tmp');
      claim(c, 'llm-scratch');
    }],
    ['the claim in another namespace', c => {
      pod(c, 'p', 'llm', 'scratch', 'serving');
      claim(c, 'llm-scratch', 'batch');
    }],
    ['a Deployment (its pods\' names are generated)', c => {
      new AiInferenceDeployment(c, 'd', { metadata: { name: 'llm' }, server: { ...SERVER, volumeMounts: [scratch()] } });
      claim(c, 'llm-scratch');
    }],
  ])('%s: written', (_what, build) => {
    written(build);
  });
});

describe('PodNames.forJob joins prefix and id: two pairs with one join name alike, refused at synth', () => {
  test('names stay as they were (no worker pod renamed), so a-b + c and a + b-c share one', () => {
    expect(PodNames.forJob('worker', 'video-42')).toBe('worker-video-42-2bcd271f');
    expect(PodNames.forJob('a-b', 'c')).toBe('a-b-c-cbd2be7b');
    expect(PodNames.forJob('a', 'b-c')).toBe('a-b-c-cbd2be7b');
  });
  test('two such pods in one app: a name clash, refused', () => {
    expectRefused(c => {
      new AiInferencePod(c, 'p1', { metadata: { name: PodNames.forJob('a-b', 'c') }, server: SERVER });
      new AiInferencePod(c, 'p2', { metadata: { name: PodNames.forJob('a', 'b-c') }, server: SERVER });
    }, /\[test\/p2\] metadata\.name: Pod "a-b-c-cbd2be7b" in the default namespace is also the name of test\/p1/);
  });
});
