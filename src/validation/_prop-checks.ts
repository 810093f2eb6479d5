import { Duration, Lazy } from 'cdk8s';
import { ContainerPortSpec, ImagePullPolicy, SecretKeyRef } from '../kubernetes-types';
import type { PodVolumeMount } from '../pod-volume';
import { parseQuantity } from '../quantity';
import type { ContainerResources, ResourceAmount } from '../resources';
import type { ContainerSecurityOptions, PodSecurityOptions } from '../security';
import { isDataKey, isDnsLabel, isDnsSubdomain, LAZY, show } from './_helpers';

/**
 * Checks of construct props, shared by every construct. Each returns the error text
 * (`field: <what is wrong, with the value>. Fix: <how>`) or `undefined`; constructs collect
 * them and report them through their validation, so cdk8s prefixes the construct path and no
 * YAML is written. None of them throws.
 */

/** The largest plain number a Duration error offers back as its own example, in seconds (a year). */
const MAX_EXAMPLE_SECONDS = 365 * 24 * 3600;

/** A whole number of seconds, at least `min`, from a Duration in any unit; or the error. */
export function durationSeconds(field: string, value: Duration | undefined, min: number, errors: string[]): number | undefined {
  if (value === undefined) {
    return undefined;
  }
  const millis = wholeMillis(value);
  if (millis !== undefined && millis % 1000 === 0 && millis / 1000 < min) {
    // a whole number of seconds, only too few: said in seconds (not "300000 ms is not a whole number of seconds")
    errors.push(`${field}: ${millis / 1000} s is less than ${min} s. Fix: use e.g. Duration.seconds(${Math.max(min, 1)})`);
    return undefined;
  }
  if (millis === undefined || millis % 1000 !== 0) {
    // a plain number is most often meant as seconds: its own Duration is the example then
    // (up to a year: a larger number, 1e12, would be an example that overflows Kubernetes' int32 fields and fails again)
    const example = typeof value === 'number' && Number.isInteger(value) && value >= Math.max(min, 1) && value <= MAX_EXAMPLE_SECONDS ? value : Math.max(min, 1);
    errors.push(`${field}: ${describeDuration(value)} is not a whole number of seconds of at least ${min}. `
      + `Fix: use e.g. Duration.seconds(${example}); Kubernetes counts these in whole seconds`);
    return undefined;
  }
  return millis / 1000;
}

function wholeMillis(value: Duration): number | undefined {
  try {
    const millis = value.toMilliseconds();
    return Number.isFinite(millis) && Number.isInteger(millis) ? millis : undefined;
  } catch {
    return undefined;
  }
}

function describeDuration(value: Duration): string {
  if (typeof (value as any)?.toMilliseconds !== 'function') {
    return `${notJson(value)} (a ${value === null ? 'null' : typeof value}, not a Duration)`;
  }
  const millis = (() => {
    try {
      return value.toMilliseconds();
    } catch {
      return NaN;
    }
  })();
  return Number.isFinite(millis) ? `${millis} ms` : show(String(millis));
}

/** A whole number within [min, max]; or the error. */
export function wholeNumber(field: string, value: number | undefined, min: number, max: number, errors: string[], example: number = min): void {
  if (value === undefined) {
    return;
  }
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    errors.push(`${field}: ${show(value)} must be a whole number from ${min} to ${max}. Fix: use e.g. ${example}`);
  }
}

/**
 * A list prop as given, or `[]` with the error when it is not an array (JavaScript callers
 * pass a string, an object, null...), so that nothing iterates over a non-list.
 */
export function listOf<T>(field: string, value: ReadonlyArray<T> | undefined, errors: string[], example = "['...']"): ReadonlyArray<T> {
  if (value === undefined) {
    return [];
  }
  if (!Array.isArray(value)) {
    errors.push(`${field}: ${given(value)} is not a list. Fix: give an array, e.g. ${example}, or leave it out`);
    return [];
  }
  return value;
}

/** A boolean prop: true, false or left out; or the error (with `fix`, what true or false does). Returns whether it is usable. */
export function booleanProp(field: string, value: boolean | undefined, errors: string[], fix: string): boolean {
  if (value === undefined || typeof value === 'boolean') {
    return true;
  }
  errors.push(`${field}: ${show(value)} is not true or false. Fix: ${fix}`);
  return false;
}

