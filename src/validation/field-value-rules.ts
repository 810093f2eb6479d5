import { isIP } from 'net';
import { error, isQualifiedName, show } from './_helpers';
import { labelSelectorFindings } from './_object-helpers';
import { ContainerEntry, Finding, RenderedPod } from './model';

/** The values the API server accepts for the enum fields of a container. */
const CONTAINER_ENUMS: ReadonlyArray<[string, ReadonlyArray<string>]> = [
  ['terminationMessagePolicy', ['File', 'FallbackToLogsOnError']],
];
const POD_ENUMS: ReadonlyArray<[string, ReadonlyArray<string>]> = [
  ['dnsPolicy', ['ClusterFirst', 'ClusterFirstWithHostNet', 'Default', 'None']],
  ['preemptionPolicy', ['PreemptLowerPriority', 'Never']],
];

/**
 * Enum and string fields hold values the API server accepts: termination message policies, probe
 * schemes, resize policies, image references without whitespace; seccomp profile types, procMount,
 * mount propagation; DNS policy, topology spread constraints, host aliases, fsGroupChangePolicy,
 * emptyDir media (node-affinity operators: `affinityTerms`; pull policies:
 * `imagePullPolicyValue`; tolerations: `tolerationShape`; JSON types: `schemaTypes`, which runs first).
 * Whatever set them — props, an escape hatch, a JSON patch — a typo fails synth, not apply.
 */
export function fieldValues(pod: RenderedPod): Finding[] {
  const findings: Finding[] = [];
  for (const c of pod.containers) {
    containerFieldValues(c, findings);
  }
  podFieldValues(pod, findings);
  return findings;
}

const SECCOMP_TYPES = ['RuntimeDefault', 'Localhost', 'Unconfined'];
const PROC_MOUNTS = ['Default', 'Unmasked'];
const MOUNT_PROPAGATIONS = ['None', 'HostToContainer', 'Bidirectional'];
const FS_GROUP_CHANGE_POLICIES = ['OnRootMismatch', 'Always'];
const EMPTY_DIR_MEDIA = ['', 'Memory', 'HugePages'];
const SPREAD_POLICIES = ['Honor', 'Ignore'];

/** Reports `value` when it is set and not one of `allowed`. */
function enumValue(value: unknown, allowed: ReadonlyArray<string>, field: string, at: (field: string, message: string, fix: string) => void): void {
  if (value !== undefined && !allowed.includes(value as string)) {
    at(field, `${show(value)} is not one of ${allowed.join(', ')}`, `use one of ${allowed.join(', ')}`);
  }
}
/** Linux's limit on one argument or one `NAME=value` environment entry, with its terminating NUL (32 pages). */
const MAX_ARG_STRLEN = 131072;

/** The bytes `text` takes as an exec string after `prefix` bytes (`NAME=`), when over MAX_ARG_STRLEN; else undefined. */
function overArgLimit(text: string, prefix: number): number | undefined {
  // a UTF-16 unit is at most 3 UTF-8 bytes: short strings (all of them, nearly) are not measured
  if ((text.length + prefix) * 3 < MAX_ARG_STRLEN) {
    return undefined;
  }
  const bytes = Buffer.byteLength(text) + prefix + 1;
  return bytes > MAX_ARG_STRLEN ? bytes : undefined;
}

/**
 * `text` as the kubelet passes it to the process (kubernetes third_party/forked/golang/expansion):
 * `$$` is one `$`, `$(NAME)` of a variable in `defined` its value, anything else as written.
 */
function kubeletExpanded(text: string, defined: ReadonlyMap<string, string>): string {
  return text.includes('$') ? text.replace(/\$(\$|\(([^)]*)\))/g, (whole, rest: string, name: string | undefined) =>
    (rest === '$' ? '$' : name !== undefined && defined.has(name) ? defined.get(name) as string : whole)) : text;
}

/** A container's plain env values as its process gets them, each expanded against the variables before it; others unknown. */
function plainEnvExpanded(env: any[]): Map<string, string> {
  const defined = new Map<string, string>();
  for (const e of env) {
    if (typeof e?.name === 'string' && typeof e.value === 'string') {
      defined.set(e.name, kubeletExpanded(e.value, defined));
    }
  }
  return defined;
}

/** How many `$(` a text holds. */
function references(text: string): number {
  let count = 0;
  for (let at = text.indexOf('$('); at >= 0; at = text.indexOf('$(', at + 2)) {
    count++;
  }
  return count;
}

/** The UTF-8 size of the longest value among `defined`. */
function longestValueBytes(defined: ReadonlyMap<string, string>): number {
  let longest = 0;
  for (const value of defined.values()) {
    longest = Math.max(longest, Buffer.byteLength(value));
  }
  return longest;
}

/** The start of a long text, for a message. */
function preview(text: string): string {
  return `${show(text.slice(0, 60))}...`;
}

const PROBES = ['startupProbe', 'readinessProbe', 'livenessProbe'];
const SCHEMES = ['HTTP', 'HTTPS'];
const RESIZE_RESOURCES = ['cpu', 'memory'];
const RESIZE_RESTART_POLICIES = ['NotRequired', 'RestartContainer'];

