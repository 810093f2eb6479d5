import { ENV_NAME, error, isDnsSubdomainPrefix, NO_FINDINGS, show, warning } from './_helpers';
import { ContainerEntry, Finding, RenderedPod } from './model';

/**
 * `$(NAME)` after an even run of `$` (`$$` is Kubernetes' escape for one literal `$`, so `$$(NAME)`
 * is text and `$$$(NAME)` a reference; `$(A)$(B)` holds two), with an
 * environment-style name: `$(sha256sum)` in a shell script is command substitution, not a
 * reference.
 */
const REFERENCE = /(?<!\$)(?:\$\$)*\$\(([A-Z_][A-Z0-9_]*)\)/g;

/**
 * A `$(VAR)` in a container's command or args refers to a variable of its `env`. Kubernetes
 * passes an undefined reference through unexpanded, so an engine started with
 * `$(MODEL_PATH)` and no `MODEL_PATH` looks for a model named "$(MODEL_PATH)". Containers with
 * `envFrom` are skipped: their variables are not known at synth. Variables a controller adds
 * to every container of the pods it creates are not in the template: `JOB_COMPLETION_INDEX` in
 * an Indexed Job (the Job controller) is fine; the LeaderWorkerSet's `LWS_*` variables are a
 * warning, since only a pod spec that becomes a LeaderWorkerSet template gets them.
 */
export function argsReferenceDefinedEnv(pod: RenderedPod): Finding[] {
  const findings: Finding[] = [];
  for (const c of pod.containers) {
    subPathExprReferences(pod, c, findings);
    if (c.container.envFrom?.length) {
      continue;
    }
    for (const key of ARGUMENT_LISTS) {
      const args: unknown[] = c.container[key] ?? [];
      for (let i = 0; i < args.length; i++) {
        const arg = args[i];
        // most arguments hold no `$(` at all and are not matched
        if (typeof arg !== 'string' || !arg.includes('$(')) {
          continue;
        }
        // a multi-line argument is a script, whose $(name) is mostly the shell's command substitution; the kubelet
        // still expands the LeaderWorkerSet's own names there (KServe's data-parallel worker script relies on it)
        const script = arg.includes('\n');
        if (!script || arg.includes('$(LWS_')) {
          undefinedReferences(pod, c, key, i, arg, findings, script);
        }
      }
    }
  }
  return findings;
}

/**
 * `${NAME}` or `$NAME` after an even run of `$`: a shell's reference, which the kubelet does not
 * expand in a `subPathExpr` (no shell reads it).
 */
const SHELL_REFERENCE = /(?<!\$)(?:\$\$)*\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))/;

/**
 * A mount's `subPathExpr` expands the container's own variables only: each `$(VAR)` must be in its
 * env (containers with `envFrom` skipped). A shell's `${VAR}` or `$VAR` is not expanded at all:
 * every pod would share the directory named so, which a per-pod sub-directory is meant to avoid.
 */
