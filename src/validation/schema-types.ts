import { L1FieldType, l1Types } from '../_kplus-adapter';
import { show } from './_helpers';
import { editDistance } from './_prop-checks';
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

/** A field's type as checked here: the adapter's, plus the values an enum or date-time field admits. @internal */
export interface FieldType extends L1FieldType {
  readonly element?: FieldType;
  /** For a string enum: the values the API accepts. */
  readonly allowed?: ReadonlyArray<string>;
  /** For a timestamp: RFC 3339. */
  readonly dateTime?: boolean;
}

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

/**
 * The string fields of the written kinds whose values the API enumerates, with those values (a
 * kubernetes-models comparison in test/schema-types.test.ts keeps the table exact). The 1.27
 * type data has no enums; a JSON patch that writes `imagePullPolicy: Sometimes` is refused here
 * whatever the field. Rules stay stricter where a value is newer than the cluster (tolerations).
 *
 * @internal
 */
export const ENUM_FIELDS: ReadonlyMap<string, ReadonlyArray<string>> = new Map<string, ReadonlyArray<string>>([
  ['Container.imagePullPolicy', ['Always', 'IfNotPresent', 'Never']],
  ['Container.terminationMessagePolicy', ['File', 'FallbackToLogsOnError']],
  ['EphemeralContainer.imagePullPolicy', ['Always', 'IfNotPresent', 'Never']],
  ['EphemeralContainer.terminationMessagePolicy', ['File', 'FallbackToLogsOnError']],
  ['ContainerPort.protocol', ['TCP', 'UDP', 'SCTP']],
  ['HttpGetAction.scheme', ['HTTP', 'HTTPS']],
  ['SecurityContext.procMount', ['Default', 'Unmasked']],
  ['SeccompProfile.type', ['RuntimeDefault', 'Localhost', 'Unconfined']],
  ['VolumeMount.mountPropagation', ['None', 'HostToContainer', 'Bidirectional']],
  ['PodSpec.dnsPolicy', ['ClusterFirst', 'ClusterFirstWithHostNet', 'Default', 'None']],
  ['PodSpec.preemptionPolicy', ['PreemptLowerPriority', 'Never']],
  ['PodSpec.restartPolicy', ['Always', 'OnFailure', 'Never']],
  ['PodSecurityContext.fsGroupChangePolicy', ['OnRootMismatch', 'Always']],
  ['NodeSelectorRequirement.operator', ['In', 'NotIn', 'Exists', 'DoesNotExist', 'Gt', 'Lt']],
  ['Toleration.effect', ['NoSchedule', 'PreferNoSchedule', 'NoExecute']],
  ['Toleration.operator', ['Exists', 'Equal', 'Gt', 'Lt']],
  ['TopologySpreadConstraint.nodeAffinityPolicy', ['Honor', 'Ignore']],
  ['TopologySpreadConstraint.nodeTaintsPolicy', ['Honor', 'Ignore']],
  ['TopologySpreadConstraint.whenUnsatisfiable', ['DoNotSchedule', 'ScheduleAnyway']],
  ['AzureDiskVolumeSource.cachingMode', ['None', 'ReadOnly', 'ReadWrite']],
  ['AzureDiskVolumeSource.kind', ['Shared', 'Dedicated', 'Managed']],
  ['HostPathVolumeSource.type', ['', 'DirectoryOrCreate', 'Directory', 'FileOrCreate', 'File', 'Socket', 'CharDevice', 'BlockDevice']],
  ['PersistentVolumeClaimSpec.accessModes', ['ReadWriteOnce', 'ReadOnlyMany', 'ReadWriteMany', 'ReadWriteOncePod']],
  ['PersistentVolumeClaimSpec.volumeMode', ['Filesystem', 'Block']],
  ['DeploymentStrategy.type', ['RollingUpdate', 'Recreate']],
  ['StatefulSetSpec.podManagementPolicy', ['OrderedReady', 'Parallel']],
  ['StatefulSetUpdateStrategy.type', ['RollingUpdate', 'OnDelete']],
  ['DaemonSetUpdateStrategy.type', ['RollingUpdate', 'OnDelete']],
  ['JobSpec.completionMode', ['NonIndexed', 'Indexed']],
  ['PodFailurePolicyRule.action', ['FailJob', 'FailIndex', 'Ignore', 'Count']],
  ['PodFailurePolicyOnExitCodesRequirement.operator', ['In', 'NotIn']],
  ['CronJobSpec.concurrencyPolicy', ['Allow', 'Forbid', 'Replace']],
  ['ServiceSpec.type', ['ClusterIP', 'NodePort', 'LoadBalancer', 'ExternalName']],
  ['ServiceSpec.externalTrafficPolicy', ['Cluster', 'Local']],
  ['ServiceSpec.internalTrafficPolicy', ['Cluster', 'Local']],
  ['ServiceSpec.ipFamilies', ['IPv4', 'IPv6', '']],
  ['ServiceSpec.ipFamilyPolicy', ['SingleStack', 'PreferDualStack', 'RequireDualStack']],
  ['ServiceSpec.sessionAffinity', ['None', 'ClientIP']],
  ['ServicePort.protocol', ['TCP', 'UDP', 'SCTP']],
  ['NetworkPolicySpec.policyTypes', ['Ingress', 'Egress']],
  ['NetworkPolicyPort.protocol', ['TCP', 'UDP', 'SCTP']],
]);

