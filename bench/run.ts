/**
 * `npm run bench`: synth speed and memory of the library against hand-written cdk8s-plus-27
 * (same manifests, asserted first) and plain objects + `yaml`, for 1 to 10,000 pods, plus the
 * cold start of `npm run synth` against a default cdk8s app (ts-node with type-checking).
 * Every measurement of a size runs in a fresh child process, so peak RSS is its own; variants
 * alternate over several rounds and CPU time is reported next to wall time, so a loaded machine
 * skews the ratios less.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Chart } from 'cdk8s';
import * as YAML from 'yaml';
import { downloadBench } from './download';
import { handwrittenPod } from './handwritten';
import { plainPodFactory } from './plain';
import { libraryPod, workerManifest } from './scenario';
import { sortedCopy } from '../src/_kplus-adapter';

/** A bench variant: how to synthesize N pods into a directory. */
type Variant = 'library' | 'handwritten' | 'plain';

/** One measurement. */
export interface Measurement {
  readonly variant: Variant;
  readonly pods: number;
  /** Median wall time of one synth of all pods, ms. */
  readonly ms: number;
  /**
   * Median CPU time (user + system, all threads) of one synth of all pods, ms: on a shared
   * machine, other processes stretch wall time but barely this.
   */
  readonly cpuMs: number;
  /** Peak resident memory of the measuring process, MB (0 when measured in-process). */
  readonly peakRssMb: number;
  /**
   * For the library: the median over rounds of its CPU time divided by the hand-written
   * variant's in the same round. Pairing by round cancels the drift of a shared machine's
   * speed between rounds, which moves separate medians by ±10 %.
   */
  readonly pairedCpuRatio?: number;
}

/**
 * Pods per chart (and per YAML file). cdk8s writes each chart's YAML as one JavaScript string,
 * and V8 caps a string at 2^29 - 24 characters: 10,000 of these pods (~50 KB of YAML each,
 * mostly the download script) exceed it in one chart, so larger sizes use several charts.
 */
export const PODS_PER_CHART = 2000;

/** Synthesizes `pods` pods with a variant into `outdir`, as `cdk8s synth` does. */
export function synthesize(variant: Variant, pods: number, outdir: string): void {
  const charts = Math.ceil(pods / PODS_PER_CHART);
  const chartName = (c: number) => (charts === 1 ? 'bench' : `bench-${c}`);
  if (variant === 'plain') {
    const make = plainPodFactory(templateManifests());
    for (let c = 0; c < charts; c++) {
      const docs: string[] = [];
      for (let i = c * PODS_PER_CHART; i < Math.min(pods, (c + 1) * PODS_PER_CHART); i++) {
        for (const m of make(i)) docs.push(YAML.stringify(m));
      }
      fs.writeFileSync(path.join(outdir, `${chartName(c)}.k8s.yaml`), docs.join('---\n'));
    }
    return;
  }
  const app = new App({ outdir });
  const add = variant === 'library' ? libraryPod : handwrittenPod;
  for (let c = 0; c < charts; c++) {
    const chart = new Chart(app, chartName(c));
    for (let i = c * PODS_PER_CHART; i < Math.min(pods, (c + 1) * PODS_PER_CHART); i++) add(chart, i);
  }
  app.synth();
}

/** The manifests of pods 0..n-1 of a variant, in memory (validation included for the library). */
export function manifests(variant: 'library' | 'handwritten', n: number): any[] {
  const chart = new Chart(new App(), 'bench');
  const add = variant === 'library' ? libraryPod : handwrittenPod;
  for (let i = 0; i < n; i++) add(chart, i);
  return App._synthChart(chart);
}

let template: any[] | undefined;
function templateManifests(): any[] {
  template = template ?? manifests('library', 1);
  return template;
}

/** Fails unless the library and the hand-written cdk8s-plus produce equal manifests. */
export function assertEqualOutputs(n = 3): void {
  // equal as Kubernetes sees them: key order aside
  const a = JSON.stringify(sortedCopy(manifests('library', n)));
  const b = JSON.stringify(sortedCopy(manifests('handwritten', n)));
  if (a !== b) {
    throw new Error(`the library and hand-written cdk8s-plus differ: ${firstDifference(JSON.parse(a), JSON.parse(b), '')}`);
  }
}

