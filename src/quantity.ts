/**
 * Kubernetes resource quantities as users type them (`'500m'`, `'1Gi'`, `'2'`).
 *
 * The library keeps quantities as the strings the user wrote (so the YAML reads like
 * the user's input) and parses them only to compare values at synth time.
 */

const SUFFIXES: { [suffix: string]: number } = {
  '': 1,
  'n': 1e-9,
  'u': 1e-6,
  'm': 1e-3,
  'k': 1e3,
  'M': 1e6,
  'G': 1e9,
  'T': 1e12,
  'P': 1e15,
  'E': 1e18,
  'Ki': 2 ** 10,
  'Mi': 2 ** 20,
  'Gi': 2 ** 30,
  'Ti': 2 ** 40,
  'Pi': 2 ** 50,
  'Ei': 2 ** 60,
};

// The API server's quantity grammar: a signed decimal number, then an optional binary
// suffix, decimal suffix or decimal exponent.
const QUANTITY = /^([+-]?(?:\d+(?:\.\d*)?|\.\d+))(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]|[eE][+-]?\d+)?$/;

/**
 * Parses a Kubernetes quantity into a plain number (cores for CPU, bytes for memory).
 *
 * @returns the value, or `undefined` when the text is not a valid quantity
 */
export function parseQuantity(text: string): number | undefined {
  const match = QUANTITY.exec(text);
  if (!match) {
    return undefined;
  }
  const [, digits, suffix = ''] = match;
  const factor = /^[eE][+-]?\d+$/.test(suffix) ? 10 ** Number(suffix.slice(1)) : SUFFIXES[suffix];
  return Number(digits) * factor;
}

/**
 * Whether two quantities denote the same amount (`'1Gi'` equals `'1024Mi'`).
 */
export function quantitiesEqual(a: string | number, b: string | number): boolean {
  const left = parseQuantity(String(a));
  const right = parseQuantity(String(b));
  return left !== undefined && right !== undefined && Math.abs(left - right) <= Math.abs(left) * 1e-12;
}