/** The timestamps of the written kinds (RFC 3339; the same comparison keeps the list exact). @internal */
export const DATE_TIME_FIELDS: ReadonlySet<string> = new Set(['ObjectMeta.creationTimestamp', 'ObjectMeta.deletionTimestamp', 'ManagedFieldsEntry.time']);

/** RFC 3339 as Go's time.Parse and the official schema both accept it. */
const DATE_TIME = /^(\d{4})-(\d\d)-(\d\d)T([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d+)?(Z|[+-]([01]\d|2[0-3]):[0-5]\d)$/;

function isDateTime(value: string): boolean {
  const m = DATE_TIME.exec(value);
  if (!m) {
    return false;
  }
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1];
  return days !== undefined && day >= 1 && day <= days;
}

/**
 * A quantity's text as the API server parses it (resource.ParseQuantity): a signed decimal
 * number, then a binary suffix (Ki … Ei), a decimal one (n, u, m, k, M … E) or an exponent.
 */
const QUANTITY = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[KMGTPE]i|[numkMGTPE]|[eE][+-]?\d+)?$/;

/** Whether a string is one the field admits (any string, unless the field is an enum or a timestamp). */
function admitted(value: string, type: FieldType): boolean {
  return type.allowed ? type.allowed.includes(value) : !type.dateTime || isDateTime(value);
}

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

/**
 * A field's type as checked here: int64 number fields, enums and timestamps (and lists of them)
 * marked as such.
 */
function checkedType(typeName: string, field: { name: string; type: L1FieldType }): FieldType {
  const key = `${typeName}.${field.name}`;
  const allowed = ENUM_FIELDS.get(key);
  const scalar: FieldType | undefined = INT64_FIELDS.has(key) ? INT64
    : allowed ? { kind: 'string', allowed }
      : DATE_TIME_FIELDS.has(key) ? { kind: 'string', dateTime: true } : undefined;
  if (!scalar) {
    return field.type;
  }
  return field.type.kind === 'array' ? { kind: 'array', element: scalar } : scalar;
}

const STRING: FieldType = { kind: 'string' };
const INT32: FieldType = { kind: 'number' };
const BOOLEAN: FieldType = { kind: 'boolean' };
const listOf = (element: FieldType): FieldType => ({ kind: 'array', element });
const oneOf = (...allowed: string[]): FieldType => ({ kind: 'string', allowed });
const objectOf = (type: string): FieldType => ({ kind: 'object', type });

