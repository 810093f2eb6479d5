import * as fs from 'fs';
import * as path from 'path';
import * as zlib from 'zlib';
import { L1_RENAMED_PROPS } from '../_kplus-adapter';
import { show } from './_helpers';
import { Finding } from './model';

/**
 * The JSON types of every field the Kubernetes API knows, checked on an object's final JSON
 * before any other rule reads it. A JSON patch can put anything anywhere (`ports: true`,
 * `env: -1`, `tolerations: {}`); the API server rejects such an object, so synth does too,
 * naming the field — and the rules after it may rely on the types.
 *
 * The types come from the Kubernetes 1.27 API as cdk8s-plus-27 ships it in its jsii assembly
 * (read once, on first use). Fields the 1.27 API does not know (newer ones) are not checked
 * here; the target rules decide whether the cluster accepts them.
 */

/** The JSON type of one field. */
interface FieldType {
  readonly kind: 'string' | 'number' | 'boolean' | 'any' | 'scalar' | 'object' | 'array' | 'map';
  /** For `object`: the API type. */
  readonly type?: string;
  /** For `array` and `map`: the element type. */
  readonly element?: FieldType;
}

/** API type name (`PodSpec`) → JSON field name → type. */
type TypeTable = ReadonlyMap<string, ReadonlyMap<string, FieldType>>;

const ASSEMBLY_PREFIX = 'cdk8s-plus-27.k8s.';
/** Classes of the generated API that hold a string or a number (quantities, int-or-strings). */
const SCALAR_CLASSES = new Set([`${ASSEMBLY_PREFIX}Quantity`, `${ASSEMBLY_PREFIX}IntOrString`]);

let table: TypeTable | undefined;

/** The type table, built from cdk8s-plus-27's jsii assembly on first use. */
function typeTable(): TypeTable {
  table = table ?? buildTable(readAssembly());
  return table;
}

/** cdk8s-plus-27's `.jsii` assembly (following a compressed-file redirect if it has one). */
function readAssembly(): any {
  const dir = path.dirname(require.resolve('cdk8s-plus-27/package.json'));
  const assembly = JSON.parse(fs.readFileSync(path.join(dir, '.jsii'), 'utf8'));
  if (assembly.schema !== 'jsii/file-redirect') {
    return assembly;
  }
  const data = fs.readFileSync(path.join(dir, assembly.filename));
  return JSON.parse((assembly.compression === 'gzip' ? zlib.gunzipSync(data) : data).toString('utf8'));
}

function buildTable(assembly: any): TypeTable {
  const types = new Map<string, Map<string, FieldType>>();
  for (const [fqn, type] of Object.entries<any>(assembly.types)) {
    if (!fqn.startsWith(ASSEMBLY_PREFIX) || type.kind !== 'interface') {
      continue;
    }
    const fields = new Map<string, FieldType>();
    for (const property of type.properties ?? []) {
      fields.set(L1_RENAMED_PROPS.get(property.name) ?? property.name, fieldType(property.type, assembly.types));
    }
    types.set(fqn.slice(ASSEMBLY_PREFIX.length), fields);
  }
  return types;
}

function fieldType(ref: any, types: any): FieldType {
  if (ref.primitive) {
    return { kind: ref.primitive === 'date' ? 'string' : ref.primitive === 'json' ? 'any' : ref.primitive };
  }
  if (ref.collection) {
    return { kind: ref.collection.kind === 'array' ? 'array' : 'map', element: fieldType(ref.collection.elementtype, types) };
  }
  const fqn: string = ref.fqn ?? '';
  if (SCALAR_CLASSES.has(fqn)) {
    return { kind: 'scalar' };
  }
  if (types[fqn]?.kind === 'enum') {
    return { kind: 'string' };
  }
  if (types[fqn]?.kind === 'interface' && fqn.startsWith(ASSEMBLY_PREFIX)) {
    return { kind: 'object', type: fqn.slice(ASSEMBLY_PREFIX.length) };
  }
  return { kind: 'any' };
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
