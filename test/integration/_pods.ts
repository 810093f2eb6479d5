import { execSync, spawn } from 'child_process';
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Duration } from 'cdk8s';
import { AiInferencePod, ModelPrepInit, ModelPrepInitProps } from '../../src';
import { modelDigest } from '../../src/cli/model-digest';
import { kubeletExpand, plainEnvAsStarted } from '../helpers/kubelet-env';
import { requireTool, RunResult } from '../helpers/run-container';
import { container, manifestOf, newChart, synth } from '../helpers/synth';

/** The shells the downloader images run the script with: dash-like (bash, dash) and BusyBox ash. */
export type Shell = 'dash' | 'busybox';

/** The BusyBox applets the script may use: the curl image has nothing else. */
const APPLETS = ['sh', 'stat', 'find', 'sort', 'dd', 'od', 'awk', 'sed', 'grep', 'cut', 'tr', 'head', 'tail', 'wc', 'mv', 'rm', 'mkdir',
  'ln', 'readlink', 'cat', 'date', 'sleep', 'sha256sum', 'mkfifo', 'df', 'id', 'sync', 'touch', 'cmp', 'cp', 'rmdir', 'printf', 'env'];

let bins: { [shell in Shell]: string } | undefined;

/**
 * PATH for each shell. dash runs with this machine's coreutils and openssl; BusyBox with its
 * own applets only (no openssl), as in `curlimages/curl`. Both get the real curl and the
 * Debian AWS CLI v2 (`aws` on PATH may be a pyenv v1 shim).
 */
export function toolPath(shell: Shell): string {
  if (!bins) {
    requireTool('dash', 'apt-get install -y dash');
    requireTool('busybox', 'apt-get install -y busybox');
    requireTool('curl', 'apt-get install -y curl');
    requireTool('openssl', 'apt-get install -y openssl');
    if (!fs.existsSync('/usr/bin/aws')) {
      throw new Error('the integration tests need the AWS CLI v2 at /usr/bin/aws; install it with: apt-get install -y awscli (.ci/run does this)');
    }
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'model-prep-bin-'));
    const tools = path.join(root, 'tools');
    const box = path.join(root, 'busybox');
    fs.mkdirSync(tools);
    fs.mkdirSync(box);
    for (const dir of [tools, box]) {
      fs.symlinkSync('/usr/bin/aws', path.join(dir, 'aws'));
      fs.symlinkSync('/usr/bin/curl', path.join(dir, 'curl'));
    }
    const busybox = execSync('command -v busybox', { encoding: 'utf8' }).trim();
    for (const applet of [...APPLETS, 'busybox']) {
      fs.symlinkSync(busybox, path.join(box, applet));
    }
    // readable by the non-root users some tests run as
    fs.chmodSync(root, 0o755);
    bins = { dash: `${tools}:/usr/bin:/bin`, busybox: box };
  }
  return bins[shell];
}

/**
 * A PATH that counts the pod's runs of the tools a per-file step would call (the transfer,
 * the hashers, the name encoder, stat, mv, rm; where `shell`'s PATH has them): each is a shim
 * that appends its name to `log`, then runs the tool of `shell`'s PATH. How many processes a
 * download starts is a property of the script; how long they take is one of the machine.
 * (awk and the rest are not shimmed: the script asks them what they are.)
 */
export function countingPath(shell: Shell, log: string): string {
  const real = toolPath(shell);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'model-prep-counted-'));
  const found = (tool: string) => real.split(':').some(d => fs.existsSync(path.join(d, tool)));
  // only what the shell's PATH has: a shim of a missing tool would make it look present
  for (const tool of ['curl', 'aws', 'sha256sum', 'openssl', 'od', 'stat', 'mv', 'rm'].filter(found)) {
    fs.writeFileSync(path.join(dir, tool), `#!/bin/sh\necho ${tool} >> '${log}'\nPATH='${real}' exec ${tool} "$@"\n`, { mode: 0o755 });
  }
  fs.chmodSync(dir, 0o755);
  return `${dir}:${real}`;
}

/**
 * A PATH whose `tools` are shims before `shell`'s own: each appends "<tool> <args>" to `log`
 * and runs the real one; `after` (sh) runs after it with its exit code in $rc.
 */
export function shimPath(shell: Shell, log: string, tools: string[], after = ''): string {
  const real = toolPath(shell);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'model-prep-shims-'));
  for (const tool of tools) {
    fs.writeFileSync(path.join(dir, tool), `#!/bin/sh\necho "${tool} $*" >> '${log}'\nPATH='${real}' ${tool} "$@"\nrc=$?\n${after}\nexit $rc\n`, { mode: 0o755 });
  }
  fs.chmodSync(dir, 0o755);
  return `${dir}:${real}`;
}

