import { isIP } from 'net';
import { containersOf, error, isQualifiedName, show } from './_helpers';
import { Finding, RenderedPod } from './model';

/** The values the API server accepts for the enum fields of a container. */
const CONTAINER_ENUMS: ReadonlyArray<[string, ReadonlyArray<string>]> = [
  ['terminationMessagePolicy', ['File', 'FallbackToLogsOnError']],
];
const POD_ENUMS: ReadonlyArray<[string, ReadonlyArray<string>]> = [
  ['dnsPolicy', ['ClusterFirst', 'ClusterFirstWithHostNet', 'Default', 'None']],
  ['preemptionPolicy', ['PreemptLowerPriority', 'Never']],
];
const BOOLEANS = ['hostNetwork', 'hostPID', 'hostIPC', 'shareProcessNamespace', 'enableServiceLinks', 'setHostnameAsFQDN'];

/**
 * Enum, boolean and string fields hold values the API server accepts: pull and termination
 * message policies, probe schemes, resize policies, env values as strings, image references
 * without whitespace; DNS policy, topology spread constraints, host aliases (pull policies:
 * `imagePullPolicyValue`; tolerations: `tolerationShape`; other types: `fieldTypes`).
 * Whatever set them — props, an escape hatch, a JSON patch — a typo fails synth, not apply.
 */
export function fieldValues(pod: RenderedPod): Finding[] {
  return [...containerFieldValues(pod), ...podFieldValues(pod)];
}

function containerFieldValues(pod: RenderedPod): Finding[] {
  const findings: Finding[] = [];
  for (const { container: c, path } of containersOf(pod)) {
    const at = (field: string, message: string, fix: string) => findings.push(error(`${path}.${field}`, message, fix, c.name));
    for (const [key, allowed] of CONTAINER_ENUMS) {
      if (c[key] !== undefined && !allowed.includes(c[key])) {
        at(key, `${show(c[key])} is not one of ${allowed.join(', ')}`, `use one of ${allowed.join(', ')}`);
      }
    }
    if (typeof c.image === 'string' && /[\s\0]/.test(c.image)) {
      at('image', `${show(c.image)} contains whitespace or control characters (the kubelet reports InvalidImageName)`, 'write the reference as registry/repository:tag');
    }
    for (const probe of ['startupProbe', 'readinessProbe', 'livenessProbe']) {
      const scheme = c[probe]?.httpGet?.scheme;
      if (scheme !== undefined && !['HTTP', 'HTTPS'].includes(scheme)) {
        at(`${probe}.httpGet.scheme`, `${show(scheme)} is not HTTP or HTTPS`, 'use HTTP or HTTPS');
      }
    }
    (c.resizePolicy ?? []).forEach((r: any, i: number) => {
      if (!['cpu', 'memory'].includes(r?.resourceName) || !['NotRequired', 'RestartContainer'].includes(r?.restartPolicy)) {
        at(`resizePolicy[${i}]`, `${show(r)} needs resourceName cpu or memory and restartPolicy NotRequired or RestartContainer`, 'use those values');
      }
    });
    (c.env ?? []).forEach((e: any, i: number) => {
      if (e?.value !== undefined && typeof e.value !== 'string') {
        at(`env[${i}].value`, `${show(e.value)} is not a string`, `quote it: '${String(e.value)}'`);
      }
    });
  }
  return findings;
}

function podFieldValues(pod: RenderedPod): Finding[] {
  const spec = pod.spec;
  const findings: Finding[] = [];
  const at = (field: string, message: string, fix: string) => findings.push(error(`${pod.specPath}.${field}`, message, fix));
  for (const [key, allowed] of POD_ENUMS) {
    if (spec[key] !== undefined && !allowed.includes(spec[key])) {
      at(key, `${show(spec[key])} is not one of ${allowed.join(', ')}`, `use one of ${allowed.join(', ')}`);
    }
  }
  for (const key of BOOLEANS) {
    if (spec[key] !== undefined && typeof spec[key] !== 'boolean') {
      at(key, `${show(spec[key])} is not a boolean`, 'use true or false');
    }
  }
  if (spec.securityContext?.runAsNonRoot !== undefined && typeof spec.securityContext.runAsNonRoot !== 'boolean') {
    at('securityContext.runAsNonRoot', `${show(spec.securityContext.runAsNonRoot)} is not a boolean`, 'use true or false');
  }
  (spec.topologySpreadConstraints ?? []).forEach((t: any, i: number) => {
    const field = `topologySpreadConstraints[${i}]`;
    if (!(Number.isInteger(t?.maxSkew) && t.maxSkew >= 1)) {
      at(`${field}.maxSkew`, `${show(t?.maxSkew)} is not a whole number of at least 1`, 'use e.g. 1');
    }
    if (typeof t?.topologyKey !== 'string' || !isQualifiedName(t.topologyKey)) {
      at(`${field}.topologyKey`, `${show(t?.topologyKey)} is not a node label key`, 'use e.g. \'topology.kubernetes.io/zone\'');
    }
    if (!['DoNotSchedule', 'ScheduleAnyway'].includes(t?.whenUnsatisfiable)) {
      at(`${field}.whenUnsatisfiable`, `${show(t?.whenUnsatisfiable)} is not DoNotSchedule or ScheduleAnyway`, 'use one of them');
    }
  });
  (spec.hostAliases ?? []).forEach((h: any, i: number) => {
    if (typeof h?.ip !== 'string' || !isIP(h.ip)) {
      at(`hostAliases[${i}].ip`, `${show(h?.ip)} is not an IP address`, 'use an IPv4 or IPv6 address');
    }
  });
  return findings;
}