/**
 * `stdin` and `tty` of a container's props (`prefix`: `server.` or none; `who`: how the fix names
 * the container), each when given as a boolean; anything else goes to `errors` and is left out.
 */
export function terminalFields(prefix: string, props: { readonly stdin?: boolean; readonly tty?: boolean }, who: string, errors: string[]):
{ stdin?: boolean; tty?: boolean } {
  const stdin = booleanProp(`${prefix}stdin`, props.stdin, errors, `true keeps the ${who}'s stdin open, or leave it out`) ? props.stdin : undefined;
  const tty = booleanProp(`${prefix}tty`, props.tty, errors, `true gives the ${who} a TTY, or leave it out`) ? props.tty : undefined;
  return { stdin, tty };
}

/** An image pull policy, or undefined (with the error) when it is not one of the three. */
export function pullPolicy(field: string, value: ImagePullPolicy | undefined, errors: string[]): ImagePullPolicy | undefined {
  if (value === undefined || (Object.values(ImagePullPolicy) as unknown[]).includes(value)) {
    return value;
  }
  errors.push(`${field}: ${show(value)} is not an image pull policy. Fix: use ImagePullPolicy.IF_NOT_PRESENT, ALWAYS or NEVER, or leave it out`);
  return undefined;
}

/** A list prop as given, or undefined (with the error) when it is given but not an array. */
export function optionalList<T>(field: string, value: ReadonlyArray<T> | undefined, errors: string[]): T[] | undefined {
  return value === undefined || listOf(field, value, errors) !== value ? undefined : [...value];
}

/** A TCP/UDP port number. */
export function portNumber(field: string, value: number | undefined, errors: string[]): void {
  wholeNumber(field, value, 1, 65535, errors, 8080);
}

/** A Kubernetes quantity (`'1Gi'`, `'500m'`), non-negative (positive when `positive`). */
export function quantity(field: string, value: string | undefined, errors: string[], positive = false): void {
  if (value === undefined) {
    return;
  }
  const parsed = typeof value === 'string' ? parseQuantity(value) : undefined;
  if (parsed === undefined || parsed < 0 || (positive && parsed === 0)) {
    errors.push(`${field}: ${show(value)} is not a ${positive ? 'positive ' : ''}Kubernetes quantity. `
      + 'Fix: write it like \'1Gi\', \'512Mi\' or \'500m\' (binary suffixes Ki, Mi, Gi; not \'GB\')');
  }
}

/** The name of a Secret, ConfigMap, PVC or other object: a DNS-1123 subdomain. */
export function objectName(field: string, value: string | undefined, errors: string[], what = 'object'): void {
  if (value === undefined) {
    return;
  }
  if (!isDnsSubdomain(value)) {
    errors.push(`${field}: ${show(value)} is not a valid ${what} name. `
      + 'Fix: use lower-case letters, digits, \'-\' and \'.\', starting and ending with a letter or digit (max 253)');
  }
}

/** A name that must be a DNS-1123 label (containers, volumes, Services). */
export function labelName(field: string, value: string | undefined, errors: string[], what = 'name'): void {
  if (value === undefined) {
    return;
  }
  if (!isDnsLabel(value)) {
    errors.push(`${field}: ${show(value)} is not a valid ${what}. `
      + 'Fix: use lower-case letters, digits and \'-\', starting and ending with a letter or digit (max 63)');
  }
}

/** A key of a Secret or ConfigMap. */
export function dataKey(field: string, value: string | undefined, errors: string[]): void {
  if (value === undefined) {
    return;
  }
  if (!isDataKey(value)) {
    errors.push(`${field}: ${show(value)} is not a valid Secret or ConfigMap key. Fix: use letters, digits, '-', '_' and '.' (max 253)`);
  }
}

/**
 * An absolute, normalized path without `..`, `.` or empty segments; `/` itself only when `allowRoot`; one trailing `/`
 * when `trailingSlash` (a volume mount's path: the kubelet mounts `/etc/llama-stack/` as `/etc/llama-stack`, and
 * the Llama Stack operator writes it so).
 */
