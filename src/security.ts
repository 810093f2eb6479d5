import { BoundedCache, cachedByValue } from './_memo';

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

/**
 * The Pod Security Standard a pod is declared to meet. Synth checks the rendered pod against
 * it: a relaxation beyond the declared level is an error that names the setting.
 *
 * @see https://kubernetes.io/docs/concepts/security/pod-security-standards/
 */
export enum PodSecurityLevel {
  /** Hardened: non-root, no escalation, drop ALL, seccomp RuntimeDefault (the default). */
  RESTRICTED = 'restricted',
  /** Prevents known privilege escalations; allows root users and added capabilities of the default set. */
  BASELINE = 'baseline',
  /** Unrestricted: privileged containers, host namespaces. */
  PRIVILEGED = 'privileged',
}

/** Security settings of one container. Every field defaults to the PSS restricted value. */
export interface ContainerSecurityOptions {
  /**
   * Refuse to start the container as root. `false` (with `runAsUser: 0` for images that need
   * root) fails PSS restricted: declare the pod's `security.level` as BASELINE.
   * @default true
   */
  readonly runAsNonRoot?: boolean;
  /**
   * Run the container privileged (device access, e.g. some GPU tooling). Only allowed when the
   * pod's `security.level` is PRIVILEGED.
   * @default false
   */
  readonly privileged?: boolean;
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
  /**
   * Drop every Linux capability (`capabilities.drop: [ALL]`). `false` writes no drop, so the
   * container keeps the runtime's default capabilities, with `addCapabilities` on top (the ROCm
   * vLLM manifests add SYS_PTRACE this way). PSS restricted requires the drop: declare the pod's
   * `security.level` as BASELINE (or PRIVILEGED).
   * @default true
   */
  readonly dropAllCapabilities?: boolean;
  /**
   * Linux capabilities to drop when `dropAllCapabilities` is false (AWS's Neuron manifests drop
   * only `NET_RAW`): the container keeps the runtime's other defaults. With ALL dropped (the
   * default) they would change nothing, and synth refuses them.
   * @default - none
   */
  readonly dropCapabilities?: string[];
  /**
   * Seccomp profile of this container, over the pod's (`security.seccompProfile`).
   * `SeccompProfileType.UNCONFINED` fails PSS baseline and restricted: declare the pod's
   * `security.level` as PRIVILEGED.
   * @default - the pod's profile (RuntimeDefault)
   */
  readonly seccompProfile?: SeccompProfileType;
}

