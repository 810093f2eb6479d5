import { Duration } from 'cdk8s';
import * as fc from 'fast-check';

/**
 * Building blocks of the generated-input property test (test/property-all.test.ts): valid
 * values for every kind of prop, and the adversarial values a hostile or careless user
 * writes. A generated case is plain data; every adversarial value sits in a `Bad` box so the
 * test knows whether the case must synthesize (no box anywhere) or may be refused.
 */

/** An adversarial (or merely risky) value: the case may be refused because of it. */
export class Bad {
  constructor(public readonly value: unknown) {}
}

/**
 * The case's data with every `Bad` box opened, and whether there was one. Walks plain
 * objects (fast-check's records have a null prototype) and arrays only: Durations and other class instances are values, not containers.
 */
export function unbox(data: unknown): { value: any; bad: boolean } {
  let boxed = false;
  const walk = (node: unknown): unknown => {
    if (node instanceof Bad) {
      boxed = true;
      return walk(node.value);
    }
    if (Array.isArray(node)) {
      return node.map(walk);
    }
    if (node !== null && typeof node === 'object' && [Object.prototype, null].includes(Object.getPrototypeOf(node))) {
      // a prop left out is absent, as users write it; an explicit undefined comes boxed
      return Object.fromEntries(Object.entries(node).filter(([, v]) => v !== undefined).map(([k, v]) => [k, walk(v)]));
    }
    return node;
  };
  return { value: walk(data), bad: boxed };
}

const LONG = 'a'.repeat(300);

/** Strings that break names, paths, URLs, shell and config files. */
export const BAD_STRINGS: readonly string[] = [
  '', ' ', 'a\nb', 'a\r\nb', 'x"y', 'x\'y', '$(id)', '`id`', '${HOME}', 'a;b', 'a b', '\t', 'a\u0000b', 'ünï', '日本語', '🤖',
  '..', '../x', '/', '/a/../b', './a', 'a//b', '%2F', '-a', 'a-', 'A_B', 'a/b/c', 'null', 'undefined', LONG, `${LONG}.bin`,
  '\\', '#', '}', '{', 'a{b}', '*', '\u202e', 'a.', '.a',
];

/** Numbers that are not counts, ports or sizes. */
export const BAD_NUMBERS: readonly number[] = [
  NaN, -1, 0, 1.5, 0.1, -0.5, 1e20, Infinity, -Infinity, 65536, 2 ** 31, 2 ** 53 + 2, Number.MAX_VALUE, -(2 ** 31),
];

/** Values of the wrong type, as JavaScript callers (and JSON configs) pass them. */
export const WRONG_TYPES: readonly unknown[] = [null, {}, [], true, false, '8080', 42, ['a'], { a: 1 }];

/** Durations Kubernetes cannot express, or that make no sense. */
export const BAD_DURATIONS: readonly Duration[] = [
  Duration.millis(500), Duration.millis(1500), Duration.seconds(0), Duration.seconds(1.5),
  Duration.seconds(NaN), Duration.seconds(Infinity), Duration.days(1e9), Duration.millis(1),
];

/** Quantities the API server refuses, or that mean nothing. */
export const BAD_QUANTITIES: readonly string[] = ['1GB', 'lots', '-1Gi', '1.5.5', 'NaN', '1e999', ' 1Gi', '1Gi\n', '0x10', '1 Gi', '∞', 'Infinity'];

/** A boxed adversarial value: of the prop's declared type, or (`wrongTypes`) of any type at all. */
export function bad(wrongTypes: boolean, ...typed: Array<fc.Arbitrary<unknown>>): fc.Arbitrary<Bad> {
  const any = fc.constantFrom(...WRONG_TYPES, undefined, ...BAD_NUMBERS, ...BAD_STRINGS);
  const values = wrongTypes ? [...typed, any] : typed;
  return fc.oneof(...values).map(v => new Bad(v));
}

export const badString = fc.constantFrom(...BAD_STRINGS);
export const badNumber = fc.constantFrom(...BAD_NUMBERS);
export const badDuration = fc.constantFrom(...BAD_DURATIONS);
export const badQuantity = fc.oneof(fc.constantFrom(...BAD_QUANTITIES), badString);

/**
 * The generators of one run: `pick(valid, ...bad)` draws a valid value, or (with the run's
 * rate) a boxed bad one; `opt` also leaves the prop out. `rate` 0 yields only valid cases.
 */
export class Picker {
  /**
   * @param rate percent of props drawn adversarial
   * @param wrongTypes whether adversarial values include other types than the prop's (null, {}, numbers for strings...)
   */
  constructor(private readonly rate: number, private readonly wrongTypes = false) {}

  /** A valid value, or an adversarial one. */
  public pick<T>(valid: fc.Arbitrary<T>, ...badValues: Array<fc.Arbitrary<unknown>>): fc.Arbitrary<T | Bad> {
    if (this.rate === 0 || (badValues.length === 0 && !this.wrongTypes)) {
      return valid;
    }
    return fc.oneof({ weight: 100 - this.rate, arbitrary: valid }, { weight: this.rate, arbitrary: bad(this.wrongTypes, ...badValues) });
  }

  /** Like `pick`, but the prop may also be left out. */
  public opt<T>(valid: fc.Arbitrary<T>, ...badValues: Array<fc.Arbitrary<unknown>>): fc.Arbitrary<T | Bad | undefined> {
    return fc.option(this.pick(valid, ...badValues), { nil: undefined, freq: 2 });
  }

  /** A value that is valid alone but may conflict with others (a fit plan, a volume name): boxed. */
  public risky<T>(value: fc.Arbitrary<T>): fc.Arbitrary<Bad | undefined> {
    return this.rate === 0 ? fc.constant(undefined) : fc.option(value.map(v => new Bad(v)), { nil: undefined, freq: 1 });
  }
}

export const dnsLabel = fc.stringMatching(/^[a-z]([a-z0-9-]{0,8}[a-z0-9])?$/);
export const envName = fc.stringMatching(/^[A-Z][A-Z0-9_]{0,10}$/).filter(n => !['MODEL_PATH', 'HOME', 'PATH'].includes(n));
export const dataKey = fc.stringMatching(/^[A-Za-z0-9_][-._A-Za-z0-9]{0,10}$/);
export const image = fc.constantFrom('vllm/vllm-openai:v0.6.3', 'registry.example.com:5000/team/server:1.2', `x/y@sha256:${'a'.repeat(64)}`);
export const absPath = fc.array(fc.stringMatching(/^[a-z][a-z0-9_]{0,6}$/), { minLength: 1, maxLength: 3 }).map(s => `/${s.join('/')}`);
export const cpu = fc.constantFrom('100m', '250m', '1', '2', '0.5');
export const memory = fc.constantFrom('256Mi', '1Gi', '2Gi', '16Gi', '1.5Gi');
export const seconds = (min: number, max: number) => fc.integer({ min, max })
  .map(s => fc.constantFrom(Duration.seconds(s), Duration.millis(s * 1000), s % 60 === 0 ? Duration.minutes(s / 60) : Duration.seconds(s)));
/** A valid Duration of `min`..`max` whole seconds, in any unit. */
export const duration = (min: number, max: number) => seconds(min, max).chain(a => a);
/** A map with 0..max entries. */
export const dict = <T>(key: fc.Arbitrary<string>, value: fc.Arbitrary<T>, maxKeys = 2) => fc.dictionary(key, value, { maxKeys });
