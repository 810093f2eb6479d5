import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { AiInferencePod, LogSidecar } from '../../src';
import { requireTool, startContainer } from '../helpers/run-container';
import { container, manifestOf, newChart, synth } from '../helpers/synth';

// The streaming command of LogSidecar, exactly as synthesized, run with the real /bin/sh and
// GNU tail (the default image is Debian's) on a temp directory that stands in for the volume.
beforeAll(() => {
  requireTool('tail', 'apt-get install -y coreutils');
  requireTool('sed', 'apt-get install -y sed');
});

const sleep = (ms: number) => new Promise(r => setTimeout(r, ms));

function streamer(prefixFileName = false): any {
  const chart = newChart();
  const pod = new AiInferencePod(chart, 'llm', { server: { image: 'vllm/vllm-openai:v0.6.3' } });
  new LogSidecar(pod, 'log-forwarder', { logDir: '/var/log/app', prefixFileName });
  return container(manifestOf(synth(chart), 'Pod'), 'log-forwarder');
}

async function stream(prefix: boolean, writer: (dir: string) => Promise<void>, before?: (dir: string) => void): Promise<string[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'app-logs-'));
  before?.(dir);
  const running = startContainer(streamer(prefix), { env: { LOG_DIR: dir } });
  await sleep(300);
  await writer(dir);
  await sleep(2500);
  running.kill();
  return (await running.done).stdout.split('\n').filter(l => l);
}

test('lines appended by the writer appear on stdout in order, including files created later and rotated files', async () => {
  const lines = await stream(false, async (dir) => {
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

test('with prefixFileName each line names its file', async () => {
  const lines = await stream(true, async (dir) => {
    fs.appendFileSync(path.join(dir, 'app.log'), 'hello\n');
  });
  expect(lines).toEqual(['app.log: hello']);
});

test('files present when the sidecar (re)starts are followed from their end: no old lines twice', async () => {
  const lines = await stream(false, async (dir) => {
    await sleep(1200);
    fs.appendFileSync(path.join(dir, 'app.log'), 'new line\n');
  }, (dir) => fs.writeFileSync(path.join(dir, 'app.log'), 'old line\n'));
  expect(lines).toEqual(['new line']);
});
