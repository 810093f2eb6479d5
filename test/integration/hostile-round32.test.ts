import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as http from 'http';
import { AddressInfo } from 'net';
import * as os from 'os';
import * as path from 'path';
import { deadHeartbeat, downloaderFor, logged, Shell, shimPath, startPod, toolPath, until, volume, within } from './_pods';
import { serveVersion } from './_serve';
import { ModelSource } from '../../src';

// Hostile round 32: the model-prep script's lock and failure line of left-alone fixes 4,
// attacked with the real script under dash and BusyBox ash (real curl on 127.0.0.1): a SIGTERM
// while a holder exits, a lock taken (by a pod of another uid) between the breaker's look and
// its move, and a failure line cut where a name is not ASCII.

const SHELLS: Shell[] = ['dash', 'busybox'];
const BIG = Buffer.alloc(2 * 2 ** 20, 'big');
let server: http.Server;
let base = '';

beforeAll(async () => {
  server = http.createServer((req, res) => {
    if (req.url?.startsWith('/missing/')) {
      res.writeHead(404).end('no such model');
    } else {
      serveVersion(req, res, BIG);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

/** These tests make files of another uid or mount a tmpfs (root, as in CI's containers). */
function needRoot(): void {
  if (process.getuid?.() !== 0) throw new Error('this test mounts a tmpfs or makes files of another uid: run it as root (.ci/run does)');
}

/** The entries of the lock and the heartbeats in a cache directory. */
function lockEntries(dir: string): string[] {
  return fs.readdirSync(dir).filter(n => n === '.model.bin.lock' || n === '.model.bin.breaking' || n.startsWith('.model.bin.beat.'));
}

describe('a SIGTERM while a holder that failed exits', () => {
  for (const shell of SHELLS) {
    test(`${shell}: the exit still releases the lock (no other pod waits out the stale window)`, async () => {
      const dir = volume();
      const log = `${dir}-rm.log`;
      // the pod is deleted as it fails: the signal arrives during the exit's first command
      const PATH = shimPath(shell, log, ['rm'], 'case "$*" in *.model-prep.*.err) kill -TERM "$PPID" ;; esac');
      const c = downloaderFor({ source: ModelSource.http(`${base}/missing/${shell}/model.bin`), attempts: 1 }, shell);
      const result = await within(startPod(c, dir, shell, 'p', { PATH }), 20_000);
      expect(logged(log).filter(l => l.endsWith('.err'))).toHaveLength(1);
      expect(result.stderr).toMatch(/^model-prep: FAILED: not found \(404\): [^\n]+\n$/);
      expect(result.code).toBe(1);
      expect(lockEntries(dir)).toEqual([]);
    }, 30_000);
  }
});

describe('a stale lock replaced, between the breaker\'s look and its move, by the live lock of a pod of another uid', () => {
  for (const shell of SHELLS) {
    test(`${shell}: the refused move is a race: the pod waits for the live holder, it does not fail naming the dead one`, async () => {
      needRoot();
      const dir = volume();
      fs.chmodSync(dir, 0o1777);
      const lock = path.join(dir, '.model.bin.lock');
      fs.symlinkSync('dead.1.x', lock);
      deadHeartbeat(path.join(dir, '.model.bin.beat.dead.1.x'));
      // a shim mv that, asked to move the lock aside, says so and waits for the test's go
      const gate = fs.mkdtempSync(path.join(os.tmpdir(), 'hostile-32-gate-'));
      fs.chmodSync(gate, 0o777);
      const shims = fs.mkdtempSync(path.join(os.tmpdir(), 'hostile-32-shims-'));
      const log = path.join(gate, 'tools.log');
      fs.writeFileSync(path.join(shims, 'mv'), `#!/bin/sh\ncase "$*" in *.model.bin.lock\\ *.broken.*) : > '${gate}/asked'\n`
        + `  n=0; until [ -e '${gate}/go' ] || [ "$n" -ge 1000 ]; do PATH='${toolPath(shell)}' sleep 0.02; n=$((n + 1)); done ;; esac\n`
        + `PATH='${toolPath(shell)}' exec mv "$@"\n`, { mode: 0o755 });
      fs.writeFileSync(path.join(shims, 'sleep'), `#!/bin/sh\necho "sleep $*" >> '${log}'\nPATH='${toolPath(shell)}' exec sleep "$@"\n`, { mode: 0o755 });
      fs.chmodSync(shims, 0o755);
      const c = downloaderFor({ source: ModelSource.http(`${base}/${shell}/model.bin`) }, shell);
      const asUser = { ...c, command: ['/usr/bin/setpriv', '--reuid=1000', '--regid=1000', '--clear-groups', ...c.command] };
      // a heartbeat of 60 s: the waiting loop's `sleep 1` is the only one
      const p = startPod(asUser, dir, shell, 'p', { PATH: `${shims}:${toolPath(shell)}`, HOME: '/tmp', MODEL_LOCK_HEARTBEAT_SECONDS: '60' });
      let ended = false;
      void p.done.then(() => { ended = true; });
      await until('the move of the stale lock', () => fs.existsSync(path.join(gate, 'asked')) || ended);
      // the dead holder's lock went (released by a holder that lived on), and a pod of uid 0 took it: live
      fs.rmSync(lock);
      fs.symlinkSync('live.1.x', lock);
      fs.writeFileSync(path.join(dir, '.model.bin.beat.live.1.x'), `${Math.floor(Date.now() / 1000) + 60}\n`);
      fs.writeFileSync(path.join(gate, 'go'), '');
      await until('the pod waiting a second, or its end', () => logged(log).includes('sleep 1') || ended);
      p.term();
      const result = await within(p, 5_000);
      expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 143, stderr: '' });
      expect(result.stdout).toContain('waiting: live.1.x is downloading model.bin');
      expect(fs.readlinkSync(lock)).toBe('live.1.x');
    }, 30_000);
  }
});

describe('disk full, for a source whose file names are not ASCII', () => {
  for (const shell of SHELLS) {
    test(`${shell}: the line is cut by bytes, within the 2,048 the kubelet keeps, and never inside a character`, async () => {
      needRoot();
      const dir = volume();
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', dir]);
      try {
        // names of three-byte characters (a Hub repository's Chinese file names), 80 each
        const files = [...Array(12).keys()].map(i => `${String(i).padStart(2, '0')}-${'模型'.repeat(40)}.bin`);
        for (const pad of [0, 1, 2]) {
          const c = downloaderFor({ source: ModelSource.http(`${base}/big/${'m'.repeat(10 + pad)}/`, { files }) }, shell);
          const result = await within(startPod(c, dir, shell, `p${pad}`), 20_000);
          expect(result.code).toBe(1);
          expect(result.stderr).toMatch(/^model-prep: FAILED: disk full: [^\n]+\n$/);
          expect(Buffer.byteLength(result.stderr)).toBeLessThanOrEqual(2048);
          // a cut inside a character: the termination message carries U+FFFD
          expect(result.stderr).not.toContain('\uFFFD');
        }
      } finally {
        execFileSync('umount', ['-l', dir]);
      }
    }, 60_000);
  }
});

describe('the failure line\'s clip, as the script defines it, on every alignment of a multibyte name', () => {
  const script: string = downloaderFor({ source: ModelSource.http('http://127.0.0.1:1/m.bin') }).command[2];
  const clip = /\nclip\(\) \{\n[\s\S]*?\n\}\n/.exec(script)![0];
  // ASCII, CJK (3 bytes), emoji (4 bytes) and 2-byte letters, shifted by 0-3 bytes before each bound
  const texts = ['', 'a', 'ab', 'abc'].flatMap(pre => ['中文', '😀', 'ü', 'x'].map(ch => pre + ch.repeat(400)));
  for (const shell of SHELLS) {
    test(`${shell}: at most the bound in bytes, never inside a character, the rest marked "..."`, () => {
      for (const text of texts) {
        for (const bound of [20, 21, 22, 23, 256, 512]) {
          const out = execFileSync(shell === 'dash' ? 'dash' : 'busybox', [...(shell === 'dash' ? [] : ['sh']), '-c', `${clip}clip "$1" "$2"`, 'sh', text, String(bound)],
            { env: { PATH: toolPath(shell) } });
          const shown = { text: text.slice(0, 8), bound, bytes: out.length, whole: Buffer.from(out.toString('utf8')).equals(out), dots: out.toString().endsWith('...') };
          expect(shown).toEqual({ ...shown, bytes: Math.min(shown.bytes, bound), whole: true, dots: Buffer.byteLength(text) > bound });
        }
      }
    });
  }
});