/**
 * What the runtime needs to start a process, which the API server does not check: an absolute
 * working directory (the OCI runtime spec; runc refuses the container) and a program to run
 * (an exec with an empty program name fails: the container never starts, a probe never passes).
 */
function programFieldValues(c: any, at: (field: string, message: string, fix: string) => void): void {
  if (typeof c.workingDir === 'string' && c.workingDir !== '' && !c.workingDir.startsWith('/')) {
    at('workingDir', `${show(c.workingDir)} is not an absolute path: the container runtime refuses to start the container (OCI: cwd must be absolute)`,
      `write it from the root, e.g. ${show(`/${c.workingDir.replace(/^\.\/+/, '')}`)}`);
  }
  const execs: Array<[string, unknown]> = [['command', c.command],
    ...PROBES.map((p): [string, unknown] => [`${p}.exec.command`, c[p]?.exec?.command]),
    ...['postStart', 'preStop'].map((h): [string, unknown] => [`lifecycle.${h}.exec.command`, c.lifecycle?.[h]?.exec?.command])];
  for (const [field, words] of execs) {
    if (Array.isArray(words) && words.length > 0 && words[0] === '') {
      at(`${field}[0]`, '"" is no program: the exec fails every time (a command that never starts, a probe or hook that always fails)',
        'name the program first, e.g. ["/bin/sh", "-c", "..."]');
    }
  }
}

function containerFieldValues(entry: ContainerEntry, findings: Finding[]): void {
  const c = entry.container;
  const at = (field: string, message: string, fix: string) => findings.push(error(`${entry.path}.${field}`, message, fix, c.name));
  for (const [key, allowed] of CONTAINER_ENUMS) {
    if (c[key] !== undefined && !allowed.includes(c[key])) {
      at(key, `${show(c[key])} is not one of ${allowed.join(', ')}`, `use one of ${allowed.join(', ')}`);
    }
  }
  const env: any[] = Array.isArray(c.env) ? c.env : [];
  // the kernel measures what the kubelet passes: `$$` as one `$`, $(VAR) as its value; only long words are expanded
  let expandedEnv: Map<string, string> | undefined;
  const started = (text: string, before: any[] = env): string => {
    const short = text.length * 3 < MAX_ARG_STRLEN;
    if (short && !text.includes('$(')) {
      return text;
    }
    const defined = before === env ? (expandedEnv = expandedEnv ?? plainEnvExpanded(env)) : plainEnvExpanded(before);
    // a short word grows only through its references: not past the limit when each became the longest variable
    // (a script's many $(cmd) are counted too; one bound, not a scan of the script per variable)
    if (short && Buffer.byteLength(text) + references(text) * longestValueBytes(defined) < MAX_ARG_STRLEN) {
      return text;
    }
    return kubeletExpanded(text, defined);
  };
  // runc cannot exec an argument or set a variable that holds a NUL byte: the container never starts (EINVAL)
  for (const key of ['command', 'args'] as const) {
    const words: unknown[] = Array.isArray(c[key]) ? c[key] : [];
    for (let i = 0; i < words.length; i++) {
      const word = words[i];
      if (typeof word === 'string' && word.includes('\0')) {
        at(`${key}[${i}]`, `${show(word)} holds a NUL byte, which no process can be started with`, 'remove the \\0 (a string from a C API or a file read in binary?)');
      }
      const bytes = typeof word === 'string' ? overArgLimit(started(word), 0) : undefined;
      if (bytes !== undefined) {
        at(`${key}[${i}]`, `${preview(word as string)} is ${bytes} bytes, over the kernel's limit of ${MAX_ARG_STRLEN} for one argument (MAX_ARG_STRLEN): `
          + 'the container never starts (exec: argument list too long)', 'pass the text in a file (a ConfigMap volume) instead');
      }
    }
  }
  for (let i = 0; i < env.length; i++) {
    if (typeof env[i]?.value === 'string' && env[i].value.includes('\0')) {
      at(`env[${i}].value`, `${show(env[i].value)} holds a NUL byte, which no process can be given in its environment`, 'remove the \\0');
    }
    const bytes = typeof env[i]?.value === 'string' ? overArgLimit(started(env[i].value, env.slice(0, i)), String(env[i].name).length + 1) : undefined;
    if (bytes !== undefined) {
      at(`env[${i}].value`, `${show(env[i].name)}=${preview(env[i].value)} is ${bytes} bytes, over the kernel's limit of ${MAX_ARG_STRLEN} for one `
        + 'environment entry (MAX_ARG_STRLEN): the container never starts (exec: argument list too long)',
      'pass the value in a file (a ConfigMap volume) instead; for ModelPrepInit, list fewer files (a long `files` list is its variables MODEL_FILES and MODEL_SOURCE)');
    }
  }
  programFieldValues(c, at);
  for (const probe of PROBES) {
    const scheme = c[probe]?.httpGet?.scheme;
    if (scheme !== undefined && !SCHEMES.includes(scheme)) {
      at(`${probe}.httpGet.scheme`, `${show(scheme)} is not HTTP or HTTPS`, 'use HTTP or HTTPS');
    }
  }
  const resizePolicy: any[] = c.resizePolicy ?? [];
  for (let i = 0; i < resizePolicy.length; i++) {
    const r = resizePolicy[i];
    if (!RESIZE_RESOURCES.includes(r?.resourceName) || !RESIZE_RESTART_POLICIES.includes(r?.restartPolicy)) {
      at(`resizePolicy[${i}]`, `${show(r)} needs resourceName cpu or memory and restartPolicy NotRequired or RestartContainer`, 'use those values');
    }
  }
  enumValue(c.securityContext?.seccompProfile?.type, SECCOMP_TYPES, 'securityContext.seccompProfile.type', at);
  enumValue(c.securityContext?.procMount, PROC_MOUNTS, 'securityContext.procMount', at);
  const mounts: any[] = c.volumeMounts ?? [];
  for (let i = 0; i < mounts.length; i++) {
    enumValue(mounts[i]?.mountPropagation, MOUNT_PROPAGATIONS, `volumeMounts[${i}].mountPropagation`, at);
  }
}

