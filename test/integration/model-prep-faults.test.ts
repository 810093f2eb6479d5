import { execFile } from 'child_process';
import * as fs from 'fs';
import * as http from 'http';
import { AddressInfo } from 'net';
import * as os from 'os';
import * as path from 'path';
import { promisify } from 'util';
import { deadHeartbeat, downloaderFor, filesBelow, sha, Shell, startPod, toolPath, until, volume } from './_pods';
import { etagOf, serveVersion } from './_serve';
import { ModelCredentials, ModelSource } from '../../src';
import { main as cli, modelDigest } from '../../src/cli/model-digest';

// Targeted faults with the real script, curl, AWS CLI + s3rver, under dash and BusyBox ash.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const S3rver = require('s3rver');

const routes = new Map<string, (req: http.IncomingMessage, res: http.ServerResponse) => void>();
const gets = new Map<string, number>();
let active = 0;
let maxActive = 0;
let base = '';
let server: http.Server;
let s3: any;
let s3Endpoint = '';
const AWS = { AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER' };
const SHELLS: Shell[] = ['dash', 'busybox'];
const ODD = ['.gitattributes', 'a b/c d.json', 'ünïcödé/☃.bin', '-rf', 'star*.bin', 'a/b', 'a-b', 'deep/er/x.safetensors'];

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const url = decodeURIComponent((req.url ?? '').split('?')[0]);
    gets.set(url, (gets.get(url) ?? 0) + 1);
    active++;
    maxActive = Math.max(maxActive, active);
    res.on('close', () => active--);
    const route = routes.get(url);
    if (route) route(req, res); else res.writeHead(404).end('Not Found');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  s3 = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: fs.mkdtempSync(path.join(os.tmpdir(), 's3rver-faults-')), configureBuckets: [{ name: 'faults' }] });
  s3Endpoint = `http://127.0.0.1:${(await s3.run()).port}`;
});

afterAll(async () => {
  server?.closeAllConnections();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  await s3?.close();
});

/** The real CLI, asynchronously: s3rver runs in this process. */
async function aws(...args: string[]): Promise<void> {
  await promisify(execFile)('/usr/bin/aws', ['--endpoint-url', s3Endpoint, ...args], { env: { ...process.env, ...AWS, AWS_DEFAULT_REGION: 'us-east-1', AWS_EC2_METADATA_DISABLED: 'true' } });
}

/** Whether a holder's staging of `target` in `dir` holds bytes yet (a kill then leaves a partial). */
function stagedBytes(dir: string, target: string): boolean {
  return fs.readdirSync(dir).some((e) => e.startsWith(`.${target}.stage.`)
    && (fs.statSync(path.join(dir, e, 'model'), { throwIfNoEntry: false })?.size ?? 0) > 0);
}

/** One PUT of a whole object (its ETag is then the MD5 of the body). */
async function putObject(key: string, body: Buffer): Promise<void> {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 's3-put-')), 'body');
  fs.writeFileSync(file, body);
  await aws('s3api', 'put-object', '--bucket', 'faults', '--key', key, '--body', file);
  fs.rmSync(path.dirname(file), { recursive: true, force: true });
}

/** A request as a proxy saw it: when it arrived and when its response was sent whole (ms). */
interface Seen { method: string; url: string; start: number; end: number }

/**
 * A loopback proxy to a real server that passes requests through unchanged (the Host header
 * too, so signatures hold) and logs them. With `chunkDelayMs`, it sends response bodies one
 * chunk at a time with that pause: a GET lasts long enough to be killed midway. `before` runs
 * (and is awaited) before a request is forwarded: a test changes the source between two requests.
 */
