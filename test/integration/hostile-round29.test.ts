import { execFileSync } from 'child_process';
import { randomBytes } from 'crypto';
import * as fs from 'fs';
import * as http from 'http';
import { AddressInfo } from 'net';
import { downloaderFor, invariantViolations, ServedVersion, Shell, startPod, until, volume, within } from './_pods';
import { etagOf } from './_serve';
import { ModelSource } from '../../src';

// Hostile round 29: a holder whose heartbeat died but whose transfer lives on ("zombie"), its
// transfer stalled for longer than the breaker's one-heartbeat look at its staging, then writing
// again once the breaker has adopted that staging. Real curl, dash and BusyBox on 127.0.0.1.

const FAST = { MODEL_LOCK_STALE_SECONDS: '3', MODEL_LOCK_HEARTBEAT_SECONDS: '1' };
const BODY = randomBytes(4 * 2 ** 20 + 5);
const ETAG = etagOf(BODY);
/**
 * Bytes the first (whole-file) GET sends before it stalls. The tests wait for half of it on the
 * volume: the script's last few KiB may sit in a pipe to its hasher until more bytes come.
 */
const STALL_AT = 3 * 2 ** 19;
let release: () => void = () => undefined;
let released = new Promise<void>((r) => { release = r; });
/** Ranged GETs (resumes) served. */
let ranged = 0;
let server: http.Server;
let base = '';

/** Sends `body` from `at` in 64 KiB chunks, one every `ms` ms (a transfer that lasts a while). */
function trickle(res: http.ServerResponse, body: Buffer, at: number, ms = 10): void {
  if (res.destroyed) return;
  if (at >= body.length) {
    res.end();
    return;
  }
  res.write(body.subarray(at, at + 65536));
  setTimeout(() => trickle(res, body, at + 65536, ms), ms);
}

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const body = BODY;
    const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    if (range && req.headers['if-range'] === ETAG) {
      ranged++;
      const start = Number(range[1]);
      res.writeHead(206, { 'Content-Length': body.length - start, 'Content-Range': `bytes ${start}-${body.length - 1}/${body.length}`, 'ETag': ETAG });
      // the breaker's resume starts: the zombie's stalled transfer comes back to life with it
      release();
      setTimeout(() => trickle(res, body.subarray(start), 0), 100);
      return;
    }
    res.writeHead(200, { 'Content-Length': body.length, 'ETag': ETAG });
    if (req.url?.startsWith('/first')) {
      res.write(body.subarray(0, STALL_AT));
      // the zombie's rest comes slowly: it writes on while the breaker's transfers run
      void released.then(() => trickle(res, body.subarray(STALL_AT), 0, 50));
      return;
    }
    trickle(res, body, 0);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});
beforeEach(() => {
  ranged = 0;
  released = new Promise<void>((r) => { release = r; });
});

const served: ServedVersion[] = [{ files: new Map([['', BODY]]), etags: new Map([['', ETAG]]) }];

/** Kills the heartbeat of the pod whose heartbeat sleeps `beat` seconds (its subshell and its sleep). */
function killHeartbeat(beat: string): void {
  execFileSync('sh', ['-c', `for p in $(pgrep -f "^sleep ${beat}$"); do kill -9 $(cut -d" " -f4 /proc/$p/stat) $p; done`]);
}

describe('a zombie holder whose transfer stalls past the breaker\'s look, then writes on', () => {
  for (const shell of ['dash', 'busybox'] as Shell[]) {
    test(`${shell}: the breaker's model and marker hold only the source's bytes`, async () => {
      const dir = volume();
      const source = `${base}/first/model.bin`;
      const pod = downloaderFor({ source: ModelSource.http(source), attempts: 3 }, shell);
      const zombie = startPod(pod, dir, shell, 'zombie', { ...FAST, MODEL_LOCK_HEARTBEAT_SECONDS: '1.02' });
      await until('the zombie\'s stall', () => fs.readdirSync(dir).filter(n => n.startsWith('.model.bin.stage.'))
        .some(n => { try { return fs.statSync(`${dir}/${n}/model`).size >= STALL_AT / 2; } catch { return false; } }));
      killHeartbeat('1.02');
      const breaker = startPod(pod, dir, shell, 'breaker', FAST);
      const [b] = await Promise.all([within(breaker, 25_000), within(zombie, 25_000)]);
      expect(b.stdout).toContain('breaking the lock');
      // the stalled staging was resumed (one ranged GET), not started over
      expect(b.stdout).not.toMatch(/starting (it )?over/);
      expect(ranged).toBe(1);
      expect(await invariantViolations(dir, 'model.bin', 'file', served, source)).toEqual([]);
      expect({ code: b.code, stderr: b.stderr }).toEqual({ code: 0, stderr: '' });
    }, 120_000);
  }
});

describe('a SIGTERM while the breaker looks at a dead holder\'s staging', () => {
  for (const shell of ['dash', 'busybox'] as Shell[]) {
    test(`${shell}: it stops within a second and hands the staging over, unchecked; the next pod checks and resumes it`, async () => {
      const dir = volume();
      const source = `${base}/first/model.bin`;
      const pod = downloaderFor({ source: ModelSource.http(source), attempts: 3 }, shell);
      const holder = startPod(pod, dir, shell, 'holder', FAST);
      await until('the holder\'s stall', () => fs.readdirSync(dir).filter(n => n.startsWith('.model.bin.stage.'))
        .some(n => { try { return fs.statSync(`${dir}/${n}/model`).size >= STALL_AT / 2; } catch { return false; } }));
      holder.kill();
      await holder.done;
      // a 6 s heartbeat: the breaker's look at the staging lasts 6 s; the SIGTERM comes 1.5 s after
      // its lock (a few processes later on a busy machine, well inside the look)
      const breaker = startPod(pod, dir, shell, 'breaker', { ...FAST, MODEL_LOCK_HEARTBEAT_SECONDS: '6' });
      await until('the breaker\'s lock', () => { try { return fs.readlinkSync(`${dir}/.model.bin.lock`).startsWith('breaker.'); } catch { return false; } });
      await new Promise((r) => setTimeout(r, 1500));
      const termAt = Date.now();
      breaker.term();
      const b = await within(breaker, 5_000);
      expect(Date.now() - termAt).toBeLessThan(1_000);
      expect(b.code).toBe(143);
      expect(b.stdout).toMatch(/kept the partial download of holder\.\S+ \(unchecked\) for a resume/);
      expect(fs.readFileSync(`${dir}/.model.bin.partial/suspect`, 'utf8')).toMatch(/^holder\./);
      const next = await within(startPod(pod, dir, shell, 'next', FAST), 20_000);
      expect({ code: next.code, stderr: next.stderr }).toEqual({ code: 0, stderr: '' });
      expect(next.stdout).not.toMatch(/starting (it )?over/);
      expect(ranged).toBe(1);
      expect(await invariantViolations(dir, 'model.bin', 'file', served, source)).toEqual([]);
    }, 120_000);
  }
});
