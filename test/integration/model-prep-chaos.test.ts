import * as fs from 'fs';
import * as http from 'http';
import { AddressInfo } from 'net';
import * as os from 'os';
import * as path from 'path';
import { downloaderFor, invariantViolations, prng, ServedVersion, sha, Shell, startPod, toolPath, volume } from './_pods';
import { etagOf } from './_serve';
import { ModelCredentials, ModelSource } from '../../src';

// Randomized fault injection with the real script (dash and BusyBox ash), real curl and the
// real AWS CLI against s3rver, all on 127.0.0.1. Each run: 2-6 "pods" on one cache directory,
// started at random moments, some SIGKILLed (some of those restarted, as the kubelet does),
// some SIGTERMed; the source sometimes changes mid-run (same size or not) or answers 503.
// After every run, and after a clean pod that follows it, the invariant of the README holds.
// Replay: MODEL_PREP_CHAOS_SEED=<seed> (and MODEL_PREP_CHAOS_RUNS=<n>) npx jest model-prep-chaos
// eslint-disable-next-line @typescript-eslint/no-require-imports
const S3rver = require('s3rver');

const SEED = Number(process.env.MODEL_PREP_CHAOS_SEED ?? Math.floor(Math.random() * 2 ** 31));
const RUNS = Number(process.env.MODEL_PREP_CHAOS_RUNS ?? 200);
// Runs at once: each is mostly processes (a fork + exec per tool call, heartbeats, polls), so
// more than a few only starve each other and every suite beside them; runs stretched by a
// starved CPU poll longer and cost more in all (per run, 12 at once cost 2.5x the CPU of 2, and 3 at once 1.3x).
const PARALLEL = Number(process.env.MODEL_PREP_CHAOS_PARALLEL ?? 2);
const NAMES = ['config.json', '.gitattributes', 'a b/weights 1.bin', 'ünï/☃.bin', '-rf', 'star*.bin', 'x/y/z.safetensors'];

/** What one source serves now, and every version it has served. */
interface Source {
  current: ServedVersion;
  served: ServedVersion[];
  fail503: number;
}

const sources = new Map<string, Source>();
let base = '';
let s3Endpoint = '';
let server: http.Server;
let s3: any;

/** The body of one version: deterministic from the run, version and name. */
function version(rand: () => number, names: string[], tag: string, sameSizeAs?: ServedVersion): ServedVersion {
  const files = new Map<string, Buffer>();
  for (const name of names) {
    const size = sameSizeAs?.files.get(name)?.length ?? Math.floor(32 * 1024 + rand() * 512 * 1024);
    const body = Buffer.alloc(size, `${tag}:${name}:`);
    body.writeUInt32LE(Math.floor(rand() * 2 ** 32), 0);
    files.set(name, body);
  }
  return { files, etags: new Map([...files].map(([n, b]) => [n, etagOf(b)])) };
}

/** Serves a source file in 64 KiB chunks every 2 ms (a transfer lasts long enough to be killed), with Range/If-Range. */
function serve(req: http.IncomingMessage, res: http.ServerResponse): void {
  const url = decodeURIComponent((req.url ?? '').split('?')[0]);
  const match = /^\/(r\d+)\/(?:model\.bin|dir\/(.+))$/.exec(url);
  const source = match && sources.get(match[1]);
  const body = source?.current.files.get(match?.[2] ?? '');
  if (!source || !body) {
    res.writeHead(404).end('Not Found');
    return;
  }
  if (Math.random() < source.fail503) {
    res.writeHead(503).end('Service Unavailable');
    return;
  }
  const etag = etagOf(body);
  const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
  let start = 0;
  if (range && (req.headers['if-range'] === undefined || req.headers['if-range'] === etag)) {
    start = Number(range[1]);
    if (start >= body.length) {
      res.writeHead(416, { 'Content-Range': `bytes */${body.length}`, 'ETag': etag }).end();
      return;
    }
    res.writeHead(206, { 'Content-Length': body.length - start, 'Content-Range': `bytes ${start}-${body.length - 1}/${body.length}`, 'ETag': etag });
  } else {
    res.writeHead(200, { 'Content-Length': body.length, 'ETag': etag });
  }
  const send = (at: number): void => {
    if (at >= body.length || res.destroyed) {
      res.end();
      return;
    }
    res.write(body.subarray(at, at + 65536));
    setTimeout(() => send(at + 65536), 2);
  };
  send(start);
}

