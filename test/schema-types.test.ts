import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ApiObject, App, Chart, JsonPatch } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import * as fc from 'fast-check';
import { parseAllDocuments } from 'yaml';
import {
  AiInferenceDeployment, AiInferencePod, HealthCheck, InferenceServer, LogSidecar, ModelCache, ModelPrepInit, ModelSource, ProxySidecar, ProxyTls,
} from '../src';
import { l1Types } from '../src/_kplus-adapter';
import { STRUCTURED_LINE } from './helpers/case-oracle';
import { expectApiValid } from './helpers/synth';
import { DATE_TIME_FIELDS, ENUM_FIELDS, INT64_FIELDS, NEWER_FIELDS, NEWER_TYPES, REQUIRED_UNTIL_LATER, schemaFindings, schemaTypes } from '../src/validation/schema-types';

// A JSON patch can put any JSON anywhere. Whatever type the Kubernetes API would reject is a
// structured synth error naming the field, and no YAML is written — never a stack trace from a
// rule that expected a list, never a silently written manifest the API server refuses.

function fullPod() {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'types-'));
  const app = new App({ outdir });
  const chart = new Chart(app, 'test');
  const pod = new AiInferencePod(chart, 'llm', { server: { image: 'vllm/vllm-openai:v0.6.3', health: HealthCheck.vllm() }, gpu: { count: 1 } });
  new ModelPrepInit(pod, 'model-downloader', { source: ModelSource.s3('s3://models/llama/') });
  new LogSidecar(pod, 'log-forwarder');
  const proxy = new ProxySidecar(pod, 'auth-proxy', { tls: ProxyTls.fromSecret('tls') });
  return { app, chart, pod, proxy, outdir };
}

const POD_PATCHES: Array<[string, unknown, string]> = [
  ['/spec/containers/0/ports', true, 'spec.containers[0].ports: true is not a list'],
  ['/spec/containers/0/env', -1, 'spec.containers[0].env: -1 is not a list'],
  ['/spec/containers/0/env/0', 'X=1', 'spec.containers[0].env[0]: "X=1" is not an object'],
  ['/spec/containers/0/args', { a: 1 }, 'spec.containers[0].args: {"a":1} is not a list'],
  ['/spec/containers/0/args', [1, 2], 'spec.containers[0].args[0]: 1 is not a string'],
  ['/spec/containers/0/resources', 'big', 'spec.containers[0].resources: "big" is not an object'],
  ['/spec/containers/0/resources/limits/memory', true, 'spec.containers[0].resources.limits["memory"]: true is not a string or a number'],
  ['/spec/containers/0/volumeMounts', 5, 'spec.containers[0].volumeMounts: 5 is not a list'],
  ['/spec/containers/0/readinessProbe/periodSeconds', '5', 'spec.containers[0].readinessProbe.periodSeconds: "5" is not a whole number from -2147483648 to 2147483647'],
  ['/spec/containers/0/securityContext/runAsUser', 'root', 'spec.containers[0].securityContext.runAsUser: "root" is not a whole number from -9223372036854775808 to 9223372036854775807'],
  ['/spec/containers/0/stdin', 'yes', 'spec.containers[0].stdin: "yes" is not a boolean'],
  ['/spec/initContainers', 7, 'spec.initContainers: 7 is not a list'],
  ['/spec/volumes', 'x', 'spec.volumes: "x" is not a list'],
  ['/spec/volumes/0/emptyDir', [], 'spec.volumes[0].emptyDir: [] is not an object'],
  ['/spec/tolerations', {}, 'spec.tolerations: {} is not a list'],
  ['/spec/nodeSelector', ['gpu'], 'spec.nodeSelector: ["gpu"] is not an object (a map)'],
  ['/spec/nodeSelector', { gpu: 1 }, 'spec.nodeSelector["gpu"]: 1 is not a string'],
  ['/spec/securityContext', [], 'spec.securityContext: [] is not an object'],
  ['/spec/hostNetwork', 'false', 'spec.hostNetwork: "false" is not a boolean'],
  ['/spec/terminationGracePeriodSeconds', '60s', 'spec.terminationGracePeriodSeconds: "60s" is not a whole number from -9223372036854775808 to 9223372036854775807'],
  ['/metadata/labels', [1], 'metadata.labels: [1] is not an object (a map)'],
  ['/metadata/annotations', { note: { a: 1 } }, 'metadata.annotations["note"]: {"a":1} is not a string'],
  ['/spec', 'none', 'spec: "none" is not an object'],
];

