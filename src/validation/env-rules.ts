import { error, show, warning } from './_helpers';
import { ContainerEntry, Finding, RenderedPod } from './model';

/**
 * `$(NAME)` not preceded by `$` (`$$(NAME)` is Kubernetes' escape for the literal text), with an
 * environment-style name: `$(sha256sum)` in a shell script is command substitution, not a
 * reference.
 */
const REFERENCE = /(^|[^$])\$\(([A-Z_][A-Z0-9_]*)\)/g;

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
    if (c.container.envFrom?.length) {
      continue;
    }
    for (const key of ARGUMENT_LISTS) {
      const args: unknown[] = c.container[key] ?? [];
      for (let i = 0; i < args.length; i++) {
        const arg = args[i];
        // a multi-line argument is a script for a shell, whose own $(...) Kubernetes leaves alone;
        // most arguments hold no `$(` at all and are not matched
        if (typeof arg === 'string' && arg.includes('$(') && !arg.includes('\n')) {
          undefinedReferences(pod, c, key, i, arg, findings);
        }
      }
    }
  }
  return findings;
}

const ARGUMENT_LISTS = ['command', 'args'];

/**
 * Set by the LeaderWorkerSet pod webhook in every container of a group's pods
 * (kubernetes-sigs/lws: api/leaderworkerset/v1 `LwsLeaderAddress`, `LwsGroupSize`, `LwsWorkerIndex`).
 */
const LWS_INJECTED = new Set(['LWS_LEADER_ADDRESS', 'LWS_GROUP_SIZE', 'LWS_WORKER_INDEX']);

function undefinedReferences(pod: RenderedPod, c: ContainerEntry, key: string, i: number, arg: string, findings: Finding[]): void {
  for (const match of arg.matchAll(REFERENCE)) {
    const name = match[2];
    if ((c.container.env ?? []).some((e: any) => e.name === name)) {
      continue;
    }
    if (name === 'JOB_COMPLETION_INDEX' && pod.kind === 'Job' && pod.json?.spec?.completionMode === 'Indexed') {
      // the Job controller sets it in every container of an Indexed Job's pods
      continue;
    }
    if (LWS_INJECTED.has(name)) {
      findings.push(warning(`${c.path}.${key}[${i}]`, `${show(arg)} refers to $(${name}), which only the LeaderWorkerSet controller sets (in the pods of a LeaderWorkerSet); in any other pod Kubernetes passes it unexpanded`,
        `use this pod spec as a LeaderWorkerSet leaderTemplate or workerTemplate, or set ${name} in the container's env`, c.container.name));
      continue;
    }
    findings.push(error(`${c.path}.${key}[${i}]`, `${show(arg)} refers to $(${name}), which the container's env does not set; Kubernetes passes it unexpanded`,
      `set ${name} in the container's env${name === 'MODEL_PATH' ? ', or add a ModelPrepInit (it sets MODEL_PATH in the server)' : ''}`, c.container.name));
  }
}