function firstDifference(x: any, y: any, at: string): string | undefined {
  if (typeof x !== 'object' || typeof y !== 'object' || x === null || y === null) {
    return x === y ? undefined : `${at}: ${JSON.stringify(x)} != ${JSON.stringify(y)}`;
  }
  const keys = [...new Set([...Object.keys(x), ...Object.keys(y)])];
  for (const k of keys) {
    const d = firstDifference(x[k], y[k], `${at}/${k}`);
    if (d) return d;
  }
  return undefined;
}

/** Measures in this process: median of `iterations` synths after one warm-up (0: one cold synth, for the largest size). */
export function measureInProcess(variant: Variant, pods: number, iterations: number): Measurement {
  const times: number[] = [];
  const cpuTimes: number[] = [];
  for (let k = 0; k <= iterations; k++) {
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-'));
    const cpu = process.cpuUsage();
    const start = process.hrtime.bigint();
    synthesize(variant, pods, outdir);
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    const used = process.cpuUsage(cpu);
    fs.rmSync(outdir, { recursive: true, force: true });
    if (k > 0 || iterations === 0) {
      times.push(ms);
      cpuTimes.push((used.user + used.system) / 1000);
    }
  }
  return { variant, pods, ms: median(times), cpuMs: median(cpuTimes), peakRssMb: 0 };
}

function measureInChild(variant: Variant, pods: number, iterations: number): Measurement {
  const child = spawnSync(process.execPath, [__filename, '--child', variant, String(pods), String(iterations)], {
    encoding: 'utf8', maxBuffer: 16 * 1024 * 1024,
  });
  if (child.status !== 0) throw new Error(`bench child failed: ${child.stderr}`);
  return JSON.parse(child.stdout.trim().split('\n').pop() as string);
}

/**
 * Measures each variant `rounds` times, alternating variants (fresh child each time), and keeps
 * the median of each figure: load from other processes then hits all variants alike.
 */
function measureInterleaved(pods: number, iterations: number, rounds: number): Measurement[] {
  const runs = new Map<Variant, Measurement[]>(VARIANTS.map(v => [v, []]));
  for (let r = 0; r < rounds; r++) {
    for (const v of VARIANTS) {
      (runs.get(v) as Measurement[]).push(measureInChild(v, pods, iterations));
    }
  }
  const hand = runs.get('handwritten') as Measurement[];
  return VARIANTS.map(variant => {
    const all = runs.get(variant) as Measurement[];
    const paired = variant === 'library' ? median(all.map((m, r) => m.cpuMs / hand[r].cpuMs)) : undefined;
    return {
      variant, pods, ms: median(all.map(m => m.ms)), cpuMs: median(all.map(m => m.cpuMs)), peakRssMb: median(all.map(m => m.peakRssMb)),
      pairedCpuRatio: paired,
    };
  });
}

const VARIANTS: Variant[] = ['library', 'handwritten', 'plain'];

