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
