import { containersOf, error, show } from './_helpers';
import { Finding, RenderedPod } from './model';

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
  for (const c of containersOf(pod)) {
    if (c.container.envFrom?.length) {
      continue;
    }
    const defined = new Set((c.container.env ?? []).map((e: any) => e.name));
    for (const key of ['command', 'args']) {
      (c.container[key] ?? []).forEach((arg: unknown, i: number) => {
        // a multi-line argument is a script for a shell, whose own $(...) Kubernetes leaves alone
        for (const match of typeof arg === 'string' && !arg.includes('\n') ? arg.matchAll(REFERENCE) : []) {
          if (!defined.has(match[2])) {
            findings.push(error(`${c.path}.${key}[${i}]`, `${show(arg)} refers to $(${match[2]}), which the container's env does not set; Kubernetes passes it unexpanded`,
              `set ${match[2]} in the container's env${match[2] === 'MODEL_PATH' ? ', or add a ModelPrepInit (it sets MODEL_PATH in the server)' : ''}`, c.container.name));
          }
        }
      });
    }
  }
  return findings;
}
