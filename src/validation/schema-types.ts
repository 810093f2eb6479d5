import { L1FieldType as FieldType, l1Types } from '../_kplus-adapter';
import { show } from './_helpers';
import { Finding } from './model';

/**
 * The JSON types of every field the Kubernetes API knows, checked on an object's final JSON
 * before any other rule reads it. A JSON patch can put anything anywhere (`ports: true`,
 * `env: -1`, `tolerations: {}`); the API server rejects such an object, so synth does too,
 * naming the field — and the rules after it may rely on the types.
 *
 * The types come from the Kubernetes 1.27 API as cdk8s-plus-27 ships it in its jsii assembly
 * (`l1Types`, the table the direct render walks too). Fields the 1.27 API does not know (newer ones) are not checked
 * here; the target rules decide whether the cluster accepts them.
 */

/** One API type: its fields by JSON name, and the JSON names of those the API requires. */
interface ApiType {
  readonly fields: ReadonlyMap<string, FieldType>;
  readonly required: ReadonlyArray<string>;
}

/** API type name (`PodSpec`) → type. */
type TypeTable = ReadonlyMap<string, ApiType>;

/**
 * Fields 1.27 requires that later versions let out (a `kubernetes-models` comparison in
 * test/schema-types.test.ts keeps this list complete): a patch may drop them for a newer cluster.
 *
 * @internal
 */
export const REQUIRED_UNTIL_LATER: ReadonlySet<string> = new Set([
  'NetworkPolicySpec.podSelector', 'StatefulSetSpec.serviceName',
  'PodFailurePolicyRule.onPodConditions', 'PodFailurePolicyOnPodConditionsPattern.status',
]);

/**
 * The number fields of the written kinds that hold an int64 (a kubernetes-models comparison in
 * test/schema-types.test.ts keeps this list complete). Every other number field is an int32, and
 * none holds a fraction: `replicas: 1.5` or `port: 1e300` is refused by the API server.
 *
 * @internal
 */
export const INT64_FIELDS: ReadonlySet<string> = new Set([
  'CronJobSpec.startingDeadlineSeconds', 'JobSpec.activeDeadlineSeconds', 'ObjectMeta.deletionGracePeriodSeconds', 'ObjectMeta.generation',
  'PodSecurityContext.fsGroup', 'PodSecurityContext.runAsGroup', 'PodSecurityContext.runAsUser', 'PodSecurityContext.supplementalGroups',
  'PodSpec.activeDeadlineSeconds', 'PodSpec.terminationGracePeriodSeconds', 'Probe.terminationGracePeriodSeconds',
  'SecurityContext.runAsGroup', 'SecurityContext.runAsUser', 'ServiceAccountTokenProjection.expirationSeconds', 'Toleration.tolerationSeconds',
]);

/** An int64 number field (the adapter's number type says nothing of width; `type` carries it here). */
const INT64: FieldType = { kind: 'number', type: 'int64' };
const INT32_RANGE = 2 ** 31;
const INT64_RANGE = 2 ** 63;
// written out: 2 ** 63 - 1 has no exact JavaScript number
const WHOLE_INT32 = 'a whole number from -2147483648 to 2147483647';
const WHOLE_INT64 = 'a whole number from -9223372036854775808 to 9223372036854775807';

/** Whether `value` is a whole number of the field's width (int32 unless marked int64). */
function isWhole(value: unknown, type: FieldType): boolean {
  const range = type.type === 'int64' ? INT64_RANGE : INT32_RANGE;
  return Number.isInteger(value) && (value as number) >= -range && (value as number) < range;
}

/** A field's type as checked here: int64 number fields (and lists of them) marked as such. */
function checkedType(typeName: string, field: { name: string; type: FieldType }): FieldType {
  if (!INT64_FIELDS.has(`${typeName}.${field.name}`)) {
    return field.type;
  }
  return field.type.kind === 'array' ? { kind: 'array', element: INT64 } : INT64;
}

let table: TypeTable | undefined;

/** The adapter's table of the 1.27 API, keyed by JSON names (built on first use). */
function typeTable(): TypeTable {
  if (!table) {
    const byJsonName = new Map<string, ApiType>();
    for (const [type, fields] of l1Types()) {
      const all = [...fields.values()];
      byJsonName.set(type, {
        fields: new Map(all.map(f => [f.name, checkedType(type, f)])),
        required: all.filter(f => !f.optional && !REQUIRED_UNTIL_LATER.has(`${type}.${f.name}`)).map(f => f.name),
      });
    }
    table = byJsonName;
  }
  return table;
}

/**
 * The fields of an object whose JSON type the Kubernetes API would reject (null included), and
 * the fields it requires that are missing, as findings. Kinds of a version the 1.27 API does not have (e.g.
 * `resource.k8s.io/v1`) are left to their rules.
 */