function subPathExprReferences(pod: RenderedPod, c: ContainerEntry, findings: Finding[]): void {
  const mounts: unknown = c.container.volumeMounts;
  for (let i = 0; Array.isArray(mounts) && i < mounts.length; i++) {
    const expr = mounts[i]?.subPathExpr;
    if (typeof expr !== 'string' || !expr.includes('$')) {
      continue;
    }
    const shell = SHELL_REFERENCE.exec(expr);
    if (shell) {
      const name = shell[1] ?? shell[2];
      findings.push(error(`${c.path}.volumeMounts[${i}].subPathExpr`, `${show(expr)} writes ${shell[0]} as a shell would: the kubelet expands only $(${name}), `
        + `so every pod would get the one directory named "${shell[0]}"`, `write $(${name})${c.container.envFrom?.length ? '' : `, with ${name} in the container's env`} (or $$ for a literal $)`, c.container.name));
    }
    if (c.container.envFrom?.length) {
      continue;
    }
    for (const match of expr.matchAll(REFERENCE)) {
      const name = match[1];
      if (!(c.container.env ?? []).some((e: any) => e.name === name) && !pod.facts.injectedEnv?.includes(name)) {
        findings.push(error(`${c.path}.volumeMounts[${i}].subPathExpr`, `${show(expr)} refers to $(${name}), which the container's env does not set: the kubelet cannot expand it`,
          `set ${name} in the container's env (a pod field with fieldEnv: { ${name}: PodField.POD_NAME }), or use a fixed subPath`, c.container.name));
      }
    }
  }
}

const ARGUMENT_LISTS = ['command', 'args'];

/** Flags whose value is a credential (vLLM's and SGLang's `--api-key`, TGI's `--hf-token`, …), matched whole. */
const CREDENTIAL_FLAG = /^--?(api[-_]key|hf[-_]token|token|access[-_]token|auth[-_]token|password|secret[-_]key)(?:=(.*))?$/i;

/**
 * A credential written as a literal after `--api-key` (or `--hf-token`, `--token`, `--password`, …)
 * in command or args is part of the pod spec: whoever may read the pod, its Deployment or the
 * API server's audit log reads it, and it cannot be rotated without a new rollout. A warning.
 * A `$(VAR)` value (a Secret key through `secretEnv`), a file path and a value that is the next
 * flag are not literals (nor a `./`, `../` or `~/` path); a multi-line script is not looked into. The value is never printed.
 */
export function credentialInArgs(pod: RenderedPod): Finding[] {
  let findings: Finding[] | undefined;
  for (const c of pod.containers) {
    for (const key of ARGUMENT_LISTS) {
      const args: unknown[] = c.container[key] ?? [];
      for (let i = 0; i < args.length; i++) {
        const arg = args[i];
        // most arguments are not a flag of this kind: one character test before the pattern
        if (typeof arg !== 'string' || arg.charCodeAt(0) !== 45 /* - */) {
          continue;
        }
        const match = CREDENTIAL_FLAG.exec(arg);
        if (!match) {
          continue;
        }
        const value = match[2] ?? args[i + 1];
        if (typeof value !== 'string' || !isCredentialLiteral(value)) {
          continue;
        }
        const flag = arg.split('=')[0];
        const at = match[2] === undefined ? i + 1 : i;
        (findings ??= []).push(warning(`${c.path}.${key}[${at}]`,
          `the value of ${flag} is a literal credential in the pod spec: whoever can read the pod, its controller or the audit log reads it`,
          `keep it in a Secret and pass it by reference: secretEnv: { API_KEY: { secretName, key } } with "${flag}", "$(API_KEY)"`
          + (/^--?api[-_]key$/i.test(flag) ? ' (vLLM also reads VLLM_API_KEY from its environment)' : ''), c.container.name));
      }
    }
  }
  return findings ?? NO_FINDINGS;
}

/** A value given after a credential flag that is the credential itself, not a reference, a file or the next flag. */
function isCredentialLiteral(value: string): boolean {
  return value.trim() !== '' && !value.includes('$(') && !value.startsWith('$') && !value.startsWith('/') && !value.startsWith('-') && !value.includes('\n')
    // a relative or home-directory path is a file the tool reads (`./secrets/token`, `~/.cache/huggingface/token`)
    && !/^(\.\.?|~)\//.test(value);
}

/**
 * Set by the LeaderWorkerSet pod webhook in every container of a group's pods
 * (kubernetes-sigs/lws: api/leaderworkerset/v1 `LwsLeaderAddress`, `LwsGroupSize`, `LwsWorkerIndex`).
 */
const LWS_INJECTED = new Set(['LWS_LEADER_ADDRESS', 'LWS_GROUP_SIZE', 'LWS_WORKER_INDEX']);

function undefinedReferences(pod: RenderedPod, c: ContainerEntry, key: string, i: number, arg: string, findings: Finding[], script: boolean): void {
  for (const match of arg.matchAll(REFERENCE)) {
    const name = match[1];
    if (script && !LWS_INJECTED.has(name)) {
      continue;
    }
    if ((c.container.env ?? []).some((e: any) => e.name === name) || pod.facts.injectedEnv?.includes(name)) {
      continue;
    }
    if (name === 'JOB_COMPLETION_INDEX' && pod.kind === 'Job' && pod.json?.spec?.completionMode === 'Indexed') {
      // the Job controller sets it in every container of an Indexed Job's pods
      continue;
    }
    if (LWS_INJECTED.has(name)) {
      const what = script ? 'the script' : show(arg);
      const outcome = script ? 'the shell then runs it as a command substitution' : 'Kubernetes passes it unexpanded';
      findings.push(warning(`${c.path}.${key}[${i}]`, `${what} refers to $(${name}), which only the LeaderWorkerSet controller sets (in the pods of a LeaderWorkerSet); in any other pod ${outcome}`,
        `list it in injectedEnv when the pod spec goes into a LeaderWorkerSet (its leaderTemplate or workerTemplate), or set ${name} in the container's env`, c.container.name));
      continue;
    }
    findings.push(error(`${c.path}.${key}[${i}]`, `${show(arg)} refers to $(${name}), which the container's env does not set; Kubernetes passes it unexpanded`,
      `set ${name} in the container's env${name === 'MODEL_PATH' ? ', or add a ModelPrepInit (it sets MODEL_PATH in the server)' : ''}`, c.container.name));
  }
}

const ENV_FROM_REFS = ['configMapRef', 'secretRef'];

/**
 * Each envFrom entry reads exactly one of a ConfigMap and a Secret, named by a DNS-1123
 * subdomain; its prefix, put before every key, is a valid variable name (the same portable
 * rule as env names: letters, digits, '_', '-', '.', not starting with a digit, no '=').
 */
export function envFromSources(pod: RenderedPod): Finding[] {
  let findings: Finding[] | undefined;
  for (const c of pod.containers) {
    const sources: unknown = c.container.envFrom;
    if (!Array.isArray(sources)) {
      continue;
    }
    for (let i = 0; i < sources.length; i++) {
      const source = sources[i];
      const prefix = source?.prefix;
      if (prefix !== undefined && prefix !== '' && (typeof prefix !== 'string' || !ENV_NAME.test(prefix) || prefix.startsWith('..'))) {
        (findings ??= []).push(error(envFromPath(c, i, '.prefix'), `${show(prefix)} is not a valid prefix for environment variable names`,
          "use letters, digits, '_', '-' or '.', not starting with a digit, e.g. \"HF_\"", c.container.name));
      }
      const configMap = source?.configMapRef;
      const secret = source?.secretRef;
      if ((configMap === undefined) === (secret === undefined)) {
        (findings ??= []).push(error(envFromPath(c, i, ''), `${configMap === undefined ? 'names neither a configMapRef nor a secretRef' : 'names both a configMapRef and a secretRef'}`,
          'give each envFrom entry one source: { configMapRef: { name } } or { secretRef: { name } }', c.container.name));
        continue;
      }
      const ref = configMap ?? secret;
      if (!isDnsSubdomainPrefix(ref?.name)) {
        const key = configMap === undefined ? ENV_FROM_REFS[1] : ENV_FROM_REFS[0];
        (findings ??= []).push(error(envFromPath(c, i, `.${key}.name`), `${show(ref?.name ?? '')} is not a valid ${key === 'secretRef' ? 'Secret' : 'ConfigMap'} name (DNS-1123 subdomain: lowercase letters, digits, '-' and '.')`,
          'name the object as it is in the cluster, e.g. "llm-config"', c.container.name));
      }
    }
  }
  return findings ?? NO_FINDINGS;
}

function envFromPath(c: ContainerEntry, i: number, field: string): string {
  return `${c.path}.envFrom[${i}]${field}`;
}
