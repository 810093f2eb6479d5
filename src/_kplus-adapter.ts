import * as fs from 'fs';
import { dirname, join } from 'path';
import * as zlib from 'zlib';
import { ApiObject, App, IResolver, ImplicitTokenResolver, JsonPatch, Lazy, LazyResolver, NumberStringUnionResolver } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import * as k8s from 'cdk8s-plus-27/lib/imports/k8s';
import { cached } from './_memo';

/**
 * Rendering workarounds for cdk8s-plus-27, and only those.
 *
 * cdk8s-plus-27 re-serializes a workload through the Kubernetes 1.27 schema *after* the user's
 * JSON patches, which silently drops native-sidecar `restartPolicy`, GPU quantities given as
 * strings, image volumes, resource claims and every field newer than 1.27 — including fields a
 * user adds with `addJsonPatch`. The library therefore renders in three steps:
 *
 * 1. cdk8s-plus renders the object **without** the user's JSON patches;
 * 2. the library's post-render steps edit that final JSON (fields cdk8s-plus cannot express);
 * 3. the user's JSON patches apply last, so an escape hatch always wins and is then validated.
 *
 * A move to a newer cdk8s-plus replaces this file, not the public API.
 *
 * @internal
 */

/** A post-render step: edits (or replaces) an object's final JSON. */
export type RenderStep = (json: any) => any;

/**
 * Renders `obj` as cdk8s-plus does, then runs `steps`, then the user's JSON patches.
 */
export function renderWithPatchesLast(obj: ApiObject, kplusRender: () => any, steps: ReadonlyArray<RenderStep>): any {
  const patches: JsonPatch[] = (obj as any).patches;
  const user = patches.splice(0, patches.length);
  let json: any;
  try {
    json = directRender(obj) ?? kplusRender();
  } finally {
    patches.push(...user);
  }
  for (const step of steps) {
    json = step(json) ?? json;
  }
  return user.length ? withUserPatches(json, user) : topLevelOrder(json);
}

/**
 * A user JSON patch that cannot apply to the rendered object, as a field (the patch's path),
 * a message and a fix: synth reports it like any finding.
 *
 * @internal
 */
export class PatchNotApplied extends Error {
  constructor(public readonly field: string, public readonly reason: string, public readonly fix: string) {
    super(`${field}: ${reason}`);
  }
}

/**
 * `json` with the user's JSON patches applied in order. A patch that cannot apply (a missing
 * parent, an index past the end, a failed `test`) fails the render with its op and path, not
 * with the patch library's TypeError.
 */
function withUserPatches(json: any, patches: ReadonlyArray<JsonPatch>): any {
  for (const patch of patches) {
    if (typeof (patch as any)?._toJson !== 'function') {
      // a plain { op, path, value } object from JavaScript (or `as any`): cdk8s would fail on it with a TypeError
      const text = JSON.stringify(patch) ?? String(patch);
      throw new PatchNotApplied('JSON patch', `${text.length > 200 ? `${text.slice(0, 200)}...` : text} is not a cdk8s JsonPatch`,
        'build it with JsonPatch.add / replace / remove / move / copy / test from cdk8s, e.g. JsonPatch.add(\'/spec/hostNetwork\', true)');
    }
    const operation = (patch as any)._toJson();
    const unmet = unmetPrecondition(json, operation);
    if (unmet) {
      throw new PatchNotApplied(`JSON patch ${operation.op} ${JSON.stringify(operation.path)}`, `cannot be applied: ${unmet}`,
        'add the parent first, or patch a path the rendered object has: a JSON pointer "/a/b" to an existing member or list index ("-" appends)');
    }
    try {
      json = JsonPatch.apply(json, patch);
    } catch (e) {
      const { op, path } = operation;
      const missing = e instanceof TypeError || /does not exist|unresolvable/i.test((e as Error).message);
      throw new PatchNotApplied(`JSON patch ${op} ${JSON.stringify(path)}`,
        missing ? `cannot be applied: ${JSON.stringify(parentOf(path))} does not exist in the rendered ${json?.kind ?? 'object'}`
          : `cannot be applied: ${(e as Error).message.split('\n')[0]}`,
        missing ? 'add the parent first, or patch a path the rendered object has' : 'correct the JSON patch against the rendered object');
    }
  }
  return json;
}