function median(values: number[]): number {
  const sorted = [...values].sort((x, y) => x - y);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** The results as a Markdown table. */
export function table(results: Measurement[]): string {
  const rows = [
    '| pods | variant | CPU ms/pod | wall ms/pod | pods/s (wall) | peak RSS MB | library / hand-written (CPU: median of per-round ratios) |',
    '|---:|---|---:|---:|---:|---:|---:|',
  ];
  for (const r of results) {
    const hand = results.find(x => x.pods === r.pods && x.variant === 'handwritten');
    const ratio = r.variant === 'library' && hand
      ? `**${(r.pairedCpuRatio ?? r.cpuMs / hand.cpuMs).toFixed(3)}** CPU, ${(r.ms / hand.ms).toFixed(3)} wall, ${hand.peakRssMb ? (r.peakRssMb / hand.peakRssMb).toFixed(3) : '-'} RSS`
      : '';
    rows.push(`| ${r.pods} | ${r.variant} | ${(r.cpuMs / r.pods).toFixed(3)} | ${(r.ms / r.pods).toFixed(3)} | ${Math.round(r.pods / (r.ms / 1000))} | `
      + `${r.peakRssMb ? r.peakRssMb.toFixed(0) : '-'} | ${ratio} |`);
  }
  return rows.join('\n');
}

/** Wall time of a command, median of `runs`. */
function wallTime(command: string, args: string[], runs: number, cwd: string): number {
  const times: number[] = [];
  for (let k = 0; k < runs; k++) {
    const start = process.hrtime.bigint();
    const r = spawnSync(command, args, { cwd, encoding: 'utf8', env: { ...process.env, CDK8S_OUTDIR: fs.mkdtempSync(path.join(os.tmpdir(), 'cold-')) } });
    if (r.status !== 0) throw new Error(`${command} ${args.join(' ')} failed: ${r.stderr}`);
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  return median(times);
}

function coldStart(root: string, runs: number): string {
  const ours = wallTime('npm', ['run', '--silent', 'synth'], runs, root);
  const node = wallTime(process.execPath, ['lib/main.js'], runs, root);
  const tsNode = wallTime(process.execPath, [require.resolve('ts-node/dist/bin.js'), '--project', 'bench/cold-start-app/tsconfig.json', 'bench/cold-start-app/main.ts'], runs, root);
  return [
    '| cold start (median of ' + runs + ') | ms | / default cdk8s app |',
    '|---|---:|---:|',
    `| \`npm run synth\` (this repo, built tree) | ${ours.toFixed(0)} | ${(ours / tsNode).toFixed(2)} |`,
    `| \`node lib/main.js\` (what cdk8s.yaml runs) | ${node.toFixed(0)} | ${(node / tsNode).toFixed(2)} |`,
    `| default cdk8s app: \`ts-node main.ts\` with type-checking | ${tsNode.toFixed(0)} | 1.00 |`,
  ].join('\n');
}

/** Median ms to render one worker pod in memory (`toManifest()`), as a worker manager does per job. */
export function workerRenderMs(runs: number): number {
  const times: number[] = [];
  for (let k = 0; k <= runs; k++) {
    const start = process.hrtime.bigint();
    workerManifest(`job-${k}`);
    if (k > 0) times.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  return median(times);
}

/** Memory of a long-running worker manager: samples taken while it renders job after job. */
export interface RenderLoop {
  readonly jobs: number;
  /** Whether each sample followed a full GC (node ran with --expose-gc). */
  readonly afterGc: boolean;
  /** Resident set size, MB, after every `jobs / samples.length` jobs. */
  readonly rssMb: number[];
  /** V8 heap in use, MB, at the same moments. */
  readonly heapMb: number[];
  /** Wall time of the whole loop, ms. */
  readonly ms: number;
}

/** Largest growth of the last sample over the first that still counts as flat. */
export const FLAT_MARGIN = 0.05;

/**
 * Renders `jobs` worker pods one after the other, as the worker-manager example does (new App,
 * AiInferencePod + ModelPrepInit + LogSidecar, `toManifest()` per job), and samples memory
 * `samples` times: unbounded caches or leaked constructs show as a last sample above the first.
 */
export function renderLoop(jobs: number, samples: number): RenderLoop {
  const every = Math.max(1, Math.floor(jobs / samples));
  const gc = (globalThis as { gc?: () => void }).gc;
  const rssMb: number[] = [];
  const heapMb: number[] = [];
  const start = process.hrtime.bigint();
  for (let k = 1; k <= jobs; k++) {
    workerManifest(`job-${k}`);
    if (k % every === 0) {
      gc?.();
      const usage = process.memoryUsage();
      rssMb.push(usage.rss / MB);
      heapMb.push(usage.heapUsed / MB);
    }
  }
  return { jobs, afterGc: gc !== undefined, rssMb, heapMb, ms: Number(process.hrtime.bigint() - start) / 1e6 };
}

const MB = 1024 * 1024;

/** Whether a series stays flat: its last sample within FLAT_MARGIN of its first. */
export function isFlat(series: number[]): boolean {
  return series[series.length - 1] <= series[0] * (1 + FLAT_MARGIN);
}

/** The render loop as a Markdown table: first vs last sample of RSS and heap. */
export function renderLoopTable(loop: RenderLoop): string {
  const row = (what: string, series: number[]) => {
    const first = series[0];
    const last = series[series.length - 1];
    return `| ${what} | ${first.toFixed(1)} | ${last.toFixed(1)} | ${Math.max(...series).toFixed(1)} | ${(last / first).toFixed(3)} | ${isFlat(series) ? 'yes' : '**no**'} |`;
  };
  return [
    `| ${loop.jobs.toLocaleString('en-US')} worker jobs, ${loop.rssMb.length} samples${loop.afterGc ? ' (each after a full GC)' : ''} | first MB | last MB | max MB | last / first | flat (≤ ${1 + FLAT_MARGIN}×) |`,
    '|---|---:|---:|---:|---:|---|',
    row('RSS', loop.rssMb),
    row('V8 heap used', loop.heapMb),
  ].join('\n');
}

function renderLoopInChild(jobs: number, samples: number): RenderLoop {
  const child = spawnSync(process.execPath, ['--expose-gc', __filename, '--loop', String(jobs), String(samples)], { encoding: 'utf8', maxBuffer: 16 * MB });
  if (child.status !== 0) throw new Error(`render loop child failed: ${child.stderr}`);
  return JSON.parse(child.stdout.trim().split('\n').pop() as string);
}

/** Jobs of the render loop: `BENCH_LOOP_JOBS` or 100,000. */
function loopJobs(): number {
  const jobs = Number(process.env.BENCH_LOOP_JOBS ?? 100_000);
  if (!Number.isInteger(jobs) || jobs < 10) throw new Error(`BENCH_LOOP_JOBS: ${JSON.stringify(process.env.BENCH_LOOP_JOBS)} is not a whole number of at least 10. Fix: unset it (100,000) or give e.g. 10000`);
  return jobs;
}

async function main(): Promise<void> {
  const [flag, variant, pods, iterations] = process.argv.slice(2);
  if (flag === '--child') {
    const m = measureInProcess(variant as Variant, Number(pods), Number(iterations));
    console.log(JSON.stringify({ ...m, peakRssMb: process.resourceUsage().maxRSS / 1024 }));
    return;
  }
  if (flag === '--loop') {
    console.log(JSON.stringify(renderLoop(Number(variant), Number(pods))));
    return;
  }
  const root = path.resolve(__dirname, '..', '..', '..');
  if (flag === '--download') {
    console.log(await downloadBench());
    return;
  }
  assertEqualOutputs();
  console.log('library and hand-written cdk8s-plus-27 produce equal manifests');
  const loadBefore = os.loadavg()[0];
  // [pods, synths per child after a warm-up (0: one cold synth), rounds]; the 10,000-pod children take minutes each
  const plan: Array<[number, number, number]> = [[1, 200, 7], [100, 10, 7], [1000, 1, 5], [10000, 0, 2]];
  const results: Measurement[] = [];
  for (const [n, perChild, rounds] of plan) {
    for (const m of measureInterleaved(n, perChild, rounds)) {
      results.push(m);
      console.log(`${m.variant} x${n}: ${(m.cpuMs / n).toFixed(3)} CPU ms/pod, ${(m.ms / n).toFixed(3)} wall ms/pod, peak ${m.peakRssMb.toFixed(0)} MB`);
    }
  }
  const loadAfter = os.loadavg()[0];
  const loop = renderLoopInChild(loopJobs(), 10);
  console.log(renderLoopTable(loop));
  const report = [
    `# Benchmark results`,
    '',
    `${new Date().toISOString().slice(0, 10)}, Node ${process.version}, ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}. Full example pod: server + GPU, ModelPrepInit, LogSidecar, ProxySidecar (TLS + bearer).`,
    '',
    table(results),
    '',
    `Load average (1 min) of the machine before / after the table: ${loadBefore.toFixed(1)} / ${loadAfter.toFixed(1)} on ${os.cpus().length} cores.`,
    '',
    coldStart(root, 7),
    '',
    `Run-time rendering of one worker pod (new App, AiInferencePod + ModelPrepInit + LogSidecar, \`toManifest()\`, median of 500): ${workerRenderMs(500).toFixed(2)} ms.`,
    '',
    `Render loop of a long-running worker manager (one process, \`node --expose-gc\`, ${(loop.ms / loop.jobs).toFixed(2)} ms per job):`,
    '',
    renderLoopTable(loop),
    '',
    '## Model download (`npm run bench -- --download` runs only this)',
    '',
    await downloadBench(),
    '',
  ].join('\n');
  fs.writeFileSync(path.join(root, 'bench', 'results.md'), report);
  console.log(`\n${report}`);
}

if (require.main === module) {
  main().catch((e) => {
    console.error(e);
    process.exitCode = 1;
  });
}
