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
