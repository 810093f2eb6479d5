import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Env, requireLogTools, SHELLS, startStreamer, untilFollowing } from './_log-stream';

// The streaming command of LogSidecar, exactly as synthesized, run on a temp directory that
// stands in for the volume, with two real environments: dash with GNU tail and sed (the
// default Debian image), and busybox sh with busybox's tail and sed (an Alpine-style mirror).
beforeAll(requireLogTools);

const sleep = (ms: number) => new Promise(r => setTimeout(r, ms));

async function stream(env: Env, prefix: boolean, writer: (dir: string) => Promise<void>, before?: (dir: string) => void): Promise<string[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'app-logs-'));
  before?.(dir);
  const running = startStreamer(env, prefix, dir);
  await untilFollowing(running, dir);
  await writer(dir);
  await sleep(2500);
  running.kill();
  return (await running.done).stdout.split('\n').filter(l => l);
}

describe.each(SHELLS)('%s', (_name, env) => {
  test.concurrent('lines appended by the writer appear on stdout in order, including files created later and rotated files', async () => {
    const lines = await stream(env, false, async (dir) => {
      const app = path.join(dir, 'app.log');
      for (let i = 1; i <= 5; i++) fs.appendFileSync(app, `app ${i}\n`);
      await sleep(1500);
      fs.writeFileSync(path.join(dir, 'access.log'), 'access 1\n');
      await sleep(1500);
      // rotation: rename, then the app reopens a fresh file
      fs.renameSync(app, `${app}.1`);
      fs.writeFileSync(app, 'app 6\n');
      await sleep(1500);
      for (let i = 7; i <= 9; i++) fs.appendFileSync(app, `app ${i}\n`);
      fs.appendFileSync(path.join(dir, 'access.log'), 'access 2\n');
      fs.writeFileSync(path.join(dir, 'ignored.txt'), 'not a log\n');
    });
    expect(lines.filter(l => l.startsWith('app '))).toEqual(['app 1', 'app 2', 'app 3', 'app 4', 'app 5', 'app 6', 'app 7', 'app 8', 'app 9']);
    expect(lines.filter(l => l.startsWith('access '))).toEqual(['access 1', 'access 2']);
    expect(lines).not.toContain('not a log');
  });

  test.concurrent('with prefixFileName each line names its file', async () => {
    const lines = await stream(env, true, async (dir) => {
      fs.appendFileSync(path.join(dir, 'app.log'), 'hello\n');
    });
    expect(lines).toEqual(['app.log: hello']);
  });

  test.concurrent('files present when the sidecar (re)starts are followed from their end: no old lines twice', async () => {
    const lines = await stream(env, false, async (dir) => {
      await sleep(1200);
      fs.appendFileSync(path.join(dir, 'app.log'), 'new line\n');
    }, (dir) => fs.writeFileSync(path.join(dir, 'app.log'), 'old line\n'));
    expect(lines).toEqual(['new line']);
  });

  // "a b.log" is seen first (glob order) and used to hide "b.log"; the others would break
  // tail's options (leading dash), a glob or a sed program built from the name.
  const NAMES = ['a b.log', 'b.log', 'ünïcødé 日本.log', '-n.log', '*.log', 'x|y&z\\1.log', '[a].log'];

  test.concurrent('every file name is streamed: spaces, a name inside another, unicode, leading dash, glob and sed characters', async () => {
    const lines = await stream(env, true, async (dir) => {
      // half the files exist at start (followed from their end), half appear later
      for (const name of NAMES) fs.appendFileSync(path.join(dir, name), `line of ${name}\n`);
    }, (dir) => {
      for (const name of NAMES.filter((_, i) => i % 2 === 0)) fs.writeFileSync(path.join(dir, name), 'old\n');
    });
    expect([...lines].sort()).toEqual(NAMES.map(name => `${name}: line of ${name}`).sort());
  });
});
