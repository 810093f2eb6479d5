import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { assertEqualOutputs, isFlat, measureInProcess, renderLoop, renderLoopTable, synthesize, table } from '../bench/run';

// Keeps `npm run bench` runnable: the same code paths at N = 10, without timing assertions
// (performance is reported as ratios by the benchmark, never asserted in unit tests).
test('the benchmark runs: equal manifests from the library and hand-written cdk8s-plus, all three variants synthesize', () => {
  expect(() => assertEqualOutputs(2)).not.toThrow();
  const results = (['library', 'handwritten', 'plain'] as const).map(v => measureInProcess(v, 10, 1));
  const report = table(results);
  expect(report.split('\n')).toHaveLength(2 + 3);
  expect(report).toMatch(/\| 10 \| library \| [\d.]+ \| [\d.]+ \| \d+ \| - \| \*\*[\d.]+\*\* CPU, [\d.]+ wall, - RSS \|/);
  for (const r of results) {
    expect(r.ms).toBeGreaterThan(0);
    expect(r.cpuMs).toBeGreaterThan(0);
  }
});

test('the synthesized benchmark YAML is what the example describes', () => {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-test-'));
  synthesize('library', 2, outdir);
  const yaml = fs.readFileSync(path.join(outdir, 'bench.k8s.yaml'), 'utf8');
  expect(yaml.match(/^kind: Pod$/gm)).toHaveLength(2);
  expect(yaml.match(/^kind: ConfigMap$/gm)).toHaveLength(2);
});

test('the render loop of the benchmark samples memory while rendering worker pods, and reports first against last', () => {
  const loop = renderLoop(1000, 4);
  expect(loop.jobs).toBe(1000);
  expect(loop.rssMb).toHaveLength(4);
  expect(loop.heapMb).toHaveLength(4);
  for (const mb of [...loop.rssMb, ...loop.heapMb]) {
    expect(mb).toBeGreaterThan(1);
  }
  const report: string = renderLoopTable(loop);
  expect(report).toMatch(/^\| 1,000 worker jobs, 4 samples \|/);
  expect(report).toMatch(/\n\| RSS \| [\d.]+ \| [\d.]+ \| [\d.]+ \| [\d.]+ \| (yes|\*\*no\*\*) \|/);
  // the verdict: the last sample within 5 % of the first
  expect(isFlat([100, 90, 105])).toBe(true);
  expect(isFlat([100, 90, 105.1])).toBe(false);
});
