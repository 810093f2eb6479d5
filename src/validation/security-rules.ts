import { error, isLocalDescendingPath, NO_FINDINGS, runsAs, show, warning } from './_helpers';
import { Finding, RenderedPod, WARNINGS_AS_ERRORS_CONTEXT } from './model';
import { podMetadataOf } from '../_kplus-adapter';
import { BASELINE_CAPABILITIES, pssViolations } from './pss';

/**
 * allowPrivilegeEscalation: false contradicts privileged: true and an added `CAP_SYS_ADMIN`, which the API server
 * rejects. It compares the name as written: `SYS_ADMIN` (NVIDIA's DCGM exporter beside `allowPrivilegeEscalation:
 * false`) is accepted, and the container gets the capability, so it is not refused here.
 */
export function privilegeContradictions(pod: RenderedPod): Finding[] {
  const findings: Finding[] = [];
  for (const c of pod.containers) {
    const context = c.container.securityContext;
    if (context?.allowPrivilegeEscalation === false && (context.privileged === true || (context.capabilities?.add ?? []).includes('CAP_SYS_ADMIN'))) {
      findings.push(error(`${c.path}.securityContext.allowPrivilegeEscalation`, 'is false while the container is privileged or adds CAP_SYS_ADMIN', 'drop privileged/CAP_SYS_ADMIN (inference servers do not need them), or set allowPrivilegeEscalation: true beside it (the API server requires it; privileged: true sets it by default)', c.container.name));
    }
  }
  return findings;
}

/** User and group ids (supplementalGroups too) are 0..2147483647, and a non-root container cannot run as user 0. */
export function userIds(pod: RenderedPod): Finding[] {
  const findings: Finding[] = [];
  const podNonRoot = pod.spec.securityContext?.runAsNonRoot;
  const podUser = pod.spec.securityContext?.runAsUser;
  userIdFindings(pod.spec.securityContext, pod.specPath, undefined, podNonRoot, findings);
  for (const c of pod.containers) {
    const ctx = c.container.securityContext;
    userIdFindings(ctx, c.path, c.container.name, podNonRoot, findings);
    // the user a container inherits from the pod counts too: runAsNonRoot with an inherited 0 never starts
    if (ctx?.runAsUser === undefined && podUser === 0 && ctx?.runAsNonRoot === true && podNonRoot !== true) {
      findings.push(error(`${c.path}.securityContext.runAsNonRoot`, 'is true while the container runs as user 0 (root), inherited from the pod\'s runAsUser: the kubelet refuses to start the container',
        'relax the container too (its security: { runAsNonRoot: false, runAsUser: 0 }), or run the pod as a non-root user such as 1000', c.container.name));
    }
  }
  return findings;
}

const ID_FIELDS = ['runAsUser', 'runAsGroup', 'fsGroup'];

/** The ids of one security context, `at` the path of the pod spec or container that holds it. */
function userIdFindings(ctx: any, at: string, container: string | undefined, podNonRoot: unknown, findings: Finding[]): void {
  for (const key of ID_FIELDS) {
    const id = ctx?.[key];
    if (id !== undefined && !(Number.isInteger(id) && id >= 0 && id <= 2147483647)) {
      findings.push(error(`${at}.securityContext.${key}`, `${show(id)} is not a valid id (0-2147483647)`, 'use a non-root id such as 1000', container));
    }
  }
  const groups: unknown = ctx?.supplementalGroups;
  if (Array.isArray(groups)) {
    for (let i = 0; i < groups.length; i++) {
      const id = groups[i];
      if (!(Number.isInteger(id) && id >= 0 && id <= 2147483647)) {
        findings.push(error(`${at}.securityContext.supplementalGroups[${i}]`, `${show(id)} is not a valid group id (0-2147483647)`, 'use a group id such as 1000', container));
      }
    }
  }
  if (ctx?.runAsUser === 0 && (ctx?.runAsNonRoot ?? podNonRoot) === true) {
    findings.push(error(`${at}.securityContext.runAsUser`, 'is 0 (root) while runAsNonRoot is true: the kubelet refuses to start the container', 'run as a non-root user id such as 1000, or relax it explicitly: security runAsNonRoot: false with level PodSecurityLevel.BASELINE', container));
  }
}

/**
 * Capabilities added to a container whose process is not root reach it only through file
 * capabilities of its binary, which no_new_privs (`allowPrivilegeEscalation: false`, the
 * default) switches off: Kubernetes sets no ambient capabilities. Such an `add` does nothing,
 * and the process fails as if it were not there (NET_BIND_SERVICE for port 80, DAC_OVERRIDE
 * for a chown).
 */