/** The lines of a shim log. */
export function logged(log: string): string[] {
  return fs.existsSync(log) ? fs.readFileSync(log, 'utf8').split('\n').filter(Boolean) : [];
}

/** The init container as synthesized, its command (as the kubelet expands it) run by the given shell. */
export function downloaderFor(props: Partial<ModelPrepInitProps> & Pick<ModelPrepInitProps, 'source'>, shell: Shell = 'dash'): any {
  const chart = newChart();
  const pod = new AiInferencePod(chart, 'llm', { server: { image: 'vllm/vllm-openai:v0.6.3' } });
  new ModelPrepInit(pod, 'model-downloader', { retryDelay: Duration.seconds(1), ...props });
  const c = container(manifestOf(synth(chart), 'Pod'), 'model-downloader');
  // the script as the kubelet passes it: $(VAR) and $$ in a command are expanded like env values
  const [, flag, script] = c.command.map((w: string) => kubeletExpand(w, plainEnvAsStarted(c.env)));
  return { ...c, command: shell === 'dash' ? ['dash', flag, script] : ['busybox', 'sh', flag, script] };
}

/** A running pod: its result, and the kubelet's two signals. */
export interface Pod {
  readonly done: Promise<RunResult>;
  /** SIGKILL to every process of the pod (OOM kill, node loss, end of the grace period). */
  readonly kill: () => void;
  /** SIGTERM to the pod's main process, as the kubelet sends it first. */
  readonly term: () => void;
}

/**
 * Starts one "pod": the downloader's command with its plain env values, on a volume directory,
 * with a pod UID and the shell's PATH, in its own process group (as a container).
 */
export function startPod(c: any, dir: string, shell: Shell, uid: string, env: { [name: string]: string } = {}): Pod {
  // as the kubelet starts it: $(VAR) and $$ in env values expanded
  const vars: { [name: string]: string } = plainEnvAsStarted(c.env);
  Object.assign(vars, { PATH: toolPath(shell), MODEL_DIR: dir, HOME: `${dir}-home-${uid}`, MODEL_POD_UID: uid, AWS_EC2_METADATA_DISABLED: 'true' }, env);
  const logs = fs.mkdtempSync(path.join(os.tmpdir(), 'pod-logs-'));
  const out = fs.openSync(path.join(logs, 'stdout'), 'w');
  const err = fs.openSync(path.join(logs, 'stderr'), 'w');
  const child = spawn(c.command[0], c.command.slice(1), { env: vars, detached: true, stdio: ['ignore', out, err] });
  fs.closeSync(out);
  fs.closeSync(err);
  const signal = (sig: NodeJS.Signals, group: boolean) => {
    try {
      process.kill(group ? -(child.pid as number) : (child.pid as number), sig);
    } catch {
      // already gone
    }
  };
  const done = new Promise<RunResult>((resolve) => child.on('exit', (code, sig) => {
    signal('SIGKILL', true);
    const read = (f: string) => fs.readFileSync(path.join(logs, f), 'utf8');
    resolve({ code, signal: sig, stdout: read('stdout'), stderr: read('stderr') });
    fs.rmSync(logs, { recursive: true, force: true });
  }));
  return { done, kill: () => signal('SIGKILL', true), term: () => signal('SIGTERM', false) };
}

/**
 * A heartbeat file of a pod that died long ago: the time in it and the file's own mtime are
 * both old (the script trusts either: the holder's clock or the volume's).
 */
export function deadHeartbeat(file: string): void {
  fs.writeFileSync(file, '1000\n');
  fs.utimesSync(file, 1000, 1000);
}

/** A fresh directory standing for the model volume. */
export function volume(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'model-volume-'));
}

/** One version of a model as its source served it: file contents by relative path ('' for a file model), and their ETags. */
export interface ServedVersion {
  readonly files: Map<string, Buffer>;
  readonly etags: Map<string, string>;
}

/** Entries the script may leave beside the model (lock, heartbeats, staging, handed-over partial). */
function isAuxiliary(name: string, target: string): boolean {
  return [`.${target}.lock`, `.${target}.partial`].includes(name)
    || name === `.${target}.breaking` || [`.${target}.beat.`, `.${target}.stage.`, `.${target}.broken.`, `.${target}.probe.`].some(p => name.startsWith(p));
}