describe('a JSON patch that gives a field the wrong type is a structured synth error and nothing is written', () => {
  test.each(POD_PATCHES)('pod %s = %j', (at, value, expected) => {
    const { app, chart, pod, outdir } = fullPod();
    ApiObject.of(pod.pod).addJsonPatch(at === '/spec/containers/0/env/0' ? JsonPatch.replace(at, value) : JsonPatch.add(at, value));
    let message = '';
    try {
      app.synth();
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toContain(`[test/llm] ${expected}. Fix: give`);
    expect(message.split('\n').slice(1).every(line => /^ {2}\[[^\]]+\] \S.*\. Fix: /.test(line))).toBe(true);
    expect(fs.readdirSync(outdir)).toEqual([]);
    expect(chart).toBeDefined();
  });

  test.each([
    ['ConfigMap', (p: ReturnType<typeof fullPod>) => ApiObject.of(p.proxy.config), '/data', 5, 'data: 5 is not an object (a map)'],
    ['ConfigMap', (p: ReturnType<typeof fullPod>) => ApiObject.of(p.proxy.config), '/data/extra', 1, 'data["extra"]: 1 is not a string'],
    ['NetworkPolicy', (p: ReturnType<typeof fullPod>) => p.proxy.networkPolicy as ApiObject, '/spec/ingress', {}, 'spec.ingress: {} is not a list'],
    ['NetworkPolicy', (p: ReturnType<typeof fullPod>) => p.proxy.networkPolicy as ApiObject, '/spec/policyTypes', 'Ingress', 'spec.policyTypes: "Ingress" is not a list'],
  ])('%s %s = %j', (_kind, target, at, value, expected) => {
    const p = fullPod();
    target(p).addJsonPatch(JsonPatch.add(at as string, value));
    expect(() => p.app.synth()).toThrow(`${expected}. Fix: give`);
    expect(fs.readdirSync(p.outdir)).toEqual([]);
  });

  test('a Deployment\'s own fields too (replicas, strategy, template)', () => {
    const app = new App({ outdir: fs.mkdtempSync(path.join(os.tmpdir(), 'types-')) });
    const chart = new Chart(app, 'test');
    const dep = new AiInferenceDeployment(chart, 'llm', { replicas: 2, server: { image: 'vllm/vllm-openai:v0.6.3' } });
    ApiObject.of(dep.deployment).addJsonPatch(JsonPatch.replace('/spec/replicas', '2'), JsonPatch.add('/spec/template/spec/containers/0/ports', 'x'));
    expect(() => app.synth()).toThrow(/spec\.replicas: "2" is not a whole number from -2147483648 to 2147483647[\s\S]*spec\.template\.spec\.containers\[0\]\.ports: "x" is not a list/);
  });
});

// Values of the right JSON type that the schema refuses: where a rule knows the field, its message
// (with the field's context) is reported; elsewhere the schema's.
test.each<[string, unknown, string]>([
  ['/spec/containers/0/readinessProbe/periodSeconds', 1.5, 'spec.containers[0].readinessProbe.periodSeconds: 1.5 must be a whole number from 0 to 2147483647. Fix: use'],
  ['/spec/securityContext/runAsGroup', 1e300, 'spec.securityContext.runAsGroup: 1e+300 is not a valid id (0-2147483647)'],
  ['/spec/containers/0/startupProbe/httpGet/port', 1e300, 'spec.containers[0].startupProbe.httpGet.port: 1e+300 is not a port number (1-65535) or port name'],
  ['/spec/containers/0/imagePullPolicy', 'Sometimes', 'spec.containers[0].imagePullPolicy: "Sometimes" is not a pull policy. Fix: use ImagePullPolicy'],
  ['/metadata/generation', 1.5, 'metadata.generation: 1.5 is not a whole number from -9223372036854775808 to 9223372036854775807. Fix: give'],
  ['/spec/securityContext/supplementalGroups', [1000, 2 ** 63], 'spec.securityContext.supplementalGroups[1]: 9223372036854776000 is not a valid group id (0-2147483647)'],
  ['/spec/containers/0/ports/0/protocol', 'tcp', 'spec.containers[0].ports[0].protocol: "tcp" is not'],
  ['/metadata/creationTimestamp', '2026-02-30T00:00:00Z', 'metadata.creationTimestamp: "2026-02-30T00:00:00Z" is not an RFC 3339 date-time. Fix: write it as'],
  ['/spec/topologySpreadConstraints', [{ maxSkew: 1, topologyKey: 'zone', whenUnsatisfiable: 'DoNotSchedule', nodeTaintsPolicy: 'Sometimes' }],
    'spec.topologySpreadConstraints[0].nodeTaintsPolicy: "Sometimes" is not one of Honor, Ignore. Fix: use one of Honor, Ignore'],
  ['/spec/containers/0/volumeMounts/0/mountPropagation', 'Shared', 'spec.containers[0].volumeMounts[0].mountPropagation: "Shared" is not one of None, HostToContainer, Bidirectional'],
])('a value of the right type the API refuses: %s = %j', (at, value, expected) => {
  const { app, pod, outdir } = fullPod();
  ApiObject.of(pod.pod).addJsonPatch(JsonPatch.add(at, value));
  let message = '';
  try {
    app.synth();
  } catch (e) {
    message = (e as Error).message;
  }
  expect(message).toContain(expected);
  expect(message.split('\n').slice(1).every(line => STRUCTURED_LINE.test(line))).toBe(true);
  // one finding per field: a rule's message is not repeated by the schema's
  const field = expected.split(': ')[0];
  expect(message.split('\n').filter(line => line.includes(` ${field}: `))).toHaveLength(1);
  expect(fs.readdirSync(outdir)).toEqual([]);
});

