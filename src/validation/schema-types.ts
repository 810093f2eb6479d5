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

/** API type name (`PodSpec`) → JSON field name → type. */
type TypeTable = ReadonlyMap<string, ReadonlyMap<string, FieldType>>;

let table: TypeTable | undefined;

/** The adapter's table of the 1.27 API, keyed by JSON names (built on first use). */
function typeTable(): TypeTable {
  if (!table) {
    const byJsonName = new Map<string, Map<string, FieldType>>();
    for (const [type, fields] of l1Types()) {
      byJsonName.set(type, new Map([...fields.values()].map(f => [f.name, f.type])));
    }
    table = byJsonName;
  }
  return table;
}

/**
 * The fields of an object whose JSON type the Kubernetes API would reject, as findings. Kinds
 * of a version the 1.27 API does not have (e.g. `resource.k8s.io/v1`) are left to their rules.
 */
export function schemaTypes(json: any): Finding[] {
  const findings: Finding[] = [];
  const types = typeTable();
  const version = typeof json?.apiVersion === 'string' ? json.apiVersion : '';
  const props = types.get(`Kube${json?.kind}Props`);
  if (props && (version === 'v1' || version.endsWith('/v1'))) {
    for (const key of Object.keys(json)) {
      const field = props.get(key);
      // a boolean walk first: it builds no field paths, and a valid object never needs them
      if (field && !wellTyped(json[key], field, types)) {
        check(json[key], field, key, types, findings);
      }
    }
  }
  return findings;
}

/** Whether `value` has `type` all the way down (what `check` reports, without the reports). */
function wellTyped(value: any, type: FieldType, types: TypeTable): boolean {
  if (value === null || value === undefined) {
    return true;
  }
  switch (type.kind) {
    case 'any':
      return true;
    case 'string':
    case 'boolean':
      return typeof value === type.kind;
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    case 'scalar':
      return typeof value === 'string' || (typeof value === 'number' && Number.isFinite(value));
    case 'array':
      if (!Array.isArray(value)) {
        return false;
      }
      for (let i = 0; i < value.length; i++) {
        if (!wellTyped(value[i], type.element as FieldType, types)) {
          return false;
        }
      }
      return true;
    default:
      return typeof value === 'object' && !Array.isArray(value) && membersWellTyped(value, type, types);
  }
}

function membersWellTyped(value: any, type: FieldType, types: TypeTable): boolean {
  const fields = type.kind === 'map' ? undefined : types.get(type.type as string);
  for (const key in value) {
    const field = type.kind === 'map' ? type.element : fields?.get(key);
    if (field && !wellTyped(value[key], field, types)) {
      return false;
    }
  }
  return true;
}

function check(value: any, type: FieldType, at: string, types: TypeTable, findings: Finding[]): void {
  if (value === null || value === undefined || type.kind === 'any') {
    return;
  }
  switch (type.kind) {
    case 'string':
    case 'number':
    case 'boolean':
      if (typeof value !== type.kind || (type.kind === 'number' && !Number.isFinite(value))) {
        findings.push(typeFinding(at, value, `a ${type.kind}`));
      }
      return;
    case 'scalar':
      if (typeof value !== 'string' && !(typeof value === 'number' && Number.isFinite(value))) {
        findings.push(typeFinding(at, value, 'a string or a number'));
      }
      return;
    case 'array':
      if (!Array.isArray(value)) {
        findings.push(typeFinding(at, value, 'a list'));
        return;
      }
      for (let i = 0; i < value.length; i++) {
        check(value[i], type.element as FieldType, `${at}[${i}]`, types, findings);
      }
      return;
    default:
      if (typeof value !== 'object' || Array.isArray(value)) {
        findings.push(typeFinding(at, value, type.kind === 'map' ? 'an object (a map)' : 'an object'));
        return;
      }
      checkMembers(value, type, at, types, findings);
  }
}

function checkMembers(value: any, type: FieldType, at: string, types: TypeTable, findings: Finding[]): void {
  if (type.kind === 'map') {
    for (const key of Object.keys(value)) {
      check(value[key], type.element as FieldType, `${at}[${JSON.stringify(key)}]`, types, findings);
    }
    return;
  }
  const fields = types.get(type.type as string);
  for (const key of Object.keys(value)) {
    const field = fields?.get(key);
    if (field) {
      check(value[key], field, `${at}.${key}`, types, findings);
    }
  }
}

function typeFinding(at: string, value: unknown, expected: string): Finding {
  return {
    severity: 'error',
    field: at,
    message: `${show(value)} is not ${expected}`,
    fix: `give ${expected} or leave it out (the Kubernetes API rejects any other type)`,
  };
}