/** The signals a container's `lifecycle.stopSignal` may name (Linux). */
const STOP_SIGNALS = [
  'SIGABRT', 'SIGALRM', 'SIGBUS', 'SIGCHLD', 'SIGCLD', 'SIGCONT', 'SIGFPE', 'SIGHUP', 'SIGILL', 'SIGINT', 'SIGIO', 'SIGIOT', 'SIGKILL',
  'SIGPIPE', 'SIGPOLL', 'SIGPROF', 'SIGPWR', 'SIGQUIT', 'SIGSEGV', 'SIGSTKFLT', 'SIGSTOP', 'SIGSYS', 'SIGTERM', 'SIGTRAP', 'SIGTSTP',
  'SIGTTIN', 'SIGTTOU', 'SIGURG', 'SIGUSR1', 'SIGUSR2', 'SIGVTALRM', 'SIGWINCH', 'SIGXCPU', 'SIGXFSZ', 'SIGRTMIN', 'SIGRTMAX',
  ...Array.from({ length: 15 }, (_, i) => `SIGRTMIN+${i + 1}`), ...Array.from({ length: 14 }, (_, i) => `SIGRTMAX-${i + 1}`),
];

/**
 * The fields the written kinds gained after 1.27, which the 1.27 type data does not know, with
 * their types (a kubernetes-models comparison in test/schema-types.test.ts keeps the list
 * exact): a JSON patch that writes one is checked like any other field. Where the official
 * schema has a plain string and the API server an enum (`recursiveReadOnly`,
 * `seLinuxChangePolicy`, `trafficDistribution`), the enum is here. Whether the target cluster
 * serves the field is the target rules' question.
 *
 * @internal
 */
export const NEWER_FIELDS: ReadonlyMap<string, FieldType> = new Map<string, FieldType>([
  ['PodSpec.hostnameOverride', STRING], ['PodSpec.resources', objectOf('ResourceRequirements')],
  ['PodSpec.schedulingGroup', objectOf('PodSchedulingGroup')],
  ['PodAffinityTerm.matchLabelKeys', listOf(STRING)], ['PodAffinityTerm.mismatchLabelKeys', listOf(STRING)],
  ['Container.restartPolicy', STRING], ['Container.restartPolicyRules', listOf(objectOf('ContainerRestartRule'))],
  ['EphemeralContainer.restartPolicy', STRING], ['EphemeralContainer.restartPolicyRules', listOf(objectOf('ContainerRestartRule'))],
  ['EnvVarSource.fileKeyRef', objectOf('FileKeySelector')], ['Lifecycle.stopSignal', oneOf(...STOP_SIGNALS)],
  ['LifecycleHandler.sleep', objectOf('SleepAction')], ['ResourceClaim.request', STRING],
  ['SecurityContext.appArmorProfile', objectOf('AppArmorProfile')], ['PodSecurityContext.appArmorProfile', objectOf('AppArmorProfile')],
  ['PodSecurityContext.seLinuxChangePolicy', oneOf('Recursive', 'MountOption')],
  ['PodSecurityContext.supplementalGroupsPolicy', oneOf('Merge', 'Strict')],
  ['VolumeMount.recursiveReadOnly', oneOf('Disabled', 'IfPossible', 'Enabled')],
  ['PodResourceClaim.resourceClaimName', STRING], ['PodResourceClaim.resourceClaimTemplateName', STRING],
  ['Volume.image', objectOf('ImageVolumeSource')], ['PersistentVolumeClaimSpec.volumeAttributesClassName', STRING],
  ['VolumeProjection.clusterTrustBundle', objectOf('ClusterTrustBundleProjection')],
  ['VolumeProjection.podCertificate', objectOf('PodCertificateProjection')],
  ['JobSpec.backoffLimitPerIndex', INT32], ['JobSpec.maxFailedIndexes', INT32], ['JobSpec.managedBy', STRING],
  ['JobSpec.podReplacementPolicy', oneOf('TerminatingOrFailed', 'Failed')], ['JobSpec.successPolicy', objectOf('SuccessPolicy')],
  // the API server enumerates it (PreferSameZone and PreferSameNode from 1.33); the official schema has a string
  ['ServiceSpec.trafficDistribution', oneOf('PreferClose', 'PreferSameZone', 'PreferSameNode')],
]);

/**
 * Fields a targeted version between 1.28 and the newest served, which the newest official schema
 * (the one NEWER_FIELDS is compared with) no longer has: an alpha field renamed a release later.
 * A manifest for that version may write them (Kubernetes 1.35's `workloadRef`, with the
 * GenericWorkload gate on, became 1.36's `schedulingGroup`).
 *
 * @internal
 */