async function proxy(target: string, chunkDelayMs = 0, before: (request: Seen) => Promise<void> = async () => {}):
Promise<{ url: string; seen: Seen[]; close: () => Promise<void> }> {
  const to = new URL(target);
  const seen: Seen[] = [];
  const front = http.createServer(async (req, res) => {
    const entry = { method: req.method ?? '', url: req.url ?? '', start: performance.now(), end: Infinity };
    seen.push(entry);
    res.on('finish', () => { entry.end = performance.now(); });
    req.pause();
    await before(entry);
    req.resume();
    const up = http.request({ host: to.hostname, port: to.port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.on('data', (chunk: Buffer) => {
        answer.pause();
        res.write(chunk, () => setTimeout(() => answer.resume(), chunkDelayMs));
      });
      answer.on('end', () => res.end());
    });
    up.on('error', () => res.destroy());
    res.on('close', () => up.destroy());
    req.pipe(up);
  });
  await new Promise<void>((resolve) => front.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(front.address() as AddressInfo).port}`,
    seen,
    close: () => new Promise<void>((resolve) => { front.closeAllConnections(); front.close(() => resolve()); }),
  };
}

/** The path of the staged model under `dir` (a name starting with `prefix`) once it has at least `bytes`. */
async function grows(dir: string, prefix: string, bytes: number): Promise<string> {
  for (let i = 0; i < 2000; i++) {
    const stage = fs.readdirSync(dir).find(n => n.startsWith(prefix));
    const model = stage && path.join(dir, stage, 'model');
    if (model && fs.existsSync(model) && fs.statSync(model).size >= bytes) return model;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`no staged model of ${bytes} bytes under ${dir} after 20 s`);
}

function tree(root: string, files: { [rel: string]: string | Buffer }): string {
  for (const [rel, body] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    fs.writeFileSync(path.join(root, rel), body);
  }
  return root;
}

const oddFiles = Object.fromEntries(ODD.map((n, i) => [n, Buffer.alloc(1000 + i * 977, n)]));

describe.each(SHELLS)('under %s', (shell) => {
  test('odd names (spaces, unicode, leading dash, *, hidden, nested) land exactly; the digest equals the CLI\'s and a full re-check', async () => {
    for (const [name, body] of Object.entries(oddFiles)) routes.set(`/odd-${shell}/${name}`, (req, res) => serveVersion(req, res, body));
    const expected = await modelDigest(tree(fs.mkdtempSync(path.join(os.tmpdir(), 'odd-')), oddFiles));
    const dir = volume();
    const c = downloaderFor({ source: ModelSource.http(`${base}/odd-${shell}`, { files: ODD, sha256: expected.toUpperCase() }), verifyOnCacheHit: true }, shell);
    const first = await startPod(c, dir, shell, 'p1').done;
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    const landed = [...filesBelow(path.join(dir, `odd-${shell}`))].map(([k, v]) => `${k} ${sha(v)}`).sort();
    expect(landed).toEqual(Object.entries(oddFiles).map(([k, v]) => `${k} ${sha(v)}`).sort());
    expect(fs.readFileSync(path.join(dir, `.odd-${shell}.ready`), 'utf8')).toContain(`sha256=${expected}\n`);
    // the CLI, as users run it
    const out: string[] = [];
    expect(await cli(['model-digest', path.join(dir, `odd-${shell}`)], (l) => out.push(l))).toBe(0);
    expect(out).toEqual([expected]);
    // verifyOnCacheHit re-hashes with the script's own recipe: equal, so a hit
    const again = await startPod(c, dir, shell, 'p2').done;
    expect(again.stdout).toContain('cache hit');
  });

  test('a restart of the same pod resumes its own staging as it is: no look for a live writer, no copy', async () => {
    const body = Buffer.alloc(3 * 2 ** 20, 'own');
    let stall = true;
    routes.set(`/own-${shell}.bin`, (req, res) => {
      if (!stall) return serveVersion(req, res, body);
      res.writeHead(200, { 'Content-Length': body.length, 'ETag': etagOf(body) });
      res.write(body.subarray(0, 2 ** 20));
    });
    // a cp that logs: adopting another pod's staging copies it (its holder may write on)
    const shims = fs.mkdtempSync(path.join(os.tmpdir(), 'cp-shim-'));
    const log = path.join(shims, 'cp.log');
    fs.writeFileSync(path.join(shims, 'cp'), `#!/bin/sh\necho cp >> '${log}'\nPATH='${toolPath(shell)}' exec cp "$@"\n`, { mode: 0o755 });
    const PATH = `${shims}:${toolPath(shell)}`;
    const dir = volume();
    const c = downloaderFor({ source: ModelSource.http(`${base}/own-${shell}.bin`) }, shell);
    const killed = startPod(c, dir, shell, 'pod-o', { PATH });
    try {
      await until('the first staged bytes', () => stagedBytes(dir, `own-${shell}.bin`), 20_000);
    } finally {
      killed.kill();
    }
    expect((await killed.done).signal).toBe('SIGKILL');
    stall = false;
    // the kubelet restarts the init container: the same pod UID, and its previous run is gone
    const rerun = await startPod(c, dir, shell, 'pod-o', { PATH }).done;
    expect(rerun.code).toBe(0);
    expect(rerun.stdout).toContain("breaking the lock of this pod's previous run");
    expect(rerun.stdout).not.toContain('still being written');
    expect(fs.existsSync(log)).toBe(false);
    expect(fs.readFileSync(path.join(dir, `own-${shell}.bin`)).equals(body)).toBe(true);
  });

  test('a resumed file whose source changed (same size) is started over, never spliced', async () => {
    const v1 = Buffer.alloc(3 * 2 ** 20, 'one');
    const v2 = Buffer.alloc(3 * 2 ** 20, 'two');
    let current = v1;
    let stall = true;
    routes.set(`/changing-${shell}.bin`, (req, res) => {
      if (!stall) return serveVersion(req, res, current);
      res.writeHead(200, { 'Content-Length': v1.length, 'ETag': etagOf(v1) });
      res.write(v1.subarray(0, 2 ** 20));
    });
    const dir = volume();
    const c = downloaderFor({ source: ModelSource.http(`${base}/changing-${shell}.bin`) }, shell);
    const killed = startPod(c, dir, shell, 'pod-a');
    // killed once its first bytes are staged (a fixed delay after the start or after the GET was
    // too short on a busy machine: nothing was written yet, and nothing was left to resume)
    try {
      await until('the first staged bytes', () => stagedBytes(dir, `changing-${shell}.bin`), 20_000);
    } finally {
      killed.kill();
    }
    expect((await killed.done).signal).toBe('SIGKILL');
    stall = false;
    current = v2;
    const rerun = await startPod(c, dir, shell, 'pod-a').done;
    expect(rerun.code).toBe(0);
    expect(rerun.stdout).toContain('changed since the partial download; starting it over');
    expect(fs.readFileSync(path.join(dir, `changing-${shell}.bin`)).equals(v2)).toBe(true);
    expect(fs.readFileSync(path.join(dir, `.changing-${shell}.bin.ready`), 'utf8')).toContain(`sha256=${sha(v2)}\n`);
  });

  test('SIGTERM stops the transfer within a second and hands over a resumable partial', async () => {
    const body = Buffer.alloc(4 * 2 ** 20, 'slow');
    let slow = true;
    routes.set(`/term-${shell}.bin`, (req, res) => {
      if (!slow) return serveVersion(req, res, body);
      res.writeHead(200, { 'Content-Length': body.length, 'ETag': etagOf(body) });
      res.write(body.subarray(0, 2 ** 20));
    });
    const dir = volume();
    const c = downloaderFor({ source: ModelSource.http(`${base}/term-${shell}.bin`) }, shell);
    const pod = startPod(c, dir, shell, 'pod-t');
    // terminated once its first bytes are staged (700 ms after the start was too short in a CI run)
    await until('the first staged bytes', () => stagedBytes(dir, `term-${shell}.bin`), 20_000);
    const sent = Date.now();
    pod.term();
    const result = await pod.done;
    expect(Date.now() - sent).toBeLessThan(1000);
    expect(result.code).toBe(143);
    expect(fs.readdirSync(dir).sort()).toEqual([`.term-${shell}.bin.partial`]);
    const kept = fs.statSync(path.join(dir, `.term-${shell}.bin.partial`, 'model')).size;
    expect(kept).toBeGreaterThan(0);
    expect(kept).toBeLessThanOrEqual(2 ** 20);
    slow = false;
    const resumed = await startPod(c, dir, shell, 'pod-u').done;
    expect(resumed.code).toBe(0);
    expect(fs.readFileSync(path.join(dir, `term-${shell}.bin`)).equals(body)).toBe(true);
  });

  test('a cache hit checks sizes; with verifyOnCacheHit it checks every byte; a mismatch downloads again', async () => {
    const body = Buffer.alloc(100_000, 'cached');
    routes.set(`/hit-${shell}.bin`, (req, res) => serveVersion(req, res, body));
    const dir = volume();
    const plain = downloaderFor({ source: ModelSource.http(`${base}/hit-${shell}.bin`) }, shell);
    expect((await startPod(plain, dir, shell, 'p').done).code).toBe(0);
    const file = path.join(dir, `hit-${shell}.bin`);
    fs.truncateSync(file, 50_000);
    const truncated = await startPod(plain, dir, shell, 'p').done;
    expect(truncated.stdout).toContain('downloading');
    expect(fs.readFileSync(file).equals(body)).toBe(true);
    // same size, other bytes: only the full check sees it
    fs.writeFileSync(file, Buffer.alloc(100_000, 'flipped'));
    expect((await startPod(plain, dir, shell, 'p').done).stdout).toContain('cache hit');
    const verified = downloaderFor({ source: ModelSource.http(`${base}/hit-${shell}.bin`), verifyOnCacheHit: true }, shell);
    const checked = await startPod(verified, dir, shell, 'p').done;
    expect(checked.stdout).toContain('does not match its recorded sha256');
    expect(fs.readFileSync(file).equals(body)).toBe(true);
  });

  test('permanent errors fail at once with one line: redirect loop, invalid listed name, disk full (curl)', async () => {
    routes.set(`/loop-${shell}`, (_req, res) => res.writeHead(302, { Location: `/loop-${shell}` }).end());
    const loop = await startPod(downloaderFor({ source: ModelSource.http(`${base}/loop-${shell}`) }, shell), volume(), shell, 'p').done;
    expect(loop.code).toBe(1);
    expect(loop.stderr).toMatch(/^model-prep: FAILED: redirect loop: .*curl: \(47\) Maximum \(10\) redirects followed\n$/);
    routes.set(`/api/models/org/evil-${shell}/revision/main`, (_req, res) => res.end(JSON.stringify({ siblings: [{ rfilename: 'ok.json' }, { rfilename: '../../etc/x' }] })));
    const evil = await startPod(downloaderFor({ source: ModelSource.huggingFace(`org/evil-${shell}`, { revision: 'main', endpoint: base }) }, shell), volume(), shell, 'p').done;
    expect(evil.stderr).toBe(`model-prep: FAILED: invalid name: hf://org/evil-${shell}@main: invalid name: '../../etc/x' (empty, absolute, or with '.' or '..' segments)\n`);
    expect(gets.get(`/api/models/org/evil-${shell}/revision/main`)).toBe(1);
    const big = Buffer.alloc(2 * 2 ** 20, 'big');
    routes.set(`/full-${shell}.bin`, (req, res) => serveVersion(req, res, big));
    const full = await inSmallFilesystem(downloaderFor({ source: ModelSource.http(`${base}/full-${shell}.bin`) }, shell), shell);
    expect(full.code).toBe(1);
    expect(full.stderr).toMatch(/^model-prep: FAILED: disk full: .*full-.*\.bin: curl: \(23\) .*; \d+ KiB free on \/.*\n$/);
  });

  test('an unwritable cache fails at once, naming the uid and the directory\'s owner and mode', async () => {
    const dir = volume();
    fs.chmodSync(dir, 0o555);
    routes.set(`/ro-${shell}.bin`, (req, res) => serveVersion(req, res, Buffer.from('x')));
    const c = downloaderFor({ source: ModelSource.http(`${base}/ro-${shell}.bin`) }, shell);
    const asUser = { ...c, command: process.getuid?.() === 0 ? ['/usr/bin/setpriv', '--reuid=1000', '--regid=1000', '--clear-groups', ...c.command] : c.command };
    const result = await startPod(asUser, dir, shell, 'p', { HOME: '/tmp' }).done;
    const uid = process.getuid?.() === 0 ? 1000 : process.getuid?.();
    const owner = `${fs.statSync(dir).uid}:${fs.statSync(dir).gid}`;
    expect(result.stderr).toBe(`model-prep: FAILED: cannot write the model cache ${dir}: uid ${uid} gid ${uid === 1000 ? 1000 : process.getgid?.()}; the directory is owned by ${owner} with mode 555 (Permission denied). Fix: set the pod's fsGroup (or runAsUser) to the volume's owner, or mount it read-write\n`);
    expect(result.code).toBe(1);
  });
});