/**
 * What RFC 6902 requires of an operation before it applies, and the patch library (which cdk8s
 * runs without its validation) does not check: JSON pointers that start with "/"; a `remove`,
 * `replace`, `move` or `copy` source that exists; an `add` into an existing object, or into a
 * list at an index from 0 to its length or "-"; never a walk into a string or into members an
 * object inherits (`constructor`). Without this, `remove` of a missing member, `move` from one,
 * `add` at `/spec/containers/abc` or into a string did nothing, silently, and
 * `/metadata/labels/constructor/x` set a property of JavaScript's global `Object`.
 * Undefined when the operation may apply; else why not.
 */
function unmetPrecondition(json: any, operation: { op?: unknown; path?: unknown; from?: unknown }): string | undefined {
  const { op, path, from } = operation;
  const pointers: Array<[string, unknown]> = [['path', path], ...(op === 'move' || op === 'copy' ? [['from', from] as [string, unknown]] : [])];
  for (const [name, pointer] of pointers) {
    if (typeof pointer !== 'string' || (pointer !== '' && !pointer.startsWith('/')) || /~(?![01])/.test(pointer)) {
      return `${name} ${JSON.stringify(pointer)} is not a JSON pointer (empty, or "/" then members separated by "/", with "~0" for "~" and "~1" for "/")`;
    }
  }
  if (op === 'move' && (path as string).startsWith(`${from}/`)) {
    return `a move from ${JSON.stringify(from)} into its own member ${JSON.stringify(path)}`;
  }
  if (op === 'move' || op === 'copy') {
    const missing = missingAt(json, from as string);
    if (missing) {
      return missing;
    }
  }
  if (path === '') {
    return undefined;
  }
  const tokens = (path as string).split('/').slice(1).map(t => t.replace(/~1/g, '/').replace(/~0/g, '~'));
  const last = tokens[tokens.length - 1];
  const parentPointer = (path as string).slice(0, (path as string).lastIndexOf('/'));
  if (op === 'add' || op === 'move' || op === 'copy') {
    const missing = missingAt(json, parentPointer);
    if (missing) {
      return missing;
    }
    const parent = valueAt(json, tokens.slice(0, -1));
    if (Array.isArray(parent)) {
      return last === '-' || (/^(0|[1-9]\d*)$/.test(last) && Number(last) <= parent.length) ? undefined
        : `${JSON.stringify(last)} is not a position in the list ${JSON.stringify(parentPointer || '/')} (0 to ${parent.length}, or "-" to append)`;
    }
    return parent !== null && typeof parent === 'object' ? undefined
      : `${JSON.stringify(parentPointer || '/')} is ${describe(parent)}, not an object or a list`;
  }
  return op === 'remove' || op === 'replace' ? missingAt(json, path as string) : undefined;
}

/** Why `pointer` names nothing in `json` (a missing member, a list index out of range, a walk into a scalar), or undefined. */
function missingAt(json: any, pointer: string): string | undefined {
  let value = json;
  let at = '';
  for (const token of pointer.split('/').slice(1).map(t => t.replace(/~1/g, '/').replace(/~0/g, '~'))) {
    const next = `${at}/${token.replace(/~/g, '~0').replace(/\//g, '~1')}`;
    if (Array.isArray(value)) {
      if (!/^(0|[1-9]\d*)$/.test(token) || Number(token) >= value.length) {
        return `${JSON.stringify(next)} does not exist in the rendered ${json?.kind ?? 'object'} (the list ${JSON.stringify(at || '/')} has ${value.length} entries)`;
      }
    } else if (value === null || typeof value !== 'object') {
      return `${JSON.stringify(at || '/')} is ${describe(value)}, not an object or a list`;
    } else if (!Object.prototype.hasOwnProperty.call(value, token) || value[token] === undefined) {
      return `${JSON.stringify(next)} does not exist in the rendered ${json?.kind ?? 'object'}`;
    }
    value = value[token];
    at = next;
  }
  return undefined;
}

