import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as http from 'http';
import { AddressInfo } from 'net';
import * as os from 'os';
import * as path from 'path';
import { countingPath, deadHeartbeat, downloaderFor, invariantViolations, ServedVersion, startPod, toolPath, until, volume, within } from './_pods';
import { etagOf, serveVersion } from './_serve';
import { ModelSource } from '../../src';

// A second hostile round against the lock, the marker and the staging: clocks that disagree
// between "nodes", a holder paused between its ownership check and its rename, a heartbeat that
// dies, odd entries at the script's own paths, a cache deleted under a running pod. Real curl
// and dash on 127.0.0.1; every pod runs with a 3 s stale window and a 1 s heartbeat.

const A = Buffer.alloc(2 ** 20 + 3, 'version A');
const B = Buffer.alloc(2 ** 20 + 3, 'version B');
const FAST = { MODEL_LOCK_STALE_SECONDS: '3', MODEL_LOCK_HEARTBEAT_SECONDS: '1' };
let body = A;
let gets = 0;
/** Milliseconds a GET of /slow.bin takes (sent in 20 chunks). */
let slowMs = 0;
let server: http.Server;
let base = '';

beforeAll(async () => {
  server = http.createServer((req, res) => {
    gets++;
    const served = body;
    if (!slowMs || req.headers.range) return serveVersion(req, res, served);
    res.writeHead(200, { 'Content-Length': served.length, 'ETag': etagOf(served) });
    const step = Math.ceil(served.length / 20);
    let at = 0;
    const next = () => {
      if (res.destroyed) return;
      res.write(served.subarray(at, at + step));
      at += step;
      if (at >= served.length) res.end(); else setTimeout(next, slowMs / 20);
    };
    next();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});
beforeEach(() => {
  body = A;
  gets = 0;
  slowMs = 0;
});

const source = () => `${base}/slow.bin`;
const pod = () => downloaderFor({ source: ModelSource.http(source()), attempts: 3 }, 'dash');
const served: ServedVersion[] = [A, B].map(b => ({ files: new Map([['', b]]), etags: new Map([['', etagOf(b)]]) }));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A directory of shims put before the tools on PATH: `date +%s` off by `offset` seconds, and `mv` that can pause the pod. */
function shims(offset = 0): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'model-prep-shims-'));
  fs.writeFileSync(path.join(dir, 'date'), `#!/bin/sh\nif [ "$1" = +%s ]; then echo $(( $(/bin/date +%s) + ${offset} )); else exec /bin/date "$@"; fi\n`, { mode: 0o755 });
  // with PAUSE_AT_LANDING set: the first rename of the staged model into place stops the whole
  // pod (SIGSTOP to its process group, heartbeat included) first, as a frozen node or VM would
  fs.writeFileSync(path.join(dir, 'mv'), '#!/bin/sh\ncase "$1 $2" in "-T "*/model) if [ -n "${PAUSE_AT_LANDING:-}" ] && [ ! -e "$PAUSE_AT_LANDING" ]; then : > "$PAUSE_AT_LANDING"; kill -STOP 0; fi ;; esac\nexec /bin/mv "$@"\n', { mode: 0o755 });
  fs.chmodSync(dir, 0o755);
  return `${dir}:${toolPath('dash')}`;
}

// Heartbeats are judged by the time in them or by their file's mtime against the pod's own
// (one filesystem clock), so nodes whose clocks disagree do not take a live holder for dead; a
// holder whose staging vanishes under it (its lock taken over, the cache recreated) starts over.
describe('clocks that disagree between nodes', () => {
  for (const offset of [180, -180]) {
    test(`a live holder whose clock is ${offset > 0 ? 'ahead of' : 'behind'} the waiter's by 3 minutes keeps its lock: one GET, one landing`, async () => {
      slowMs = 5000;
      const dir = volume();
      const holder = startPod(pod(), dir, 'dash', 'holder', { ...FAST, PATH: shims(offset) });
      await until('the holder\'s lock', () => fs.readdirSync(dir).includes('.slow.bin.lock'));
      const waiter = startPod(pod(), dir, 'dash', 'waiter', { ...FAST, PATH: shims(0) });
      const [h, w] = await Promise.all([within(holder, 20_000), within(waiter, 20_000)]);
      expect({ holder: h.code, waiter: w.code, herr: h.stderr, werr: w.stderr }).toEqual({ holder: 0, waiter: 0, herr: '', werr: '' });
      expect(w.stdout).not.toContain('breaking the lock');
      expect(gets).toBe(1);
      expect(await invariantViolations(dir, 'slow.bin', 'file', served, source())).toEqual([]);
    }, 120_000);
  }
});

