import { spawn, spawnSync } from 'child_process';

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
  /** Called with each stdout chunk (to act at a point of the run). */
  readonly onStdout?: (chunk: string, kill: () => void) => void;
}

/**
 * Runs a container's command, exactly as synthesized, with /bin/sh on this machine: the
 * container's env (plain values, and Secret values from `secrets`) plus PATH, with the
 * overrides in `env` (the test maps mount paths to temp dirs). Nothing else is substituted.
 */
export function runContainer(container: any, options: RunOptions = {}): Promise<RunResult> {
  const env: { [name: string]: string } = { PATH: process.env.PATH ?? '/usr/bin:/bin', AWS_EC2_METADATA_DISABLED: 'true' };
  for (const e of container.env ?? []) {
    if (e.value !== undefined) {
      env[e.name] = e.value;
    } else if (e.valueFrom?.secretKeyRef) {
      const ref = `${e.valueFrom.secretKeyRef.name}/${e.valueFrom.secretKeyRef.key}`;
      if (options.secrets?.[ref] !== undefined) {
        env[e.name] = options.secrets[ref];
      }
    }
  }
  Object.assign(env, options.env);
  const [command, ...args] = [...(container.command ?? []), ...(container.args ?? [])];
  return new Promise((resolve) => {
    const child = spawn(command, args, { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    const kill = () => {
      try {
        process.kill(-(child.pid as number), 'SIGKILL');
      } catch {
        // already gone
      }
    };
    const timer = options.killAfterMs ? setTimeout(kill, options.killAfterMs) : undefined;
    child.stdout.on('data', (d) => {
      stdout += d;
      options.onStdout?.(String(d), kill);
    });
    child.stderr.on('data', (d) => { stderr += d; });
    child.on('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}
