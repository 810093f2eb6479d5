import { Duration } from 'cdk8s';
import { parseQuantity } from '../quantity';
import { isDataKey, isDnsLabel, isDnsSubdomain, show } from './_helpers';

/**
 * Checks of construct props, shared by every construct. Each returns the error text
 * (`field: <what is wrong, with the value>. Fix: <how>`) or `undefined`; constructs collect
 * them and report them through their validation, so cdk8s prefixes the construct path and no
 * YAML is written. None of them throws.
 */

/** A whole number of seconds, at least `min`, from a Duration in any unit; or the error. */
export function durationSeconds(field: string, value: Duration | undefined, min: number, errors: string[]): number | undefined {
  if (value === undefined) {
    return undefined;
  }
  const millis = wholeMillis(value);
  if (millis === undefined || millis % 1000 !== 0 || millis / 1000 < min) {
    errors.push(`${field}: ${describeDuration(value)} is not a whole number of seconds of at least ${min}. `
      + `Fix: use e.g. Duration.seconds(${Math.max(min, 1)}); Kubernetes counts these in whole seconds`);
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
export function listOf<T>(field: string, value: ReadonlyArray<T> | undefined, errors: string[]): ReadonlyArray<T> {
  if (value === undefined) {
    return [];
  }
  if (!Array.isArray(value)) {
    errors.push(`${field}: ${show(value)} is not a list. Fix: give an array, e.g. ['...'], or leave it out`);
    return [];
  }
  return value;
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

/** An absolute, normalized path without `..`, `.` or empty segments; `/` itself only when `allowRoot`. */
export function absolutePath(field: string, value: string | undefined, errors: string[], allowRoot = false): void {
  if (value === undefined) {
    return;
  }
  const segments = typeof value === 'string' ? value.split('/').slice(1) : [];
  const bad = typeof value !== 'string' || !value.startsWith('/') || /[\0\n\r]/.test(value)
    || (value === '/' ? !allowRoot : segments.some(s => s === '' || s === '.' || s === '..'));
  if (bad) {
    errors.push(`${field}: ${show(value)} must be an absolute path without '.', '..', empty segments or newlines${allowRoot ? '' : ', and not \'/\''}. `
      + 'Fix: use e.g. \'/models\'');
  }
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
export function stringMap(field: string, value: { [key: string]: string } | undefined, errors: string[]): boolean {
  if (value === undefined) {
    return true;
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value) || Object.values(value).some(v => typeof v !== 'string')) {
    errors.push(`${field}: ${show(value)} is not a map of strings. Fix: give an object such as { 'nvidia.com/gpu.product': 'NVIDIA-L4' }, or leave it out`);
    return false;
  }
  return true;
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
