import { containersOf, error, show } from './_helpers';
import { Finding, RenderedPod } from './model';
import { podMetadataOf } from '../_kplus-adapter';
import { pssViolations } from './pss';

/** allowPrivilegeEscalation: false contradicts privileged: true and CAP_SYS_ADMIN (the API server rejects both). */
export function privilegeContradictions(pod: RenderedPod): Finding[] {
  return containersOf(pod)
    .filter(c => c.container.securityContext?.allowPrivilegeEscalation === false
      && (c.container.securityContext?.privileged === true || (c.container.securityContext?.capabilities?.add ?? []).includes('SYS_ADMIN')))
    .map(c => error(`${c.path}.securityContext.allowPrivilegeEscalation`, 'is false while the container is privileged or adds SYS_ADMIN', 'drop privileged/SYS_ADMIN (inference servers do not need them)', c.container.name));
}

/** User and group ids are 0..2147483647, and a non-root container cannot run as user 0. */
export function userIds(pod: RenderedPod): Finding[] {
  const findings: Finding[] = [];
  const contexts = [
    { ctx: pod.spec.securityContext, field: `${pod.specPath}.securityContext`, container: undefined as string | undefined },
    ...containersOf(pod).map(c => ({ ctx: c.container.securityContext, field: `${c.path}.securityContext`, container: c.container.name })),
  ];
  const podNonRoot = pod.spec.securityContext?.runAsNonRoot;
  for (const { ctx, field, container } of contexts) {
    for (const key of ['runAsUser', 'runAsGroup', 'fsGroup']) {
      const id = ctx?.[key];
      if (id !== undefined && !(Number.isInteger(id) && id >= 0 && id <= 2147483647)) {
        findings.push(error(`${field}.${key}`, `${show(id)} is not a valid id (0-2147483647)`, 'use a non-root id such as 1000', container));
      }
    }
    if (ctx?.runAsUser === 0 && (ctx?.runAsNonRoot ?? podNonRoot) === true) {
      findings.push(error(`${field}.runAsUser`, 'is 0 (root) while runAsNonRoot is true: the kubelet refuses to start the container', 'run as a non-root user id such as 1000, or relax it explicitly: security runAsNonRoot: false with level PodSecurityLevel.BASELINE', container));
    }
  }
  return findings;
}

/**
 * The pod meets the Pod Security Standard it declares (`security.level`, restricted unless
 * relaxed): a relaxation beyond it — a root user, an added capability, an escape-hatch
 * container without the hardening — is an error that names the setting and both ways out.
 */
export function podSecurityLevel(pod: RenderedPod): Finding[] {
  const level = pod.facts.securityLevel;
  if (!level) {
    return [];
  }
  const next = level === 'restricted' ? 'BASELINE' : 'PRIVILEGED';
  return pssViolations(pod.spec, level, podMetadataOf(pod.json ?? { kind: pod.kind, metadata: pod.metadata })).map(v => error(`${pod.specPath}`, `${v}, which Pod Security Standard "${level}" forbids`,
    `harden it back (the library's defaults pass "${level}"), or declare the relaxation: security: { level: PodSecurityLevel.${next} }`));
}