function podFieldValues(pod: RenderedPod, findings: Finding[]): void {
  const spec = pod.spec;
  const at = (field: string, message: string, fix: string) => findings.push(error(`${pod.specPath}.${field}`, message, fix));
  for (const [key, allowed] of POD_ENUMS) {
    if (spec[key] !== undefined && !allowed.includes(spec[key])) {
      at(key, `${show(spec[key])} is not one of ${allowed.join(', ')}`, `use one of ${allowed.join(', ')}`);
    }
  }
  enumValue(spec.securityContext?.seccompProfile?.type, SECCOMP_TYPES, 'securityContext.seccompProfile.type', at);
  enumValue(spec.securityContext?.fsGroupChangePolicy, FS_GROUP_CHANGE_POLICIES, 'securityContext.fsGroupChangePolicy', at);
  const volumes: any[] = spec.volumes ?? [];
  for (let i = 0; i < volumes.length; i++) {
    const medium = volumes[i]?.emptyDir?.medium;
    if (medium !== undefined && !EMPTY_DIR_MEDIA.includes(medium) && !/^HugePages-[0-9]+[KMGTPE]i$/.test(String(medium))) {
      at(`volumes[${i}].emptyDir.medium`, `${show(medium)} is not "", Memory or HugePages[-<size>]`, 'use Memory, or leave it out for the node\'s disk');
    }
  }
  const spreadSeen = new Set<string>();
  (spec.topologySpreadConstraints ?? []).forEach((t: any, i: number) => {
    const field = `topologySpreadConstraints[${i}]`;
    enumValue(t?.nodeAffinityPolicy, SPREAD_POLICIES, `${field}.nodeAffinityPolicy`, at);
    enumValue(t?.nodeTaintsPolicy, SPREAD_POLICIES, `${field}.nodeTaintsPolicy`, at);
    if (t?.minDomains !== undefined && (!(Number.isInteger(t.minDomains) && t.minDomains >= 1) || t.whenUnsatisfiable !== 'DoNotSchedule')) {
      at(`${field}.minDomains`, `${show(t.minDomains)} needs to be a whole number of at least 1, with whenUnsatisfiable DoNotSchedule`, 'use e.g. 1 with DoNotSchedule, or leave it out');
    }
    const pair = `${t?.topologyKey}\n${t?.whenUnsatisfiable}`;
    if (spreadSeen.has(pair)) {
      at(`${field}`, `topologyKey ${show(t?.topologyKey)} with whenUnsatisfiable ${show(t?.whenUnsatisfiable)} is constrained twice, which the API server refuses`, 'merge the two constraints into one');
    }
    spreadSeen.add(pair);
    if (!(Number.isInteger(t?.maxSkew) && t.maxSkew >= 1)) {
      at(`${field}.maxSkew`, `${show(t?.maxSkew)} is not a whole number of at least 1`, 'use e.g. 1');
    }
    if (typeof t?.topologyKey !== 'string' || !isQualifiedName(t.topologyKey)) {
      at(`${field}.topologyKey`, `${show(t?.topologyKey)} is not a node label key`, 'use e.g. \'topology.kubernetes.io/zone\'');
    }
    if (!['DoNotSchedule', 'ScheduleAnyway'].includes(t?.whenUnsatisfiable)) {
      at(`${field}.whenUnsatisfiable`, `${show(t?.whenUnsatisfiable)} is not DoNotSchedule or ScheduleAnyway`, 'use one of them');
    }
    // the API server validates the selector as any label selector (an operator "Bogus" was written)
    for (const f of labelSelectorFindings(t?.labelSelector, `${pod.specPath}.${field}.labelSelector`)) {
      findings.push(f);
    }
  });
  (spec.hostAliases ?? []).forEach((h: any, i: number) => {
    if (typeof h?.ip !== 'string' || !isIP(h.ip)) {
      at(`hostAliases[${i}].ip`, `${show(h?.ip)} is not an IP address`, 'use an IPv4 or IPv6 address');
    }
  });
}