export function absolutePath(field: string, value: string | undefined, errors: string[], allowRoot = false, trailingSlash = false, example = '/models'): void {
  if (value === undefined) {
    return;
  }
  if (!isAbsolutePath(value, allowRoot, trailingSlash)) {
    errors.push(`${field}: ${show(value)} must be an absolute path without '.', '..', empty segments or newlines${allowRoot ? '' : ', and not \'/\''}. `
      + `Fix: use e.g. '${example}'`);
  }
}

/** Whether `value` passes `absolutePath` (undefined does: it is not given). */
export function isAbsolutePath(value: unknown, allowRoot = false, trailingSlash = false): boolean {
  if (value === undefined) {
    return true;
  }
  const trimmed = trailingSlash && typeof value === 'string' && value.length > 1 && value.endsWith('/') ? value.slice(0, -1) : value;
  const segments = typeof trimmed === 'string' ? trimmed.split('/').slice(1) : [];
  return typeof value === 'string' && value.startsWith('/') && !/[\0\n\r]/.test(value)
    && (value === '/' ? allowRoot : !segments.some(s => s === '' || s === '.' || s === '..'));
}

/** Longest URL path accepted (nginx's config parameters are limited to 4 KB). */
const MAX_URL_PATH_LENGTH = 1024;
/** A path segment in canonical form: RFC 3986 unreserved and a few sub-delims, no %-encoding. */
const PATH_SEGMENT = /^[A-Za-z0-9._~!*+,=:@-]+$/;

/**
 * Why `path` is not a URL path in canonical form (the form a proxy matches exactly and an HTTP
 * probe sends), or undefined when it is one.
 */
