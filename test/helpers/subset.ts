import { quantitiesEqual } from '../../src/quantity';

/**
 * Every field of `expected` is present in `actual` with an equal value. Lists match element
 * by element, keyed by `name` (containers, env, volumes) or `containerPort` where present;
 * quantities compare by value (`1Gi` equals `1024Mi`). Returns the differences.
 */
export function missingFields(expected: any, actual: any, path = ''): string[] {
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual)) return [`${path}: expected a list, got ${JSON.stringify(actual)}`];
    return expected.flatMap((item, i) => {
      const key = item?.name !== undefined ? 'name' : item?.containerPort !== undefined ? 'containerPort' : undefined;
      const match = key ? actual.find((a: any) => a?.[key] === item[key]) : actual[i];
      return match === undefined ? [`${path}[${key ? `${key}=${item[key]}` : i}]: missing`] : missingFields(item, match, `${path}[${key ? `${key}=${item[key]}` : i}]`);
    });
  }
  if (expected !== null && typeof expected === 'object') {
    if (actual === null || typeof actual !== 'object') return [`${path}: expected an object, got ${JSON.stringify(actual)}`];
    return Object.keys(expected).flatMap(k => missingFields(expected[k], actual[k], path ? `${path}.${k}` : k));
  }
  if (expected === actual) return [];
  if (/\.resources\.(requests|limits)\./.test(path) && actual !== undefined && quantitiesEqual(expected, actual)) return [];
  return [`${path}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`];
}
