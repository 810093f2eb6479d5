/**
 * A copy of `value` without undefined members, at any depth: cdk8s drops undefined fields of
 * what its resolver sanitizes, but objects the library adds after that (volumes, security
 * contexts, Service ports) would otherwise be written with `null` where an option was not set.
 * Plain objects and lists only; anything deeper than a manifest could be (a cycle from a
 * JavaScript caller) is kept as it is, for the checks to report.
 *
 * @internal
 */
export function withoutUndefined<T>(value: T, depth = 0): T {
  if (depth > 32 || value === null || typeof value !== 'object') {
    return value;
  }
  if (Array.isArray(value)) {
    return value.map(v => withoutUndefined(v, depth + 1)) as unknown as T;
  }
  if (Object.getPrototypeOf(value) !== Object.prototype) {
    return value;
  }
  const out: any = {};
  for (const [key, member] of Object.entries(value)) {
    if (member !== undefined) {
      out[key] = withoutUndefined(member, depth + 1);
    }
  }
  return out;
}
