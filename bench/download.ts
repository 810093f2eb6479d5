/**
 * Download speed of the model-prep script against the raw tool on loopback (`npm run bench`):
 * a 512 MiB file and a 20-file directory (20 × 25.6 MiB), over HTTP (real nginx, real curl)
 * and S3 (s3rver, the AWS CLI v2), and 1,000 files of 4 KiB over HTTP (the cost per file), with
 * and without a sha256; then the script time of a warm-cache start for a 1-file and a 100-file
 * model. Each ratio to the raw tool is the median over rounds of the ratio within a round (every
 * variant runs once per round), with its spread.
 */
import { spawn } from 'child_process';
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Chart } from 'cdk8s';
import { AiInferencePod, ModelCredentials, ModelPrepInit, ModelSource } from '../src';

const MIB = 2 ** 20;
const KEYS = { AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER', AWS_DEFAULT_REGION: 'us-east-1', AWS_EC2_METADATA_DISABLED: 'true' };

/** The synthesized downloader's command and plain env for a source. */
function downloader(source: ModelSource): { command: string[]; env: { [k: string]: string } } {
  const chart = new Chart(new App(), 'bench');
  const pod = new AiInferencePod(chart, 'llm', { server: { image: 'vllm/vllm-openai:v0.6.3' } });
  new ModelPrepInit(pod, 'model-downloader', { source });
  const manifest = App._synthChart(chart).find((m: any) => m.kind === 'Pod');
  const c = manifest.spec.initContainers.find((i: any) => i.name === 'model-downloader');
  return { command: c.command, env: Object.fromEntries(c.env.filter((e: any) => e.value !== undefined).map((e: any) => [e.name, e.value])) };
}

/** Wall ms of a command (asynchronous: s3rver serves from this process). */
function timed(command: string[], env: { [k: string]: string }): Promise<number> {
  const start = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    const child = spawn(command[0], command.slice(1), { env: { PATH: `${PATH_DIR}:${process.env.PATH}`, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d) => { err += d; });
    child.on('exit', (code) => (code === 0 ? resolve(Number(process.hrtime.bigint() - start) / 1e6) : reject(new Error(`${command[0]} failed (${code}): ${err}`))));
  });
}

let PATH_DIR = '';
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** One variant's runs: wall ms, and CPU ms of this process (s3rver serves from it) during each. */
interface Runs { wall: number[]; serverCpu: number[] }

/** The figures of one comparison: per-variant medians and, per variant, its paired ratios to `raw`. */
interface Comparison { wall: { [name: string]: number }; serverCpu: { [name: string]: number }; ratios: { [name: string]: number[] } }

/**
 * Runs every variant once per round, in an order that rotates from round to round (a variant
 * never always follows the same one, e.g. the one whose 512 MiB of dirty pages are still being
 * written back), each into a fresh output directory. A variant's ratio to the raw tool is taken
 * within each round and the median over rounds is reported: pairing by round cancels the drift
 * of a shared machine's speed between rounds, which moves separate medians by ±20 %.
 */
async function compare(variants: { [name: string]: (out: string) => Promise<number> }, rounds: number): Promise<Comparison> {
  const names = Object.keys(variants);
  const runs: { [name: string]: Runs } = Object.fromEntries(names.map(n => [n, { wall: [], serverCpu: [] }]));
  for (let r = 0; r < rounds; r++) {
    for (let k = 0; k < names.length; k++) {
      const name = names[(r + k) % names.length];
      const out = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-dl-'));
      const cpu = process.cpuUsage();
      runs[name].wall.push(await variants[name](out));
      const used = process.cpuUsage(cpu);
      runs[name].serverCpu.push((used.user + used.system) / 1000);
      fs.rmSync(out, { recursive: true, force: true });
    }
  }
  const raw = runs.raw.wall;
  return {
    wall: Object.fromEntries(names.map(n => [n, median(runs[n].wall)])),
    serverCpu: Object.fromEntries(names.map(n => [n, median(runs[n].serverCpu)])),
    ratios: Object.fromEntries(names.map(n => [n, runs[n].wall.map((ms, r) => ms / raw[r])])),
  };
}

/** A paired ratio as "**median** (min–max)". */
function spread(ratios: number[]): string {
  return `**${median(ratios).toFixed(2)}** (${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)})`;
}

