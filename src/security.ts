import { cached } from './_memo';

/**
 * Pod Security Standard "restricted" defaults.
 *
 * Every container the library creates gets the same hardened security context; the pod gets a
 * non-root identity and the runtime's default seccomp profile. Users relax a setting
 * explicitly through `ContainerSecurityOptions` / `PodSecurityOptions`.
 *
 * @see https://kubernetes.io/docs/concepts/security/pod-security-standards/#restricted
 */

/** Seccomp profile types. */
export enum SeccompProfileType {
  /** The container runtime's default profile (required by PSS restricted unless Localhost). */
  RUNTIME_DEFAULT = 'RuntimeDefault',
  /** No seccomp filtering: fails PSS restricted and baseline. */
  UNCONFINED = 'Unconfined',
}

/** Security settings of one container. Every field defaults to the PSS restricted value. */
export interface ContainerSecurityOptions {
  /**
   * User id to run as. Set it for images whose default user is root.
   * @default - the pod's user (1000)
   */
  readonly runAsUser?: number;
  /**
   * Group id to run as.
   * @default - the pod's group (1000)
   */
  readonly runAsGroup?: number;
  /**
   * Mount the root filesystem read-only. Writable emptyDirs are mounted where the library's
   * tools need them (/tmp, HOME, nginx's cache); turning this off lets a compromised process
   * persist changes inside the container.
   * @default true
   */
  readonly readOnlyRootFilesystem?: boolean;
  /**
   * Allow setuid binaries to gain privileges. `true` fails PSS restricted.
   * @default false
   */
  readonly allowPrivilegeEscalation?: boolean;
  /**
   * Linux capabilities to add back after dropping ALL. PSS restricted allows only
   * `NET_BIND_SERVICE`.
   * @default - none
   */
  readonly addCapabilities?: string[];
}

/** Security settings of the pod. */
export interface PodSecurityOptions {
  /**
   * User id of every container that does not set its own.
   * @default 1000
   */
  readonly runAsUser?: number;
  /**
   * Primary group id of every container.
   * @default 1000
   */
  readonly runAsGroup?: number;
  /**
   * Group that owns mounted volumes, so non-root containers can write the model cache.
   * @default 1000
   */
  readonly fsGroup?: number;
  /**
   * Seccomp profile of the pod.
   * @default SeccompProfileType.RUNTIME_DEFAULT
   */
  readonly seccompProfile?: SeccompProfileType;
}

/** The pod-level defaults, resolved. */
export function podSecurityDefaults(options: PodSecurityOptions = {}) {
  return {
    runAsUser: options.runAsUser ?? 1000,
    runAsGroup: options.runAsGroup ?? 1000,
    fsGroup: options.fsGroup ?? 1000,
    seccompProfile: options.seccompProfile ?? SeccompProfileType.RUNTIME_DEFAULT,
  };
}

/**
 * The container `securityContext` for the given options, restricted unless relaxed. Seccomp
 * is set once for the whole pod (`podSecurityDefaults`).
 */
export function containerSecurityContext(options: ContainerSecurityOptions = {}): any {
  // one object per distinct setting, shared by every container that has it (never mutated)
  const key = `${options.runAsUser}|${options.runAsGroup}|${options.allowPrivilegeEscalation}|${options.readOnlyRootFilesystem}|${options.addCapabilities}`;
  return cached(CONTEXTS, key, () => restrictedContext(options));
}

const CONTEXTS = new Map<string, any>();

function restrictedContext(options: ContainerSecurityOptions): any {
  return {
    runAsNonRoot: true,
    runAsUser: options.runAsUser,
    runAsGroup: options.runAsGroup,
    privileged: false,
    allowPrivilegeEscalation: options.allowPrivilegeEscalation ?? false,
    readOnlyRootFilesystem: options.readOnlyRootFilesystem ?? true,
    capabilities: options.addCapabilities?.length ? { add: [...options.addCapabilities], drop: ['ALL'] } : { drop: ['ALL'] },
  };
}