function valueAt(json: any, tokens: string[]): any {
  return tokens.reduce((value, token) => value[token], json);
}

function describe(value: unknown): string {
  return value === null ? 'null' : Array.isArray(value) ? 'a list' : `a ${typeof value} (${JSON.stringify(value)})`;
}

function parentOf(path: unknown): string {
  return typeof path === 'string' ? path.slice(0, Math.max(0, path.lastIndexOf('/'))) || '/' : String(path);
}

/**
 * The generated L1 classes whose \`toJson()\` is cdk8s's resolve-and-sanitize followed by a
 * re-serialization through the 1.27 schema. For what cdk8s-plus-27 builds, that second pass
 * changes nothing but the shape of union values (quantities, int-or-strings), yet it costs more
 * than the library's whole composition; \`directRender\` produces the same JSON in one walk.
 */
const DIRECT_KINDS: ReadonlyArray<new (...args: any[]) => ApiObject> = [
  k8s.KubePod, k8s.KubeDeployment, k8s.KubeStatefulSet, k8s.KubeJob, k8s.KubeCronJob, k8s.KubeDaemonSet, k8s.KubeConfigMap,
];

/** cdk8s's own resolvers, in the order \`App\` installs them after the user's. */
const BUILT_IN_RESOLVERS: ReadonlyArray<new () => IResolver> = [LazyResolver, ImplicitTokenResolver, NumberStringUnionResolver];

/** Thrown inside a direct render that meets something only cdk8s's own path knows how to treat. */
const NOT_DIRECT = new Error('not directly renderable');

/**
 * The JSON \`obj.toJson()\` would give without its JSON patches, rendered in one walk — or
 * undefined where that is not certain (an app with its own resolvers, \`CDK8S_DISABLE_SORT\`,
 * a value cdk8s would refuse or the schema would reshape, a subclass): then cdk8s-plus
 * renders, and reports errors, as always.
 */
export function directRender(obj: ApiObject): any {
  const proto = Object.getPrototypeOf(obj);
  const kind = DIRECT_KINDS.find(k => k.prototype === proto);
  if (!kind || process.env.CDK8S_DISABLE_SORT || !builtInResolversOnly(obj)) {
    return undefined;
  }
  const props = (obj as any).props;
  const fields = l1Types().get(`${kind.name}Props`) as ReadonlyMap<string, L1Field>;
  const json: any = { apiVersion: obj.apiVersion, kind: obj.kind, metadata: k8s.toJson_ObjectMeta(obj.metadata.toJson()) };
  try {
    const rest = objectJson({ ...props, apiVersion: undefined, kind: undefined, metadata: undefined }, fields);
    for (const key of Object.keys(rest)) {
      json[key] = rest[key];
    }
  } catch {
    // cdk8s-plus renders it, or reports it in its own words, on its own path
    return undefined;
  }
  return json;
}

function builtInResolversOnly(obj: ApiObject): boolean {
  const resolvers = App.of(obj).resolvers;
  return resolvers.length === BUILT_IN_RESOLVERS.length && resolvers.every((r, i) => r.constructor === BUILT_IN_RESOLVERS[i]);
}

/**
 * Properties whose JSON name differs from their name in the generated L1 props (the L1's
 * `toJson_*` functions rename them). A test checks this table against cdk8s-plus-27's code.
 *
 * @internal
 */