export function urlPathProblem(path: unknown): string | undefined {
  if (typeof path !== 'string' || !path.startsWith('/')) {
    return 'it does not start with "/"';
  }
  if (path.length > MAX_URL_PATH_LENGTH) {
    return `it is longer than ${MAX_URL_PATH_LENGTH} characters`;
  }
  if (/[%?#]/.test(path)) {
    return 'it has a %-encoding, a query or a fragment';
  }
  const segments = path.slice(1).split('/');
  const inner = path === '/' ? [] : segments.slice(0, path.endsWith('/') ? -1 : undefined);
  if (inner.some(s => s === '')) {
    return 'it has an empty segment ("//")';
  }
  if (inner.some(s => s === '.' || s === '..')) {
    return 'it has a "." or ".." segment';
  }
  if (!inner.every(s => PATH_SEGMENT.test(s))) {
    return 'it has whitespace, control characters or characters outside letters, digits and -._~!*+,=:@';
  }
  return undefined;
}

/** An HTTP path in canonical form: `/health`, not `health`, `/a/../health`, `/%68ealth` or `/a b`. */
export function urlPath(field: string, value: string | undefined, errors: string[]): void {
  if (value === undefined) {
    return;
  }
  const problem = urlPathProblem(value);
  if (problem) {
    errors.push(`${field}: ${show(value)} is not a URL path in canonical form: ${problem}. Fix: write it as the server serves it, e.g. '/health'`);
  }
}

/**
 * A map of strings (labels, node selectors): a plain object whose values are all strings; or
 * the error. A string or list given instead would otherwise be spread into `{ "0": ... }`.
 */
export function stringMap(
  field: string, value: { [key: string]: string } | undefined, errors: string[], example = "{ 'nvidia.com/gpu.product': 'NVIDIA-L4' }",
): boolean {
  if (value === undefined) {
    return true;
  }
  // a Map or other class instance has no own keys to spread: it would be silently empty
  if (!isPlainObject(value) || Object.values(value).some(v => typeof v !== 'string')) {
    errors.push(`${field}: ${given(value)} is not a map of strings. Fix: give an object such as ${example}, or leave it out`);
    return false;
  }
  return true;
}

/**
 * Metadata whose labels and annotations cdk8s can render. An entry whose value is an object,
 * a function or a symbol (a `Size`, a class instance) made cdk8s throw "can't render
 * non-simple object" at synth, a message that names no field: it is left out, and reported in
 * `errors` by field. Other non-strings (numbers) stay, for the metadata rules to name.
 */
export function renderableMetadata<T extends { readonly labels?: any; readonly annotations?: any }>(
  metadata: T | undefined, errors: string[] = [],
): T | undefined {
  if (metadata === null || typeof metadata !== 'object') {
    return metadata;
  }
  let result = metadata;
  for (const key of ['labels', 'annotations'] as const) {
    const map = metadata[key];
    if (map !== undefined && map !== null && (typeof map !== 'object' || Array.isArray(map))) {
      // a string or a list would be spread into labels "0", "1", ... (a number dropped) without a word
      errors.push(`metadata.${key}: ${show(map)} is not a map of names to values. Fix: give an object, e.g. { app: 'llm' }`);
      result = { ...result, [key]: undefined };
      continue;
    }
    if (map === null || typeof map !== 'object') {
      continue;
    }
    const bad = Object.keys(map).filter(k => map[k] !== null && ['object', 'function', 'symbol', 'bigint'].includes(typeof map[k]));
    bad.forEach(k => errors.push(`metadata.${key}[${show(k)}]: ${notJson(map[k])} is not a string. Fix: give the value as a string (JSON text for structured data)`));
    if (bad.length > 0) {
      result = { ...result, [key]: Object.fromEntries(Object.entries(map).filter(([k]) => !bad.includes(k))) };
    }
  }
  return result;
}

/** A value given as Kubernetes JSON (affinity, topology spread): it must serialize; or the error. */
export function jsonValue(field: string, value: unknown, errors: string[]): boolean {
  if (value === undefined) {
    return true;
  }
  try {
    JSON.stringify(value);
    return true;
  } catch (e) {
    // V8's message for a cycle spans several lines; the first names the problem
    errors.push(`${field}: cannot be written as JSON (${String((e as Error).message).split('\n')[0]}). `
      + 'Fix: give plain Kubernetes JSON (objects, lists, strings, numbers, booleans) without cycles');
    return false;
  }
}

/**
 * The known keys of every props interface, by interface name: filled by `propKeys` as the
 * modules load, and compared with the TypeScript declarations by test/prop-keys.test.ts.
 */
export const PROP_KEYS = new Map<string, ReadonlyArray<string>>();

/**
 * The property names of props interface `T`, registered under `interfaceName`. The compiler
 * holds the literal to exactly the keys of `T` (a missing one is an error, an extra one an
 * excess property), so the list cannot drift from the interface it checks.
 */
export function propKeys<T>(interfaceName: string, keys: { readonly [K in keyof T]-?: true }): ReadonlyArray<string> {
  const list = Object.freeze(Object.keys(keys).sort());
  PROP_KEYS.set(interfaceName, list);
  return list;
}

/**
 * Reports every own key of the props object `value` that is not in `known`: a typo (`imagee`),
 * a prop of another construct (`replicas` on a pod) or a key spread in from a template would
 * otherwise be ignored without a word. TypeScript catches them only in object literals;
 * JavaScript callers, spread objects and props built at run time reach here. Values that are
 * not plain objects are left to the shape checks. Returns whether every key is known.
 */
export function knownProps(field: string, value: unknown, known: ReadonlyArray<string>, errors: string[]): boolean {
  if (!isPlainObject(value)) {
    return true;
  }
  let ok = true;
  for (const key of Object.keys(value)) {
    if (!known.includes(key)) {
      ok = false;
      const closest = closestKey(key, known);
      errors.push(`${field ? `${field}.` : ''}${key}: unknown prop (given ${brief((value as any)[key])}). `
        + `Fix: ${closest ? `did you mean '${closest}'?` : 'remove it'} (known: ${known.join(', ')})`);
    }
  }
  return ok;
}

/** Whether `value` is a plain object (an object literal, a JSON object, `Object.create(null)`), not a class instance or a list. */
export function isPlainObject(value: unknown): value is { [key: string]: unknown } {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return false;
  }
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * A copy of the props as they are now: plain objects and lists are copied all the way down,
 * everything else (HealthCheck, Duration, ModelSource... instances, which are immutable) is
 * kept. A construct keeps this copy, so its output depends on its props at construction and
 * not on what the caller changes in them before the app synthesizes. Cycles are kept as
 * cycles (the shape checks report them).
 *
 * Every own key is copied as an own key — also `__proto__`, which `JSON.parse` makes an own
 * key and an assignment would turn into the copy's prototype (supplying props the unknown-key
 * check never sees). The walk keeps its own stack: props nested deeper than the call stack
 * are copied and then refused by the shape checks, not thrown as a RangeError.
 */