export function capabilitiesWithoutRoot(pod: RenderedPod): Finding[] {
  let findings: Finding[] | undefined;
  const podContext = pod.spec.securityContext;
  for (const c of pod.containers) {
    const context = c.container.securityContext;
    const added: unknown = context?.capabilities?.add;
    if (!Array.isArray(added) || added.length === 0 || context?.privileged === true || context?.allowPrivilegeEscalation === true) {
      continue;
    }
    const user = runsAs(context, podContext);
    if (user === undefined || user === 0) {
      continue;
    }
    (findings ??= []).push(warning(`${c.path}.securityContext.capabilities.add`,
      `${show(added)} are added to a container that runs as ${user === 'non-root' ? 'a non-root user' : `user ${user}`} with allowPrivilegeEscalation false: `
      + 'a non-root process gets none of them (Kubernetes sets no ambient capabilities, and no_new_privs ignores file capabilities)',
      'run the container as root (security: { runAsNonRoot: false, runAsUser: 0 }, with the level that allows it) if it needs them, or remove addCapabilities',
      c.container.name));
  }
  return findings ?? NO_FINDINGS;
}

/**
 * Images that start only as root. TGI's CUDA image from 3.1 on installs Python with
 * `uv python install` under `/root/.local/share/uv` (`/root` is mode 700) and links the launcher
 * against that libpython: as any other user, `text-generation-launcher` exits at once with
 * "error while loading shared libraries: libpython3.11.so.1.0" (huggingface/text-generation-inference#3082,
 * open; the fix, #3197, unmerged at 3.3.7). 3.0.x and earlier run as any user. A tag pinned by digest is the same image.
 */
const ROOT_ONLY_IMAGE = /^ghcr\.io\/huggingface\/text-generation-inference:3\.([1-9]\d*)\.\d+(@sha256:[0-9a-f]{64})?$/;

/** A container of a root-only image that runs as another user never starts: an error naming the user and the image. */
export function rootOnlyImages(pod: RenderedPod): Finding[] {
  let findings: Finding[] | undefined;
  const podContext = pod.spec.securityContext;
  for (const c of pod.containers) {
    const image: unknown = c.container.image;
    if (typeof image !== 'string' || !ROOT_ONLY_IMAGE.test(image)) {
      continue;
    }
    const user = runsAs(c.container.securityContext, podContext);
    if (user === undefined || user === 0) {
      continue;
    }
    (findings ??= []).push(error(`${c.path}.image`,
      `${show(image)} runs as ${user === 'non-root' ? 'a non-root user' : `user ${user}`}, but this TGI image installs Python under /root (mode 700): `
      + 'text-generation-launcher exits with "error while loading shared libraries: libpython3.11.so.1.0" (huggingface/text-generation-inference#3082)',
      'run it as root (server security: { runAsNonRoot: false, runAsUser: 0 } with pod security.level PodSecurityLevel.BASELINE), '
      + 'or use an image built with UV_PYTHON_INSTALL_DIR outside /root, or InferenceEngine.vllm()',
      c.container.name));
  }
  return findings ?? NO_FINDINGS;
}

/**
 * Capability names with the `CAP_` prefix: CRI-O strips it (OME's manifests for OKE write
 * `CAP_SYS_ADMIN`), but containerd prefixes every name again, so on containerd nodes an added
 * `CAP_X` fails the container's start and a dropped one drops nothing. A warning: which runtime
 * the nodes run is the cluster's.
 */
export function capabilityNames(pod: RenderedPod): Finding[] {
  let findings: Finding[] | undefined;
  for (const c of pod.containers) {
    for (const list of ['add', 'drop'] as const) {
      const names: unknown = c.container.securityContext?.capabilities?.[list];
      const all: unknown[] = Array.isArray(names) ? names : [];
      for (let i = 0; i < all.length; i++) {
        const name = all[i];
        if (typeof name === 'string' && /^CAP_/i.test(name)) {
          (findings ??= []).push(warning(`${c.path}.securityContext.capabilities.${list}[${i}]`,
            `${show(name)} has the CAP_ prefix: CRI-O strips it, but containerd adds it again (${show(`CAP_${name.toUpperCase()}`)}), so on containerd nodes `
            + (list === 'add' ? 'the container fails to start' : 'nothing is dropped'),
            `write ${show(name.slice(4).toUpperCase())}, which every runtime reads`, c.container.name));
        }
      }
    }
  }
  return findings ?? NO_FINDINGS;
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
  const metadata = podMetadataOf(pod.json ?? { kind: pod.kind, metadata: pod.metadata });
  const minor = pod.facts.target?.minor;
  const violations = pssViolations(pod.spec, level, metadata, minor);
  // the level that admits a violation: baseline for what only restricted forbids, privileged for
  // what baseline forbids too (host namespaces, hostPath, capabilities such as IPC_LOCK or SYS_NICE)
  const baseline = level === 'restricted' && violations.length ? new Set(pssViolations(pod.spec, 'baseline', metadata, minor)) : undefined;
  if (violations.length === 0 && level !== 'restricted') {
    return relaxedLevel(pod, metadata, minor);
  }
  return violations.map(v => error(`${pod.specPath}`, `${v}, which Pod Security Standard "${level}" forbids`,
    `${hardening(v, level)}, or declare the relaxation: security: { level: PodSecurityLevel.${baseline && !baseline.has(v) ? 'BASELINE' : 'PRIVILEGED'} }`));
}