/** Runs the downloader on a fresh 1 MiB tmpfs (its own mount namespace, as an unprivileged user can). */
function inSmallFilesystem(c: any, shell: Shell) {
  const dir = volume();
  return startPod({ ...c, command: ['/usr/bin/unshare', '-rm', '--', '/bin/sh', '-c', '/bin/mount -t tmpfs -o size=1m tmpfs "$MODEL_DIR" && exec "$@"', 'sh', ...c.command] }, dir, shell, 'p').done;
}

describe('exactly one lock holder', () => {
  test('six pods breaking one stale lock at once: one download, never two at a time (10 rounds)', async () => {
    const body = Buffer.alloc(2 ** 20, 'lock');
    routes.set('/locked.bin', (req, res) => setTimeout(() => serveVersion(req, res, body), 300));
    for (let round = 0; round < 10; round++) {
      const dir = volume();
      fs.symlinkSync('dead.1.x', path.join(dir, '.locked.bin.lock'));
      deadHeartbeat(path.join(dir, '.locked.bin.beat.dead.1.x'));
      gets.set('/locked.bin', 0);
      maxActive = 0;
      const c = downloaderFor({ source: ModelSource.http(`${base}/locked.bin`) }, round % 2 ? 'busybox' : 'dash');
      const results = await Promise.all([...Array(6).keys()].map(i => startPod(c, dir, round % 2 ? 'busybox' : 'dash', `pod${i}`).done));
      expect(results.map(r => r.code)).toEqual([0, 0, 0, 0, 0, 0]);
      expect({ round, gets: gets.get('/locked.bin'), maxActive }).toEqual({ round, gets: 1, maxActive: 1 });
      expect(fs.readFileSync(path.join(dir, 'locked.bin')).equals(body)).toBe(true);
    }
  }, 120_000);
});

