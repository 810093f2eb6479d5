/**
 * The Pod Security Standards, written from the pod-security-admission checks
 * (kubernetes/kubernetes staging/src/k8s.io/pod-security-admission/policy). Returns one line per
 * violation of `level` (restricted includes baseline); empty means the pod spec passes.
 */
export function pssViolations(spec: any, level: string, podMetadata: any = {}, minor: number = LATEST_MINOR): string[] {
  const out: string[] = [];
  if (level === 'privileged') {
    return out;
  }
  baselineViolations(spec, out, minor);
  appArmorAnnotationViolations(podMetadata, out);
  if (level === 'restricted') {
    restrictedViolations(spec, out);
  }
  return out;
}

/** Volume types the restricted profile allows (`image` since 1.33). */
const RESTRICTED_VOLUMES = ['configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'persistentVolumeClaim', 'projected', 'secret', 'image'];
/** Capabilities the baseline profile allows to add. */
export const BASELINE_CAPABILITIES = ['AUDIT_WRITE', 'CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'FSETID', 'KILL', 'MKNOD', 'NET_BIND_SERVICE',
  'SETFCAP', 'SETGID', 'SETPCAP', 'SETUID', 'SYS_CHROOT'];
/** The Kubernetes minor version whose policy applies when none is given. */
const LATEST_MINOR = Number.MAX_SAFE_INTEGER;
/**
 * The sysctls baseline allows, with the minor version that added each (the policy version is
 * the cluster's: pod-security-admission's sysctlsAllowedV1Dot0, V1Dot27, V1Dot29, V1Dot32).
 */
export const SAFE_SYSCTLS: ReadonlyArray<readonly [name: string, since: number]> = [
  ['kernel.shm_rmid_forced', 0], ['net.ipv4.ip_local_port_range', 0], ['net.ipv4.ip_unprivileged_port_start', 0], ['net.ipv4.tcp_syncookies', 0],
  ['net.ipv4.ping_group_range', 0], ['net.ipv4.ip_local_reserved_ports', 27], ['net.ipv4.tcp_keepalive_time', 29], ['net.ipv4.tcp_fin_timeout', 29],
  ['net.ipv4.tcp_keepalive_intvl', 29], ['net.ipv4.tcp_keepalive_probes', 29], ['net.ipv4.tcp_rmem', 32], ['net.ipv4.tcp_wmem', 32],
];

/** Why `name` is not a safe sysctl on Kubernetes 1.`minor`, or undefined when it is one. */
export function unsafeSysctl(name: unknown, minor: number = LATEST_MINOR): string | undefined {
  const entry = SAFE_SYSCTLS.find(([safe]) => safe === name);
  if (!entry) {
    return 'is not a safe sysctl';
  }
  return entry[1] > minor ? `is a safe sysctl only from Kubernetes 1.${entry[1]}` : undefined;
}

/** The pod's container lists, init containers first; every check walks them in this order. */
const CONTAINER_LISTS = ['initContainers', 'containers', 'ephemeralContainers'];
const HOST_NAMESPACES = ['hostNetwork', 'hostPID', 'hostIPC'];
const APP_ARMOR_ALLOWED = ['RuntimeDefault', 'Localhost'];
const SECCOMP_ALLOWED = ['RuntimeDefault', 'Localhost'];
const SELINUX_TYPES = ['container_t', 'container_init_t', 'container_kvm_t', 'container_engine_t'];
const PROBES = ['startupProbe', 'readinessProbe', 'livenessProbe'];
const HOOKS = ['preStop', 'postStart'];

function baselineViolations(spec: any, out: string[], minor: number): void {
  const pod = spec.securityContext ?? {};
  for (const key of HOST_NAMESPACES) {
    if (spec[key] === true) out.push(`${key} is true`);
  }
  for (const v of spec.volumes ?? []) {
    if (v.hostPath) out.push(`volume ${v.name} is a hostPath`);
  }
  if (pod.seccompProfile?.type === 'Unconfined') out.push('pod seccomp is Unconfined');
  seLinuxViolations(pod.seLinuxOptions, 'pod', out);
  if (pod.windowsOptions?.hostProcess === true) out.push('pod is a Windows HostProcess pod');
  if (pod.appArmorProfile?.type && !APP_ARMOR_ALLOWED.includes(pod.appArmorProfile.type)) out.push(`pod AppArmor ${pod.appArmorProfile.type}`);
  for (const sysctl of pod.sysctls ?? []) {
    const unsafe = unsafeSysctl(sysctl?.name, minor);
    if (unsafe) out.push(`sysctl ${sysctl?.name} ${unsafe}`);
  }
  for (const list of CONTAINER_LISTS) {
    for (const c of spec[list] ?? []) {
      containerBaselineViolations(c, out);
    }
  }
}

function containerBaselineViolations(c: any, out: string[]): void {
  const sc = c.securityContext ?? {};
  if (sc.privileged === true) out.push(`container ${c.name} is privileged`);
  for (const cap of sc.capabilities?.add ?? []) {
    if (!BASELINE_CAPABILITIES.includes(cap)) out.push(`container ${c.name} adds capability ${cap}`);
  }
  if (sc.seccompProfile?.type === 'Unconfined') out.push(`container ${c.name} seccomp is Unconfined`);
  if (sc.procMount && sc.procMount !== 'Default') out.push(`container ${c.name} procMount ${sc.procMount}`);
  if (sc.seLinuxOptions) seLinuxViolations(sc.seLinuxOptions, `container ${c.name}`, out);
  if (sc.windowsOptions?.hostProcess === true) out.push(`container ${c.name} is a Windows HostProcess container`);
  if (sc.appArmorProfile?.type && !APP_ARMOR_ALLOWED.includes(sc.appArmorProfile.type)) out.push(`container ${c.name} AppArmor ${sc.appArmorProfile.type}`);
  for (const p of c.ports ?? []) {
    if (p.hostPort) out.push(`container ${c.name} uses hostPort ${p.hostPort}`);
  }
  for (const probe of PROBES) {
    if (setsHost(c[probe])) out.push(`container ${c.name} probe or hook sets host`);
  }
  for (const hook of HOOKS) {
    if (setsHost(c.lifecycle?.[hook])) out.push(`container ${c.name} probe or hook sets host`);
  }
}

function setsHost(handler: any): boolean {
  return Boolean(handler?.httpGet?.host || handler?.tcpSocket?.host);
}

function restrictedViolations(spec: any, out: string[]): void {
  const pod = spec.securityContext ?? {};
  for (const v of spec.volumes ?? []) {
    const type = volumeType(v);
    // a hostPath is reported once, by baseline (which forbids it too: the way out is privileged)
    if (type !== 'hostPath' && (!type || !RESTRICTED_VOLUMES.includes(type))) out.push(`volume ${v.name} has type ${type}`);
  }
  if (pod.runAsUser === 0) out.push('pod runAsUser is 0');
  for (const list of CONTAINER_LISTS) {
    for (const c of spec[list] ?? []) {
      containerRestrictedViolations(c, pod, out);
    }
  }
}

/** The first key of a volume besides its name: its source. */
function volumeType(volume: any): string | undefined {
  for (const key in volume) {
    if (key !== 'name' && Object.prototype.hasOwnProperty.call(volume, key)) {
      return key;
    }
  }
  return undefined;
}

function containerRestrictedViolations(c: any, pod: any, out: string[]): void {
  const sc = c.securityContext ?? {};
  if (sc.allowPrivilegeEscalation !== false) out.push(`container ${c.name} does not set allowPrivilegeEscalation: false`);
  if (!(sc.capabilities?.drop ?? []).includes('ALL')) out.push(`container ${c.name} does not drop ALL capabilities`);
  for (const cap of sc.capabilities?.add ?? []) {
    if (cap !== 'NET_BIND_SERVICE') out.push(`container ${c.name} adds capability ${cap} (restricted allows only NET_BIND_SERVICE)`);
  }
  if (sc.runAsNonRoot === false || (sc.runAsNonRoot !== true && pod.runAsNonRoot !== true)) out.push(`container ${c.name} may run as root (runAsNonRoot)`);
  if (sc.runAsUser === 0) out.push(`container ${c.name} runAsUser is 0`);
  const seccomp = sc.seccompProfile?.type ?? pod.seccompProfile?.type;
  if (!SECCOMP_ALLOWED.includes(seccomp)) out.push(`container ${c.name} has no RuntimeDefault/Localhost seccomp profile`);
}

/** SELinux: only the container types, and no user or role (baseline). */
function seLinuxViolations(options: any, where: string, out: string[]): void {
  if (options?.type && !SELINUX_TYPES.includes(options.type)) {
    out.push(`${where} SELinux type ${options.type}`);
  }
  if (options?.user) out.push(`${where} sets SELinux user ${options.user}`);
  if (options?.role) out.push(`${where} sets SELinux role ${options.role}`);
}

/** The AppArmor annotations of a pod: only the runtime default or a localhost profile (baseline). */
function appArmorAnnotationViolations(metadata: any, out: string[]): void {
  const annotations = metadata?.annotations ?? {};
  for (const key of Object.keys(annotations)) {
    const value = annotations[key];
    if (key.startsWith('container.apparmor.security.beta.kubernetes.io/')
      && !(value === 'runtime/default' || (typeof value === 'string' && value.startsWith('localhost/')))) {
      out.push(`annotation ${key} is ${JSON.stringify(value)}`);
    }
  }
}