beforeAll(async () => {
  toolPath('dash');
  server = http.createServer(serve);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  s3 = new S3rver({
    address: '127.0.0.1', port: 0, silent: true, allowMismatchedSignatures: true,
    directory: fs.mkdtempSync(path.join(os.tmpdir(), 's3rver-chaos-')), configureBuckets: [{ name: 'chaos' }],
  });
  const { port } = await s3.run();
  s3Endpoint = `http://127.0.0.1:${port}`;
});

afterAll(async () => {
  server?.closeAllConnections();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  await s3?.close();
});

/** Writes an object to s3rver (signatures are not checked by this instance). */
function putObject(key: string, body: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${s3Endpoint}/chaos/${key.split('/').map(encodeURIComponent).join('/')}`, {
      method: 'PUT', headers: { 'Content-Length': body.length, 'Authorization': 'AWS S3RVER:x', 'Date': new Date().toUTCString(), 'Content-Type': 'application/octet-stream' },
    }, (res) => {
      res.resume();
      res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`PUT ${key}: ${res.statusCode}`))));
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function publish(id: string, store: 'http' | 's3', kind: 'file' | 'directory', v: ServedVersion): Promise<void> {
  const source = sources.get(id)!;
  if (store === 's3') {
    // s3rver's ETag is the MD5 of the body, as the local ones are
    for (const [name, body] of v.files) await putObject(kind === 'file' ? `${id}/model.bin` : `${id}/dir/${name}`, body);
  }
  source.current = v;
  source.served.push(v);
}

/** One randomized run; returns the violations found. */
async function chaosRun(run: number): Promise<string[]> {
  const rand = prng(SEED + run);
  const id = `r${run}`;
  const shell: Shell = rand() < 0.5 ? 'dash' : 'busybox';
  const store = process.env.CHAOS_STORE ? process.env.CHAOS_STORE as 's3' | 'http' : rand() < 0.04 ? 's3' : 'http';
  const kind = rand() < 0.5 ? 'file' : 'directory';
  const names = kind === 'file' ? [''] : NAMES.filter(() => rand() < 0.6).concat(['model.safetensors']);
  const v1 = version(rand, names, `${id}v1`);
  sources.set(id, { current: v1, served: [], fail503: rand() < 0.25 ? 0.15 : 0 });
  await publish(id, store, kind, v1);
  const withSha = rand() < 0.4;
  const expected = withSha ? digestOf(v1, kind) : undefined;
  const source = store === 's3'
    ? ModelSource.s3(kind === 'file' ? `s3://chaos/${id}/model.bin` : `s3://chaos/${id}/dir/`, { endpoint: s3Endpoint, region: 'us-east-1', sha256: expected, credentials: ModelCredentials.awsAccessKey('aws') })
    : kind === 'file'
      ? ModelSource.http(`${base}/${id}/model.bin`, { sha256: expected })
      : ModelSource.http(`${base}/${id}/dir`, { files: names, sha256: expected });
  const c = downloaderFor({ source, attempts: 3 }, shell);
  const identity = c.env.find((e: any) => e.name === 'MODEL_SOURCE').value;
  const target = kind === 'file' ? 'model.bin' : 'dir';
  const dir = volume();
  const env = { MODEL_LOCK_STALE_SECONDS: '3', MODEL_LOCK_HEARTBEAT_SECONDS: '1', AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER' };
  const describe = `run ${run} (seed ${SEED}): ${shell}, ${store} ${kind}, sha256 ${withSha ? 'given' : 'not given'}`;
  const violations: string[] = [];
  const check = async (when: string) => {
    for (const v of await invariantViolations(dir, target, kind, sources.get(id)!.served, identity, expected)) violations.push(`${describe}, ${when}: ${v}`);
  };

  // the AWS CLI costs ~0.6 s of CPU per call: S3 runs keep to the low end
  const pods = 2 + Math.floor(rand() * (store === 's3' ? 2 : 5));
  const change = rand() < 0.3 ? 100 + rand() * 900 : undefined;
  const sameSize = rand() < 0.5;
  const changed = change === undefined ? Promise.resolve() : sleep(change).then(() => publish(id, store, kind, version(rand, names, `${id}v2`, sameSize ? v1 : undefined)));
  const podRuns = [...Array(pods).keys()].map(async (p) => {
    const uid = `pod${p}-${run}`;
    await sleep(rand() * 300);
    const fault = rand();
    const at = 20 + rand() * (store === 's3' ? 3000 : 600);
    const running = startPod(c, dir, shell, uid, env);
    // SIGTERM, then SIGKILL after a 1 s grace period, as the kubelet does
    const termThenKill = () => {
      running.term();
      setTimeout(running.kill, 1000);
    };
    const timer = fault < 0.35 ? setTimeout(running.kill, at) : fault < 0.45 ? setTimeout(termThenKill, at) : undefined;
    const result = await running.done;
    if (timer) clearTimeout(timer);
    if (result.code === 0) {
      // a pod that finished saw a model in place: it must be the whole, described model
      if (!fs.existsSync(path.join(dir, target)) || !fs.existsSync(path.join(dir, `.${target}.ready`))) violations.push(`${describe}: pod ${p} exited 0 without model and marker`);
      await check(`after pod ${p} exited 0`);
    } else if (result.signal === 'SIGKILL' && rand() < 0.5) {
      // the kubelet restarts the init container of the same pod
      const again = await startPod(c, dir, shell, uid, env).done;
      if (again.code === 0) await check(`after pod ${p} restarted`);
    }
  });
  await Promise.all([...podRuns, changed]);
  await check('after all pods');

  // a clean pod afterwards (the restart of whichever pod holds the lock, if any) completes
  sources.get(id)!.fail503 = 0;
  const holder = readlinkOrUndefined(path.join(dir, `.${target}.lock`));
  const last = await startPod(c, dir, shell, holder ? holder.split('.')[0] : `clean-${run}`, env).done;
  // with a sha256 of v1 and v2 served now, only a v1 already in the cache can succeed
  const mismatch = expected !== undefined && sources.get(id)!.current !== v1;
  if (mismatch && last.code === 1) {
    if (!last.stderr.includes('checksum mismatch')) violations.push(`${describe}: the clean pod should fail with a checksum mismatch, got: ${last.stderr}`);
  } else if (last.code !== 0) {
    violations.push(`${describe}: the clean pod failed (${last.code}): ${last.stderr.trim().split('\n').pop()}`);
  } else if (!fs.existsSync(path.join(dir, `.${target}.ready`))) {
    violations.push(`${describe}: the clean pod left no marker`);
  }
  await check('after the clean pod');
  fs.rmSync(dir, { recursive: true, force: true });
  return violations;
}

function digestOf(v: ServedVersion, kind: 'file' | 'directory'): string {
  if (kind === 'file') return sha(v.files.get('')!);
  const names = [...v.files.keys()].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  return sha(names.map(n => `${sha(v.files.get(n)!)}  ${n}\n`).join(''));
}

function readlinkOrUndefined(p: string): string | undefined {
  try {
    return fs.readlinkSync(p);
  } catch {
    return undefined;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

test(`${RUNS} randomized runs of 2-6 pods on one cache: the invariant holds after every run`, async () => {
  const violations: string[] = [];
  let next = 0;
  await Promise.all([...Array(PARALLEL)].map(async () => {
    while (next < RUNS) {
      violations.push(...await chaosRun(next++));
    }
  }));
  expect({ seed: SEED, runs: RUNS, violations }).toEqual({ seed: SEED, runs: RUNS, violations: [] });
}, 1_200_000); // ~80 s on an idle 2-core machine; 40 runs took 135 s on one where a fork + exec costs 5 ms (the runs are mostly processes)