describe('S3 (AWS CLI v2 against s3rver)', () => {
  beforeAll(async () => {
    const src = tree(fs.mkdtempSync(path.join(os.tmpdir(), 's3-odd-')), oddFiles);
    await aws('s3', 'cp', '--recursive', '--only-show-errors', src, 's3://faults/odd/');
    const one = path.join(src, '..', `one-${path.basename(src)}.bin`);
    fs.writeFileSync(one, Buffer.alloc(3 * 2 ** 20, 'v1'));
    await aws('s3', 'cp', '--only-show-errors', one, 's3://faults/one.bin');
  }, 120_000);

  test('a prefix with odd names, under BusyBox: exact tree, digest equal to the CLI\'s, ETags in the marker', async () => {
    const expected = await modelDigest(tree(fs.mkdtempSync(path.join(os.tmpdir(), 'odd-')), oddFiles));
    const dir = volume();
    const c = downloaderFor({ source: ModelSource.s3('s3://faults/odd/', { endpoint: s3Endpoint, region: 'us-east-1', sha256: `sha256:${expected}`, credentials: ModelCredentials.awsAccessKey('aws') }) }, 'busybox');
    const result = await startPod(c, dir, 'busybox', 'p', AWS).done;
    expect(result.stderr).toBe('');
    expect([...filesBelow(path.join(dir, 'odd')).keys()].sort()).toEqual([...ODD].sort());
    const marker = fs.readFileSync(path.join(dir, '.odd.ready'), 'utf8');
    expect(marker).toContain(`sha256=${expected}\n`);
    expect(marker).toContain(`file=${oddFiles['-rf'].length}\t${etagOf(oddFiles['-rf'] as Buffer)}\t-rf\n`);
  }, 120_000);

  test('an object resumes only while head-object reports the same ETag; the CLI\'s leftovers never reach the final path', async () => {
    const dir = volume();
    const c = downloaderFor({ source: ModelSource.s3('s3://faults/one.bin', { endpoint: s3Endpoint, region: 'us-east-1', credentials: ModelCredentials.awsAccessKey('aws') }) }, 'dash');
    // a partial left by a dead holder whose object has since changed
    const stage = path.join(dir, '.one.bin.stage.dead.1.x');
    fs.mkdirSync(path.join(stage, 'meta'), { recursive: true });
    fs.writeFileSync(path.join(stage, 'model'), Buffer.alloc(2 ** 20, 'v0'));
    fs.writeFileSync(path.join(stage, 'meta', '.id'), `"0123"\t${3 * 2 ** 20}\tNone\n`);
    fs.symlinkSync('dead.1.x', path.join(dir, '.one.bin.lock'));
    deadHeartbeat(path.join(dir, '.one.bin.beat.dead.1.x'));
    const result = await startPod(c, dir, 'dash', 'p', AWS).done;
    expect(result.code).toBe(0);
    expect(result.stdout).not.toContain('resuming');
    expect(fs.readFileSync(path.join(dir, 'one.bin')).equals(Buffer.alloc(3 * 2 ** 20, 'v1'))).toBe(true);
    expect(fs.readdirSync(dir).sort()).toEqual(['.one.bin.ready', 'one.bin']);
  }, 120_000);

  // A killed holder's staging holds a file of a version served in between (the object changed
  // and changed back to A while the sync ran): same listing line, same size, other bytes. The
  // CLI keeps a same-size file unless it is newer; with --exact-timestamps it fetches it again.
  test('a prefix: a kept file with another version\'s bytes of the same size is fetched again, never landed under A\'s ETag', async () => {
    const a = Buffer.alloc(2 ** 20, 'version A ');
    const b = Buffer.alloc(a.length, 'version B ');
    await putObject('keep/x.bin', a);
    const dir = volume();
    const stage = path.join(dir, '.keep.stage.dead.1.x');
    fs.mkdirSync(path.join(stage, 'model'), { recursive: true });
    fs.mkdirSync(path.join(stage, 'meta'), { recursive: true });
    fs.writeFileSync(path.join(stage, 'model', 'x.bin'), b);
    // the time the CLI gave it: B's LastModified, older than A's re-upload
    fs.utimesSync(path.join(stage, 'model', 'x.bin'), new Date('2026-01-01'), new Date('2026-01-01'));
    fs.writeFileSync(path.join(stage, 'meta', 'listing'), `${a.length}\t${etagOf(a)}\tx.bin\n`);
    fs.symlinkSync('dead.1.x', path.join(dir, '.keep.lock'));
    deadHeartbeat(path.join(dir, '.keep.beat.dead.1.x'));
    const c = downloaderFor({ source: ModelSource.s3('s3://faults/keep/', { endpoint: s3Endpoint, region: 'us-east-1', credentials: ModelCredentials.awsAccessKey('aws') }) }, 'dash');
    const result = await startPod(c, dir, 'dash', 'p', AWS).done;
    expect(result.code).toBe(0);
    expect(fs.readFileSync(path.join(dir, 'keep', 'x.bin')).equals(a)).toBe(true);
    expect(fs.readFileSync(path.join(dir, '.keep.ready'), 'utf8')).toContain(`file=${a.length}\t${etagOf(a)}\tx.bin\n`);
  }, 120_000);

  // The object changes after the first listing and changes back before the second: both
  // listings name A, the sync served B. Only the files' times (the CLI sets LastModified) tell.
  test('a prefix whose object changes and changes back while one sync runs: detected by the file\'s time, fetched again, A lands', async () => {
    const a = Buffer.alloc(2 ** 20, 'version A ');
    const b = Buffer.alloc(a.length, 'version B ');
    await putObject('flip/x.bin', a);
    let lists = 0;
    const pause = () => new Promise((r) => setTimeout(r, 1100)); // LastModified has whole seconds
    const hold = await proxy(s3Endpoint, 0, async (request) => {
      if (!request.url.includes('list-type=2')) return;
      lists++;
      if (lists === 2) { await pause(); await putObject('flip/x.bin', b); } // before the sync's own listing
      if (lists === 3) { await pause(); await putObject('flip/x.bin', a); } // before the second listing
    });
    try {
      const dir = volume();
      const c = downloaderFor({ source: ModelSource.s3('s3://faults/flip/', { endpoint: hold.url, region: 'us-east-1', credentials: ModelCredentials.awsAccessKey('aws') }) }, 'dash');
      const result = await startPod(c, dir, 'dash', 'p', AWS).done;
      expect(result.code).toBe(0);
      expect(fs.readFileSync(path.join(dir, 'flip', 'x.bin')).equals(a)).toBe(true);
      expect(result.stderr + result.stdout).toContain('changed and changed back during the download');
      expect(fs.readFileSync(path.join(dir, '.flip.ready'), 'utf8')).toContain(`file=${a.length}\t${etagOf(a)}\tx.bin\n`);
    } finally {
      await hold.close();
    }
  }, 120_000);

  // Kill mid-GET, the object changes and (ABA) changes back to the same bytes and ETag, then
  // the pod restarts: whatever it lands must be the bytes its marker names.
  test.each([['changes and changes back (same bytes, same ETag)', 'busybox', true], ['changes to other bytes of the same size', 'dash', false]] as const)(
    'an object that %s while the pod is killed mid-GET: the restarted pod lands exactly what its marker names (%s)', async (_what, shell, back) => {
      const a = Buffer.alloc(8 * 2 ** 20, 'version A ');
      const b = Buffer.alloc(a.length, 'version B ');
      await putObject('aba.bin', a);
      const slow = await proxy(s3Endpoint, 5);
      try {
        const dir = volume();
        const c = downloaderFor({ source: ModelSource.s3('s3://faults/aba.bin', { endpoint: slow.url, region: 'us-east-1', credentials: ModelCredentials.awsAccessKey('aws') }) }, shell);
        const first = startPod(c, dir, shell, 'p', AWS);
        const partial = await grows(dir, '.aba.bin.stage.', 2 ** 20);
        first.kill();
        await first.done;
        expect(fs.statSync(partial).size).toBeLessThan(a.length);
        await putObject('aba.bin', b);
        if (back) await putObject('aba.bin', a);
        // the same pod UID: the restarted container breaks its own lock and resumes its staging
        const second = await startPod(c, dir, shell, 'p', AWS).done;
        expect(second.code).toBe(0);
        expect(second.stdout).toContain(back ? 'resuming s3://faults/aba.bin at byte' : 'changed since the partial download; starting it over');
        const landed = fs.readFileSync(path.join(dir, 'aba.bin'));
        expect(landed.equals(back ? a : b)).toBe(true);
        const marker = fs.readFileSync(path.join(dir, '.aba.bin.ready'), 'utf8');
        expect(marker).toContain(`\nsha256=${sha(landed)}\n`);
        expect(marker).toContain(`\nfile=${landed.length}\t${etagOf(landed)}\t\n`);
      } finally {
        await slow.close();
      }
    }, 60_000);

  // The CLIs start early and wait on a fifo, so that their start-ups overlap; what each sends
  // must still come in the order that the identity checks rely on.
  test('requests come in order: an object\'s GET after head-object; a prefix\'s sync after the first listing, the second listing after the sync', async () => {
    const seen = await proxy(s3Endpoint);
    try {
      const s3opts = { endpoint: seen.url, region: 'us-east-1', credentials: ModelCredentials.awsAccessKey('aws') };
      const one = await startPod(downloaderFor({ source: ModelSource.s3('s3://faults/one.bin', s3opts) }, 'dash'), volume(), 'dash', 'p', AWS).done;
      expect(one.code).toBe(0);
      expect(seen.seen.map(r => `${r.method} ${r.url}`)).toEqual(['HEAD /faults/one.bin', 'GET /faults/one.bin']);
      expect(seen.seen[1].start).toBeGreaterThan(seen.seen[0].end);
      seen.seen.length = 0;
      const odd = await startPod(downloaderFor({ source: ModelSource.s3('s3://faults/odd/', s3opts) }, 'busybox'), volume(), 'busybox', 'p', AWS).done;
      expect(odd.code).toBe(0);
      const lists = seen.seen.filter(r => r.url.includes('list-type=2'));
      const objectGets = seen.seen.filter(r => r.method === 'GET' && !r.url.includes('list-type=2'));
      expect({ lists: lists.length, gets: objectGets.length, all: seen.seen.length }).toEqual({ lists: 3, gets: ODD.length, all: 3 + ODD.length });
      // the first listing is answered before anything else is sent; the last one after every GET
      expect(Math.min(...seen.seen.slice(1).map(r => r.start))).toBeGreaterThan(lists[0].end);
      expect(lists[2].start).toBeGreaterThan(Math.max(...objectGets.map(r => r.end)));
    } finally {
      await seen.close();
    }
  }, 120_000);

  test('a sync that does not wait for its gate (its CLI would not read file:// values) is not trusted: nothing lands', async () => {
    // the real CLI, behind a wrapper that hands it the gate's name instead of the fifo's value
    const bin = fs.mkdtempSync(path.join(os.tmpdir(), 'eager-aws-'));
    fs.writeFileSync(path.join(bin, 'aws'), '#!/bin/sh\nn=$#\nfor a in "$@"; do case "$a" in file://*.gate) a=text/plain ;; esac; set -- "$@" "$a"; done\nshift "$n"\nexec /usr/bin/aws "$@"\n', { mode: 0o755 });
    const dir = volume();
    const c = downloaderFor({ source: ModelSource.s3('s3://faults/odd/', { endpoint: s3Endpoint, region: 'us-east-1', credentials: ModelCredentials.awsAccessKey('aws') }), attempts: 1 }, 'dash');
    const result = await startPod(c, dir, 'dash', 'p', { ...AWS, PATH: `${bin}:${toolPath('dash')}` }).done;
    expect(result.code).toBe(1);
    // the eager sync is refused, or fails first because the staging was cleaned under it
    expect(result.stderr).toMatch(/^model-prep: FAILED: gave up after 1 attempts: s3:\/\/faults\/odd\/: (the AWS CLI did not wait for its gate before the sync; the download is not trusted|download failed: .*)\n$/);
    expect(fs.readdirSync(dir)).toEqual(['.odd.partial']);
  }, 120_000);

  test('disk full while the AWS CLI writes: one line, disk full', async () => {
    const c = downloaderFor({ source: ModelSource.s3('s3://faults/one.bin', { endpoint: s3Endpoint, region: 'us-east-1', credentials: ModelCredentials.awsAccessKey('aws') }) }, 'dash');
    const full = await inSmallFilesystem({ ...c, env: [...c.env, { name: 'AWS_ACCESS_KEY_ID', value: 'S3RVER' }, { name: 'AWS_SECRET_ACCESS_KEY', value: 'S3RVER' }] }, 'dash');
    expect(full.code).toBe(1);
    expect(full.stderr).toMatch(/^model-prep: FAILED: disk full: s3:\/\/faults\/one\.bin: .*(No space left|Errno 28).*; \d+ KiB free on \/.*\n$/);
  }, 120_000);
});
