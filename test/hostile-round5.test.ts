import { ApiObject, App, Chart, JsonPatch, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { AiInferenceDeployment, AiInferencePod, InferenceServer, KubernetesTarget, ModelPrepInit, ModelSource, ProxySidecar } from '../src';
import { expectRefused, run } from './helpers/refusal';
import { expectApiValid } from './helpers/synth';

/*
 * Round 5 of hostile inputs against the README's promises, on what landed with round 5 (user
 * JSON patches that cannot apply, objects next to a pod, the schema values check) and their
 * interactions: each case here broke one once.
 */

const SERVER = { image: 'vllm/vllm-openai:v0.6.3' };
const companion = (chart: Chart, kind: string) =>
  chart.node.findAll().find((c): c is ApiObject => c instanceof ApiObject && c.kind === kind) as ApiObject;

describe('a user JSON patch that RFC 6902 says cannot apply is a finding, never a silent no-op (PatchNotApplied)', () => {
  type Host = [string, (chart: Chart) => ApiObject];
  const hosts: Host[] = [
    ['an AiInferencePod', c => ApiObject.of(new AiInferencePod(c, 'p', { server: SERVER }).pod)],
    ['the proxy\'s NetworkPolicy', c => {
      new ProxySidecar(new AiInferencePod(c, 'p', { server: SERVER }), 'proxy');
      return companion(c, 'NetworkPolicy');
    }],
    ['an AiInferenceDeployment\'s Service', c => {
      new AiInferenceDeployment(c, 'p', { server: SERVER });
      return companion(c, 'Service');
    }],
    ['a Deployment of your own with an InferenceServer', c => {
      const deployment = new kplus.Deployment(c, 'p');
      new InferenceServer(deployment, 'server', { server: SERVER });
      return ApiObject.of(deployment);
    }],
  ];
  // each of these did nothing, silently: the patch library runs without its RFC checks
  const patches: Array<[string, JsonPatch, RegExp]> = [
    ['remove of a missing member', JsonPatch.remove('/spec/nope'), /JSON patch remove "\/spec\/nope": cannot be applied: "\/spec\/nope" does not exist in the rendered/],
    ['move from a missing member', JsonPatch.move('/spec/nope', '/spec/other'), /JSON patch move "\/spec\/other": cannot be applied: "\/spec\/nope" does not exist/],
    ['copy from a missing member', JsonPatch.copy('/spec/nope', '/spec/other'), /JSON patch copy "\/spec\/other": cannot be applied: "\/spec\/nope" does not exist/],
    ['add into a string', JsonPatch.add('/metadata/name/x', 'y'), /JSON patch add "\/metadata\/name\/x": cannot be applied: "\/metadata\/name" is a string \(".*"\), not an object or a list/],
    ['a path that is not a JSON pointer (was written at the top level)', JsonPatch.add('spec/x', 1), /JSON patch add "spec\/x": cannot be applied: path "spec\/x" is not a JSON pointer/],
    // replace of a missing member added it (a field the API server drops)
    ['replace of a missing member', JsonPatch.replace('/spec/nope', 1), /JSON patch replace "\/spec\/nope": cannot be applied: "\/spec\/nope" does not exist/],
  ];
  for (const [host, target] of hosts) {
    test.each(patches)(`${host}: %s`, (_name, patch, message) => {
      const lines = expectRefused(c => target(c).addJsonPatch(patch), message);
      expect(lines).toHaveLength(1);
    });
  }

  test.each<[string, JsonPatch, RegExp]>([
    ['add at a list index that is not a number (dropped)', JsonPatch.add('/spec/containers/abc', { name: 'x' }), /"abc" is not a position in the list "\/spec\/containers" \(0 to 1, or "-" to append\)/],
    ['add at an index with a leading zero', JsonPatch.add('/spec/containers/01', { name: 'x' }), /"01" is not a position in the list/],
    ['remove of "-" (the end of a list names nothing)', JsonPatch.remove('/spec/containers/-'), /JSON patch remove "\/spec\/containers\/-": cannot be applied: "\/spec\/containers\/-" does not exist/],
    ['a move into its own member', JsonPatch.move('/spec', '/spec/inner'), /a move from "\/spec" into its own member "\/spec\/inner"/],
  ])('on a pod: %s', (_name, patch, message) => {
    expectRefused(c => ApiObject.of(new AiInferencePod(c, 'p', { server: SERVER }).pod).addJsonPatch(patch), message);
  });

  test('a path through an inherited member is refused and leaves JavaScript\'s Object alone (it set Object.x)', () => {
    expectRefused(c => ApiObject.of(new AiInferencePod(c, 'p', { server: SERVER }).pod)
      .addJsonPatch(JsonPatch.add('/metadata/labels/constructor/x', 'yes')), /"\/metadata\/labels\/constructor" does not exist in the rendered Pod/);
    expect((Object as any).x).toBeUndefined();
  });

  test('what RFC 6902 allows still applies: add at the end or at length, a member holding /, move, copy, test, replace', () => {
    const result = run(c => {
      const pod = new AiInferencePod(c, 'p', { server: SERVER, metadata: { labels: { app: 'llm' }, annotations: { 'example.com/a': 'x' } } });
      ApiObject.of(pod.pod).addJsonPatch(
        JsonPatch.add('/spec/tolerations', []),
        JsonPatch.add('/spec/tolerations/0', { key: 'a', operator: 'Exists' }),
        JsonPatch.add('/spec/tolerations/-', { key: 'b', operator: 'Exists' }),
        JsonPatch.add('/metadata/annotations/example.com~1c', 'y'),
        JsonPatch.test('/metadata/annotations/example.com~1a', 'x'),
        JsonPatch.copy('/metadata/labels/app', '/metadata/labels/copy'),
        JsonPatch.move('/metadata/labels/copy', '/metadata/labels/moved'),
        JsonPatch.replace('/spec/terminationGracePeriodSeconds', 90),
      );
    });
    expect(result.error).toBeUndefined();
    const pod = result.manifests![0];
    expect(pod.spec.tolerations.map((t: any) => t.key)).toEqual(['a', 'b']);
    expect(pod.metadata.annotations).toEqual({ 'example.com/a': 'x', 'example.com/c': 'y' });
    expect(pod.metadata.labels).toMatchObject({ app: 'llm', moved: 'llm' });
    expect(pod.spec.terminationGracePeriodSeconds).toBe(90);
    expectApiValid(result.manifests!);
  });
});

describe('toManifests() returns the pod\'s own objects, told apart by object, not by kind and name', () => {
  test('a pod renamed by a JSON patch is still in toManifests(), and toManifest() returns it (it gave undefined)', () => {
    const chart = new Chart(Testing.app(), 'c');
    const pod = new AiInferencePod(chart, 'p', { server: SERVER });
    ApiObject.of(pod.pod).addJsonPatch(JsonPatch.replace('/metadata/name', 'renamed'));
    expect(pod.toManifest().metadata.name).toBe('renamed');
    new ModelPrepInit(pod, 'model', { source: ModelSource.s3('s3://models/llama/') });
    const withProxy = new AiInferencePod(chart, 'q', { server: SERVER });
    new ProxySidecar(withProxy, 'proxy');
    ApiObject.of(withProxy.pod).addJsonPatch(JsonPatch.replace('/metadata/name', 'renamed-too'));
    expect(withProxy.toManifests().map(m => `${m.kind} ${m.metadata.name}`)).toEqual([
      expect.stringMatching(/^ConfigMap c-q-proxy-config-/), expect.stringMatching(/^NetworkPolicy c-q-/), 'Pod renamed-too',
    ]);
  });

  test('another pod of the chart with the same name (in another namespace) is not handed out too', () => {
    const chart = new Chart(Testing.app(), 'c');
    const mine = new AiInferencePod(chart, 'mine', { server: SERVER, metadata: { name: 'worker' } });
    const other = new AiInferencePod(chart, 'other', { server: SERVER, metadata: { name: 'worker', namespace: 'batch' } });
    expect(mine.toManifests().map(m => m.metadata.namespace)).toEqual([undefined]);
    expect(other.toManifest().metadata.namespace).toBe('batch');
    expect(App._synthChart(chart)).toHaveLength(2);
  });
});

describe('a topology spread constraint\'s labelSelector is checked as the API server checks any label selector', () => {
  const constraint = (labelSelector: object) => ({ maxSkew: 1, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'DoNotSchedule', labelSelector });

  test.each<[string, object, RegExp]>([
    ['an operator the API does not know (was written)', { matchExpressions: [{ key: 'app', operator: 'Bogus', values: ['llm'] }] },
      /spec\.topologySpreadConstraints\[0\]\.labelSelector\.matchExpressions\[0\]\.operator: "Bogus" is not a valid selector operator/],
    ['In without values', { matchExpressions: [{ key: 'app', operator: 'In' }] }, /topologySpreadConstraints\[0\]\.labelSelector\.matchExpressions\[0\]\.values: operator In needs at least one value/],
    ['a label value that is not one', { matchLabels: { app: 'not a label!' } }, /topologySpreadConstraints\[0\]\.labelSelector\.matchLabels/],
  ])('a JSON patch: %s', (_name, selector, message) => {
    expectRefused(c => ApiObject.of(new AiInferencePod(c, 'p', { server: SERVER }).pod)
      .addJsonPatch(JsonPatch.add('/spec/topologySpreadConstraints', [constraint(selector)])), message);
  });

  test('the prop with a valid selector is written', () => {
    const result = run(c => new AiInferencePod(c, 'p', {
      server: SERVER,
      topologySpreadConstraints: [constraint({ matchLabels: { app: 'llm' }, matchExpressions: [{ key: 'tier', operator: 'Exists' }] }) as any],
    }));
    expect(result.error).toBeUndefined();
    expectApiValid(result.manifests!);
  });
});

/*
 * Fields added after 1.27 (which cdk8s-plus-27's type data does not know) are checked through
 * NEWER_FIELDS / NEWER_TYPES in src/validation/schema-types.ts, kept exact against
 * kubernetes-models; what only the API server refuses, by the rules.
 */
describe('fields newer than 1.27 are checked like the others', () => {
  test.each<[string, string, JsonPatch, RegExp]>([
    ['appArmorProfile without its required type (schema)', '1.33', JsonPatch.add('/spec/containers/0/securityContext/appArmorProfile', {}),
      /spec\.containers\[0\]\.securityContext\.appArmorProfile\.type: is missing/],
    ['an image volume\'s pullPolicy outside the enum (schema)', '1.35', JsonPatch.add('/spec/volumes/-', { name: 'img', image: { reference: 'busybox:1.36.1', pullPolicy: 'Sometimes' } }),
      /spec\.volumes\[\d+\]\.image\.pullPolicy: "Sometimes" is not one of Always, IfNotPresent, Never/],
    ['pod-level resources that are not quantities (schema)', '1.34', JsonPatch.add('/spec/resources', { limits: { cpu: 'lots' } }), /spec\.resources\.limits/],
    ['supplementalGroupsPolicy outside the enum (schema)', '1.33', JsonPatch.add('/spec/securityContext/supplementalGroupsPolicy', 'Bogus'),
      /spec\.securityContext\.supplementalGroupsPolicy: "Bogus" is not one of Merge, Strict/],
    ['a stopSignal outside the enum (schema)', '1.33', JsonPatch.add('/spec/containers/0/lifecycle', { stopSignal: 'SIGBOGUS' }),
      /spec\.containers\[0\]\.lifecycle\.stopSignal: "SIGBOGUS" is not one of SIGABRT/],
    ['appArmorProfile Localhost without localhostProfile (API server)', '1.33', JsonPatch.add('/spec/securityContext/appArmorProfile', { type: 'Localhost' }),
      /spec\.securityContext\.appArmorProfile\.localhostProfile: is not set, but type "Localhost" needs the profile/],
    ['recursiveReadOnly outside Disabled/IfPossible/Enabled (API server)', '1.33', JsonPatch.add('/spec/containers/0/volumeMounts/0/recursiveReadOnly', 'Sometimes'),
      /volumeMounts\[0\]\.recursiveReadOnly: "Sometimes" is not one of Disabled, IfPossible, Enabled/],
    ['seLinuxChangePolicy outside MountOption/Recursive (API server)', '1.33', JsonPatch.add('/spec/securityContext/seLinuxChangePolicy', 'Bogus'),
      /spec\.securityContext\.seLinuxChangePolicy: "Bogus" is not one of Recursive, MountOption/],
    // the library's pod sets runAsUser, fsGroup, seccomp, capabilities: all forbidden with os.name windows
    ['os.name windows on the library\'s Linux security settings (API server)', '1.33', JsonPatch.add('/spec/os', { name: 'windows' }),
      /spec\.securityContext\.runAsUser: is a Linux setting, and the pod's os\.name is windows/],
  ])('%s', (_name, version, patch, field) => {
    expectRefused(c => ApiObject.of(new AiInferencePod(c, 'p', { server: SERVER, target: KubernetesTarget.of(version) }).pod).addJsonPatch(patch), field);
  });
});