export const L1_RENAMED_PROPS: ReadonlyMap<string, string> = new Map(Object.entries({
  clusterIp: 'clusterIP', datasetUuid: 'datasetUUID', diskUri: 'diskURI', externalId: 'externalID', hostIp: 'hostIP',
  hostIpc: 'hostIPC', hostPid: 'hostPID', insecureSkipTlsVerify: 'insecureSkipTLSVerify', loadBalancerIp: 'loadBalancerIP',
  nodeId: 'nodeID', nonResourceUrLs: 'nonResourceURLs', pdId: 'pdID', podCidr: 'podCIDR', podCidRs: 'podCIDRs',
  providerId: 'providerID', ref: '$ref', schema: '$schema', setHostnameAsFqdn: 'setHostnameAsFQDN',
  storagePolicyId: 'storagePolicyID', targetCpuUtilizationPercentage: 'targetCPUUtilizationPercentage', targetWwNs: 'targetWWNs',
  volumeId: 'volumeID', xKubernetesEmbeddedResource: 'x-kubernetes-embedded-resource',
  xKubernetesIntOrString: 'x-kubernetes-int-or-string', xKubernetesListMapKeys: 'x-kubernetes-list-map-keys',
  xKubernetesListType: 'x-kubernetes-list-type', xKubernetesMapType: 'x-kubernetes-map-type',
  xKubernetesPreserveUnknownFields: 'x-kubernetes-preserve-unknown-fields', xKubernetesValidations: 'x-kubernetes-validations',
  downwardApi: 'downwardAPI', scaleIo: 'scaleIO', clientIp: 'clientIP', openApiv3Schema: 'openAPIV3Schema',
}));

/** Props of `L1_RENAMED_PROPS` that one type keeps as they are (`Type.prop`). @internal */
export const L1_KEPT_PROPS: ReadonlySet<string> = new Set(['CustomResourceDefinitionVersion.schema']);

/**
 * The JSON type of one field of the 1.27 API as cdk8s-plus-27 declares it.
 *
 * @internal
 */
export interface L1FieldType {
  readonly kind: 'string' | 'number' | 'boolean' | 'any' | 'scalar' | 'object' | 'array' | 'map';
  /** For `object`: the API type (`PodSpec`); for `scalar`: the union class (`Quantity`, `IntOrString`). */
  readonly type?: string;
  /** For `array` and `map`: the element type. */
  readonly element?: L1FieldType;
}

/**
 * One field of an API type: its name in the L1 props, its JSON name, its type.
 *
 * @internal
 */
export interface L1Field {
  readonly prop: string;
  readonly name: string;
  readonly type: L1FieldType;
  /** Whether the 1.27 API lets the field out. */
  readonly optional: boolean;
  /** Its place among the type's fields in JSON-name order (the order cdk8s writes them). */
  readonly rank: number;
}

const ASSEMBLY_PREFIX = 'cdk8s-plus-27.k8s.';
/** Classes of the generated API that hold a string or a number (quantities, int-or-strings). */
const SCALAR_CLASSES = new Set([`${ASSEMBLY_PREFIX}Quantity`, `${ASSEMBLY_PREFIX}IntOrString`]);

let types: ReadonlyMap<string, ReadonlyMap<string, L1Field>> | undefined;

/**
 * The Kubernetes 1.27 API types as cdk8s-plus-27 ships them in its jsii assembly (read once, on
 * first use): API type name (`PodSpec`, `KubePodProps`) → L1 prop name → field. The generated
 * `toJson_*` functions are written from the same declarations.
 *
 * @internal
 */
export function l1Types(): ReadonlyMap<string, ReadonlyMap<string, L1Field>> {
  types = types ?? buildTypes(readAssembly());
  return types;
}