/** Rounds of the download bench: `BENCH_DOWNLOAD_ROUNDS`, else 7. */
function downloadRounds(): number {
  const rounds = Number(process.env.BENCH_DOWNLOAD_ROUNDS ?? 7);
  if (!Number.isInteger(rounds) || rounds < 1) throw new Error(`BENCH_DOWNLOAD_ROUNDS: ${JSON.stringify(process.env.BENCH_DOWNLOAD_ROUNDS)} is not a whole number of at least 1. Fix: unset it (7) or give e.g. 11`);
  return rounds;
}

async function nginx(root: string): Promise<{ base: string; stop: () => void }> {
  const conf = path.join(root, 'nginx.conf');
  const port = 20000 + Math.floor(Math.random() * 20000);
  fs.writeFileSync(conf, `daemon off; worker_processes 1; error_log ${root}/error.log; pid ${root}/nginx.pid;
events {}
http { access_log off; sendfile on; client_body_temp_path ${root}; proxy_temp_path ${root}; fastcgi_temp_path ${root}; uwsgi_temp_path ${root}; scgi_temp_path ${root};
  server { listen 127.0.0.1:${port}; root ${root}/www; } }
`);
  const child = spawn('/usr/sbin/nginx', ['-c', conf, '-p', root], { stdio: 'ignore' });
  await new Promise((r) => setTimeout(r, 500));
  return { base: `http://127.0.0.1:${port}`, stop: () => child.kill() };
}