/** Regular files below a directory, by relative path. */
export function filesBelow(root: string, rel = ''): Map<string, Buffer> {
  const found = new Map<string, Buffer>();
  for (const e of fs.readdirSync(path.join(root, rel), { withFileTypes: true })) {
    const child = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) {
      filesBelow(root, child).forEach((v, k) => found.set(k, v));
    } else {
      found.set(child, fs.readFileSync(path.join(root, child)));
    }
  }
  return found;
}

/**
 * The invariant of the README: at the final path there is nothing, or a complete model the
 * source served (every file byte-equal to one served version of it, exactly the source's
 * files); a marker present next to it describes exactly that model (source, sizes, ETags,
 * digest, and the expected sha256 when given); nothing else appears beside it. Returns the
 * violations (empty when it holds).
 */
export async function invariantViolations(dir: string, target: string, kind: 'file' | 'directory', served: ServedVersion[], source: string, sha256?: string): Promise<string[]> {
  const problems: string[] = [];
  for (const name of fs.readdirSync(dir)) {
    if (name !== target && name !== `.${target}.ready` && !isAuxiliary(name, target)) {
      problems.push(`unexpected entry ${JSON.stringify(name)} beside the model`);
    }
  }
  const dest = path.join(dir, target);
  if (!fs.existsSync(dest)) {
    return problems;
  }
  const isDir = fs.statSync(dest).isDirectory();
  if (isDir !== (kind === 'directory')) {
    return [...problems, `${target} is a ${isDir ? 'directory' : 'file'}`];
  }
  const files = isDir ? filesBelow(dest) : new Map([['', fs.readFileSync(dest)]]);
  const expectedNames = [...served[0].files.keys()].sort();
  if (JSON.stringify([...files.keys()].sort()) !== JSON.stringify(expectedNames)) {
    problems.push(`files ${JSON.stringify([...files.keys()].sort())} are not the source's ${JSON.stringify(expectedNames)}`);
    return problems;
  }
  const versionOf = new Map<string, ServedVersion>();
  for (const [name, body] of files) {
    const match = served.find(v => v.files.get(name)!.equals(body));
    if (!match) {
      problems.push(`${name || target} (${body.length} bytes, sha256 ${sha(body)}) is no version the source served`);
    } else {
      versionOf.set(name, match);
    }
  }
  const markerPath = path.join(dir, `.${target}.ready`);
  if (!fs.existsSync(markerPath)) {
    return problems;
  }
  const marker = fs.readFileSync(markerPath, 'utf8');
  const digest = await modelDigest(dest);
  const lines = marker.split('\n');
  const expectLine = (line: string) => lines.includes(line) || problems.push(`marker lacks ${JSON.stringify(line)}: ${JSON.stringify(marker)}`);
  expectLine(`source=${source}`);
  expectLine(`sha256=${digest}`);
  if (sha256) expectLine(`sha256=${sha256}`);
  const recorded = lines.filter(l => l.startsWith('file=')).map(l => l.slice(5).split('\t'));
  if (recorded.length !== files.size) problems.push(`marker lists ${recorded.length} files, the model has ${files.size}`);
  for (const [size, etag, ...rest] of recorded) {
    const name = rest.join('\t');
    const body = files.get(name);
    if (!body || String(body.length) !== size) problems.push(`marker says ${name || target} has ${size} bytes, it has ${body?.length}`);
    const version = versionOf.get(name);
    if (version && version.etags.get(name) !== etag) problems.push(`marker says ${name || target} is ETag ${etag}, its bytes are ETag ${version.etags.get(name)}`);
  }
  return problems;
}

/** Hex sha256. */
export function sha(body: Buffer | string): string {
  return createHash('sha256').update(body).digest('hex');
}

/** A seeded PRNG (mulberry32): the same seed replays the same run. */
/* eslint-disable no-bitwise -- mulberry32 is defined by its 32-bit integer operations */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
/* eslint-enable no-bitwise */

/** Waits until `check` holds, polling every 20 ms; fails after `ms` naming `what`. */
export async function until(what: string, check: () => boolean, ms = 15_000): Promise<void> {
  for (let waited = 0; !check(); waited += 20) {
    if (waited > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Kills the pod if it has not ended after `ms`: a hang fails the test instead of the suite. */
export async function within(p: Pod, ms: number): Promise<RunResult> {
  const timer = setTimeout(p.kill, ms);
  const result = await p.done;
  clearTimeout(timer);
  return result;
}