/** cdk8s-plus-27's `.jsii` assembly (following a compressed-file redirect if it has one). */
function readAssembly(): any {
  const dir = dirname(require.resolve('cdk8s-plus-27/package.json'));
  const assembly = JSON.parse(fs.readFileSync(join(dir, '.jsii'), 'utf8'));
  if (assembly.schema !== 'jsii/file-redirect') {
    return assembly;
  }
  const data = fs.readFileSync(join(dir, assembly.filename));
  return JSON.parse((assembly.compression === 'gzip' ? zlib.gunzipSync(data) : data).toString('utf8'));
}

function buildTypes(assembly: any): Map<string, Map<string, L1Field>> {
  const table = new Map<string, Map<string, L1Field>>();
  for (const [fqn, type] of Object.entries<any>(assembly.types)) {
    if (!fqn.startsWith(ASSEMBLY_PREFIX) || type.kind !== 'interface') {
      continue;
    }
    const properties: any[] = type.properties ?? [];
    const typeName = fqn.slice(ASSEMBLY_PREFIX.length);
    const named = properties.map(property => ({
      property,
      name: (!L1_KEPT_PROPS.has(`${typeName}.${property.name}`) && L1_RENAMED_PROPS.get(property.name)) || property.name,
    }));
    named.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const fields = new Map<string, L1Field>();
    named.forEach(({ property, name }, rank) => {
      const optional = property.optional === true;
      fields.set(property.name, { prop: property.name, name, type: fieldType(property.type, assembly.types), optional, rank });
    });
    table.set(typeName, fields);
  }
  return table;
}

function fieldType(ref: any, all: any): L1FieldType {
  if (ref.primitive) {
    return { kind: ref.primitive === 'date' ? 'string' : ref.primitive === 'json' ? 'any' : ref.primitive };
  }
  if (ref.collection) {
    return { kind: ref.collection.kind === 'array' ? 'array' : 'map', element: fieldType(ref.collection.elementtype, all) };
  }
  const fqn: string = ref.fqn ?? '';
  if (SCALAR_CLASSES.has(fqn)) {
    return { kind: 'scalar', type: fqn.slice(ASSEMBLY_PREFIX.length) };
  }
  if (all[fqn]?.kind === 'enum') {
    return { kind: 'string' };
  }
  if (all[fqn]?.kind === 'interface' && fqn.startsWith(ASSEMBLY_PREFIX)) {
    return { kind: 'object', type: fqn.slice(ASSEMBLY_PREFIX.length) };
  }
  return { kind: 'any' };
}

/*
 * The direct walk: cdk8s's resolve (Lazy, `resolve()`, union classes to `{ value }`) and
 * sanitize (no null or undefined members, sorted keys), then the L1's re-serialization along
 * the declared type: JSON names in sorted order, undeclared members dropped, `.value` of union
 * values. Wherever the value does not have the declared shape (the L1 would reshape it or
 * throw), the walk stops with NOT_DIRECT.
 */

/** The value after cdk8s's Lazy and implicit-token resolvers. */
function resolved(value: any): any {
  // primitives first: most values are strings and numbers, and they resolve to themselves
  while (value !== null && (typeof value === 'object' || typeof value === 'function')) {
    if (value instanceof Lazy) {
      value = value.produce();
    } else if (typeof value.resolve === 'function') {
      value = value.resolve();
    } else {
      break;
    }
  }
  return value;
}

/** What cdk8s's union resolver turns into `{ value }`: a non-plain object with a string or number `value`. */
function isUnion(value: any): boolean {
  return value.constructor !== Object && (typeof value.value === 'number' || typeof value.value === 'string');
}

/** A dictionary cdk8s recurses into (it refuses other non-union objects). */
function isPlain(value: any): boolean {
  return value.constructor === Object && Object.getPrototypeOf(value) === Object.prototype;
}