export function schemaTypes(json: any): Finding[] {
  // apiVersion and kind are the reporter's: it refuses any change of the object's identity first
  const findings: Finding[] = [];
  const types = typeTable();
  const version = typeof json?.apiVersion === 'string' ? json.apiVersion : '';
  const root: FieldType = { kind: 'object', type: `Kube${json?.kind}Props` };
  // a boolean walk first: it builds no field paths, and a valid object never needs them
  if (types.has(root.type as string) && (version === 'v1' || version.endsWith('/v1')) && !wellTyped(json, root, types)) {
    check(json, root, '', types, findings);
  }
  return findings;
}

/** Whether `value` has `type` all the way down (what `check` reports, without the reports). */
function wellTyped(value: any, type: FieldType, types: TypeTable): boolean {
  if (value === undefined) {
    return true;
  }
  if (value === null) {
    return type.kind === 'any';
  }
  switch (type.kind) {
    case 'any':
      return true;
    case 'string':
    case 'boolean':
      return typeof value === type.kind;
    case 'number':
      return isWhole(value, type);
    case 'scalar':
      // an IntOrString holds an int32; a Quantity any finite number
      return typeof value === 'string' || (type.type === 'IntOrString' ? isWhole(value, type) : typeof value === 'number' && Number.isFinite(value));
    case 'array':
      if (!Array.isArray(value)) {
        return false;
      }
      for (let i = 0; i < value.length; i++) {
        // a hole or undefined element is written as null: a list entry cannot be left out
        if (!wellTyped(value[i] ?? null, type.element as FieldType, types)) {
          return false;
        }
      }
      return true;
    default:
      return typeof value === 'object' && !Array.isArray(value) && membersWellTyped(value, type, types);
  }
}

function membersWellTyped(value: any, type: FieldType, types: TypeTable): boolean {
  const apiType = type.kind === 'map' ? undefined : types.get(type.type as string);
  for (const key in value) {
    const field = type.kind === 'map' ? type.element : apiType?.fields.get(key);
    if (field && !wellTyped(value[key], field, types)) {
      return false;
    }
  }
  return !apiType || apiType.required.every(key => value[key] !== undefined);
}

function check(value: any, type: FieldType, at: string, types: TypeTable, findings: Finding[]): void {
  if (value === undefined || type.kind === 'any') {
    return;
  }
  if (value === null) {
    // the API server reads null as "left out", the official schema refuses it in lists, maps and
    // enum fields: a null is a patch that meant `remove`, and leaving the field out says so
    findings.push(typeFinding(at, value, expectation(type)));
    return;
  }
  switch (type.kind) {
    case 'string':
    case 'number':
    case 'boolean':
    case 'scalar':
      if (!wellTyped(value, type, types)) {
        findings.push(typeFinding(at, value, expectation(type)));
      }
      return;
    case 'array':
      if (!Array.isArray(value)) {
        findings.push(typeFinding(at, value, 'a list'));
        return;
      }
      for (let i = 0; i < value.length; i++) {
        check(value[i] ?? null, type.element as FieldType, `${at}[${i}]`, types, findings);
      }
      return;
    default:
      if (typeof value !== 'object' || Array.isArray(value)) {
        findings.push(typeFinding(at, value, expectation(type)));
        return;
      }
      checkMembers(value, type, at, types, findings);
  }
}

/** What a value of `type` is, in a finding. */
function expectation(type: FieldType): string {
  switch (type.kind) {
    case 'number':
      return type.type === 'int64' ? WHOLE_INT64 : WHOLE_INT32;
    case 'scalar':
      return type.type === 'IntOrString' ? `a string or ${WHOLE_INT32}` : 'a string or a number';
    case 'array':
      return 'a list';
    case 'map':
      return 'an object (a map)';
    case 'object':
      return 'an object';
    default:
      return `a ${type.kind}`;
  }
}

function checkMembers(value: any, type: FieldType, at: string, types: TypeTable, findings: Finding[]): void {
  if (type.kind === 'map') {
    for (const key of Object.keys(value)) {
      check(value[key], type.element as FieldType, `${at}[${JSON.stringify(key)}]`, types, findings);
    }
    return;
  }
  const apiType = types.get(type.type as string);
  const member = (key: string) => (at ? `${at}.${key}` : key);
  for (const key of Object.keys(value)) {
    const field = apiType?.fields.get(key);
    if (field) {
      check(value[key], field, member(key), types, findings);
    }
  }
  for (const key of apiType?.required ?? []) {
    if (value[key] === undefined) {
      findings.push({
        severity: 'error', field: member(key), message: 'is missing; the Kubernetes API requires it',
        fix: 'give it a value, or drop the JSON patch that removed it',
      });
    }
  }
}

function typeFinding(at: string, value: unknown, expected: string): Finding {
  return {
    severity: 'error',
    field: at,
    message: `${show(value)} is not ${expected}`,
    fix: `give ${expected} or leave it out (the Kubernetes API rejects anything else)`,
  };
}