/** Runs the download benchmark; returns the Markdown report. */
export async function downloadBench(runs = downloadRounds()): Promise<string> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-download-'));
  PATH_DIR = path.join(root, 'bin');
  fs.mkdirSync(PATH_DIR);
  fs.symlinkSync('/usr/bin/aws', path.join(PATH_DIR, 'aws'));
  const www = path.join(root, 'www');
  fs.mkdirSync(path.join(www, 'dir'), { recursive: true });
  const big = Buffer.alloc(512 * MIB);
  for (let i = 0; i < big.length; i += 4096) big.writeUInt32LE((i * 2654435761) % 2 ** 32, i);
  fs.writeFileSync(path.join(www, 'big.bin'), big);
  const names = [...Array(20).keys()].map(i => `model-${String(i + 1).padStart(5, '0')}-of-00020.safetensors`);
  for (const [i, name] of names.entries()) fs.writeFileSync(path.join(www, 'dir', name), big.subarray(i * 25 * MIB, i * 25 * MIB + Math.floor(25.6 * MIB)));
  const small = [...Array(1000).keys()].map(i => `file-${String(i + 1).padStart(4, '0')}.json`);
  fs.mkdirSync(path.join(www, 'small'));
  for (const [i, name] of small.entries()) fs.writeFileSync(path.join(www, 'small', name), big.subarray(i * 4096, (i + 1) * 4096));
  const bigSha = createHash('sha256').update(big).digest('hex');
  const digestOf = (sub: string, files: string[]) => createHash('sha256')
    .update([...files].sort().map(n => `${createHash('sha256').update(fs.readFileSync(path.join(www, sub, n))).digest('hex')}  ${n}\n`).join('')).digest('hex');
  const dirSha = digestOf('dir', names);
  const smallSha = digestOf('small', small);

  const http = await nginx(root);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const S3rver = require('s3rver');
  const s3 = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: path.join(root, 's3'), configureBuckets: [{ name: 'bench' }] });
  const endpoint = `http://127.0.0.1:${(await s3.run()).port}`;
  const awsRaw = (...args: string[]) => ['aws', '--endpoint-url', endpoint, ...args];
  await timed(awsRaw('s3', 'cp', '--recursive', '--only-show-errors', '--exclude', 'small/*', www, 's3://bench/'), KEYS);

  const script = (source: ModelSource) => {
    const c = downloader(source);
    return (out: string) => timed(c.command, { ...c.env, ...KEYS, MODEL_DIR: out, HOME: `${out}/home`, MODEL_POD_UID: 'bench' });
  };
  const s3opts = { endpoint, region: 'us-east-1', credentials: ModelCredentials.awsAccessKey('aws') };
  const rows: string[] = [
    `| transfer (loopback, ${runs} rounds) | raw tool ms | script ms | with sha256 ms | script / raw | with sha256 / raw | bench process CPU ms (raw / script / sha256) |`,
    '|---|---:|---:|---:|---:|---:|---:|',
  ];
  const row = (what: string, m: Comparison) => rows.push(`| ${what} | ${m.wall.raw.toFixed(0)} | ${m.wall.script.toFixed(0)} | ${m.wall.sha.toFixed(0)} | `
    + `${spread(m.ratios.script)} | ${spread(m.ratios.sha)} | ${['raw', 'script', 'sha'].map(n => m.serverCpu[n].toFixed(0)).join(' / ')} |`);
  try {
    row('HTTP, 512 MiB file (`curl -o`)', await compare({
      raw: (out) => timed(['curl', '-s', '-o', `${out}/big.bin`, `${http.base}/big.bin`], {}),
      script: script(ModelSource.http(`${http.base}/big.bin`)),
      sha: script(ModelSource.http(`${http.base}/big.bin`, { sha256: bigSha })),
    }, runs));
    row('HTTP, 20 files × 25.6 MiB (one `curl` for all)', await compare({
      raw: (out) => timed(['curl', '-s', ...names.flatMap(n => ['-o', `${out}/${n}`, `${http.base}/dir/${n}`])], {}),
      script: script(ModelSource.http(`${http.base}/dir`, { files: names })),
      sha: script(ModelSource.http(`${http.base}/dir`, { files: names, sha256: dirSha })),
    }, runs));
    row('HTTP, 1,000 files × 4 KiB (one `curl` for all)', await compare({
      raw: (out) => timed(['curl', '-s', ...small.flatMap(n => ['-o', `${out}/${n}`, `${http.base}/small/${n}`])], {}),
      script: script(ModelSource.http(`${http.base}/small`, { files: small })),
      sha: script(ModelSource.http(`${http.base}/small`, { files: small, sha256: smallSha })),
    }, runs));
    row('S3, 512 MiB object (`aws s3 cp`)', await compare({
      raw: (out) => timed(awsRaw('s3', 'cp', '--only-show-errors', 's3://bench/big.bin', `${out}/big.bin`), KEYS),
      script: script(ModelSource.s3('s3://bench/big.bin', s3opts)),
      sha: script(ModelSource.s3('s3://bench/big.bin', { ...s3opts, sha256: bigSha })),
    }, runs));
    row('S3, 20 objects × 25.6 MiB (`aws s3 cp --recursive`)', await compare({
      raw: (out) => timed(awsRaw('s3', 'cp', '--recursive', '--only-show-errors', 's3://bench/dir/', `${out}/dir`), KEYS),
      script: script(ModelSource.s3('s3://bench/dir/', s3opts)),
      sha: script(ModelSource.s3('s3://bench/dir/', { ...s3opts, sha256: dirSha })),
    }, runs));
    return [...rows, '', await warmStarts(http.base, www)].join('\n');
  } finally {
    http.stop();
    await s3.close();
    fs.rmSync(root, { recursive: true, force: true });
  }
}

/** Script time of a cache hit (marker + size check), for 1 and 100 files, median of 21. */
async function warmStarts(base: string, www: string): Promise<string> {
  const lines = ['| warm-cache start (median of 21) | script ms | `sh -c true` ms |', '|---|---:|---:|'];
  const many = [...Array(100).keys()].map(i => `shard-${i}.bin`);
  for (const i of many) fs.writeFileSync(path.join(www, 'dir', i), `shard ${i}`);
  for (const [what, source] of [['1 file', ModelSource.http(`${base}/big.bin`)], ['100 files', ModelSource.http(`${base}/dir`, { files: many })]] as const) {
    const c = downloader(source);
    const vol = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-warm-'));
    const env = { ...c.env, MODEL_DIR: vol, HOME: `${vol}/home`, MODEL_POD_UID: 'bench' };
    await timed(c.command, env);
    const hit: number[] = [];
    const noop: number[] = [];
    for (let k = 0; k < 21; k++) {
      hit.push(await timed(c.command, env));
      noop.push(await timed(['/bin/sh', '-c', 'true'], {}));
    }
    lines.push(`| ${what} | **${median(hit).toFixed(1)}** | ${median(noop).toFixed(1)} |`);
    fs.rmSync(vol, { recursive: true, force: true });
  }
  return lines.join('\n');
}