/** cdk8s's resolve + sanitize of a value the L1 passes on untouched. */
function anyJson(value: any): any {
  value = resolved(value);
  if (value === null || value === undefined) {
    return undefined;
  }
  if (typeof value !== 'object') {
    if (typeof value === 'function' || typeof value === 'bigint' || typeof value === 'symbol') {
      throw NOT_DIRECT;
    }
    return value;
  }
  if (isUnion(value)) {
    return { value: value.value };
  }
  if (Array.isArray(value)) {
    return value.map(anyJson);
  }
  if (!isPlain(value)) {
    throw NOT_DIRECT;
  }
  const out: any = {};
  for (const key of Object.keys(value).sort()) {
    const child = anyJson(value[key]);
    if (child !== undefined) {
      out[key] = child;
    }
  }
  return out;
}

/** The JSON of `value` as a field of type `type`. */
function typedJson(value: any, type: L1FieldType): any {
  value = resolved(value);
  if (value === null || value === undefined) {
    return undefined;
  }
  switch (type.kind) {
    case 'scalar':
      if (typeof value !== 'object' || !isUnion(value)) {
        throw NOT_DIRECT;
      }
      return value.value;
    case 'array':
      if (!Array.isArray(value) || isUnion(value)) {
        throw NOT_DIRECT;
      }
      return value.map(item => typedJson(item, type.element as L1FieldType));
    case 'map':
      return mapJson(value, type.element as L1FieldType);
    case 'object':
      return objectJson(value, l1Types().get(type.type as string) as ReadonlyMap<string, L1Field>);
    default:
      return anyJson(value);
  }
}

/** A map: its keys are data (label names, resource names, file names), never renamed. */
function mapJson(value: any, element: L1FieldType): any {
  if (typeof value !== 'object' || !isPlain(value)) {
    throw NOT_DIRECT;
  }
  const out: any = {};
  for (const key of Object.keys(value).sort()) {
    const child = typedJson(value[key], element);
    if (child !== undefined) {
      out[key] = child;
    }
  }
  return out;
}

/** An object of an API type: declared members under their JSON names, sorted; the rest dropped. */
function objectJson(value: any, fields: ReadonlyMap<string, L1Field>): any {
  if (typeof value !== 'object' || !isPlain(value)) {
    throw NOT_DIRECT;
  }
  const declared: L1Field[] = [];
  for (const key of Object.keys(value)) {
    const field = fields.get(key);
    if (field) {
      insertByRank(declared, field);
    } else {
      // cdk8s resolves and sanitizes it (and may refuse it) before the L1 drops it
      anyJson(value[key]);
    }
  }
  const out: any = {};
  for (const field of declared) {
    const child = typedJson(value[field.prop], field.type);
    if (child !== undefined) {
      out[field.name] = child;
    }
  }
  return out;
}

/** Inserts `field` into `fields`, kept in rank order (an object has few fields: no sort needed). */
function insertByRank(fields: L1Field[], field: L1Field): void {
  let i = fields.length;
  while (i > 0 && fields[i - 1].rank > field.rank) {
    fields[i] = fields[i - 1];
    i--;
  }
  fields[i] = field;
}

/**
 * What a user can still change on a cdk8s-plus-27 workload after construction, as counts:
 * containers with their env, env sources, mounts and ports; volumes; host aliases. It reads
 * cdk8s-plus's own lists where they exist (its getters copy them, and this runs several times
 * per workload and synth), its public getters otherwise.
 */
export function workloadSignature(workload: kplus.AbstractPod): string {
  const w = workload as any;
  const containers: kplus.Container[] = [...(w._initContainers ?? workload.initContainers), ...(w._containers ?? workload.containers)];
  let signature = '';
  for (const c of containers) {
    const env = c.env as any;
    const variables = env._variables ?? c.env.variables;
    const sources = env._sources ?? c.env.sources;
    const ports = (c as any)._ports ?? c.ports;
    signature += `${c.name}:${variables ? Object.keys(variables).length : 0}/${sources.length}/${c.mounts.length}/${ports.length},`;
  }
  const volumes = w._volumes?.size ?? workload.volumes.length;
  const aliases = (w._hostAliases ?? workload.hostAliases).length;
  return `${signature}|${volumes}|${aliases}`;
}