export const DROPPED_FIELDS: ReadonlyMap<string, FieldType> = new Map<string, FieldType>([
  ['PodSpec.workloadRef', objectOf('WorkloadReference')],
]);

/** An object type only newer fields use: its fields and the ones required. @internal */
export interface NewerType {
  readonly fields: { readonly [name: string]: FieldType };
  readonly required: ReadonlyArray<string>;
}

/** The object types only those newer fields use. @internal */
export const NEWER_TYPES: ReadonlyMap<string, NewerType> = new Map<string, NewerType>([
  ['AppArmorProfile', { fields: { type: oneOf('RuntimeDefault', 'Localhost', 'Unconfined'), localhostProfile: STRING }, required: ['type'] }],
  ['SleepAction', { fields: { seconds: INT64 }, required: ['seconds'] }],
  ['ImageVolumeSource', { fields: { reference: STRING, pullPolicy: oneOf('Always', 'IfNotPresent', 'Never') }, required: [] }],
  ['ContainerRestartRule', { fields: { action: oneOf('Restart'), exitCodes: objectOf('ContainerRestartRuleOnExitCodes') }, required: ['action'] }],
  ['ContainerRestartRuleOnExitCodes', { fields: { operator: oneOf('In', 'NotIn'), values: listOf(INT32) }, required: ['operator'] }],
  ['FileKeySelector', { fields: { key: STRING, optional: BOOLEAN, path: STRING, volumeName: STRING }, required: ['key', 'path', 'volumeName'] }],
  ['PodSchedulingGroup', { fields: { podGroupName: STRING }, required: [] }],
  ['ClusterTrustBundleProjection', {
    fields: { labelSelector: objectOf('LabelSelector'), name: STRING, optional: BOOLEAN, path: STRING, signerName: STRING }, required: ['path'],
  }],
  ['PodCertificateProjection', {
    fields: {
      certificateChainPath: STRING, credentialBundlePath: STRING, keyPath: STRING, keyType: STRING, maxExpirationSeconds: INT32,
      signerName: STRING, userAnnotations: { kind: 'map', element: STRING },
    },
    required: ['keyType', 'signerName'],
  }],
  ['SuccessPolicy', { fields: { rules: listOf(objectOf('SuccessPolicyRule')) }, required: ['rules'] }],
  ['SuccessPolicyRule', { fields: { succeededCount: INT32, succeededIndexes: STRING }, required: [] }],
]);

/** The object types only DROPPED_FIELDS use (k8s.io/api core/v1 of that version). @internal */
export const DROPPED_TYPES: ReadonlyMap<string, NewerType> = new Map<string, NewerType>([
  // 1.35: name (a DNS subdomain) and podGroup required, podGroupReplicaKey optional
  ['WorkloadReference', { fields: { name: STRING, podGroup: STRING, podGroupReplicaKey: STRING }, required: ['name', 'podGroup'] }],
]);

/**
 * What every object has beside its kind's fields: its identity (the reporter's to check) and a
 * `status`, which the API server ignores on create.
 */
const ROOT_MEMBERS: ReadonlyArray<readonly [string, FieldType]> = ['apiVersion', 'kind', 'status'].map(name => [name, { kind: 'any' } as FieldType] as const);

let table: TypeTable | undefined;

/** The adapter's table of the 1.27 API and the newer fields, keyed by JSON names (built on first use). */
function typeTable(): TypeTable {
  if (!table) {
    const byJsonName = new Map<string, { fields: Map<string, FieldType>; required: string[] }>();
    for (const [type, fields] of l1Types()) {
      const all = [...fields.values()];
      byJsonName.set(type, {
        fields: new Map([...all.map(f => [f.name, checkedType(type, f)] as const), ...(/^Kube\w+Props$/.test(type) ? ROOT_MEMBERS : [])]),
        required: all.filter(f => !f.optional && !REQUIRED_UNTIL_LATER.has(`${type}.${f.name}`)).map(f => f.name),
      });
    }
    for (const [type, { fields, required }] of [...NEWER_TYPES, ...DROPPED_TYPES]) {
      byJsonName.set(type, { fields: new Map(Object.entries(fields)), required: [...required] });
    }
    for (const [key, type] of [...NEWER_FIELDS, ...DROPPED_FIELDS]) {
      const [owner, field] = key.split('.');
      byJsonName.get(owner)?.fields.set(field, type);
    }
    table = byJsonName;
  }
  return table;
}

