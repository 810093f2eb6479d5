import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Chart } from 'cdk8s';
import { RUNTIME_ERROR, STRUCTURED_LINE } from './case-oracle';

/*
 * The README's contract for bad input, as assertions: a synth either writes YAML, or fails
 * with only `[construct path] field: ... Fix: ...` lines naming the field and writes nothing.
 */

/** Builds an app in a fresh outdir; returns the outcome of synthesizing it as `cdk8s synth` would. */
export function run(build: (chart: Chart) => void): { manifests?: any[]; error?: string; outdir: string } {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'hostile-'));
  const app = new App({ outdir });
  const chart = new Chart(app, 'test');
  build(chart); // a throw here (a TypeError at construction) fails the test with its stack
  try {
    return { manifests: App._synthChart(chart), outdir };
  } catch (e) {
    expect(() => app.synth()).toThrow();
    return { error: e instanceof Error ? e.message : String(e), outdir };
  }
}

/** Asserts a structured refusal that names `field` (a line matching it), and that nothing was written. */
export function expectRefused(build: (chart: Chart) => void, field: RegExp): string[] {
  const result = run(build);
  expect(result.manifests).toBeUndefined();
  const [head, ...lines] = (result.error ?? '').split('\n');
  expect(head).toBe('Validation failed with the following errors:');
  expect(lines.filter(l => !STRUCTURED_LINE.test(l))).toEqual([]);
  // a JavaScript runtime message dressed as a finding is not a field, a value and a fix
  expect(lines.filter(l => RUNTIME_ERROR.test(l))).toEqual([]);
  expect(lines.some(l => field.test(l))).toBe(true);
  expect(fs.readdirSync(result.outdir)).toEqual([]);
  return lines;
}

