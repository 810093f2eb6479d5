import { podSpec } from './synth';

const ALLOWED_VOLUMES = ['configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'persistentVolumeClaim', 'projected', 'secret', 'image'];

/**
 * The Pod Security Standard "restricted" profile (which includes "baseline"), written from the
 * pod-security-admission checks. Returns one line per violation; empty means the pod passes.
 */
export function pssRestrictedViolations(manifest: any): string[] {
  const spec = podSpec(manifest);
  const out: string[] = [];
  const pod = spec.securityContext ?? {};
  for (const key of ['hostNetwork', 'hostPID', 'hostIPC']) {
    if (spec[key] === true) out.push(`${key} is true`);
  }
  for (const v of spec.volumes ?? []) {
    const type = Object.keys(v).find(k => k !== 'name');
    if (!type || !ALLOWED_VOLUMES.includes(type)) out.push(`volume ${v.name} has type ${type}`);
  }
  if (pod.runAsUser === 0) out.push('pod runAsUser is 0');
  if (pod.seccompProfile?.type === 'Unconfined') out.push('pod seccomp is Unconfined');
  for (const sysctl of pod.sysctls ?? []) out.push(`sysctl ${sysctl.name}`);
  const containers = [...(spec.initContainers ?? []), ...(spec.containers ?? []), ...(spec.ephemeralContainers ?? [])];
  for (const c of containers) {
    const sc = c.securityContext ?? {};
    const where = `container ${c.name}`;
    if (sc.privileged === true) out.push(`${where} is privileged`);
    if (sc.allowPrivilegeEscalation !== false) out.push(`${where} does not set allowPrivilegeEscalation: false`);
    if (!(sc.capabilities?.drop ?? []).includes('ALL')) out.push(`${where} does not drop ALL capabilities`);
    for (const cap of sc.capabilities?.add ?? []) {
      if (cap !== 'NET_BIND_SERVICE') out.push(`${where} adds capability ${cap}`);
    }
    if (sc.runAsNonRoot === false || (sc.runAsNonRoot !== true && pod.runAsNonRoot !== true)) out.push(`${where} may run as root (runAsNonRoot)`);
    if (sc.runAsUser === 0) out.push(`${where} runAsUser is 0`);
    const seccomp = sc.seccompProfile?.type ?? pod.seccompProfile?.type;
    if (!['RuntimeDefault', 'Localhost'].includes(seccomp)) out.push(`${where} has no RuntimeDefault/Localhost seccomp profile`);
    if (sc.procMount && sc.procMount !== 'Default') out.push(`${where} procMount ${sc.procMount}`);
    if (sc.appArmorProfile?.type === 'Unconfined') out.push(`${where} AppArmor Unconfined`);
    if (sc.seLinuxOptions?.type && !['container_t', 'container_init_t', 'container_kvm_t', 'container_engine_t'].includes(sc.seLinuxOptions.type)) out.push(`${where} SELinux type ${sc.seLinuxOptions.type}`);
    for (const p of c.ports ?? []) {
      if (p.hostPort) out.push(`${where} uses hostPort ${p.hostPort}`);
    }
    for (const probe of [c.startupProbe, c.readinessProbe, c.livenessProbe]) {
      if (probe?.httpGet?.host || probe?.tcpSocket?.host) out.push(`${where} probe sets host`);
    }
  }
  return out;
}