/** Security settings of the pod. */
export interface PodSecurityOptions {
  /**
   * The Pod Security Standard the pod must meet; synth fails on a setting beyond it.
   * @default PodSecurityLevel.RESTRICTED
   */
  readonly level?: PodSecurityLevel;
  /**
   * Refuse to start any container as root. `false` allows images that need root.
   * @default true
   */
  readonly runAsNonRoot?: boolean;
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
   * Group that owns mounted volumes, so non-root containers can write the model cache
   * (`keepVolumeOwnership` writes none).
   * @default 1000
   */
  readonly fsGroup?: number;
  /**
   * Leave the user, group and fsGroup to the platform: OpenShift's `restricted-v2` security
   * context constraint gives each pod a user from its namespace's range (and group 0), and
   * refuses a pod that asks for 1000. The pod then writes no `runAsUser`, `runAsGroup` or
   * `fsGroup` (not those a workload of yours set on it either), nor do the library's containers
   * (their defaults: 1000, nginx's 101); ids a container's `security` gives are kept. `runAsNonRoot` stays true. Not with `runAsUser`,
   * `runAsGroup`, `fsGroup` or `runAsNonRoot: false`.
   * @default false
   */
  readonly idsFromPlatform?: boolean;
  /**
   * Leave the owner of mounted volumes as it is: the pod writes no `fsGroup` and no
   * `fsGroupChangePolicy`, so the kubelet does not give a volume to a group at its first mount
   * (by default it re-owns a claim's files to group 1000: a shared weights volume of other teams,
   * a root-squashed NFS export). Root and non-root pods alike; a workload of yours loses the
   * fsGroup it set on its pod too. A non-root container then writes a claim only where its
   * owner lets it: synth warns (`volumeOwnershipKept`) for a model download or Hugging Face Hub
   * cache on a claim (not on an emptyDir, which anyone may write). An admission controller may
   * still set an fsGroup (OpenShift's `restricted-v2` does). Not with `fsGroup` or
   * `fsGroupChangePolicy`.
   * @default false
   */
  readonly keepVolumeOwnership?: boolean;
  /**
   * Seccomp profile of the pod.
   * @default SeccompProfileType.RUNTIME_DEFAULT
   */
  readonly seccompProfile?: SeccompProfileType;
  /**
   * When the kubelet changes volume ownership to `fsGroup`: `OnRootMismatch` skips a big model
   * cache that already has the right owner; `Always` chowns every file at each start.
   * @default FsGroupChangePolicy.ON_ROOT_MISMATCH
   */
  readonly fsGroupChangePolicy?: FsGroupChangePolicy;
  /**
   * Namespaced kernel parameters of the pod, by name (`{ 'net.ipv4.ip_unprivileged_port_start':
   * '0' }` lets a non-root server bind ports below 1024). Pod Security Standards baseline and
   * restricted allow only the safe ones (kernel.shm_rmid_forced, net.ipv4.ip_local_port_range,
   * net.ipv4.ip_unprivileged_port_start, net.ipv4.tcp_syncookies, net.ipv4.ping_group_range,
   * and from Kubernetes 1.27 net.ipv4.ip_local_reserved_ports, from 1.29
   * net.ipv4.tcp_keepalive_time, tcp_keepalive_intvl, tcp_keepalive_probes and tcp_fin_timeout,
   * from 1.32 net.ipv4.tcp_rmem and tcp_wmem);
   * any other needs `level: PodSecurityLevel.PRIVILEGED` and a kubelet that allows it
   * (`--allowed-unsafe-sysctls`).
   * @default - none
   */
  readonly sysctls?: { [name: string]: string };
  /**
   * Further groups of every container's process (`supplementalGroups`), next to `runAsGroup`:
   * a non-root process opens AMD GPUs' `/dev/kfd` and `/dev/dri/renderD*` through the nodes'
   * `video` (44) and `render` groups where the runtime keeps the devices' host owner.
   * @default - none
   */
  readonly supplementalGroups?: number[];
}

/** When the kubelet changes the ownership of a volume to the pod's fsGroup. */
export enum FsGroupChangePolicy {
  /** Only when the volume's root does not have the expected owner and permissions. */
  ON_ROOT_MISMATCH = 'OnRootMismatch',
  /** At every mount (slow on large model caches). */
  ALWAYS = 'Always',
}

/** The user and group id of the library's containers and pods unless given. @internal */
export const DEFAULT_ID = 1000;
/** The user and group id of the proxy's nginx unless given. @internal */
export const NGINX_ID = 101;

/** The container ids (`runAsUser`, `runAsGroup`) `security` leaves to the library's default. @internal */
export function idsByDefault(security: ContainerSecurityOptions | null | undefined): string[] {
  return ['runAsUser', 'runAsGroup'].filter(key => (security as any)?.[key] === undefined);
}

/**
 * Removes the ids the library wrote by default (`defaulted(name)`: not those the props gave)
 * from every container of `spec` (the pod's `security.idsFromPlatform`): the platform assigns
 * them. Security contexts are shared between pods, so each changed one is a copy. @internal
 */
export function leaveIdsToPlatform(spec: any, defaulted: (container: string) => ReadonlyArray<string>): void {
  for (const list of ['initContainers', 'containers']) {
    for (const c of spec[list] ?? []) {
      const context = c?.securityContext;
      const ids = defaulted(c?.name).filter(key => context?.[key] !== undefined);
      if (ids.length) {
        c.securityContext = { ...context };
        ids.forEach(key => delete c.securityContext[key]);
      }
    }
  }
}