export function snapshot<T>(value: T): T {
  const seen = new Map<object, unknown>();
  const pending: Array<{ readonly from: any; readonly to: any }> = [];
  const copyOf = (v: unknown): unknown => {
    if (v === null || typeof v !== 'object') {
      return v;
    }
    const known = seen.get(v);
    if (known !== undefined) {
      return known;
    }
    let copy: any;
    if (Array.isArray(v)) {
      // holes stay holes: the shape checks report them by index
      copy = new Array(v.length);
    } else if (isPlainObject(v)) {
      copy = Object.getPrototypeOf(v) === null ? Object.create(null) : {};
    } else {
      return v;
    }
    seen.set(v, copy);
    pending.push({ from: v, to: copy });
    return copy;
  };
  const result = copyOf(value) as T;
  while (pending.length) {
    const { from, to } = pending.pop()!;
    for (const key of Object.keys(from)) {
      Object.defineProperty(to, key, { value: copyOf(from[key]), enumerable: true, writable: true, configurable: true });
    }
  }
  return result;
}

/** The known key closest to `key` by edit distance (case ignored), when it is close enough to be a typo. */
function closestKey(key: string, known: ReadonlyArray<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of known) {
    const distance = editDistance(key.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  // a third of the name (at least 2) may differ: `helth`, `cout`, `imagee`, not `replicas` for `image`
  return bestDistance <= Math.max(2, Math.floor(key.length / 3)) ? best : undefined;
}

/** Levenshtein distance with adjacent transpositions (optimal string alignment). @internal */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...new Array(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) {
    d[0][j] = j;
  }
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[a.length][b.length];
}

/**
 * A value for a message: its JSON, except for class instances, whose JSON says nothing about
 * them (a Map is `{}`): those are named by their class, "a Map".
 */
export function given(value: unknown): string {
  if (value instanceof Lazy) {
    return LAZY;
  }
  if (value !== null && typeof value === 'object' && !Array.isArray(value) && !isPlainObject(value)) {
    const name = value.constructor?.name;
    // Object.create(proto) has Object's constructor through its prototype: its keys are inherited
    return !name || name === 'Object' ? 'an object with a prototype of its own (its keys are not its own)' : `${/^[AEIOU]/.test(name) ? 'an' : 'a'} ${name}`;
  }
  return show(value);
}

/** `given`, also for what has no JSON (a function, a symbol). */
export function notJson(value: unknown): string {
  return typeof value === 'function' ? 'a function' : typeof value === 'symbol' || typeof value === 'bigint' ? `the ${typeof value} ${String(value)}` : given(value);
}

