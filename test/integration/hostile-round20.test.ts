import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { requireLogTools, SHELLS, startStreamer, streamer, untilFollowing } from './_log-stream';
import { until } from './_pods';
import { Running } from '../helpers/run-container';

// Hostile round 20: LogSidecar's stream script as a long-running pod's log directory behaves
// over days, under dash with GNU tail/sed and under busybox sh with its own applets.
beforeAll(requireLogTools);

const sleep = (ms: number) => new Promise(r => setTimeout(r, ms));
const start = startStreamer;
/** Lines the streamer has printed so far. */
const printedLines = (running: Running) => running.stdoutSoFar().split('\n').filter(l => l).length;
/** Resolves once the streamer has printed `text` (a loaded machine makes fixed delays too short). */
const printed = (running: Running, text: string) => until(`"${text}" printed`, () => running.stdoutSoFar().includes(text), 20_000);

/** Live (not zombie) processes whose working directory is `dir` (the script cd's there). */
function liveIn(dir: string, comm?: string): number[] {
  const real = fs.realpathSync(dir);
  const found: number[] = [];
  for (const p of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(p)) continue;
    try {
      if (fs.readlinkSync(`/proc/${p}/cwd`) !== real) continue;
      const stat = fs.readFileSync(`/proc/${p}/stat`, 'utf8');
      const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      if (state !== 'Z' && (comm === undefined || name === comm)) found.push(Number(p));
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

describe.each(SHELLS)('%s', (_name, env) => {
  test.concurrent('date-stamped names deleted by retention: their tail processes end (no leak over months)', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'app-logs-'));
    const running = start(env, false, dir);
    await untilFollowing(running, dir);
    for (let i = 0; i < 6; i++) {
      fs.writeFileSync(path.join(dir, `app-2026-11-${10 + i}.log`), `day ${i}\n`);
      await printed(running, `day ${i}`);
      fs.unlinkSync(path.join(dir, `app-2026-11-${10 + i}.log`));
    }
    // a leaked tail stays: waited for until the bound, then counted
    await until('the deleted files\' tails to end', () => liveIn(dir, 'tail').length === 0, 20_000).catch(() => undefined);
    const tails = liveIn(dir, 'tail').length;
    running.kill();
    const lines = (await running.done).stdout.split('\n').filter(l => l);
    expect(lines).toEqual([0, 1, 2, 3, 4, 5].map(i => `day ${i}`));
    expect(tails).toBe(0);
  }, 120_000);

  test.concurrent('two busy files without prefix: no line is cut by the other file\'s output', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'app-logs-'));
    const running = start(env, false, dir);
    await untilFollowing(running, dir);
    const a = fs.openSync(path.join(dir, 'a.log'), 'a');
    const b = fs.openSync(path.join(dir, 'b.log'), 'a');
    for (let i = 1; i <= 20000; i++) {
      fs.writeSync(a, `aaaa line ${i}\n`);
      fs.writeSync(b, `bbbb line ${i}\n`);
    }
    fs.closeSync(a);
    fs.closeSync(b);
    await until('40,000 lines', () => printedLines(running) >= 40000, 30_000).catch(() => undefined);
    running.kill();
    const lines = (await running.done).stdout.split('\n').filter(l => l);
    expect(lines.filter(l => !/^(aaaa|bbbb) line \d+$/.test(l))).toEqual([]);
    expect(lines.filter(l => l.startsWith('aaaa'))).toEqual(Array.from({ length: 20000 }, (_, i) => `aaaa line ${i + 1}`));
    expect(lines.filter(l => l.startsWith('bbbb'))).toEqual(Array.from({ length: 20000 }, (_, i) => `bbbb line ${i + 1}`));
  }, 120_000);

  test.concurrent('SIGTERM: the script and every tail are gone within 300 ms', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'app-logs-'));
    for (const n of ['a.log', 'b.log']) fs.writeFileSync(path.join(dir, n), 'old\n');
    const synthesized = streamer(true);
    const { shell, path: PATH } = env();
    const child = spawn(shell[0], [...shell.slice(1), ...synthesized.command.slice(1)], { env: { LOG_DIR: dir, LOG_PATTERN: '*.log', LOG_PREFIX: '1', PATH }, detached: true, stdio: 'ignore' });
    const exited = new Promise(r => child.on('exit', r));
    await sleep(1500);
    expect(liveIn(dir, 'tail').length).toBe(2);
    child.kill('SIGTERM');
    await sleep(300);
    const left = liveIn(dir);
    try {
      process.kill(-(child.pid as number), 'SIGKILL');
    } catch {
      // gone
    }
    await exited;
    expect(left).toEqual([]);
  }, 120_000);
  test.concurrent('rotation to a date-stamped name that *.log matches (logback, dateext): no line printed twice', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'app-logs-'));
    const running = start(env, false, dir);
    await untilFollowing(running, dir);
    const app = path.join(dir, 'app.log');
    for (let day = 1; day <= 3; day++) {
      for (let i = 1; i <= 3; i++) fs.appendFileSync(app, `day ${day} line ${i}\n`);
      await printed(running, `day ${day} line 3`);
      // a rotation well after the lines (a rename within the streamer's scan second after its first
      // look at the file printed them again once in a CI clone run: noted, not a promise of this test)
      await sleep(1500);
      fs.renameSync(app, path.join(dir, `app-2026-11-${10 + day}.log`));
      fs.writeFileSync(app, '');
      await sleep(1500);
    }
    // retention deletes an old day, and the next new name may reuse its inode: read from its start
    fs.unlinkSync(path.join(dir, 'app-2026-11-11.log'));
    fs.writeFileSync(path.join(dir, 'other.log'), 'other 1\n');
    await printed(running, 'other 1');
    await sleep(1000);
    running.kill();
    const lines = (await running.done).stdout.split('\n').filter(l => l);
    const expected = [1, 2, 3].flatMap(day => [1, 2, 3].map(i => `day ${day} line ${i}`));
    expect(lines).toEqual([...expected, 'other 1']);
  }, 120_000);

  test.concurrent('LOG_PREFIX=1 with a newline in a file name: the prefix stays on the line (as ?)', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'app-logs-'));
    const running = start(env, true, dir);
    await untilFollowing(running, dir);
    fs.writeFileSync(path.join(dir, 'a\nb.log'), 'one\n  two \\n\\\\ three\n');
    await printed(running, 'three');
    await sleep(500);
    running.kill();
    const lines = (await running.done).stdout.split('\n').filter(l => l);
    expect(lines).toEqual(['a?b.log: one', 'a?b.log:   two \\n\\\\ three']);
  }, 120_000);
  // Not tested as a promise: copytruncate refilled past the old size before tail looks again
  // loses lines (tail follows by offset and cannot see the truncation); the README says so.
});