test('schemaFindings: wrong types and missing fields stop the rules; refused values of the right type go with them', () => {
  const found = schemaFindings({ apiVersion: 'v1', kind: 'Pod', spec: { containers: [{ name: 'a', imagePullPolicy: 'Sometimes', ports: [{ containerPort: 1.5 }, { containerPort: '80' }] }] } });
  expect(found.types.map(f => f.field)).toEqual(['spec.containers[0].ports[1].containerPort']);
  expect(found.values.map(f => f.field)).toEqual(['spec.containers[0].imagePullPolicy', 'spec.containers[0].ports[0].containerPort']);
});

test('well-typed objects have no type findings, newer fields are known, a member no version has is a value finding, other versions are skipped', () => {
  const { chart } = fullPod();
  for (const m of App._synthChart(chart)) {
    expect(schemaTypes(m)).toEqual([]);
  }
  expect(schemaTypes({ apiVersion: 'v1', kind: 'Pod', spec: { containers: [{ name: 'a', restartPolicy: 'Always' }] } })).toEqual([]);
  const unknown = schemaFindings({ apiVersion: 'v1', kind: 'Pod', status: {}, spec: { containers: [{ name: 'a', restartPolicy: 'Always', newField: [1], restartPolicyRule: [] }] } });
  expect(unknown.types).toEqual([]);
  expect(unknown.values.map(f => `${f.field}: ${f.message.split(':')[0]}`)).toEqual([
    'spec.containers[0].newField: is not a field of Container',
    'spec.containers[0].restartPolicyRule: is not a field of Container (did you mean restartPolicyRules?)',
  ]);
  expect(schemaTypes({ apiVersion: 'resource.k8s.io/v1', kind: 'ResourceClaimTemplate', spec: 5 })).toEqual([]);
  expect(schemaTypes({ apiVersion: 'v1', kind: 'Pod', spec: { containers: 5 } }).map(f => f.field)).toEqual(['spec.containers']);
});

test('numbers: int32 fields take whole numbers in int32, int64 fields in int64, int-or-strings an int32, quantities any finite number', () => {
  const pod = (spec: any) => schemaTypes({ apiVersion: 'v1', kind: 'Pod', spec: { containers: [{ name: 'a', ...spec }] } }).map(f => f.field);
  const wide = { runAsUser: 2 ** 31, runAsGroup: -(2 ** 40) };
  expect(pod({ securityContext: wide, ports: [{ containerPort: 2 ** 31 - 1 }, { containerPort: -(2 ** 31) }] })).toEqual([]);
  expect(pod({ securityContext: { runAsUser: 2 ** 63 }, ports: [{ containerPort: 2 ** 31 }, { containerPort: 80.5 }] }))
    .toEqual(['spec.containers[0].securityContext.runAsUser', 'spec.containers[0].ports[0].containerPort', 'spec.containers[0].ports[1].containerPort']);
  expect(pod({ resources: { limits: { cpu: 1e300, memory: 0.5 } }, readinessProbe: { tcpSocket: { port: 'http' } }, livenessProbe: { tcpSocket: { port: 2 ** 31 - 1 } } })).toEqual([]);
  expect(pod({ readinessProbe: { tcpSocket: { port: 1.5 } }, livenessProbe: { tcpSocket: { port: -(2 ** 31) - 1 } } }))
    .toEqual(['spec.containers[0].readinessProbe.tcpSocket.port', 'spec.containers[0].livenessProbe.tcpSocket.port']);
  expect(schemaTypes({ apiVersion: 'v1', kind: 'Pod', spec: { containers: [], securityContext: { supplementalGroups: [2 ** 40, 1.5] } } }).map(f => f.field))
    .toEqual(['spec.securityContext.supplementalGroups[1]']);
});