/** A value for a one-line message: `given`, shortened; a description when it has no JSON. */
function brief(value: unknown): string {
  let text: string | undefined;
  try {
    text = given(value);
  } catch {
    text = undefined; // a cycle or a BigInt
  }
  if (text === undefined) {
    text = typeof value === 'function' ? 'a function' : typeof value === 'object' && value !== null ? 'an object' : String(value);
  }
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/*
 * Known keys of the props objects every container of the library takes (server, init
 * containers, sidecars, the model downloader). Their interfaces live in their own modules;
 * the lists are here, next to the one check that uses them (type-only imports: no cycle).
 */
const RESOURCES_KEYS = propKeys<ContainerResources>('ContainerResources', { cpu: true, memory: true, ephemeralStorage: true, extended: true });
const AMOUNT_KEYS = propKeys<ResourceAmount>('ResourceAmount', { request: true, limit: true });
const CONTAINER_SECURITY_KEYS = propKeys<ContainerSecurityOptions>('ContainerSecurityOptions', {
  runAsNonRoot: true, privileged: true, runAsUser: true, runAsGroup: true, readOnlyRootFilesystem: true, allowPrivilegeEscalation: true,
  addCapabilities: true, dropAllCapabilities: true, dropCapabilities: true, seccompProfile: true,
});
/** Known keys of `PodSecurityOptions`. */
export const POD_SECURITY_KEYS = propKeys<PodSecurityOptions>('PodSecurityOptions', {
  level: true, runAsNonRoot: true, runAsUser: true, runAsGroup: true, fsGroup: true, idsFromPlatform: true, seccompProfile: true,
  fsGroupChangePolicy: true, sysctls: true, supplementalGroups: true, keepVolumeOwnership: true,
});
const SECRET_KEY_REF_KEYS = propKeys<SecretKeyRef>('SecretKeyRef', { secretName: true, key: true, optional: true });
/** Known keys of `ContainerPortSpec`. */
export const PORT_KEYS = propKeys<ContainerPortSpec>('ContainerPortSpec', { number: true, name: true, protocol: true });
/** Known keys of `PodVolumeMount`. */
export const POD_VOLUME_MOUNT_KEYS = propKeys<PodVolumeMount>('PodVolumeMount', { volume: true, path: true, readOnly: true, subPath: true, subPathExpr: true });

/**
 * Unknown keys in the props objects of a container's props (`resources` and its amounts,
 * `security`, each `secretEnv` reference, `podVolumeMounts`), reported under `prefix`
 * (`server.` for the model server).
 */
export function containerPropKeys(prefix: string, props: any, errors: string[]): void {
  if (!isPlainObject(props)) {
    return;
  }
  const resources = props.resources;
  if (knownProps(`${prefix}resources`, resources, RESOURCES_KEYS, errors) && isPlainObject(resources)) {
    for (const [key, amount] of Object.entries(resources)) {
      // extended is a map of resource names to amounts, checked where it is rendered
      if (key !== 'extended' && knownProps(`${prefix}resources.${key}`, amount, AMOUNT_KEYS, errors) && isPlainObject(amount)) {
        for (const side of ['request', 'limit'] as const) {
          const value = amount[side];
          // a cdk8s Size or another object would be written as "[object Object]": refused here, and left out
          if (value !== null && typeof value === 'object') {
            errors.push(`${prefix}resources.${key}.${side}: ${given(value)} is not a quantity. Fix: write it as text, e.g. '4Gi' or '500m' (a cdk8s Size is not taken here)`);
          }
        }
      }
    }
  }
  knownProps(`${prefix}security`, props.security, CONTAINER_SECURITY_KEYS, errors);
  if (isPlainObject(props.security)) {
    booleanProp(`${prefix}security.dropAllCapabilities`, props.security.dropAllCapabilities as boolean | undefined, errors,
      'false keeps the runtime\'s default capabilities (needs security.level BASELINE on the pod), or leave it out');
    const drop = props.security.dropCapabilities;
    listOf(`${prefix}security.dropCapabilities`, drop as string[] | undefined, errors).forEach((cap, i) => {
      // the runtime upper-cases names (containerd: "CAP_" + upper case), so 'net_raw' is NET_RAW
      if (typeof cap !== 'string' || !/^[A-Za-z][A-Za-z0-9_]*$/.test(cap)) {
        errors.push(`${prefix}security.dropCapabilities[${i}]: ${given(cap)} is not a capability name. Fix: write it as the runtime does, e.g. 'NET_RAW'`);
      }
    });
    if (drop !== undefined && props.security.dropAllCapabilities !== false) {
      errors.push(`${prefix}security.dropCapabilities: ${given(drop)} is given while ALL capabilities are dropped (security.dropAllCapabilities, the default), so it changes nothing. `
        + 'Fix: set security.dropAllCapabilities: false to keep the runtime\'s other default capabilities, or leave dropCapabilities out');
    }
  }
  if (isPlainObject(props.secretEnv)) {
    for (const [name, ref] of Object.entries(props.secretEnv)) {
      knownProps(`${prefix}secretEnv.${name}`, ref, SECRET_KEY_REF_KEYS, errors);
    }
  }
  for (const list of ['extraPorts', 'ports'] as const) {
    if (Array.isArray(props[list])) {
      props[list].forEach((p: unknown, i: number) => knownProps(`${prefix}${list}[${i}]`, p, PORT_KEYS, errors));
    }
  }
  if (Array.isArray(props.podVolumeMounts)) {
    props.podVolumeMounts.forEach((m: unknown, i: number) => knownProps(`${prefix}podVolumeMounts[${i}]`, m, POD_VOLUME_MOUNT_KEYS, errors));
  }
}