/** The pod's securityContext JSON for the given options. @internal */
export function podSecurityContext(given: PodSecurityOptions | null = {}): any {
  // null (JavaScript callers) means the defaults, like undefined
  const options = given ?? {};
  const runAsNonRoot = options.runAsNonRoot ?? true;
  const fromPlatform = options.idsFromPlatform === true;
  const keepOwner = options.keepVolumeOwnership === true;
  return {
    fsGroup: fromPlatform || keepOwner ? undefined : options.fsGroup ?? DEFAULT_ID,
    fsGroupChangePolicy: keepOwner ? undefined : options.fsGroupChangePolicy ?? FsGroupChangePolicy.ON_ROOT_MISMATCH,
    runAsGroup: fromPlatform ? undefined : options.runAsGroup ?? DEFAULT_ID,
    runAsNonRoot: runAsNonRoot ? true : undefined,
    runAsUser: fromPlatform ? undefined : options.runAsUser ?? (runAsNonRoot ? DEFAULT_ID : undefined),
    seccompProfile: { type: options.seccompProfile ?? SeccompProfileType.RUNTIME_DEFAULT },
    // as given: a list of anything else is reported by field (schemaTypes, userIds)
    supplementalGroups: Array.isArray(options.supplementalGroups) && options.supplementalGroups.length ? [...options.supplementalGroups] : undefined,
    // in the order given; a map that is not one of strings is reported by the prop checks
    sysctls: options.sysctls !== null && typeof options.sysctls === 'object' && Object.keys(options.sysctls).length
      ? Object.entries(options.sysctls).map(([name, value]) => ({ name, value })) : undefined,
  };
}

/**
 * The container `securityContext` for the given options, restricted unless relaxed. Seccomp
 * is set once for the whole pod (`podSecurityDefaults`).
 */
export function containerSecurityContext(given: ContainerSecurityOptions | null = {}): any {
  // null (JavaScript callers) means the defaults, like undefined
  const options = given ?? {};
  // one object per distinct setting, shared by every container that has it (never mutated)
  const key = [options.runAsNonRoot, options.privileged, options.runAsUser, options.runAsGroup, options.allowPrivilegeEscalation,
    options.readOnlyRootFilesystem, options.addCapabilities, options.dropAllCapabilities, options.dropCapabilities, options.seccompProfile];
  return cachedByValue(CONTEXTS, key, () => restrictedContext(options));
}

const CONTEXTS = new BoundedCache<any>();

function restrictedContext(options: ContainerSecurityOptions): any {
  return {
    runAsNonRoot: options.runAsNonRoot ?? true,
    runAsUser: options.runAsUser,
    runAsGroup: options.runAsGroup,
    privileged: options.privileged ?? false,
    // the kernel allows escalation in a privileged container anyway; saying false would be a contradiction
    allowPrivilegeEscalation: options.allowPrivilegeEscalation ?? !!options.privileged,
    readOnlyRootFilesystem: options.readOnlyRootFilesystem ?? true,
    capabilities: capabilities(options),
    // the pod's profile unless the container sets its own
    seccompProfile: options.seccompProfile === undefined ? undefined : { type: options.seccompProfile },
  };
}

/**
 * The container's capabilities: ALL dropped unless `dropAllCapabilities` is false (then the
 * ones of `dropCapabilities`), the added ones on top.
 */
function capabilities(options: ContainerSecurityOptions): any {
  const add = options.addCapabilities?.length ? [...options.addCapabilities] : undefined;
  const drop = options.dropAllCapabilities !== false ? ['ALL'] : Array.isArray(options.dropCapabilities) && options.dropCapabilities.length ? [...options.dropCapabilities] : undefined;
  return add || drop ? { ...(add ? { add } : {}), ...(drop ? { drop } : {}) } : undefined;
}

/**
 * The pod-level settings every workload with a library container needs, when no model server
 * decides them (add-ons on a workload of yours): seccomp RuntimeDefault and runAsNonRoot, unless
 * already set. @internal
 */
export function applyBaselinePodSecurity(spec: any): void {
  spec.securityContext = { ...spec.securityContext };
  spec.securityContext.seccompProfile = spec.securityContext.seccompProfile ?? { type: SeccompProfileType.RUNTIME_DEFAULT };
  spec.securityContext.runAsNonRoot = spec.securityContext.runAsNonRoot ?? true;
}
