import { error, show } from './_helpers';
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
 * `envFrom` are skipped: their variables are not known at synth.
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
          undefinedReferences(c, key, i, arg, findings);
        }
      }
    }
  }
  return findings;
}

const ARGUMENT_LISTS = ['command', 'args'];

function undefinedReferences(c: ContainerEntry, key: string, i: number, arg: string, findings: Finding[]): void {
  for (const match of arg.matchAll(REFERENCE)) {
    if (!(c.container.env ?? []).some((e: any) => e.name === match[2])) {
      findings.push(error(`${c.path}.${key}[${i}]`, `${show(arg)} refers to $(${match[2]}), which the container's env does not set; Kubernetes passes it unexpanded`,
        `set ${match[2]} in the container's env${match[2] === 'MODEL_PATH' ? ', or add a ModelPrepInit (it sets MODEL_PATH in the server)' : ''}`, c.container.name));
    }
  }
}
