/**
 * The value cached under `key`, computed on first use. For texts and objects that thousands of
 * pods share (scripts, configs, security contexts): computed once, never mutated afterwards.
 */
export function cached<K, V>(cache: { get(key: K): V | undefined; set(key: K, value: V): unknown }, key: K, compute: () => V): V {
  let value = cache.get(key);
  if (value === undefined) {
    value = compute();
    cache.set(key, value);
  }
  return value;
}

/**
 * A key that tells apart every value a JavaScript caller may pass where a cache is keyed by
 * props: `8080` and `"8080"`, `NaN`, `null` and `undefined`, `-0` and `0`, `['a,b']` and
 * `['a', 'b']` — none of which `JSON.stringify` or `join` separate. A wrong value that was
 * refused must never hand its rendering to a later, valid one. Undefined for what has no
 * exact key (a class instance, a function, a symbol, a bigint, a cycle): not cached then.
 */
export function exactKey(value: unknown): string | undefined {
  try {
    return keyOf(value, 0);
  } catch {
    return undefined;
  }
}

const NO_KEY = new Error('no exact key');

function keyOf(value: unknown, depth: number): string {
  if (depth > 32) {
    throw NO_KEY;
  }
  switch (typeof value) {
    case 'undefined':
      return 'u';
    case 'boolean':
      return value ? 't' : 'f';
    case 'number':
      return Object.is(value, -0) ? 'd-0' : `d${value}`;
    case 'string':
      return JSON.stringify(value);
    case 'object':
      if (value === null) {
        return 'n';
      }
      if (Array.isArray(value)) {
        return `[${value.map(v => keyOf(v, depth + 1)).join(',')}]`;
      }
      if (Object.getPrototypeOf(value) !== Object.prototype) {
        throw NO_KEY;
      }
      return `{${Object.keys(value).map(k => `${JSON.stringify(k)}:${keyOf((value as any)[k], depth + 1)}`).join(',')}}`;
    default:
      throw NO_KEY;
  }
}

/** `cached`, keyed by `exactKey(keyValue)`; computed afresh when the value has no exact key. */
export function cachedByValue<V>(cache: BoundedCache<V>, keyValue: unknown, compute: () => V): V {
  const key = exactKey(keyValue);
  return key === undefined ? compute() : cached(cache, key, compute);
}

/**
 * A string-keyed cache that keeps at most `capacity` entries, dropping the oldest: a worker
 * manager rendering pods with ever-new values (ports, sizes, budgets) must not grow. A hit
 * costs one map lookup (no recency bookkeeping: it is on the path of every pod).
 */
export class BoundedCache<V> {
  private readonly entries = new Map<string, V>();

  constructor(private readonly capacity = 256) {}

  /** The value under `key`. */
  public get(key: string): V | undefined {
    return this.entries.get(key);
  }

  /** Stores `value`, evicting the oldest entry when full. */
  public set(key: string, value: V): void {
    this.entries.delete(key);
    this.entries.set(key, value);
    if (this.entries.size > this.capacity) {
      this.entries.delete(this.entries.keys().next().value as string);
    }
  }

  /** Number of entries held. */
  public get size(): number {
    return this.entries.size;
  }
}

/** `value`, with it and everything inside it frozen: a default or catalogue shared by every pod. */
export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value as object)) {
      deepFreeze(child);
    }
  }
  return value;
}