/** apiVersion, kind, metadata first, then the rest sorted: the order cdk8s writes. */
function topLevelOrder(json: any): any {
  const ordered: any = { apiVersion: json.apiVersion, kind: json.kind, metadata: json.metadata };
  for (const key of Object.keys(json).sort()) {
    ordered[key] = json[key];
  }
  return ordered;
}

/**
 * Adds a post-render step to an object the library creates (ConfigMap, Service, PVC,
 * NetworkPolicy): its final JSON is decided at synth, when every add-on is known.
 */
export function addRenderStep(obj: ApiObject, step: RenderStep): void {
  let steps = STEPS.get(obj);
  if (!steps) {
    steps = [];
    STEPS.set(obj, steps);
    const kplusRender = obj.toJson.bind(obj);
    const own = steps;
    obj.toJson = () => renderWithPatchesLast(obj, kplusRender, own);
  }
  steps.push(step);
}

const STEPS = new WeakMap<ApiObject, RenderStep[]>();

/** What the library sets on one of its containers in the final JSON. */
export interface ContainerFields {
  readonly resources?: any;
  readonly securityContext?: any;
  readonly probes?: { startupProbe?: any; readinessProbe?: any; livenessProbe?: any };
  readonly restartPolicy?: string;
  readonly terminationMessagePolicy?: string;
  readonly lifecycle?: any;
  /** `stdin` and `tty` (cdk8s-plus-27 has no field for either). */
  readonly stdin?: boolean;
  readonly tty?: boolean;
  /** Keep the imagePullPolicy the user set (cdk8s-plus forces `Always` otherwise). */
  readonly keepImagePullPolicy?: boolean;
}

const PROBE_KEYS = ['startupProbe', 'readinessProbe', 'livenessProbe'] as const;

/**
 * A function that sets the fields cdk8s-plus-27 renders wrongly or not at all on a container:
 * exact resources, the security context, probes (also on native sidecars), restartPolicy,
 * terminationMessagePolicy, lifecycle; and drops the forced `imagePullPolicy: Always`.
 */
export function containerFinisher(settings: ContainerFields): (container: any) => void {
  // only the two small results are captured: thousands of pods hold one finisher per container
  return finisher(finishedFields(settings), removedFields(settings));
}

/** The fields a finisher sets, sorted and shared. */
function finishedFields(settings: ContainerFields): { [key: string]: any } {
  const fields: { [key: string]: any } = {};
  const all: { [key: string]: any } = {
    lifecycle: settings.lifecycle,
    livenessProbe: settings.probes?.livenessProbe,
    readinessProbe: settings.probes?.readinessProbe,
    resources: settings.resources,
    restartPolicy: settings.restartPolicy,
    securityContext: settings.securityContext,
    startupProbe: settings.probes?.startupProbe,
    stdin: settings.stdin,
    terminationMessagePolicy: settings.terminationMessagePolicy,
    tty: settings.tty,
  };
  for (const key of Object.keys(all)) {
    if (all[key] !== undefined) {
      fields[key] = sortedShared(all[key]);
    }
  }
  return fields;
}

/** The fields a finisher removes: probes it does not set, and the forced pull policy. */
function removedFields(settings: ContainerFields): string[] {
  const remove: string[] = PROBE_KEYS.filter(key => !settings.probes?.[key]);
  if (!settings.keepImagePullPolicy) {
    remove.push('imagePullPolicy');
  }
  return remove;
}

function finisher(fields: { [key: string]: any }, remove: ReadonlyArray<string>): (container: any) => void {
  return c => {
    for (const key of remove) {
      delete c[key];
    }
    for (const key of Object.keys(fields)) {
      // a copy per render: a caller editing one synthesized manifest must not change the next
      c[key] = cloneJson(fields[key]);
    }
  };
}