describe('a holder paused between its ownership check and its rename', () => {
  test('another pod breaks the lock and lands B; the paused one resumes and renames A into place: the marker never vouches for the wrong bytes', async () => {
    const dir = volume();
    const flag = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'pause-')), 'paused');
    const holder = startPod(pod(), dir, 'dash', 'holder', { ...FAST, PATH: shims(), PAUSE_AT_LANDING: flag });
    await until('the holder\'s pause', () => fs.existsSync(flag));
    await until('the holder stopped', () => {
      try {
        return holderPid() > 0;
      } catch {
        return false;
      }
    });
    body = B;
    const other = await within(startPod(pod(), dir, 'dash', 'other', FAST), 20_000);
    expect(other.code).toBe(0);
    expect(other.stdout).toContain('breaking the lock');
    // the frozen holder comes back
    process.kill(-Number(fs.readFileSync(`/proc/${holderPid()}/stat`, 'utf8').split(') ')[1].split(' ')[2]), 'SIGCONT');
    await within(holder, 10_000);
    // whatever is at the final path now, the next start serves only bytes its marker describes
    const next = await within(startPod(pod(), dir, 'dash', 'next', FAST), 20_000);
    expect(next.code).toBe(0);
    expect(await invariantViolations(dir, 'slow.bin', 'file', served, source())).toEqual([]);
  }, 120_000);
});

/** The pid of a stopped process of the pod "holder", found by its environment. */
function holderPid(): number {
  for (const p of fs.readdirSync('/proc').filter(n => /^\d+$/.test(n))) {
    try {
      const env = fs.readFileSync(`/proc/${p}/environ`, 'utf8');
      if (env.includes('MODEL_POD_UID=holder\0') && fs.readFileSync(`/proc/${p}/stat`, 'utf8').includes(') T ')) return Number(p);
    } catch {
      // gone
    }
  }
  throw new Error('no stopped holder');
}

describe('a heartbeat that dies while its holder downloads', () => {
  test('the lock is broken, the holder notices before landing; no false permanent error, the model lands once and whole', async () => {
    // long enough that the holder's transfer still writes when the lock is broken
    slowMs = 15000;
    const dir = volume();
    const holder = startPod(pod(), dir, 'dash', 'holder', { ...FAST, MODEL_LOCK_HEARTBEAT_SECONDS: '1.01' });
    await until('the heartbeat', () => fs.readdirSync(dir).some(n => n.startsWith('.slow.bin.beat.holder')));
    await until('the heartbeat\'s sleep', () => {
      try {
        return execFileSync('pgrep', ['-f', '^sleep 1.01$']).length > 0;
      } catch {
        return false;
      }
    });
    // the heartbeat subshell and its sleep
    execFileSync('sh', ['-c', 'for p in $(pgrep -f "^sleep 1.01$"); do kill -9 $(cut -d" " -f4 /proc/$p/stat) $p; done']);
    const waiter = startPod(pod(), dir, 'dash', 'waiter', FAST);
    const [h, w] = await Promise.all([within(holder, 25_000), within(waiter, 25_000)]);
    expect({ holder: h.code, waiter: w.code, herr: h.stderr, werr: w.stderr }).toEqual({ holder: 0, waiter: 0, herr: '', werr: '' });
    // its staging is not resumed while its transfer writes on: the two transfers' bytes mixed in
    // one file, and the resumed hash described neither (a marker whose sha256 was not the file's)
    expect(w.stdout).toMatch(/the staging of holder\.\S+ is still being written \(its holder runs on without a heartbeat\); starting over/);
    expect(await invariantViolations(dir, 'slow.bin', 'file', served, source())).toEqual([]);
  }, 120_000);
});