/** What the official schema refuses in an object, in two parts. */
export interface SchemaFindings {
  /**
   * Wrong JSON types, nulls and missing required fields: the rules may not read such an object,
   * so these are all that is reported.
   */
  readonly types: Finding[];
  /**
   * Values of the right type the schema refuses (a fraction or an int32 overflow, a string outside
   * an enum, a malformed timestamp): reported with the rules' findings, after those, where no
   * rule already named the field (a rule's message knows the field's context and fix).
   */
  readonly values: Finding[];
}

/**
 * What the official schema refuses in an object: the fields whose JSON type the Kubernetes API
 * would reject (null included), the fields it requires that are missing, and the values it does
 * not admit. Kinds of a version the 1.27 API does not have (e.g. `resource.k8s.io/v1`) are left to their rules.
 */
export function schemaFindings(json: any): SchemaFindings {
  // apiVersion and kind are the reporter's: it refuses any change of the object's identity first
  const found: SchemaFindings = { types: [], values: [] };
  const types = typeTable();
  const version = typeof json?.apiVersion === 'string' ? json.apiVersion : '';
  const root: FieldType = { kind: 'object', type: `Kube${json?.kind}Props` };
  // a boolean walk first: it builds no field paths, and a valid object never needs them
  if (types.has(root.type as string) && (version === 'v1' || version.endsWith('/v1')) && !wellTyped(json, root, types)) {
    check(json, root, '', types, found);
  }
  return found;
}

/** All of `schemaFindings`, types first. */
export function schemaTypes(json: any): Finding[] {
  const found = schemaFindings(json);
  return [...found.types, ...found.values];
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
      return typeof value === 'string' && admitted(value, type);
    case 'boolean':
      return typeof value === 'boolean';
    case 'number':
      return isWhole(value, type);
    case 'scalar':
      // an IntOrString holds an int32 or any string; a Quantity any finite number or a quantity's text
      if (typeof value === 'string') {
        return type.type !== 'Quantity' || QUANTITY.test(value);
      }
      return type.type === 'IntOrString' ? isWhole(value, type) : typeof value === 'number' && Number.isFinite(value);
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
    if (field ? !wellTyped(value[key], field, types) : apiType !== undefined) {
      return false;
    }
  }
  return !apiType || apiType.required.every(key => value[key] !== undefined);
}