/**
 * A shallow copy with sorted keys and without `undefined` values, as cdk8s writes the rest of
 * the manifest: patched fields read like the others and output stays deterministic. (A copy,
 * not an in-place re-insertion: deleting every key would leave a slow dictionary-mode object.)
 */
export function withSortedKeys(value: any): any {
  const sorted: any = {};
  for (const key of Object.keys(value).sort()) {
    if (value[key] !== undefined) {
      sorted[key] = value[key];
    }
  }
  return sorted;
}

/** Puts `spec` where the pod spec sits inside a workload's JSON. */
export function setPodSpec(json: any, spec: any): void {
  podTemplateOf(json).spec = spec;
}

/** A deep copy of plain JSON data (several times faster than a JSON round trip). */
function cloneJson(value: any): any {
  if (Array.isArray(value)) {
    return value.map(cloneJson);
  }
  if (value === null || typeof value !== 'object') {
    return value;
  }
  const copy: any = {};
  for (const key in value) {
    copy[key] = cloneJson(value[key]);
  }
  return copy;
}

/** `sortedCopy` of a value many containers share: sorted once, never mutated (renders clone it). */
function sortedShared(value: any): any {
  if (value === null || typeof value !== 'object') {
    return value;
  }
  return cached(SORTED, value, () => sortedCopy(value));
}
const SORTED = new WeakMap<object, any>();

/** A deep copy with sorted keys and without `undefined` values. */
export function sortedCopy(value: any): any {
  if (Array.isArray(value)) {
    return value.map(sortedCopy);
  }
  if (value === null || typeof value !== 'object') {
    return value;
  }
  const copy: any = {};
  for (const key of Object.keys(value).sort()) {
    if (value[key] !== undefined) {
      copy[key] = sortedCopy(value[key]);
    }
  }
  return copy;
}

/** Where the pod spec sits inside a workload's JSON, as a dotted path. */
export function podSpecPath(kind: string): string {
  switch (kind) {
    case 'Pod':
      return 'spec';
    case 'CronJob':
      return 'spec.jobTemplate.spec.template.spec';
    default:
      return 'spec.template.spec';
  }
}

/** The pod spec inside a workload's JSON. */
export function podSpecOf(json: any): any {
  return podTemplateOf(json)?.spec;
}

/** The pod template's metadata inside a workload's JSON (the Pod's own metadata for a Pod). */
export function podMetadataOf(json: any): any {
  return podTemplateOf(json)?.metadata;
}

/** What holds the pod's `metadata` and `spec` in a workload's JSON: the Pod itself, or its template. */
function podTemplateOf(json: any): any {
  let node = json;
  for (const key of podSpecPath(json?.kind).split('.').slice(0, -1)) {
    node = node?.[key];
  }
  return node;
}

const CONTAINER_PORTS = Object.getOwnPropertyDescriptor(kplus.Container.prototype, 'ports')?.get as (this: kplus.Container) => kplus.ContainerPort[];

/**
 * Makes `ports` part of what cdk8s-plus reads as the container's ports (`container.ports`, and
 * through it `exposeViaService` and the rendering), ahead of the ones added with `addPort`, without
 * `addPort`'s eager duplicate check: a port given twice is reported by the portFields rule with the
 * rest, not thrown at construction. Without this, `deployment.exposeViaService()` on a workload
 * with an InferenceServer threw "Port 8000 is not exposed by any container".
 *
 * @internal
 */
export function showPortsToCdk8sPlus(
  container: kplus.Container, ports: ReadonlyArray<{ readonly number: number; readonly name?: string; readonly protocol?: string }>,
): void {
  // as given: a JavaScript caller's odd value reaches the rules, which name it
  const shown = (Array.isArray(ports) ? ports : []).map(p => ({ number: p?.number, name: p?.name, protocol: p?.protocol }) as kplus.ContainerPort);
  Object.defineProperty(container, 'ports', {
    configurable: true,
    get: () => [...shown, ...CONTAINER_PORTS.call(container)],
  });
}

