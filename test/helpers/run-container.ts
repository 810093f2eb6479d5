import { spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { kubeletExpand } from './kubelet-env';

/** Fails with a clear message when a tool the integration tests run is missing (`.ci/run` installs it). */
export function requireTool(tool: string, installHint: string): void {
  const found = spawnSync('sh', ['-c', `command -v ${tool} || test -x /usr/sbin/${tool}`], { encoding: 'utf8' });
  if (found.status !== 0) {
    throw new Error(`the integration tests need the real \`${tool}\` on PATH; install it with: ${installHint} (.ci/run does this)`);
  }
}

/** What a run printed and how it ended. */
export interface RunResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** How to run a synthesized container on this machine. */
export interface RunOptions {
  /** Replaces env values, e.g. MODEL_DIR (the volume mount) with a temp dir. */
  readonly env?: { [name: string]: string };
  /** Values of Secret keys, as `secretName/key`. */
  readonly secrets?: { [secretKey: string]: string };
  /** Kill the whole process group after this many ms. */
  readonly killAfterMs?: number;
}

/** A running container command. */
export interface Running {
  /** Resolves when the process group has exited. */
  readonly done: Promise<RunResult>;
  /** SIGKILLs the whole process group (as the kubelet's final kill does). */
  readonly kill: () => void;
  /** The first process's pid, which is also its process group's id. */
  readonly pid: number;
  /** What it has written to stdout so far (a test waits for a line instead of a fixed delay). */
  readonly stdoutSoFar: () => string;
}

/**
 * Runs a container's command, as the kubelet starts it, with /bin/sh on this machine: the
 * container's env (plain values, and Secret values from `secrets`) plus PATH, with the
 * overrides in `env` (the test maps mount paths to temp dirs). Values are expanded as the
 * kubelet does ($(VAR), $$), and so are the command and args; nothing else is substituted.
 */
export function runContainer(container: any, options: RunOptions = {}): Promise<RunResult> {
  return startContainer(container, options).done;
}

/** Starts a container's command like `runContainer` and returns a handle to stop it. */
export function startContainer(container: any, options: RunOptions = {}): Running {
  // as the kubelet sets them: $(VAR) and $$ in a value expanded against the variables before it
  const defined: { [name: string]: string } = {};
  for (const e of container.env ?? []) {
    if (e.value !== undefined) {
      defined[e.name] = kubeletExpand(e.value, defined);
    } else if (e.valueFrom?.secretKeyRef) {
      const ref = `${e.valueFrom.secretKeyRef.name}/${e.valueFrom.secretKeyRef.key}`;
      if (options.secrets?.[ref] !== undefined) {
        defined[e.name] = options.secrets[ref];
      }
    }
  }
  const env: { [name: string]: string } = { PATH: process.env.PATH ?? '/usr/bin:/bin', AWS_EC2_METADATA_DISABLED: 'true', ...defined, ...options.env };
  // the kubelet expands command and args too ($(VAR) of the container's env, `$$` as `$`)
  const [command, ...args] = [...(container.command ?? []), ...(container.args ?? [])].map((w: string) => kubeletExpand(w, defined));
  // stdout/stderr go to files, as a container runtime's log files: a program that opens
  // /dev/stdout (nginx's access_log) cannot open the socket pair node would use.
  const logs = fs.mkdtempSync(path.join(os.tmpdir(), 'container-logs-'));
  const out = fs.openSync(path.join(logs, 'stdout'), 'w');
  const err = fs.openSync(path.join(logs, 'stderr'), 'w');
  const child = spawn(command, args, { env, detached: true, stdio: ['ignore', out, err] });
  fs.closeSync(out);
  fs.closeSync(err);
  const kill = () => {
    try {
      process.kill(-(child.pid as number), 'SIGKILL');
    } catch {
      // already gone
    }
  };
  const done = new Promise<RunResult>((resolve) => {
    const timer = options.killAfterMs ? setTimeout(kill, options.killAfterMs) : undefined;
    child.on('exit', (code, signal) => {
      if (timer) clearTimeout(timer);
      // the group may still hold children (a killed shell's tail, nginx workers)
      kill();
      resolve({ code, signal, stdout: fs.readFileSync(path.join(logs, 'stdout'), 'utf8'), stderr: fs.readFileSync(path.join(logs, 'stderr'), 'utf8') });
    });
  });
  const stdoutSoFar = () => fs.readFileSync(path.join(logs, 'stdout'), 'utf8');
  return { done, kill, pid: child.pid as number, stdoutSoFar };
}