/**
 * A pod declared below restricted that uses the relaxation: a warning naming the level it now
 * meets and what puts it there, so that a pipeline with warningsAsErrors admits no relaxed pod
 * unnoticed. Nothing when the pod meets restricted after all.
 */
function relaxedLevel(pod: RenderedPod, metadata: any, minor: number | undefined): Finding[] {
  const restricted = pssViolations(pod.spec, 'restricted', metadata, minor);
  if (restricted.length === 0) {
    return [];
  }
  const beyondBaseline = pssViolations(pod.spec, 'baseline', metadata, minor);
  const [met, why] = beyondBaseline.length ? ['privileged', beyondBaseline] : ['baseline', restricted];
  const shown = why.slice(0, 3).join('; ') + (why.length > 3 ? `; and ${why.length - 3} more` : '');
  const keep = `(with the context ${WARNINGS_AS_ERRORS_CONTEXT}: true this warning fails synth)`;
  if (met === 'baseline' && pod.facts.securityLevel === 'privileged') {
    // declared wider than it needs: a hostPath, host namespace or added capability would pass unnoticed
    return [warning(`${pod.specPath}`, `the pod meets Pod Security Standard "baseline", not "restricted", while security.level declares "privileged", more than it uses: ${shown}`,
      `declare the level it meets, security: { level: PodSecurityLevel.BASELINE } (a hostPath, host namespace or added capability then fails synth), or harden it back to meet "restricted" and remove the declaration ${keep}`)];
  }
  return [warning(`${pod.specPath}`, `the pod meets Pod Security Standard "${met}", not "restricted", as security.level declares: ${shown}`,
    `harden it back to meet "restricted" and remove the declaration, or keep it ${keep}`)];
}

/** How to do without what a violation names. */
function hardening(violation: string, level: string): string {
  if (/^volume .* is a hostPath$/.test(violation)) {
    return 'keep the files on a PersistentVolumeClaim instead (PodVolume.persistentVolumeClaim; a local PersistentVolume keeps them on the node)';
  }
  if (violation.startsWith('sysctl ')) {
    return 'remove the sysctl (security.sysctls), or use a safe one';
  }
  if (violation.endsWith(' does not drop ALL capabilities')) {
    return 'drop them again (the container\'s security.dropAllCapabilities: true, the default)';
  }
  // Pod Security admission compares names as written: CAP_CHOWN or chown is not the CHOWN it allows
  const added = / adds capability (\S+)/.exec(violation)?.[1];
  const name = added?.replace(/^CAP_/i, '').toUpperCase();
  if (name !== undefined && name !== added && (level === 'restricted' ? name === 'NET_BIND_SERVICE' : BASELINE_CAPABILITIES.includes(name))) {
    return `write it as ${show(name)}: Pod Security admission compares capability names as written`;
  }
  return `harden it back (the library's defaults pass "${level}")`;
}

/**
 * A seccomp or AppArmor profile of type Localhost names its profile (`localhostProfile`: for
 * seccomp a relative path without '..' under the kubelet's seccomp directory, for AppArmor the
 * name of a profile loaded on the node); other types set none. Pod and containers alike
 * (validateSeccompProfileField, validateAppArmorProfileField).
 */
export function securityProfiles(pod: RenderedPod): Finding[] {
  let findings = profileFindings(pod.spec.securityContext, pod.specPath, undefined, undefined);
  for (const c of pod.containers) {
    findings = profileFindings(c.container.securityContext, c.path, c.container.name, findings);
  }
  return findings ?? NO_FINDINGS;
}

/** The two kinds of profile a security context names, with what a Localhost profile must look like. */
const PROFILES: ReadonlyArray<{ field: string; valid: (local: string) => boolean; what: string; example: string }> = [
  { field: 'seccompProfile', valid: isLocalDescendingPath, what: 'a path relative to the kubelet\'s seccomp directory, without \'..\'', example: 'profiles/vllm.json' },
  { field: 'appArmorProfile', valid: local => local.length > 0, what: 'the name of an AppArmor profile loaded on the node', example: 'k8s-vllm' },
];

/** Adds what is wrong with the profiles of one security context to `findings` (made on the first one); returns them. */
function profileFindings(context: any, at: string, container: string | undefined, findings: Finding[] | undefined): Finding[] | undefined {
  for (const { field, valid, what, example } of PROFILES) {
    const profile = context?.[field];
    if (profile === undefined || profile === null) {
      continue;
    }
    const local = profile.localhostProfile;
    const path = `${at}.securityContext.${field}.localhostProfile`;
    if (profile.type === 'Localhost' && (local === undefined || (typeof local === 'string' && !valid(local)))) {
      (findings ??= []).push(error(path, local === undefined ? 'is not set, but type "Localhost" needs the profile to load' : `${show(local)} must be ${what}`,
        `name the profile, e.g. localhostProfile: "${example}", or use type RuntimeDefault`, container));
    } else if (profile.type !== 'Localhost' && local !== undefined) {
      (findings ??= []).push(error(path, `${show(local)} is set with type ${show(profile.type)}; only type Localhost takes a profile`,
        'remove localhostProfile, or set type: "Localhost"', container));
    }
  }
  return findings;
}
