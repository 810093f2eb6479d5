import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { AiInferencePod, LogSidecar } from '../../src';
import { requireTool, Running, startContainer } from '../helpers/run-container';
import { container, manifestOf, newChart, synth } from '../helpers/synth';

// LogSidecar's streaming command, exactly as synthesized, run on a temp directory that stands in
// for the volume, with two real environments: dash with GNU tail and sed (the default Debian
// image), and busybox sh with busybox's tail and sed (an Alpine-style mirror).

/** Fails loudly when a tool the stream tests run is missing. */
export function requireLogTools(): void {
  requireTool('tail', 'apt-get install -y coreutils');
  requireTool('sed', 'apt-get install -y sed');
  requireTool('dash', 'apt-get install -y dash');
  requireTool('busybox', 'apt-get install -y busybox');
}

/** A directory whose tail, sed, tr, sleep and kill are busybox applets. */
function busyboxBin(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'busybox-bin-'));
  const busybox = fs.realpathSync('/usr/bin/busybox');
  for (const applet of ['tail', 'sed', 'tr', 'sleep', 'kill']) fs.symlinkSync(busybox, path.join(dir, applet));
  return dir;
}

/** How the synthesized `/bin/sh -c SCRIPT` is run: the shell, and the tools first on PATH. */
export type Env = () => { shell: string[]; path: string };

/** The two environments, by name. */
export const SHELLS: Array<[string, Env]> = [
  ['dash, GNU tail and sed', () => ({ shell: ['/usr/bin/dash'], path: process.env.PATH ?? '/usr/bin:/bin' })],
  ['busybox sh, tail and sed', () => ({ shell: ['/usr/bin/busybox', 'sh'], path: `${busyboxBin()}:${process.env.PATH}` })],
];

/** The log-forwarder container as synthesized. */
export function streamer(prefixFileName = false): any {
  const chart = newChart();
  const pod = new AiInferencePod(chart, 'llm', { server: { image: 'vllm/vllm-openai:v0.6.3' } });
  new LogSidecar(pod, 'log-forwarder', { logDir: '/var/log/app', prefixFileName });
  return container(manifestOf(synth(chart), 'Pod'), 'log-forwarder');
}

/** Starts the streamer on `dir` in `env`. */
export function startStreamer(env: Env, prefix: boolean, dir: string): Running {
  const synthesized = streamer(prefix);
  expect(synthesized.command.slice(0, 2)).toEqual(['/bin/sh', '-c']);
  const { shell, path: PATH } = env();
  return startContainer({ ...synthesized, command: [...shell, ...synthesized.command.slice(1)] }, { env: { LOG_DIR: dir, PATH } });
}

/** The processes of process group `pgid`: their command names and the paths of their open files. */
function group(pgid: number): Array<{ comm: string; files: string[] }> {
  const found: Array<{ comm: string; files: string[] }> = [];
  for (const pid of fs.readdirSync('/proc').filter(p => /^\d+$/.test(p))) {
    try {
      const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      const [comm, rest] = [stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')), stat.slice(stat.lastIndexOf(')') + 2).split(' ')];
      if (Number(rest[2]) !== pgid) continue;
      const files = fs.readdirSync(`/proc/${pid}/fd`).map(fd => {
        try {
          return fs.readlinkSync(`/proc/${pid}/fd/${fd}`);
        } catch {
          return '';
        }
      });
      found.push({ comm, files });
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

/**
 * Resolves once the streamer has made its first scan of `dir` (its `sleep` runs) and a `tail`
 * holds each file present at start open (so their next lines count as new): on a loaded
 * machine a fixed delay may end before that, and a line written first is then taken as old.
 */
export async function untilFollowing(running: Running, dir: string, timeoutMs = 30000): Promise<void> {
  const present = fs.readdirSync(dir).filter(f => f.endsWith('.log')).map(f => path.join(dir, f));
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const procs = group(running.pid);
    const open = new Set(procs.flatMap(p => p.files));
    if (procs.some(p => p.comm === 'sleep') && present.every(f => open.has(f))) return;
    if (Date.now() > deadline) throw new Error(`the log streamer did not follow ${present.join(', ') || dir} within ${timeoutMs} ms`);
    await new Promise(r => setTimeout(r, 50));
  }
}