function check(value: any, type: FieldType, at: string, types: TypeTable, found: SchemaFindings): void {
  if (value === undefined || type.kind === 'any') {
    return;
  }
  if (value === null) {
    // the API server reads null as "left out", the official schema refuses it in lists, maps and
    // enum fields: a null is a patch that meant `remove`, and leaving the field out says so
    found.types.push(typeFinding(at, value, expectation(type)));
    return;
  }
  switch (type.kind) {
    case 'string':
      if (typeof value !== 'string') {
        found.types.push(typeFinding(at, value, expectation(type)));
      } else if (!admitted(value, type)) {
        found.values.push(valueFinding(at, value, type));
      }
      return;
    case 'number':
    case 'scalar':
      if (!wellTyped(value, type, types)) {
        // a number of the wrong size or a quantity's text in the wrong form is a value; anything else (a list for a number) a type
        const quantityText = typeof value === 'string' && type.kind === 'scalar';
        const sized = typeof value === 'number' && Number.isFinite(value);
        (sized || quantityText ? found.values : found.types).push(quantityText
          ? { severity: 'error', field: at, message: `${show(value)} is not a Kubernetes quantity`, fix: 'write it like \'1Gi\', \'512Mi\', \'500m\' or \'2\' (binary suffixes Ki, Mi, Gi; not \'GB\')' }
          : typeFinding(at, value, expectation(type)));
      }
      return;
    case 'boolean':
      if (typeof value !== 'boolean') {
        found.types.push(typeFinding(at, value, expectation(type)));
      }
      return;
    case 'array':
      if (!Array.isArray(value)) {
        found.types.push(typeFinding(at, value, 'a list'));
        return;
      }
      for (let i = 0; i < value.length; i++) {
        check(value[i] ?? null, type.element as FieldType, `${at}[${i}]`, types, found);
      }
      return;
    default:
      if (typeof value !== 'object' || Array.isArray(value)) {
        found.types.push(typeFinding(at, value, expectation(type)));
        return;
      }
      checkMembers(value, type, at, types, found);
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

function checkMembers(value: any, type: FieldType, at: string, types: TypeTable, found: SchemaFindings): void {
  if (type.kind === 'map') {
    for (const key of Object.keys(value)) {
      check(value[key], type.element as FieldType, `${at}[${JSON.stringify(key)}]`, types, found);
    }
    return;
  }
  const apiType = types.get(type.type as string);
  const member = (key: string) => (at ? `${at}.${key}` : key);
  for (const key of Object.keys(value)) {
    const field = apiType?.fields.get(key);
    if (field) {
      check(value[key], field, member(key), types, found);
    } else if (apiType) {
      found.values.push(unknownField(member(key), key, type.type as string, apiType));
    }
  }
  for (const key of apiType?.required ?? []) {
    if (value[key] === undefined) {
      found.types.push({
        severity: 'error', field: member(key), message: 'is missing; the Kubernetes API requires it',
        fix: 'give it a value, or drop the JSON patch that removed it',
      });
    }
  }
}

/**
 * A member the API type does not have. The API server refuses it (kubectl's strict field
 * validation, the default since 1.27) or drops it with a warning: either way a JSON patch that
 * misspells a field (`initialDelaySecond`) would not do what it says. The table holds every
 * field up to the newest version targeted (NEWER_FIELDS, kept exact by a test), so nothing
 * real is refused.
 */
function unknownField(at: string, key: string, typeName: string, apiType: ApiType): Finding {
  const owner = typeName.replace(/^Kube(\w+)Props$/, '$1');
  const near = nearestField(key, [...apiType.fields.keys()]);
  return {
    severity: 'error', field: at,
    message: `is not a field of ${owner}${near ? ` (did you mean ${near}?)` : ''}: the Kubernetes API server refuses the object (kubectl's strict field validation) or drops the field`,
    fix: near ? `write it as ${near}` : `remove it, or move it to where the API has it (kubectl explain lists the fields of ${owner})`,
  };
}

/** The field `key` most likely misspells: same letters in another case or separator, or at most two edits away. */
function nearestField(key: string, fields: ReadonlyArray<string>): string | undefined {
  const folded = (name: string) => name.replace(/[-_]/g, '').toLowerCase();
  const exact = fields.find(f => folded(f) === folded(key));
  if (exact) {
    return exact;
  }
  // stricter than a prop's typo: `appProtocol` is no misspelling of ContainerPort's `protocol`
  const limit = key.length < 5 ? 1 : 2;
  let best: string | undefined;
  let bestDistance = limit + 1;
  for (const f of fields) {
    const d = editDistance(key.toLowerCase(), f.toLowerCase());
    if (d < bestDistance) {
      best = f;
      bestDistance = d;
    }
  }
  return best;
}

/** A string the field does not admit: not one of an enum's values, or not a timestamp. */
function valueFinding(at: string, value: string, type: FieldType): Finding {
  if (type.allowed) {
    const values = type.allowed.map(v => (v === '' ? '""' : v)).join(', ');
    return { severity: 'error', field: at, message: `${show(value)} is not one of ${values}`, fix: `use one of ${values}` };
  }
  return {
    severity: 'error', field: at, message: `${show(value)} is not an RFC 3339 date-time`,
    fix: 'write it as e.g. "2026-01-02T03:04:05Z", or leave it out (the API server sets it)',
  };
}

function typeFinding(at: string, value: unknown, expected: string): Finding {
  return {
    severity: 'error',
    field: at,
    message: `${show(value)} is not ${expected}`,
    fix: `give ${expected} or leave it out (the Kubernetes API rejects anything else)`,
  };
}
