import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as http from 'http';
import { AddressInfo } from 'net';
import * as path from 'path';
import { deadHeartbeat, downloaderFor, invariantViolations, logged, ServedVersion, Shell, shimPath, startPod, until, volume, within } from './_pods';
import { etagOf, serveVersion } from './_serve';
import { ModelSource } from '../../src';

// Left-alone fixes 4: the model-prep script's lock, look and failure line, each shown with the
// real script under dash and BusyBox ash (real curl on 127.0.0.1): a SIGTERM right after the
// lock's ln, a stale lock this uid cannot move, the unchecked mark on a full volume, a staging
// that vanishes during the look, the clock of a waiting pod, and a disk-full line on a deep path.

const FAST = { MODEL_LOCK_STALE_SECONDS: '3', MODEL_LOCK_HEARTBEAT_SECONDS: '1' };
const BODY = Buffer.alloc(2 ** 20 + 7, 'left alone 4');
const BIG = Buffer.alloc(2 * 2 ** 20, 'big');
const SHELLS: Shell[] = ['dash', 'busybox'];
let server: http.Server;
let base = '';

beforeAll(async () => {
  server = http.createServer((req, res) => serveVersion(req, res, req.url?.startsWith('/big/') ? BIG : BODY));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const served: ServedVersion[] = [{ files: new Map([['', BODY]]), etags: new Map([['', etagOf(BODY)]]) }];
const source = (shell: Shell) => `${base}/${shell}/model.bin`;
const pod = (shell: Shell) => downloaderFor({ source: ModelSource.http(source(shell)), attempts: 3 }, shell);

/** How many processes run exactly `command` (the look's sleep and the heartbeat's are told apart by count). */
function running(command: string): number {
  try {
    return execFileSync('pgrep', ['-fx', command], { encoding: 'utf8' }).split('\n').filter(Boolean).length;
  } catch {
    return 0;
  }
}

/** A dead holder's staging of `shell`'s source with `bytes` of its model, its lock and its dead heartbeat. */
function deadHolder(dir: string, shell: Shell, bytes = 300_000): void {
  const stage = path.join(dir, '.model.bin.stage.dead.1.x');
  fs.mkdirSync(path.join(stage, 'meta'), { recursive: true });
  fs.writeFileSync(path.join(stage, 'model'), BODY.subarray(0, bytes));
  fs.writeFileSync(path.join(stage, 'origin'), `${source(shell)}\n`);
  fs.symlinkSync('dead.1.x', path.join(dir, '.model.bin.lock'));
  deadHeartbeat(path.join(dir, '.model.bin.beat.dead.1.x'));
}

/** These tests mount a tmpfs and chown files (root, as in CI's containers). */
function needRoot(): void {
  if (process.getuid?.() !== 0) throw new Error('this test mounts a tmpfs and makes files of another uid: run it as root (.ci/run does)');
}

/** The pod as uid 1000 (root runs the tests). */
function asUser1000(c: any): any {
  return { ...c, command: ['/usr/bin/setpriv', '--reuid=1000', '--regid=1000', '--clear-groups', ...c.command] };
}

describe('a SIGTERM right after the lock\'s ln', () => {
  for (const shell of SHELLS) {
    test(`${shell}: the exit releases the lock it took; the next pod takes it at once`, async () => {
      const dir = volume();
      const log = path.join(dir + '-ln.log');
      // the signal arrives while ln runs: the shell runs its trap once ln has returned
      const PATH = shimPath(shell, log, ['ln'], 'case "$*" in *.model.bin.lock) [ "$rc" -ne 0 ] || kill -TERM "$PPID" ;; esac');
      const first = await within(startPod(pod(shell), dir, shell, 'first', { ...FAST, PATH }), 10_000);
      expect(first.code).toBe(143);
      expect(logged(log).filter(l => l.endsWith('.model.bin.lock'))).toHaveLength(1);
      expect(fs.readdirSync(dir).filter(n => n.startsWith('.model.bin.lock') || n.startsWith('.model.bin.beat.'))).toEqual([]);
      // the default stale window (2 minutes): a lock left behind would hold the next pod that long
      const next = await within(startPod(pod(shell), dir, shell, 'next'), 15_000);
      expect({ code: next.code, stderr: next.stderr }).toEqual({ code: 0, stderr: '' });
      expect(next.stdout).not.toContain('waiting:');
      expect(await invariantViolations(dir, 'model.bin', 'file', served, source(shell))).toEqual([]);
    }, 30_000);
  }
});

describe('a stale lock this uid cannot move (another uid\'s, in a sticky directory)', () => {
  for (const shell of SHELLS) {
    test(`${shell}: fails at once with one line naming the lock's owner and the fix, instead of spinning`, async () => {
      needRoot();
      const dir = volume();
      fs.chmodSync(dir, 0o1777);
      // root's lock and heartbeat, dead long ago
      fs.symlinkSync('dead.1.x', path.join(dir, '.model.bin.lock'));
      deadHeartbeat(path.join(dir, '.model.bin.beat.dead.1.x'));
      const result = await within(startPod(asUser1000(pod(shell)), dir, shell, 'p', { ...FAST, HOME: '/tmp' }), 10_000);
      expect(result.code).toBe(1);
      expect(result.stderr).toBe(`model-prep: FAILED: cannot remove the stale lock ${dir}/.model.bin.lock of dead.1.x (Operation not permitted): `
        + `it belongs to uid 0 and ${dir} has mode 1777, which keeps uid 1000 from moving it. Fix: remove ${dir}/.model.bin.lock as uid 0 or root, `
        + 'or run every pod that shares the cache as one uid (runAsUser / fsGroup)\n');
      // its own breaker lock is gone: a pod of the right uid breaks the stale lock at once
      expect(fs.existsSync(path.join(dir, '.model.bin.breaking'))).toBe(false);
      const root = await within(startPod(pod(shell), dir, shell, 'q', FAST), 15_000);
      expect({ code: root.code, stderr: root.stderr }).toEqual({ code: 0, stderr: '' });
      expect(await invariantViolations(dir, 'model.bin', 'file', served, source(shell))).toEqual([]);
    }, 30_000);
  }
});

describe('a SIGTERM during the look at a dead holder\'s staging, on a full volume', () => {
  for (const shell of SHELLS) {
    test(`${shell}: a staging whose unchecked mark cannot be written is not handed over as a plain partial`, async () => {
      needRoot();
      const dir = volume();
      // few inodes and 4 MiB (the model and a dead holder's partial fit): filled up, no file can be created
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=4m,nr_inodes=64', 'tmpfs', dir]);
      try {
        deadHolder(dir, shell);
        const beat = shell === 'dash' ? '6.13' : '6.17';
        const p = startPod(pod(shell), dir, shell, 'p', { ...FAST, MODEL_LOCK_HEARTBEAT_SECONDS: beat });
        // the look: its sleep of one heartbeat runs beside the heartbeat's own
        await until('the look', () => running(`sleep ${beat}`) >= 2);
        let n = 0;
        const fill = (bytes: number) => {
          for (;;) {
            try {
              fs.writeFileSync(path.join(dir, `fill-${n++}`), Buffer.alloc(bytes));
            } catch {
              return;
            }
          }
        };
        for (const size of [2 ** 20, 2 ** 16, 2 ** 12, 0]) fill(size);
        p.term();
        const result = await within(p, 5_000);
        expect(result.code).toBe(143);
        const partial = path.join(dir, '.model.bin.partial');
        // never a partial the next holder would resume without its look
        const mark = path.join(partial, 'suspect');
        const handedOver = !fs.existsSync(partial) ? 'nothing' : fs.existsSync(mark) ? fs.readFileSync(mark, 'utf8') : 'a plain partial';
        expect(handedOver).toMatch(/^(nothing|dead\.1\.x\n)$/);
        expect(result.stdout).toContain('cannot mark the partial download of dead.1.x as unchecked (is the volume full?)');
        for (const f of fs.readdirSync(dir).filter(e => e.startsWith('fill-'))) fs.rmSync(path.join(dir, f));
        const next = await within(startPod(pod(shell), dir, shell, 'next', FAST), 20_000);
        expect({ code: next.code, stderr: next.stderr }).toEqual({ code: 0, stderr: '' });
        expect(await invariantViolations(dir, 'model.bin', 'file', served, source(shell))).toEqual([]);
      } finally {
        execFileSync('umount', ['-l', dir]);
      }
    }, 30_000);
  }
});

describe('a dead holder\'s staging removed during the look', () => {
  for (const shell of SHELLS) {
    test(`${shell}: says it vanished, not that it is still being written, and downloads`, async () => {
      const dir = volume();
      deadHolder(dir, shell);
      const beat = shell === 'dash' ? '2.13' : '2.17';
      const p = startPod(pod(shell), dir, shell, 'p', { ...FAST, MODEL_LOCK_HEARTBEAT_SECONDS: beat });
      await until('the look', () => running(`sleep ${beat}`) >= 2);
      fs.rmSync(path.join(dir, '.model.bin.stage.dead.1.x'), { recursive: true });
      const result = await within(p, 20_000);
      expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
      expect(result.stdout).toContain('the staging of dead.1.x vanished during the look (removed, or the cache recreated); starting over');
      expect(result.stdout).not.toContain('still being written');
      expect(await invariantViolations(dir, 'model.bin', 'file', served, source(shell))).toEqual([]);
    }, 30_000);
  }
});

describe('a pod waiting for a live holder', () => {
  for (const shell of SHELLS) {
    test(`${shell}: reads the clock once a second and starts at most 3 processes a second`, async () => {
      const dir = volume();
      const log = `${dir}-tools.log`;
      fs.symlinkSync('holder.1.x', path.join(dir, '.model.bin.lock'));
      // fresh for the whole test (a time ahead of now, within the stale window)
      fs.writeFileSync(path.join(dir, '.model.bin.beat.holder.1.x'), `${Math.floor(Date.now() / 1000) + 60}\n`);
      const tools = ['date', 'ln', 'readlink', 'sleep', 'stat', 'cat', 'find', 'wc', 'rm', 'mv', 'od', 'tr', 'id', 'head', 'grep', 'sed', 'awk', 'mkdir'];
      // a heartbeat of 60 s: its own date, mv and sleep stay out of the count
      const p = startPod(pod(shell), dir, shell, 'p', { PATH: shimPath(shell, log, tools), MODEL_LOCK_HEARTBEAT_SECONDS: '60' });
      const seconds = () => logged(log).filter(l => l === 'sleep 1').length;
      await until('six seconds of waiting', () => seconds() >= 7, 20_000);
      p.term();
      expect((await within(p, 5_000)).code).toBe(143);
      const lines = logged(log);
      const waits = lines.map((l, i) => l === 'sleep 1' ? i : -1).filter(i => i >= 0);
      // the processes of the waiter's seconds 2..7, from one sleep to the next
      const span = lines.slice(waits[0] + 1, waits[6] + 1);
      expect(span.filter(l => l.startsWith('date '))).toHaveLength(6);
      expect(span.length).toBeLessThanOrEqual(6 * 3);
    }, 30_000);
  }
});

describe('disk full on a deep cache path, for a source with a long file list', () => {
  for (const shell of SHELLS) {
    test(`${shell}: one line within the 2,048 bytes the kubelet keeps, the free space as at the failure`, async () => {
      needRoot();
      const dir = path.join(volume(), 'a'.repeat(100), 'b'.repeat(100), 'c'.repeat(60));
      fs.mkdirSync(dir, { recursive: true });
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', dir]);
      try {
        const files = [...Array(12).keys()].map(i => `${String(i).padStart(2, '0')}-${'n'.repeat(200)}.bin`);
        const c = downloaderFor({ source: ModelSource.http(`${base}/big/${'m'.repeat(150)}/`, { files }) }, shell);
        const result = await within(startPod(c, dir, shell, 'p'), 20_000);
        expect(result.code).toBe(1);
        expect(result.stderr.split('\n')).toHaveLength(2);
        expect(Buffer.byteLength(result.stderr)).toBeLessThanOrEqual(2048);
        expect(result.stderr).toMatch(new RegExp(`^model-prep: FAILED: disk full: http://127\\.0\\.0\\.1:\\d+/big/m+/:00-n+\\.\\.\\.: .+; (\\d+) KiB free on ${dir}\\n$`));
        // taken when the write failed, not after the staging was removed (1,020 KiB then)
        expect(Number(/; (\d+) KiB free on /.exec(result.stderr)![1])).toBeLessThan(256);
        expect(result.stderr.split(dir)).toHaveLength(2);
      } finally {
        execFileSync('umount', ['-l', dir]);
      }
    }, 30_000);
  }
});
