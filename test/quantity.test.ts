import { parseQuantity, quantitiesEqual } from '../src/quantity';

test.each([
  ['500m', 0.5], ['1', 1], ['1.5', 1.5], ['1Gi', 2 ** 30], ['1024Mi', 2 ** 30], ['1G', 1e9], ['2k', 2000], ['1e3', 1000], ['-1', -1], ['.5', 0.5],
])('parses %s', (text, value) => {
  expect(parseQuantity(text)).toBeCloseTo(value);
});

test.each(['1GB', 'abc', '', '1 Gi', 'Gi', '1.2.3'])('rejects %j', (text) => {
  expect(parseQuantity(text)).toBeUndefined();
});

test('compares by value', () => {
  expect(quantitiesEqual('1Gi', '1024Mi')).toBe(true);
  expect(quantitiesEqual('1000m', '1')).toBe(true);
  expect(quantitiesEqual('1G', '1Gi')).toBe(false);
  expect(quantitiesEqual('x', 'x')).toBe(false);
});

test('the exa suffix E is 10^18, not an exponent without digits', () => {
  expect(parseQuantity('1E')).toBe(1e18);
  expect(parseQuantity('1e3')).toBe(1000);
  expect(parseQuantity('1Ei')! > parseQuantity('1E')!).toBe(true);
});