describe('required fields, nulls, apiVersion and kind', () => {
  test.each<[string, string, unknown, string]>([
    ['remove', '/spec/containers/0/readinessProbe/httpGet/port', undefined, 'spec.containers[0].readinessProbe.httpGet.port: is missing; the Kubernetes API requires it'],
    ['remove', '/spec/containers', undefined, 'spec.containers: is missing; the Kubernetes API requires it'],
    ['replace', '/spec/containers/0/readinessProbe/httpGet', { path: '/x' }, 'spec.containers[0].readinessProbe.httpGet.port: is missing'],
    ['replace', '/spec/volumes/0', null, 'spec.volumes[0]: null is not an object'],
    ['add', '/spec/containers/0/args', ['a', null], 'spec.containers[0].args[1]: null is not a string'],
    ['add', '/metadata/labels/extra', null, 'metadata.labels["extra"]: null is not a string'],
    ['add', '/spec/securityContext/fsGroupChangePolicy', null, 'spec.securityContext.fsGroupChangePolicy: null is not a string'],
    ['remove', '/kind', undefined, 'kind: undefined is not the object\'s kind'],
    ['replace', '/kind', { a: 1 }, 'kind: {"a":1} is not the object\'s kind'],
    ['replace', '/apiVersion', 1, 'apiVersion: 1 is not the object\'s apiVersion'],
  ])('pod %s %s %j', (op, at, value, expected) => {
    const { app, pod, outdir } = fullPod();
    ApiObject.of(pod.pod).addJsonPatch(op === 'remove' ? JsonPatch.remove(at) : op === 'add' ? JsonPatch.add(at, value) : JsonPatch.replace(at, value));
    expect(() => app.synth()).toThrow(`[test/llm] ${expected}`);
    expect(fs.readdirSync(outdir)).toEqual([]);
  });

  test('a Deployment without its template, a ConfigMap with a null value, a NetworkPolicy with a null rule', () => {
    const p = fullPod();
    ApiObject.of(p.proxy.config).addJsonPatch(JsonPatch.add('/data/extra', null));
    (p.proxy.networkPolicy as ApiObject).addJsonPatch(JsonPatch.add('/spec/ingress/0', null));
    let message = '';
    try {
      p.app.synth();
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toContain('data["extra"]: null is not a string. Fix:');
    expect(message).toContain('spec.ingress[0]: null is not an object. Fix:');
    const app = new App({ outdir: fs.mkdtempSync(path.join(os.tmpdir(), 'types-')) });
    const dep = new AiInferenceDeployment(new Chart(app, 'test'), 'llm', { server: { image: 'vllm/vllm-openai:v0.6.3' } });
    ApiObject.of(dep.deployment).addJsonPatch(JsonPatch.remove('/spec/template'));
    expect(() => app.synth()).toThrow('spec.template: is missing; the Kubernetes API requires it');
  });

  test('fields 1.27 requires but later versions let out may be dropped (StatefulSet serviceName, NetworkPolicy podSelector)', () => {
    expect(schemaTypes({ apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: {}, spec: { selector: {}, template: { spec: { containers: [] } } } })).toEqual([]);
    expect(schemaTypes({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: {}, spec: {} })).toEqual([]);
  });

  test('REQUIRED_UNTIL_LATER is exactly what 1.27 requires and the official schema of today does not, for the kinds the library writes', () => {
    const relaxed: string[] = [];
    for (const [type, source] of officialSchemas()) {
      const fields = [...l1Types().get(type)!.values()];
      relaxed.push(...fields.filter(f => !f.optional && !source.includes(`missingProperty:"${f.name}"`)).map(f => `${type}.${f.name}`));
    }
    expect(relaxed.length).toBe(REQUIRED_UNTIL_LATER.size);
    expect(relaxed.sort()).toEqual([...REQUIRED_UNTIL_LATER].sort());
  });

  test('INT64_FIELDS is exactly the number fields the official schema lets exceed int32, for the kinds the library writes; none takes a fraction', () => {
    const int64: string[] = [];
    let numbers = 0;
    for (const [type, , file] of officialSchemas()) {
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- the schema module is found by its path
      const validate = require(file).validate;
      for (const field of l1Types().get(type)!.values()) {
        const kind = (field.type.element ?? field.type).kind;
        if (kind !== 'number') {
          continue;
        }
        numbers++;
        const errorsFor = (n: number) => {
          validate({ [field.name]: field.type.kind === 'array' ? [n] : field.type.kind === 'map' ? { a: n } : n });
          return (validate.errors ?? []).filter((e: any) => e.instancePath.startsWith(`/${field.name}`));
        };
        expect([`${type}.${field.name}`, errorsFor(1.5).length]).not.toEqual([`${type}.${field.name}`, 0]);
        if (errorsFor(2 ** 31).length === 0) {
          int64.push(`${type}.${field.name}`);
        }
      }
    }
    expect(numbers).toBeGreaterThan(60);
    expect(int64.sort()).toEqual([...INT64_FIELDS].sort());
  });

  test('ENUM_FIELDS and DATE_TIME_FIELDS are exactly the string fields the official schema restricts, with its values, for the kinds the library writes', () => {
    const enums: { [field: string]: string[] } = {};
    const dateTimes: string[] = [];
    for (const [type, , file] of officialSchemas()) {
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- the schema module is found by its path
      const validate = require(file).validate;
      for (const field of l1Types().get(type)!.values()) {
        if ((field.type.element ?? field.type).kind !== 'string') {
          continue;
        }
        const bogus = '__not_a_value__';
        validate({ [field.name]: field.type.kind === 'array' ? [bogus] : field.type.kind === 'map' ? { a: bogus } : bogus });
        const errors = (validate.errors ?? []).filter((e: any) => e.instancePath.startsWith(`/${field.name}`));
        const allowed = errors.find((e: any) => e.keyword === 'enum')?.params.allowedValues;
        if (allowed) {
          enums[`${type}.${field.name}`] = [...allowed].sort();
        } else if (errors.some((e: any) => e.keyword === 'format' && e.params.format === 'date-time')) {
          dateTimes.push(`${type}.${field.name}`);
        } else {
          expect([`${type}.${field.name}`, errors]).toEqual([`${type}.${field.name}`, []]);
        }
      }
    }
    expect(Object.keys(enums).length).toBeGreaterThan(30);
    expect(enums).toEqual(Object.fromEntries([...ENUM_FIELDS].map(([k, v]) => [k, [...v].sort()])));
    expect(dateTimes.sort()).toEqual([...DATE_TIME_FIELDS].sort());
  });
  test('NEWER_FIELDS and NEWER_TYPES are exactly the fields the written kinds gained after 1.27, with the official types', () => {
    const newer: string[] = [];
    for (const [type, , file] of officialSchemas()) {
      const known = new Set([...l1Types().get(type)!.values()].map(f => f.name));
      newer.push(...Object.keys(declaredFields(declarationOf(file))).filter(name => !known.has(name)).map(name => `${type}.${name}`));
    }
    expect(newer.sort()).toEqual([...NEWER_FIELDS.keys()].sort());
    // where the official schema has a plain string, the API server may still enumerate
    const apiServerEnums = [
      'VolumeMount.recursiveReadOnly', 'PodSecurityContext.seLinuxChangePolicy', 'ContainerRestartRule.action', 'ContainerRestartRuleOnExitCodes.operator',
      'ServiceSpec.trafficDistribution',
    ];
    const mismatches: string[] = [];
    const compare = (key: string, ours: any, declared: { type: string; optional: boolean }) => {
      const literals = [...declared.type.matchAll(/"([^"]+)"/g)].map(m => m[1]);
      const kind = /^Array</.test(declared.type) ? 'array' : declared.type === 'number' ? 'number' : declared.type === 'boolean' ? 'boolean'
        : declared.type === 'string' || literals.length ? 'string' : declared.type === '{' ? 'map' : 'object';
      if (ours.kind !== kind) {
        mismatches.push(`${key}: ${ours.kind} instead of ${kind}`);
      } else if (literals.length && [...(ours.allowed ?? [])].sort().join() !== literals.sort().join()) {
        mismatches.push(`${key}: ${ours.allowed} instead of ${literals}`);
      } else if (!literals.length && ours.allowed && !apiServerEnums.includes(key)) {
        mismatches.push(`${key}: an enum the official schema does not have`);
      } else if (kind === 'object' && !declared.type.endsWith(ours.type)) {
        mismatches.push(`${key}: ${ours.type} instead of ${declared.type}`);
      }
    };
    for (const [key, ours] of NEWER_FIELDS) {
      const [type, name] = key.split('.');
      const file = officialSchemas().find(([t]) => t === type)![2];
      compare(key, ours, declaredFields(declarationOf(file))[name]);
    }
    for (const [type, { fields, required }] of NEWER_TYPES) {
      const declared = declaredFields(declarationFor(type));
      expect([type, Object.keys(fields).sort()]).toEqual([type, Object.keys(declared).sort()]);
      expect([type, [...required].sort()]).toEqual([type, Object.keys(declared).filter(n => !declared[n].optional).sort()]);
      Object.entries(fields).forEach(([name, ours]) => compare(`${type}.${name}`, ours, declared[name]));
    }
    expect(mismatches).toEqual([]);
  });
});

/** The TypeScript declaration next to a compiled official schema (`_schemas/X.js` → the model's `.d.ts`). */
function declarationOf(schemaFile: string): string {
  const name = path.basename(schemaFile, '.js');
  const found = declarationFor(name.replace(/^IoK8s(Api(Core|Apps|Batch|Networking)|ApimachineryPkgApisMeta)V1/, ''), name);
  return found;
}

/** The `.d.ts` of the official model of `type` (searched in the groups the written kinds use). */
function declarationFor(type: string, schemaName?: string): string {
  const modules = path.join(__dirname, '..', 'node_modules');
  const dirs = ['kubernetes-models/v1', 'kubernetes-models/apps/v1', 'kubernetes-models/batch/v1', 'kubernetes-models/networking.k8s.io/v1',
    '@kubernetes-models/apimachinery/apis/meta/v1'];
  const candidates = dirs.map(d => path.join(modules, d, `${type}.d.ts`)).filter(f => fs.existsSync(f));
  if (!candidates.length) {
    throw new Error(`no declaration for ${type} (${schemaName ?? ''})`);
  }
  const group = schemaName && /^IoK8sApi(Core|Apps|Batch|Networking)/.exec(schemaName)?.[1];
  const wanted = { Core: 'kubernetes-models/v1', Apps: 'apps/v1', Batch: 'batch/v1', Networking: 'networking.k8s.io' }[group as string];
  return fs.readFileSync(candidates.find(f => !wanted || f.includes(wanted)) ?? candidates[0], 'utf8');
}

/** The fields a model's declaration lists: name → declared type text and whether it is optional. */
function declaredFields(source: string): { [name: string]: { type: string; optional: boolean } } {
  const body = source.slice(source.indexOf('export interface I'), source.indexOf('\n}', source.indexOf('export interface I')));
  return Object.fromEntries([...body.matchAll(/^ {4}"([A-Za-z0-9$]+)"(\?)?: (.+?);?$/gm)].map(m => [m[1], { type: m[3], optional: m[2] === '?' }]));
}

/**
 * The API types the written kinds reach, each with the source and path of its official
 * (kubernetes-models) schema: [type, source, file].
 */
function officialSchemas(): Array<[string, string, string]> {
  const modules = path.join(__dirname, '..', 'node_modules');
  const schemaDirs = [path.join(modules, 'kubernetes-models', '_schemas'), path.join(modules, '@kubernetes-models', 'apimachinery', '_schemas')];
  const seen = new Set<string>();
  const visit = (type: string): void => {
    if (seen.has(type) || !l1Types().has(type)) {
      return;
    }
    seen.add(type);
    for (const field of l1Types().get(type)!.values()) {
      const element = field.type.element ?? field.type;
      if (element.kind === 'object') {
        visit(element.type as string);
      }
    }
  };
  ['KubePodProps', 'KubeDeploymentProps', 'KubeStatefulSetProps', 'KubeJobProps', 'KubeCronJobProps', 'KubeDaemonSetProps', 'KubeConfigMapProps',
    'KubeServiceProps', 'KubePersistentVolumeClaimProps', 'KubeNetworkPolicyProps'].forEach(visit);
  expect(seen.size).toBeGreaterThan(100);
  const raw = JSON.parse(fs.readFileSync(require.resolve('cdk8s-plus-27/.jsii'), 'utf8'));
  const schemas: Array<[string, string, string]> = [];
  for (const type of seen) {
    const schema: string | undefined = raw.types[`cdk8s-plus-27.k8s.${type}`].properties.find((p: any) => p.docs?.custom?.schema)?.docs.custom.schema;
    if (type.startsWith('Kube') || !schema) {
      continue;
    }
    const name = `${schema.split('#')[0].split('.').map(s => s[0].toUpperCase() + s.slice(1)).join('')}.js`;
    const file = schemaDirs.map(dir => path.join(dir, name)).find(f => fs.existsSync(f));
    if (!file) {
      throw new Error(`no official schema for ${type} (${name})`);
    }
    schemas.push([type, fs.readFileSync(file, 'utf8'), file]);
  }
  return schemas;
}

/** The objects a hostile patch may target: every workload host and its companions. */
function patchTargets(outdir: string, variant: number): { app: App; objects: ApiObject[] } {
  const app = new App({ outdir });
  const chart = new Chart(app, 'test');
  const server = { image: 'vllm/vllm-openai:v0.6.3' };
  if (variant === 0) {
    const pod = new AiInferencePod(chart, 'llm', { server: { ...server, health: HealthCheck.vllm() }, gpu: { count: 1 } });
    new ModelPrepInit(pod, 'model-downloader', { source: ModelSource.s3('s3://models/llama/'), cache: ModelCache.newPersistentVolumeClaim({ size: '100Gi' }) });
    new LogSidecar(pod, 'log-forwarder');
    const proxy = new ProxySidecar(pod, 'auth-proxy', { tls: ProxyTls.fromSecret('tls') });
    const claims = chart.node.findAll().filter((o): o is ApiObject => o instanceof ApiObject && o.kind === 'PersistentVolumeClaim');
    return { app, objects: [ApiObject.of(pod.pod), ApiObject.of(proxy.config), proxy.networkPolicy as ApiObject, ...claims] };
  }
  if (variant === 1) {
    const dep = new AiInferenceDeployment(chart, 'llm', { replicas: 2, server });
    return { app, objects: [ApiObject.of(dep.deployment), dep.service as ApiObject] };
  }
  const workload = variant === 2
    ? new kplus.StatefulSet(chart, 'sts', { service: new kplus.Service(chart, 'svc', { ports: [{ port: 80 }] }) })
    : new kplus.Job(chart, 'job', { restartPolicy: kplus.RestartPolicy.NEVER });
  new InferenceServer(workload, 'server', { server });
  return { app, objects: [ApiObject.of(workload)] };
}

/** Every JSON pointer inside `json`. */
function pointers(json: any, at = ''): string[] {
  if (json === null || typeof json !== 'object') {
    return [];
  }
  return Object.keys(json).flatMap(k => {
    const p = `${at}/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`;
    return [p, ...pointers(json[k], p)];
  });
}

// Wrong types, nulls, NaN, huge and deep values, and strings: a string outside an enum, a bad
// timestamp or quantity is refused by the schema values check or a rule.
const junk = fc.oneof(
  fc.constantFrom(null, true, false, 0, -1, 1.5, NaN, Infinity, -Infinity, 1e300, [], {}, [null], [1], ['a'], { a: 1 }, { a: null }, [[[]]], { value: 'x' }),
  fc.constantFrom('', 'Sometimes', 'tcp', 'always', '1.5', '-1', '2026-13-01T00:00:00Z', '10Qi', ' ', 'a\nb', 'ALL', '..', '/'),
  fc.jsonValue({ maxDepth: 4 }).filter(v => typeof v !== 'string'),
  fc.constant(Array.from({ length: 1000 }, () => ({}))),
  fc.integer({ min: 1, max: 200 }).map(n => {
    let v: any = 'x';
    for (let i = 0; i < n; i++) {
      v = { a: [v] };
    }
    return v;
  }),
);

/**
 * One JSON patch on one of the patch targets, synthesized: a problem (an unstructured refusal, a
 * refused synth that wrote files, written YAML the official schema refuses), or whether it was refused.
 */
function patchOutcome(variant: number, object: number, op: string, at: string, value: unknown): { refused: boolean; problem?: string } {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'types-'));
  const { app, objects } = patchTargets(outdir, variant);
  const target = objects[object];
  target.addJsonPatch(op === 'remove' ? JsonPatch.remove(at) : op === 'add' ? JsonPatch.add(at, value) : JsonPatch.replace(at, value));
  const name = `${target.kind} ${op} ${at} ${JSON.stringify(value)?.slice(0, 60)}`;
  try {
    app.synth();
  } catch (e) {
    const [head, ...lines] = (e as Error).message.split('\n');
    if (head !== 'Validation failed with the following errors:' || !lines.length || !lines.every(l => STRUCTURED_LINE.test(l))) {
      return { refused: true, problem: `${name}: ${(e as Error).message.slice(0, 300)}` };
    }
    return { refused: true, problem: fs.readdirSync(outdir).length ? `${name}: a refused synth wrote files` : undefined };
  }
  const manifests = fs.readdirSync(outdir).flatMap(f => parseAllDocuments(fs.readFileSync(path.join(outdir, f), 'utf8')).map(d => d.toJSON()));
  try {
    expectApiValid(manifests);
  } catch (e) {
    return { refused: false, problem: `${name}: written and invalid: ${(e as Error).message.slice(0, 300)}` };
  }
  return { refused: false };
}

