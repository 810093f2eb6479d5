/**
 * The Pod Security Standards, written from the pod-security-admission checks
 * (kubernetes/kubernetes staging/src/k8s.io/pod-security-admission/policy). Returns one line per
 * violation of `level` (restricted includes baseline); empty means the pod spec passes.
 */
export function pssViolations(spec: any, level: string, podMetadata: any = {}): string[] {
  if (level === 'privileged') {
    return [];
  }
  const out = [...baselineViolations(spec), ...appArmorAnnotationViolations(podMetadata)];
  return level === 'restricted' ? [...out, ...restrictedViolations(spec)] : out;
}

/** Volume types the restricted profile allows (`image` since 1.33). */
const RESTRICTED_VOLUMES = ['configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'persistentVolumeClaim', 'projected', 'secret', 'image'];
/** Capabilities the baseline profile allows to add. */
const BASELINE_CAPABILITIES = ['AUDIT_WRITE', 'CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'FSETID', 'KILL', 'MKNOD', 'NET_BIND_SERVICE',
  'SETFCAP', 'SETGID', 'SETPCAP', 'SETUID', 'SYS_CHROOT'];
const SAFE_SYSCTLS = ['kernel.shm_rmid_forced', 'net.ipv4.ip_local_port_range', 'net.ipv4.ip_unprivileged_port_start', 'net.ipv4.tcp_syncookies',
  'net.ipv4.ping_group_range', 'net.ipv4.ip_local_reserved_ports', 'net.ipv4.tcp_keepalive_time', 'net.ipv4.tcp_fin_timeout',
  'net.ipv4.tcp_keepalive_intvl', 'net.ipv4.tcp_keepalive_probes'];

function containersOf(spec: any): any[] {
  return [...(spec.initContainers ?? []), ...(spec.containers ?? []), ...(spec.ephemeralContainers ?? [])];
}

function baselineViolations(spec: any): string[] {
  const out: string[] = [];
  const pod = spec.securityContext ?? {};
  for (const key of ['hostNetwork', 'hostPID', 'hostIPC']) {
    if (spec[key] === true) out.push(`${key} is true`);
  }
  for (const v of spec.volumes ?? []) {
    if (v.hostPath) out.push(`volume ${v.name} is a hostPath`);
  }
  if (pod.seccompProfile?.type === 'Unconfined') out.push('pod seccomp is Unconfined');
  out.push(...seLinuxViolations(pod.seLinuxOptions, 'pod'));
  if (pod.windowsOptions?.hostProcess === true) out.push('pod is a Windows HostProcess pod');
  if (pod.appArmorProfile?.type && !['RuntimeDefault', 'Localhost'].includes(pod.appArmorProfile.type)) out.push(`pod AppArmor ${pod.appArmorProfile.type}`);
  for (const sysctl of pod.sysctls ?? []) {
    if (!SAFE_SYSCTLS.includes(sysctl.name)) out.push(`sysctl ${sysctl.name} is not a safe sysctl`);
  }
  for (const c of containersOf(spec)) {
    const sc = c.securityContext ?? {};
    const where = `container ${c.name}`;
    if (sc.privileged === true) out.push(`${where} is privileged`);
    for (const cap of sc.capabilities?.add ?? []) {
      if (!BASELINE_CAPABILITIES.includes(cap)) out.push(`${where} adds capability ${cap}`);
    }
    if (sc.seccompProfile?.type === 'Unconfined') out.push(`${where} seccomp is Unconfined`);
    if (sc.procMount && sc.procMount !== 'Default') out.push(`${where} procMount ${sc.procMount}`);
    out.push(...seLinuxViolations(sc.seLinuxOptions, where));
    if (sc.windowsOptions?.hostProcess === true) out.push(`${where} is a Windows HostProcess container`);
    if (sc.appArmorProfile?.type && !['RuntimeDefault', 'Localhost'].includes(sc.appArmorProfile.type)) out.push(`${where} AppArmor ${sc.appArmorProfile.type}`);
    for (const p of c.ports ?? []) {
      if (p.hostPort) out.push(`${where} uses hostPort ${p.hostPort}`);
    }
    for (const probe of [c.startupProbe, c.readinessProbe, c.livenessProbe, c.lifecycle?.preStop, c.lifecycle?.postStart]) {
      if (probe?.httpGet?.host || probe?.tcpSocket?.host) out.push(`${where} probe or hook sets host`);
    }
  }
  return out;
}

function restrictedViolations(spec: any): string[] {
  const out: string[] = [];
  const pod = spec.securityContext ?? {};
  for (const v of spec.volumes ?? []) {
    const type = Object.keys(v).find(k => k !== 'name');
    if (!type || !RESTRICTED_VOLUMES.includes(type)) out.push(`volume ${v.name} has type ${type}`);
  }
  if (pod.runAsUser === 0) out.push('pod runAsUser is 0');
  for (const c of containersOf(spec)) {
    const sc = c.securityContext ?? {};
    const where = `container ${c.name}`;
    if (sc.allowPrivilegeEscalation !== false) out.push(`${where} does not set allowPrivilegeEscalation: false`);
    if (!(sc.capabilities?.drop ?? []).includes('ALL')) out.push(`${where} does not drop ALL capabilities`);
    for (const cap of sc.capabilities?.add ?? []) {
      if (cap !== 'NET_BIND_SERVICE') out.push(`${where} adds capability ${cap} (restricted allows only NET_BIND_SERVICE)`);
    }
    if (sc.runAsNonRoot === false || (sc.runAsNonRoot !== true && pod.runAsNonRoot !== true)) out.push(`${where} may run as root (runAsNonRoot)`);
    if (sc.runAsUser === 0) out.push(`${where} runAsUser is 0`);
    const seccomp = sc.seccompProfile?.type ?? pod.seccompProfile?.type;
    if (!['RuntimeDefault', 'Localhost'].includes(seccomp)) out.push(`${where} has no RuntimeDefault/Localhost seccomp profile`);
  }
  return out;
}

/** SELinux: only the container types, and no user or role (baseline). */
function seLinuxViolations(options: any, where: string): string[] {
  const out: string[] = [];
  if (options?.type && !['container_t', 'container_init_t', 'container_kvm_t', 'container_engine_t'].includes(options.type)) {
    out.push(`${where} SELinux type ${options.type}`);
  }
  if (options?.user) out.push(`${where} sets SELinux user ${options.user}`);
  if (options?.role) out.push(`${where} sets SELinux role ${options.role}`);
  return out;
}

/** The AppArmor annotations of a pod: only the runtime default or a localhost profile (baseline). */
function appArmorAnnotationViolations(metadata: any): string[] {
  const out: string[] = [];
  for (const [key, value] of Object.entries(metadata?.annotations ?? {})) {
    if (key.startsWith('container.apparmor.security.beta.kubernetes.io/')
      && !(value === 'runtime/default' || (typeof value === 'string' && value.startsWith('localhost/')))) {
      out.push(`annotation ${key} is ${JSON.stringify(value)}`);
    }
  }
  return out;
}