describe('odd entries at the script\'s own paths', () => {
  for (const kind of ['fifo', 'file', 'socket']) {
    test(`a ${kind} at the lock path is not spun on forever: broken once stale, the model lands`, async () => {
      const dir = volume();
      const lock = path.join(dir, '.slow.bin.lock');
      if (kind === 'fifo') execFileSync('mkfifo', [lock]);
      else if (kind === 'file') fs.writeFileSync(lock, 'junk\n');
      else execFileSync('python3', ['-c', `import socket; socket.socket(socket.AF_UNIX).bind(${JSON.stringify(lock)})`]);
      const result = await within(startPod(pod(), dir, 'dash', 'p', FAST), 12_000);
      expect({ code: result.code, signal: result.signal, stderr: result.stderr }).toEqual({ code: 0, signal: null, stderr: '' });
      expect(fs.readFileSync(path.join(dir, 'slow.bin')).equals(A)).toBe(true);
    }, 120_000);
  }

  test('a non-symlink left at the breaker\'s path beside a dead holder\'s lock does not block breaking forever', async () => {
    const dir = volume();
    fs.symlinkSync('dead.1.x', path.join(dir, '.slow.bin.lock'));
    deadHeartbeat(path.join(dir, '.slow.bin.beat.dead.1.x'));
    fs.mkdirSync(path.join(dir, '.slow.bin.breaking'));
    const result = await within(startPod(pod(), dir, 'dash', 'p', FAST), 12_000);
    expect({ code: result.code, signal: result.signal }).toEqual({ code: 0, signal: null });
    expect(fs.readFileSync(path.join(dir, 'slow.bin')).equals(A)).toBe(true);
  }, 120_000);

  test('markers: garbage (binary), empty, huge without a newline, another source\'s: downloaded again quickly, then a cache hit', async () => {
    const markers: [string, Buffer][] = [
      ['binary', Buffer.from([0, 255, 10, 0, 0, 13, 10, 200, 1, 2, 3])],
      ['empty', Buffer.alloc(0)],
      ['huge', Buffer.alloc(64 * 2 ** 20, 'x')],
      ['other source', Buffer.from(`format=2\nsource=${base}/other.bin\nsha256=${'0'.repeat(64)}\nfiles=1\nfile=${A.length}\t-\t\n`)],
    ];
    for (const [what, marker] of markers) {
      const dir = volume();
      fs.writeFileSync(path.join(dir, 'slow.bin'), A);
      fs.writeFileSync(path.join(dir, '.slow.bin.ready'), marker);
      // bounded by within(): a read crawling through a huge marker byte by byte takes minutes
      const result = await within(startPod(pod(), dir, 'dash', 'p', FAST), 15_000);
      expect({ what, code: result.code, stderr: result.stderr }).toEqual({ what, code: 0, stderr: '' });
      expect(result.stdout).not.toContain('cache hit');
      expect(await invariantViolations(dir, 'slow.bin', 'file', served, source())).toEqual([]);
      expect((await startPod(pod(), dir, 'dash', 'p2', FAST).done).stdout).toContain('cache hit');
    }
  }, 120_000);

  test('2,000 staging directories and 2,000 heartbeats of dead pods: removed, and the start stays fast', async () => {
    const dir = volume();
    for (let i = 0; i < 2000; i++) {
      fs.mkdirSync(path.join(dir, `.slow.bin.stage.dead${i}.1.x`, 'model'), { recursive: true });
      deadHeartbeat(path.join(dir, `.slow.bin.beat.gone${i}.1.x`));
    }
    const log = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'tool-runs-')), 'runs');
    const result = await within(startPod(pod(), dir, 'dash', 'p', { ...FAST, PATH: countingPath('dash', log) }), 30_000);
    expect(result.code).toBe(0);
    expect(fs.readdirSync(dir).sort()).toEqual(['.slow.bin.ready', 'slow.bin']);
    // fast: no process per leftover (4,000 of them), one rm per hundred (49 rm, 3 stat here)
    const runs = fs.readFileSync(log, 'utf8').trim().split('\n');
    expect({ rm: runs.filter(r => r === 'rm').length <= 100, stat: runs.filter(r => r === 'stat').length <= 20 }).toEqual({ rm: true, stat: true });
  }, 120_000);
});

describe('the cache changes under a running pod', () => {
  test('the cache directory deleted and recreated mid-download: no false "disk full"; the model lands whole', async () => {
    slowMs = 4000;
    const dir = volume();
    const running = startPod(pod(), dir, 'dash', 'p', FAST);
    await until('the staging', () => fs.readdirSync(dir).some(n => n.startsWith('.slow.bin.stage.')));
    await sleep(1000);
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(dir);
    const result = await within(running, 20_000);
    expect(result.stderr).not.toContain('disk full');
    expect(result.code).toBe(0);
    expect(fs.readFileSync(path.join(dir, 'slow.bin')).equals(A)).toBe(true);
    expect(await invariantViolations(dir, 'slow.bin', 'file', served, source())).toEqual([]);
  }, 120_000);
});

describe('the cache made read-only after the lock is taken (uid 1000 when run as root)', () => {
  test('fails with one line naming the cache, the model never half-lands; once writable again, the next pod breaks the left lock and lands', async () => {
    // root writes through mode 0555: as root the pod runs as uid 1000, otherwise as this user
    const root = process.getuid?.() === 0;
    slowMs = 2000;
    const dir = volume();
    fs.mkdirSync(`${dir}-home-p`);
    if (root) {
      fs.chownSync(dir, 1000, 1000);
      fs.chownSync(`${dir}-home-p`, 1000, 1000);
    }
    const c = pod();
    const asUser = root ? { ...c, command: ['/usr/bin/setpriv', '--reuid=1000', '--regid=1000', '--clear-groups', ...c.command] } : c;
    const running = startPod(asUser, dir, 'dash', 'p', FAST);
    await until('the staging', () => fs.readdirSync(dir).some(n => n.startsWith('.slow.bin.stage.')));
    fs.chmodSync(dir, 0o555);
    const result = await within(running, 15_000);
    fs.chmodSync(dir, 0o755);
    expect(result.code).toBe(1);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(/cannot write the model cache/);
    expect(fs.existsSync(path.join(dir, 'slow.bin'))).toBe(false);
    const next = await within(startPod(asUser, dir, 'dash', 'p2', FAST), 15_000);
    expect(next.code).toBe(0);
    expect(await invariantViolations(dir, 'slow.bin', 'file', served, source())).toEqual([]);
  }, 120_000);
});