/** Every JSON pointer of every patch target, per variant and object. */
const targetPointers = (): string[][][] => [0, 1, 2, 3].map(v => patchTargets(fs.mkdtempSync(path.join(os.tmpdir(), 'types-')), v).objects.map(o => ['', ...pointers(o.toJson())]));

test('any JSON patch of wrong-typed JSON anywhere: a structured refusal with nothing written, or YAML the API server accepts', () => {
  const paths = targetPointers();
  const problems: string[] = [];
  let refused = 0;
  fc.assert(fc.property(fc.nat(3), fc.nat(), fc.nat(), fc.constantFrom('add', 'replace', 'remove'), junk, (variant, o, p, op, value) => {
    const object = o % paths[variant].length;
    const outcome = patchOutcome(variant, object, op, paths[variant][object][p % paths[variant][object].length], value);
    refused += outcome.refused ? 1 : 0;
    if (outcome.problem) {
      problems.push(outcome.problem);
    }
  }), { numRuns: 250 });
  expect(problems).toEqual([]);
  // both outcomes occur: the patches reach real fields, and harmless ones are accepted
  expect(refused).toBeGreaterThan(50);
  expect(refused).toBeLessThan(240);
});

test('every number the library writes, patched to a fraction, an int32 overflow or 1e300: a structured refusal or YAML the API server accepts', () => {
  const paths = targetPointers();
  const problems: string[] = [];
  let numbers = 0;
  paths.forEach((objects, variant) => objects.forEach((pointerList, object) => {
    const json = patchTargets(fs.mkdtempSync(path.join(os.tmpdir(), 'types-')), variant).objects[object].toJson();
    for (const at of pointerList.filter(p => typeof at_(json, p) === 'number')) {
      numbers++;
      for (const value of [1.5, 2 ** 31, 1e300]) {
        const outcome = patchOutcome(variant, object, 'replace', at, value);
        if (outcome.problem) {
          problems.push(outcome.problem);
        }
      }
    }
  }));
  expect(problems).toEqual([]);
  expect(numbers).toBeGreaterThan(40);
});

/** The value at a JSON pointer. */
function at_(json: any, pointer: string): unknown {
  return pointer.split('/').slice(1).reduce((v, k) => v?.[k.replace(/~1/g, '/').replace(/~0/g, '~')], json);
}

test.each([
  ['/kind', 'Foo', 'kind: "Foo" is not the object\'s kind (Pod)'],
  ['/apiVersion', 'v2', 'apiVersion: "v2" is not the object\'s apiVersion (v1)'],
])('a patch of %s to another string is refused too (the object would become another kind)', (at, value, expected) => {
  const { app, pod, outdir } = fullPod();
  ApiObject.of(pod.pod).addJsonPatch(JsonPatch.replace(at, value));
  expect(() => app.synth()).toThrow(`[test/llm] ${expected}. Fix: leave`);
  expect(fs.readdirSync(outdir)).toEqual([]);
});

test.each([
  ['/spec/containers/0/securityContext/seccompProfile', { type: 'Strict' }, 'spec.containers[0].securityContext.seccompProfile.type: "Strict" is not one of RuntimeDefault, Localhost, Unconfined'],
  ['/spec/containers/0/securityContext/procMount', 'Masked', 'spec.containers[0].securityContext.procMount: "Masked" is not one of Default, Unmasked'],
  ['/spec/containers/0/volumeMounts/0/mountPropagation', 'Shared', 'spec.containers[0].volumeMounts[0].mountPropagation: "Shared" is not one of None, HostToContainer, Bidirectional'],
  ['/spec/securityContext/fsGroupChangePolicy', 'Never', 'spec.securityContext.fsGroupChangePolicy: "Never" is not one of OnRootMismatch, Always'],
  ['/spec/securityContext/seccompProfile/type', 'runtime/default', 'spec.securityContext.seccompProfile.type: "runtime/default" is not one of RuntimeDefault, Localhost, Unconfined'],
  ['/spec/volumes/0/emptyDir/medium', 'Disk', 'spec.volumes[0].emptyDir.medium: "Disk" is not "", Memory or HugePages[-<size>]'],
  ['/spec/affinity', { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'gpu', operator: 'Equals', values: ['a'] }] }] } } },
    'spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[0].operator: "Equals" is not one of In, NotIn, Exists, DoesNotExist, Gt, Lt'],
])('an enum field patched to a value the API rejects (%s) is a structured error', (at, value, expected) => {
  const { app, pod, outdir } = fullPod();
  ApiObject.of(pod.pod).addJsonPatch(JsonPatch.add(at, value));
  expect(() => app.synth()).toThrow(`${expected}. Fix: use`);
  expect(fs.readdirSync(outdir)).toEqual([]);
});

test('the values the API accepts for those fields pass', () => {
  const { app, pod, outdir } = fullPod();
  ApiObject.of(pod.pod).addJsonPatch(
    JsonPatch.add('/spec/volumes/0/emptyDir/medium', 'HugePages-2Mi'),
    JsonPatch.add('/spec/containers/0/volumeMounts/0/mountPropagation', 'HostToContainer'),
    JsonPatch.add('/spec/affinity', { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'gpu-mem', operator: 'Gt', values: ['40'] }] }] } } }),
  );
  app.synth();
  expect(fs.readdirSync(outdir).length).toBeGreaterThan(0);
});
