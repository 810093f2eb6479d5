import { Duration } from 'cdk8s';
import { withoutUndefined } from './_json';
import { PodField } from './env-sources';
import { CacheAccessMode } from './model-cache';
import { isCsiDriverName, isLocalDescendingPath, show } from './validation/_helpers';
import {
  objectName, dataKey, durationSeconds, isAbsolutePath, knownProps, labelName, listOf, propKeys, quantity, snapshot,
} from './validation/_prop-checks';

/** What the kubelet checks (or creates) at a hostPath before it mounts it. */
export enum HostPathType {
  /** A directory; created (mode 0755, owned by the kubelet's user: root) when missing. */
  DIRECTORY_OR_CREATE = 'DirectoryOrCreate',
  /** An existing directory. */
  DIRECTORY = 'Directory',
  /** A file; created empty (mode 0644, owned by root) when missing. */
  FILE_OR_CREATE = 'FileOrCreate',
  /** An existing file. */
  FILE = 'File',
  /** An existing UNIX socket. */
  SOCKET = 'Socket',
  /** An existing character device. */
  CHAR_DEVICE = 'CharDevice',
  /** An existing block device. */
  BLOCK_DEVICE = 'BlockDevice',
}

/** Options of a hostPath volume. */
export interface HostPathVolumeOptions {
  /**
   * What must be at the path (or is created there) before the pod starts.
   * @default - no check: whatever is at the path is mounted, and a missing path is created as a directory
   */
  readonly type?: HostPathType;
}

/** Options of an emptyDir volume. */
export interface EmptyDirVolumeOptions {
  /**
   * Most the volume may hold; the pod is evicted above it.
   * @default - no limit
   */
  readonly sizeLimit?: string;
  /**
   * Back it with memory (tmpfs); it counts against the container's memory limit.
   * @default false
   */
  readonly memory?: boolean;
}

/** Options of a volume projected from a Secret or ConfigMap. */
export interface KeyedVolumeOptions {
  /**
   * Only these keys, each as a file of the same name.
   * @default - every key
   */
  readonly keys?: string[];
  /**
   * File mode of the files (octal, e.g. `0o440`).
   * @default - Kubernetes' 0644
   */
  readonly defaultMode?: number;
  /**
   * Start even when the Secret or ConfigMap (or a key) is missing.
   * @default false
   */
  readonly optional?: boolean;
}

/**
 * Options of a claim made from a template: a StatefulSet's claim template (each pod of the
 * StatefulSet gets a claim of its own, `PodVolume.claimTemplate`) or a pod's generic ephemeral
 * volume (a claim created with the pod and deleted with it, `PodVolume.ephemeral`).
 */
export interface ClaimTemplateVolumeOptions {
  /** Storage requested for each pod's claim, e.g. `'100Gi'`. */
  readonly storage: string;
  /**
   * Access mode of each claim.
   * @default CacheAccessMode.READ_WRITE_ONCE
   */
  readonly accessMode?: CacheAccessMode;
  /**
   * Storage class. `''` (no class) binds each claim only to a pre-provisioned PersistentVolume
   * without a class (local NVMe volumes of the nodes), as the API server allows.
   * @default - the cluster's default class
   */
  readonly storageClassName?: string;
}

/** Options of `PodVolume.csi`. */
export interface CsiVolumeOptions {
  /**
   * Ask the driver for a read-only volume (`csi.readOnly`), apart from the mount's `readOnly`.
   * @default false
   */
  readonly readOnly?: boolean;
  /**
   * The driver's own settings (`volumeAttributes`), e.g. `{ bucketName: 'models' }` for GKE's
   * Cloud Storage FUSE driver.
   * @default - none
   */
  readonly volumeAttributes?: { [key: string]: string };
  /**
   * Filesystem type, for drivers that format a block device (`ext4`).
   * @default - the driver's
   */
  readonly fsType?: string;
  /**
   * A Secret in the pod's namespace the driver reads when it mounts (`nodePublishSecretRef`).
   * @default - none
   */
  readonly nodePublishSecretName?: string;
}

/** One file of a downwardAPI volume (or a projected volume's downwardAPI source). */
export interface DownwardApiFile {
  /** File name inside the volume, relative (e.g. `'annotations'`, `'limits/memory'`). */
  readonly path: string;
  /**
   * What the file holds: `PodField.LABELS` or `PodField.ANNOTATIONS` (every one, `key="value"` a
   * line), `PodField.POD_NAME`, `POD_NAMESPACE`, `POD_UID`, `PodField.label(key)`,
   * `PodField.annotation(key)`, or `PodField.containerResource(container, resource, divisor)`.
   * The node, the IPs and the service account are for environment variables only.
   */
  readonly field: PodField;
  /**
   * File mode of this file (octal, e.g. `0o444`).
   * @default - the volume's defaultMode
   */
  readonly mode?: number;
}

/** Options of `PodVolume.downwardApi`. */
export interface DownwardApiVolumeOptions {
  /** The files, each from a field of the pod or a container's resource. */
  readonly items: DownwardApiFile[];
  /**
   * File mode of the files (octal, e.g. `0o444`).
   * @default - Kubernetes' 0644
   */
  readonly defaultMode?: number;
}

/** Options of a projected volume's ConfigMap or Secret source. */
export interface ProjectedKeysOptions {
  /**
   * Only these keys, each as a file of the same name.
   * @default - every key
   */
  readonly keys?: string[];
  /**
   * Start even when the ConfigMap or Secret (or a key) is missing.
   * @default false
   */
  readonly optional?: boolean;
}

/** Options of a projected service account token (`ProjectedSource.serviceAccountToken`). */
export interface ServiceAccountTokenOptions {
  /** File name of the token inside the volume, relative (e.g. `'token'`). */
  readonly path: string;
  /**
   * Who the token is for (its `aud` claim): the service that checks it (e.g. `'vault'`,
   * `'sts.amazonaws.com'`).
   * @default - the API server's own audience
   */
  readonly audience?: string;
  /**
   * How long the token is valid; the kubelet renews it at 80 %. Whole seconds, at least 10
   * minutes (the API server refuses less).
   * @default - Kubernetes' one hour
   */
  readonly expiration?: Duration;
}

/** Options of `PodVolume.projected`. */
export interface ProjectedVolumeOptions {
  /** What goes into the one directory: tokens, ConfigMap and Secret keys, pod fields. */
  readonly sources: ProjectedSource[];
  /**
   * File mode of the files (octal, e.g. `0o440`).
   * @default - Kubernetes' 0644
   */
  readonly defaultMode?: number;
}

const DOWNWARD_API_FILE_KEYS = propKeys<DownwardApiFile>('DownwardApiFile', { path: true, field: true, mode: true });
const DOWNWARD_API_VOLUME_KEYS = propKeys<DownwardApiVolumeOptions>('DownwardApiVolumeOptions', { items: true, defaultMode: true });
const PROJECTED_KEYS_KEYS = propKeys<ProjectedKeysOptions>('ProjectedKeysOptions', { keys: true, optional: true });
const SERVICE_ACCOUNT_TOKEN_KEYS = propKeys<ServiceAccountTokenOptions>('ServiceAccountTokenOptions', { path: true, audience: true, expiration: true });
const PROJECTED_VOLUME_KEYS = propKeys<ProjectedVolumeOptions>('ProjectedVolumeOptions', { sources: true, defaultMode: true });
/** The shortest token the API server issues for a projected volume (ServiceAccountTokenProjection.expirationSeconds). */
const MIN_TOKEN_SECONDS = 600;
/** The longest (ServiceAccountTokenProjection.expirationSeconds at most 2^32: the API server refuses more). */
const MAX_TOKEN_SECONDS = 2 ** 32;

/**
 * One source of a projected volume (`PodVolume.projected`): an audience-bound service account
 * token, the keys of a ConfigMap or a Secret, or fields of the pod, all in one directory.
 */
export class ProjectedSource {
  /**
   * A service account token for one audience, renewed by the kubelet: the way to give a pod
   * one token while `automountServiceAccountToken` stays false (the library's default). The
   * pod's service account is `serviceAccountName`'s.
   *
   * @example
   * PodVolume.projected('vault-token', { sources: [
   *   ProjectedSource.serviceAccountToken({ path: 'token', audience: 'vault', expiration: Duration.minutes(10) }),
   * ] })
   */
  public static serviceAccountToken(options: ServiceAccountTokenOptions): ProjectedSource {
    options = snapshot(options ?? ({} as ServiceAccountTokenOptions)); // null from JavaScript callers: the missing path is reported
    let seconds: number | undefined;
    return new ProjectedSource(() => ({
      serviceAccountToken: { audience: options.audience, expirationSeconds: seconds, path: options.path },
    }), (at, errors) => {
      const field = `${at}.serviceAccountToken`;
      knownProps(field, options, SERVICE_ACCOUNT_TOKEN_KEYS, errors);
      filePath(`${field}.path`, options.path, errors, "'token'");
      if (options.audience !== undefined && (typeof options.audience !== 'string' || options.audience === '' || /[\0\r\n]/.test(options.audience))) {
        errors.push(`${field}.audience: ${show(options.audience)} is not an audience. Fix: name the service that checks the token, e.g. 'vault', or leave it out`);
      }
      seconds = durationSeconds(`${field}.expiration`, options.expiration, MIN_TOKEN_SECONDS, errors);
      if (seconds !== undefined && seconds > MAX_TOKEN_SECONDS) {
        errors.push(`${field}.expiration: ${seconds} s is more than ${MAX_TOKEN_SECONDS} s (2^32), the longest token the API server issues. `
          + 'Fix: use e.g. Duration.hours(1); the kubelet renews the token before it expires');
        seconds = undefined;
      }
    });
  }

  /** The keys of a ConfigMap, as files. */
  public static configMap(configMapName: string, options: ProjectedKeysOptions = {}): ProjectedSource {
    options = snapshot(options ?? {}); // null from JavaScript callers means no options
    return new ProjectedSource(() => ({ configMap: { name: configMapName, ...keyed(options) } }), (at, errors) => {
      objectName(`${at}.configMap.name`, configMapName, errors, 'ConfigMap');
      checkProjectedKeys(`${at}.configMap`, options, errors);
    });
  }

  /** The keys of a Secret, as files. */
  public static secret(secretName: string, options: ProjectedKeysOptions = {}): ProjectedSource {
    options = snapshot(options ?? {}); // null from JavaScript callers means no options
    return new ProjectedSource(() => ({ secret: { name: secretName, ...keyed(options) } }), (at, errors) => {
      objectName(`${at}.secret.name`, secretName, errors, 'Secret');
      checkProjectedKeys(`${at}.secret`, options, errors);
    });
  }

  /** Fields of the pod and containers' resources, as files (as `PodVolume.downwardApi`). */
  public static downwardApi(items: DownwardApiFile[]): ProjectedSource {
    const copy = snapshot(items);
    return new ProjectedSource(() => ({ downwardAPI: { items: downwardItems(copy) } }),
      (at, errors) => checkDownwardItems(`${at}.downwardAPI.items`, copy, errors));
  }

  private constructor(
    private readonly source: () => any,
    private readonly check: (at: string, errors: string[]) => void,
  ) {}

  /**
   * The source as volume JSON, its prop errors under `at`; nothing for a source with errors,
   * which are reported once, as props, not again by the volumeFiles rule. @internal
   */
  public _render(at: string, errors: string[]): any {
    const before = errors.length;
    this.check(at, errors);
    return errors.length === before ? this.source() : undefined;
  }
}

const CSI_VOLUME_KEYS = propKeys<CsiVolumeOptions>('CsiVolumeOptions', { readOnly: true, volumeAttributes: true, fsType: true, nodePublishSecretName: true });
const EMPTY_DIR_VOLUME_KEYS = propKeys<EmptyDirVolumeOptions>('EmptyDirVolumeOptions', { sizeLimit: true, memory: true });
const KEYED_VOLUME_KEYS = propKeys<KeyedVolumeOptions>('KeyedVolumeOptions', { keys: true, defaultMode: true, optional: true });
const HOST_PATH_VOLUME_KEYS = propKeys<HostPathVolumeOptions>('HostPathVolumeOptions', { type: true });
const CLAIM_TEMPLATE_KEYS = propKeys<ClaimTemplateVolumeOptions>('ClaimTemplateVolumeOptions', { storage: true, accessMode: true, storageClassName: true });

/**
 * Where a claim template travels inside a rendered volume until the workload's render lifts it
 * into the StatefulSet's `volumeClaimTemplates` (a member JSON comparisons see, so two different
 * templates under one name are both kept and reported). @internal
 */
export const CLAIM_TEMPLATE = 'x-cdk8s-ai-inference-claim-template';

/**
 * A volume of the pod, by reference: the user's own PersistentVolumeClaims, ConfigMaps,
 * Secrets and scratch space, mounted into the server (`server.volumeMounts`), an
 * `InitContainer` or a `Sidecar`. Independent of any cdk8s-plus major.
 *
 * @example
 * const cache = PodVolume.persistentVolumeClaim('hf-cache', 'hf-cache-claim');
 * server: { env: { HF_HOME: '/data/huggingface' }, volumeMounts: [{ volume: cache, path: '/data/huggingface' }] }
 */
export class PodVolume {
  /** Scratch space that lives as long as the pod. */
  public static emptyDir(name: string, options: EmptyDirVolumeOptions = {}): PodVolume {
    options = snapshot(options ?? {}); // null from JavaScript callers means no options
    return new PodVolume(name, () => ({ emptyDir: { medium: options.memory ? 'Memory' : undefined, sizeLimit: options.sizeLimit } }), errors => {
      knownProps(`volume ${show(name)}`, options, EMPTY_DIR_VOLUME_KEYS, errors);
      quantity(`volume ${show(name)}.sizeLimit`, options.sizeLimit, errors, true);
    });
  }

  /** An existing PersistentVolumeClaim. */
  public static persistentVolumeClaim(name: string, claimName: string, options: { readonly readOnly?: boolean } = {}): PodVolume {
    options = snapshot(options ?? {}); // null from JavaScript callers means no options
    return new PodVolume(name, () => ({ persistentVolumeClaim: { claimName, readOnly: options.readOnly } }), errors => {
      knownProps(`volume ${show(name)}`, options, ['readOnly'], errors);
      objectName(`volume ${show(name)}.claimName`, claimName, errors, 'PersistentVolumeClaim');
    });
  }

  /** The keys of a ConfigMap as files. */
  public static configMap(name: string, configMapName: string, options: KeyedVolumeOptions = {}): PodVolume {
    options = snapshot(options ?? {}); // null from JavaScript callers means no options
    return new PodVolume(name, () => ({ configMap: { name: configMapName, ...keyed(options) } }), errors => {
      objectName(`volume ${show(name)}.configMapName`, configMapName, errors, 'ConfigMap');
      checkKeyed(name, options, errors);
    });
  }

  /** The keys of a Secret as files. */
  public static secret(name: string, secretName: string, options: KeyedVolumeOptions = {}): PodVolume {
    options = snapshot(options ?? {}); // null from JavaScript callers means no options
    return new PodVolume(name, () => ({ secret: { secretName, ...keyed(options) } }), errors => {
      objectName(`volume ${show(name)}.secretName`, secretName, errors, 'Secret');
      checkKeyed(name, options, errors);
    });
  }

  /**
   * Fields of the running pod and containers' resources as files (a `downwardAPI` volume): the
   * pod's labels and annotations, which the kubelet keeps up to date (Seldon's executor reads
   * its `seldon-podinfo` this way), its name and namespace, a container's memory limit.
   * Pod Security Standards restricted allows it. Mounted read-only unless the mount says
   * otherwise (the kubelet writes it read-only anyway).
   *
   * @example
   * PodVolume.downwardApi('podinfo', { items: [
   *   { path: 'annotations', field: PodField.ANNOTATIONS },
   *   { path: 'mem_limit', field: PodField.containerResource('server', 'limits.memory', '1Mi') },
   * ] })
   */
  public static downwardApi(name: string, options: DownwardApiVolumeOptions): PodVolume {
    options = snapshot(options ?? ({} as DownwardApiVolumeOptions)); // null from JavaScript callers: the missing items are reported
    const render = () => ({ downwardAPI: { defaultMode: validMode(options.defaultMode), items: downwardItems(options.items) } });
    return new PodVolume(name, render, errors => {
      const at = `volume ${show(name)}`;
      knownProps(at, options, DOWNWARD_API_VOLUME_KEYS, errors);
      if (options.items === undefined) {
        errors.push(`${at}.items: is missing. Fix: give the files, e.g. [{ path: 'labels', field: PodField.LABELS }]`);
      }
      checkDownwardItems(`${at}.items`, options.items, errors);
      fileMode(`${at}.defaultMode`, options.defaultMode, errors);
    });
  }

  /**
   * Several sources in one directory (a `projected` volume): an audience-bound service account
   * token (`ProjectedSource.serviceAccountToken`), ConfigMap and Secret keys, pod fields. A token
   * volume on a pod that keeps `automountServiceAccountToken: false` (the library's default) gives
   * the containers that mount it one short-lived token for one audience and nothing else. Pod
   * Security Standards restricted allows it. Mounted read-only unless the mount says otherwise.
   *
   * @example
   * PodVolume.projected('vault-token', { sources: [ProjectedSource.serviceAccountToken({ path: 'token', audience: 'vault' })] })
   */
  public static projected(name: string, options: ProjectedVolumeOptions): PodVolume {
    options = snapshot(options ?? ({} as ProjectedVolumeOptions)); // null from JavaScript callers: the missing sources are reported
    const sources = Array.isArray(options.sources) ? [...options.sources] : options.sources;
    let rendered: any[] | undefined;
    return new PodVolume(name, () => ({ projected: { defaultMode: validMode(options.defaultMode), sources: rendered } }), errors => {
      const at = `volume ${show(name)}`;
      knownProps(at, options, PROJECTED_VOLUME_KEYS, errors);
      if (sources === undefined || (Array.isArray(sources) && sources.length === 0)) {
        errors.push(`${at}.sources: ${sources === undefined ? 'is missing' : 'is empty'}. Fix: give what goes into the volume, e.g. `
          + "[ProjectedSource.serviceAccountToken({ path: 'token', audience: 'vault' })]");
      }
      const all = listOf(`${at}.sources`, sources, errors).map((s, i) => {
        if (!(s instanceof ProjectedSource)) {
          errors.push(`${at}.sources[${i}]: ${show(s)} is not a ProjectedSource. Fix: use ProjectedSource.serviceAccountToken, configMap, secret or downwardApi`);
          return undefined;
        }
        return s._render(`${at}.sources[${i}]`, errors);
      });
      // a source refused here is left out: the volumeFiles rule would report it again
      const conflicting = duplicateProjectedPaths(at, all, errors);
      rendered = all.filter((s, i) => s !== undefined && !conflicting.has(i));
      fileMode(`${at}.defaultMode`, options.defaultMode, errors);
    });
  }

  /**
   * A directory or file of the node (`hostPath`), as LMDeploy's and the Triton chart's model
   * caches on the node's disk: the files outlive the pod and stay on that node. Pod Security
   * Standards baseline and restricted forbid it: the pod must declare
   * `security: { level: PodSecurityLevel.PRIVILEGED }`, or synth fails. fsGroup does not apply
   * to a hostPath: a directory the kubelet creates (`DirectoryOrCreate`) is root's with mode
   * 0755, which the server's user 1000 cannot write; prepare its owner on the node. Mounted
   * read-only unless the mount says `readOnly: false`.
   */
  public static hostPath(name: string, path: string, options: HostPathVolumeOptions = {}): PodVolume {
    options = snapshot(options ?? {}); // null from JavaScript callers means no options
    return new PodVolume(name, () => ({ hostPath: { path, type: options.type } }), errors => {
      knownProps(`volume ${show(name)}`, options, HOST_PATH_VOLUME_KEYS, errors);
      hostPathPath(`volume ${show(name)}.path`, path, errors);
      if (path === undefined) {
        errors.push(`volume ${show(name)}.path: is missing. Fix: give the node's directory, e.g. '/mnt/models'`);
      }
      const type = options.type;
      if (type !== undefined && !(Object.values(HostPathType) as unknown[]).includes(type)) {
        errors.push(`volume ${show(name)}.type: ${show(type)} is not a hostPath type. `
          + 'Fix: use HostPathType.DIRECTORY_OR_CREATE, DIRECTORY, FILE_OR_CREATE, FILE, SOCKET, CHAR_DEVICE or BLOCK_DEVICE, or leave it out');
      }
    });
  }

  /**
   * An NFS export, as the Triton chart's model repository: `server` a host name or IP address,
   * `path` the exported directory. Pod Security Standards restricted does not allow NFS
   * volumes (baseline does): the pod must declare `security: { level: PodSecurityLevel.BASELINE }`,
   * or synth fails. Mounted read-only unless the mount says `readOnly: false`; `readOnly` here
   * makes the export read-only for every container.
   */
  public static nfs(name: string, server: string, path: string, options: { readonly readOnly?: boolean } = {}): PodVolume {
    options = snapshot(options ?? {}); // null from JavaScript callers means no options
    return new PodVolume(name, () => ({ nfs: { server, path, readOnly: options.readOnly } }), errors => {
      const at = `volume ${show(name)}`;
      knownProps(at, options, ['readOnly'], errors);
      if (typeof server !== 'string' || !/^(\[[0-9a-fA-F:.]+\]|[0-9a-fA-F:.]*:[0-9a-fA-F:.]*|[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?)$/.test(server)) {
        errors.push(`${at}.server: ${show(server)} is not a host name or IP address. Fix: give the NFS server, e.g. 'nfs.example.com' or '10.0.0.5'`);
      }
      if (typeof path !== 'string' || !path.startsWith('/') || /[\0\n\r]/.test(path)) {
        errors.push(`${at}.path: ${show(path)} is not an absolute path. Fix: give the exported directory, e.g. '/srv/models'`);
      }
      if (options.readOnly !== undefined && typeof options.readOnly !== 'boolean') {
        errors.push(`${at}.readOnly: ${show(options.readOnly)} is not true or false. Fix: true makes the export read-only for every container, or leave it out`);
      }
    });
  }

  /**
   * A volume a CSI driver provides for the pod's lifetime (an inline ephemeral volume): GKE's
   * Cloud Storage FUSE (`gcsfuse.csi.storage.gke.io`), Mountpoint for Amazon S3, the Secrets
   * Store driver. Pod Security Standards restricted allows it. Mounted read-only unless the mount
   * says `readOnly: false`.
   *
   * @example
   * const weights = PodVolume.csi('gcs-fuse', 'gcsfuse.csi.storage.gke.io', {
   *   readOnly: true, volumeAttributes: { bucketName: 'my-models', mountOptions: 'implicit-dirs' },
   * });
   */
  public static csi(name: string, driver: string, options: CsiVolumeOptions = {}): PodVolume {
    options = snapshot(options ?? {}); // null from JavaScript callers means no options
    const secret = options.nodePublishSecretName;
    const attributes = options.volumeAttributes === undefined ? undefined : { ...options.volumeAttributes };
    return new PodVolume(name, () => ({
      csi: {
        driver, readOnly: options.readOnly, fsType: options.fsType, volumeAttributes: attributes,
        nodePublishSecretRef: secret === undefined ? undefined : { name: secret },
      },
    }), errors => {
      const at = `volume ${show(name)}`;
      knownProps(at, options, CSI_VOLUME_KEYS, errors);
      if (!isCsiDriverName(driver)) {
        errors.push(`${at}.driver: ${show(driver)} is not a CSI driver name the API server accepts (at most 63 letters, digits, '-' or '.', `
          + 'each part between dots starting and ending with a letter or digit). '
          + 'Fix: give the name the driver registers, e.g. \'gcsfuse.csi.storage.gke.io\'');
      }
      if (options.readOnly !== undefined && typeof options.readOnly !== 'boolean') {
        errors.push(`${at}.readOnly: ${show(options.readOnly)} is not true or false. Fix: true asks the driver for a read-only volume, or leave it out`);
      }
      if (options.fsType !== undefined && (typeof options.fsType !== 'string' || !/^[a-zA-Z0-9][a-zA-Z0-9._-]*$/.test(options.fsType))) {
        errors.push(`${at}.fsType: ${show(options.fsType)} is not a filesystem type. Fix: e.g. 'ext4', or leave it out`);
      }
      if (attributes !== undefined) {
        if (attributes === null || typeof attributes !== 'object' || Array.isArray(options.volumeAttributes)) {
          errors.push(`${at}.volumeAttributes: ${show(options.volumeAttributes)} is not a map of texts. Fix: e.g. { bucketName: 'my-models' }`);
        } else {
          for (const [key, value] of Object.entries(attributes)) {
            if (typeof value !== 'string' || key === '') {
              errors.push(`${at}.volumeAttributes.${key}: ${show(value)} is not a text. Fix: write the value as a string, e.g. '${String(value ?? '')}'`);
            }
          }
        }
      }
      if (secret !== undefined) {
        objectName(`${at}.nodePublishSecretName`, secret, errors, 'Secret');
      }
    });
  }

  /**
   * A claim of each pod's own, from the StatefulSet's `volumeClaimTemplates`: a per-replica
   * model or compile cache that survives restarts and rescheduling. The template is written into
   * the StatefulSet (cdk8s-plus-27's StatefulSet has no prop for it), and the pod mounts the
   * claim by the template's name. Only a StatefulSet has claim templates: mounted in a Pod or a
   * Deployment, synth refuses it. Mounted read-only unless the mount says `readOnly: false`.
   *
   * @example
   * const sts = new kplus.StatefulSet(chart, 'vllm', { service });
   * new InferenceServer(sts, 'server', { server: { image, volumeMounts: [
   *   { volume: PodVolume.claimTemplate('cache', { storage: '200Gi' }), path: '/data/huggingface', readOnly: false },
   * ] } });
   */
  public static claimTemplate(name: string, options: ClaimTemplateVolumeOptions): PodVolume {
    options = snapshot(options ?? ({} as ClaimTemplateVolumeOptions)); // null from JavaScript callers: the missing storage is reported
    return new PodVolume(name, () => ({ [CLAIM_TEMPLATE]: { metadata: { name }, spec: claimSpec(options) } }),
      errors => checkClaimTemplate(`volume ${show(name)}`, options, errors), true);
  }

  /**
   * A generic ephemeral volume (`ephemeral.volumeClaimTemplate`): a PersistentVolumeClaim that
   * Kubernetes creates with the pod (named `<pod>-<volume>`) and deletes with it — scratch space from a StorageClass (local NVMe, a network disk) larger than
   * the node's ephemeral storage, as AMD's ai-workloads charts download models into. Works in a
   * Pod, a Deployment or a Job; Pod Security Standards restricted allows it. The claim starts
   * empty, so the mount is writable unless it says `readOnly: true` (like an emptyDir).
   *
   * @example
   * server: { env: { HF_HOME: '/workload/.cache/huggingface' }, volumeMounts: [
   *   { volume: PodVolume.ephemeral('ephemeral-storage', { storage: '100Gi', storageClassName: 'mlstorage' }), path: '/workload' },
   * ] }
   */
  public static ephemeral(name: string, options: ClaimTemplateVolumeOptions): PodVolume {
    options = snapshot(options ?? ({} as ClaimTemplateVolumeOptions)); // null from JavaScript callers: the missing storage is reported
    return new PodVolume(name, () => ({ ephemeral: { volumeClaimTemplate: { spec: claimSpec(options) } } }),
      errors => checkClaimTemplate(`volume ${show(name)}`, options, errors));
  }

  private constructor(
    /** Name of the volume in the pod. */
    public readonly name: string,
    private readonly source: () => any,
    private readonly check: (errors: string[]) => void,
    /** Whether the volume comes from a StatefulSet's claim template. @internal */
    public readonly _claimTemplate = false,
  ) {}

  /** The volume as pod JSON, and its prop errors. @internal */
  public _render(errors: string[]): any {
    labelName('volume name', this.name, errors, 'volume name');
    // the check first: a source may render what it found valid
    this.check(errors);
    return withoutUndefined({ name: this.name, ...this.source() });
  }
}

/** A mount of a `PodVolume` into a container. */
export interface PodVolumeMount {
  /** The volume. */
  readonly volume: PodVolume;
  /** Absolute path in the container. */
  readonly path: string;
  /**
   * Mount read-only.
   * @default - false for emptyDir and ephemeral, true for everything else
   */
  readonly readOnly?: boolean;
  /**
   * A path inside the volume to mount instead of its root.
   * @default - the root
   */
  readonly subPath?: string;
  /**
   * Like `subPath`, with `$(VAR)` references to the container's environment variables expanded
   * by the kubelet (`subPathExpr`), e.g. `'$(POD_NAME)'` with `fieldEnv: { POD_NAME: PodField.POD_NAME }`
   * for a directory per pod. Each referenced variable must be in the container's env. Not with `subPath`.
   * @default - the root
   */
  readonly subPathExpr?: string;
}

/**
 * Renders mounts: the volumes for the pod and the mounts for the container. `workloadKind` is
 * the kind of the workload they go into: claim templates need a StatefulSet. @internal
 */
export function renderPodVolumeMounts(
  mounts: ReadonlyArray<PodVolumeMount>, errors: string[], workloadKind: string, pathsReported = false,
): { volumes: any[]; volumeMounts: any[] } {
  // each distinct volume once: two different PodVolumes under one name are both kept, and the
  // volumeDefinitions rule reports the name as defined twice (never the last one silently wins)
  const volumes: any[] = [];
  // a non-list or a mount without a PodVolume is reported by the owner's prop checks or here
  const volumeMounts = (Array.isArray(mounts) ? mounts : []).filter((m, i) => usable(m?.volume, `volumeMounts[${i}].volume`, errors, workloadKind)
    // a path the owner's prop checks reported is left out: the rendered mount would report it again
    && !(pathsReported && !isAbsolutePath(m.path, false, true))).map(m => {
    const volume = m.volume._render(errors);
    if (!volumes.some(v => v.name === volume.name && JSON.stringify(v) === JSON.stringify(volume))) {
      volumes.push(volume);
    }
    // scratch space (an emptyDir, a fresh ephemeral claim) is written to; everything else is read-only unless said
    const scratch = volume.emptyDir || volume.ephemeral;
    const i = mounts.indexOf(m);
    if (m.subPathExpr !== undefined && m.subPath !== undefined) {
      errors.push(`volumeMounts[${i}].subPathExpr: ${show(m.subPathExpr)} is given with subPath ${show(m.subPath)}: a mount takes one of them. `
        + 'Fix: keep subPath for a fixed path, or subPathExpr for one with $(VAR) references');
    } else if (m.subPathExpr !== undefined && (typeof m.subPathExpr !== 'string' || m.subPathExpr === '' || !isLocalDescendingPath(m.subPathExpr))) {
      errors.push(`volumeMounts[${i}].subPathExpr: ${show(m.subPathExpr)} is not a relative path without '..'. Fix: e.g. '$(POD_NAME)' or 'logs/$(POD_NAME)'`);
    }
    const subPathExpr = m.subPath === undefined && typeof m.subPathExpr === 'string' && isLocalDescendingPath(m.subPathExpr) ? m.subPathExpr : undefined;
    return withoutUndefined({
      mountPath: m.path, name: volume.name, readOnly: m.readOnly ?? !scratch, subPath: m.subPath, subPathExpr: subPathExpr || undefined,
    });
  });
  return { volumes, volumeMounts };
}

/**
 * Renders volumes the pod declares without a mount (for a container a webhook injects), from
 * `field` (`volumes`) of a workload of `workloadKind`. @internal
 */
export function renderPodVolumes(volumes: ReadonlyArray<PodVolume>, field: string, errors: string[], workloadKind: string): any[] {
  return listOf(field, volumes, errors).filter((v, i) => usable(v, `${field}[${i}]`, errors, workloadKind)).map(v => v._render(errors));
}

/** Whether `volume` is a PodVolume that a workload of `workloadKind` can have; or the error. */
function usable(volume: unknown, field: string, errors: string[], workloadKind: string): volume is PodVolume {
  if (!(volume instanceof PodVolume)) {
    errors.push(`${field}: ${show(volume)} is not a PodVolume. Fix: give e.g. PodVolume.emptyDir('scratch')`);
    return false;
  }
  if (volume._claimTemplate && workloadKind !== 'StatefulSet') {
    errors.push(`${field}: PodVolume.claimTemplate(${show(volume.name)}) gives each pod of a StatefulSet a claim of its own, and this is a ${workloadKind}. `
      + 'Fix: put the server on a StatefulSet, or use an existing claim with PodVolume.persistentVolumeClaim');
    return false;
  }
  return true;
}

/**
 * Moves the claim templates that mounts brought into a pod spec's volumes into the
 * StatefulSet's `volumeClaimTemplates` (each distinct template once, after the user's own);
 * in any other workload they are dropped, as their mounts were refused at construction. @internal
 */
export function liftClaimTemplates(workload: any, spec: any): void {
  const volumes: any[] = spec.volumes ?? [];
  if (!volumes.some(v => v?.[CLAIM_TEMPLATE])) {
    return;
  }
  spec.volumes = volumes.filter(v => !v?.[CLAIM_TEMPLATE]);
  if (workload.kind === 'StatefulSet' && workload.spec) {
    const templates: any[] = [...(workload.spec.volumeClaimTemplates ?? [])];
    for (const v of volumes.filter(x => x?.[CLAIM_TEMPLATE])) {
      const template = v[CLAIM_TEMPLATE];
      if (!templates.some(t => JSON.stringify(t) === JSON.stringify(template))) {
        // a different template under a taken name is reported by the volumeClaimTemplates rule
        templates.push(template);
      }
    }
    workload.spec.volumeClaimTemplates = templates;
  }
}

/** Adds volumes to a pod spec, once per name (the same PodVolume mounted in two containers). @internal */
export function addPodVolumes(spec: any, volumes: ReadonlyArray<any>): void {
  for (const volume of volumes) {
    const existing = (spec.volumes ?? []).find((v: any) => v.name === volume.name);
    if (!existing || JSON.stringify(existing) !== JSON.stringify(volume)) {
      // a different volume under the same name is reported by the volumeDefinitions rule
      spec.volumes = [...(spec.volumes ?? []), volume];
    }
  }
}

/**
 * The claim spec of a claim template's options (`claimTemplate`, `ephemeral`); `_render` leaves
 * out an unset storage class (also where it lands outside the pod spec, which nothing sanitizes).
 */
function claimSpec(options: ClaimTemplateVolumeOptions): any {
  return {
    accessModes: [options.accessMode ?? CacheAccessMode.READ_WRITE_ONCE],
    resources: { requests: { storage: options.storage } },
    storageClassName: options.storageClassName,
  };
}

/** The prop errors of a claim template's options (`claimTemplate`, `ephemeral`). */
function checkClaimTemplate(at: string, options: ClaimTemplateVolumeOptions, errors: string[]): void {
  knownProps(at, options, CLAIM_TEMPLATE_KEYS, errors);
  if (options.storage === undefined) {
    errors.push(`${at}.storage: is missing. Fix: give the size of each pod's claim, e.g. '100Gi'`);
  }
  quantity(`${at}.storage`, options.storage, errors, true);
  if (options.accessMode !== undefined && !(Object.values(CacheAccessMode) as unknown[]).includes(options.accessMode)) {
    errors.push(`${at}.accessMode: ${show(options.accessMode)} is not an access mode. Fix: use CacheAccessMode.READ_WRITE_ONCE, READ_WRITE_MANY or READ_WRITE_ONCE_POD`);
  }
  // '' is meaningful: no class, bind only to pre-provisioned volumes (the volumeClaimTemplates rule agrees)
  if (options.storageClassName !== undefined && options.storageClassName !== '') {
    objectName(`${at}.storageClassName`, options.storageClassName, errors, 'StorageClass');
  }
}

function keyed(options: KeyedVolumeOptions | ProjectedKeysOptions): any {
  return {
    defaultMode: (options as KeyedVolumeOptions).defaultMode,
    items: Array.isArray(options.keys) ? options.keys.map(key => ({ key, path: key })) : undefined,
    optional: options.optional,
  };
}

function checkKeyed(name: string, options: KeyedVolumeOptions, errors: string[]): void {
  knownProps(`volume ${show(name)}`, options, KEYED_VOLUME_KEYS, errors);
  listOf(`volume ${show(name)}.keys`, options.keys, errors).forEach((key, i) => dataKey(`volume ${show(name)}.keys[${i}]`, key, errors));
  fileMode(`volume ${show(name)}.defaultMode`, options.defaultMode, errors);
}

function checkProjectedKeys(at: string, options: ProjectedKeysOptions, errors: string[]): void {
  knownProps(at, options, PROJECTED_KEYS_KEYS, errors);
  listOf(`${at}.keys`, options.keys, errors).forEach((key, i) => dataKey(`${at}.keys[${i}]`, key, errors));
  if (options.optional !== undefined && typeof options.optional !== 'boolean') {
    errors.push(`${at}.optional: ${show(options.optional)} is not true or false. Fix: true starts the pod without it, or leave it out`);
  }
}

/** A file mode from 0 to 0777 (defaultMode, an item's mode). */
function fileMode(field: string, mode: unknown, errors: string[]): void {
  if (mode !== undefined && !(Number.isInteger(mode) && (mode as number) >= 0 && (mode as number) <= 0o777)) {
    errors.push(`${field}: ${show(mode)} is not a file mode. Fix: use an octal mode from 0 to 0o777, e.g. 0o440`);
  }
}

/** A mode the prop checks accept, else undefined (reported once, as a prop). */
function validMode(mode: number | undefined): number | undefined {
  const errors: string[] = [];
  fileMode('', mode, errors);
  return errors.length ? undefined : mode;
}

/** A file's name inside a volume: relative, not empty, no '..' (nor starting with '..'). */
function filePath(field: string, path: unknown, errors: string[], example: string): void {
  if (typeof path !== 'string' || path === '' || !isLocalDescendingPath(path) || path.startsWith('..')) {
    errors.push(`${field}: ${path === undefined ? 'is missing' : `${show(path)} is not a relative file name without '..'`}. Fix: name the file inside the volume, e.g. ${example}`);
  }
}

/**
 * The items of a downwardAPI volume or source as Kubernetes JSON: those the prop checks accept
 * (a refused one is reported once, as a prop, not again by the volumeFiles rule).
 */
function downwardItems(items: ReadonlyArray<DownwardApiFile> | undefined): any[] | undefined {
  return Array.isArray(items)
    ? items.filter(f => isValidFile(f)).map(f => ({ path: f.path, ...f.field._fileSource(), mode: f.mode }))
    : undefined;
}

function isValidFile(f: DownwardApiFile | undefined): f is DownwardApiFile {
  if (!(f?.field instanceof PodField)) {
    return false;
  }
  const errors: string[] = [];
  filePath('', f.path, errors, '');
  fileMode('', f.mode, errors);
  f.field._check('', errors, true);
  return errors.length === 0;
}

/**
 * A file path written by two sources of one projected volume: the API server refuses two items
 * with one path ("conflicting duplicate paths"); a token's path it does not compare, and the
 * kubelet then writes one file for both, silently. Paths repeated inside one downwardAPI source
 * are reported by its own check. Returns the indexes of the sources reported.
 */
function duplicateProjectedPaths(at: string, rendered: any[], errors: string[]): Set<number> {
  const owner = new Map<string, { index: number; kind: string }>();
  const reported = new Set<number>();
  rendered.forEach((source, i) => {
    const [kind, body] = Object.entries(source ?? {})[0] ?? [];
    const paths: Array<[string, unknown]> = kind === 'serviceAccountToken'
      ? [[`${at}.sources[${i}].serviceAccountToken.path`, (body as any)?.path]]
      : ((body as any)?.items ?? []).map((item: any, j: number) => [`${at}.sources[${i}].${kind}.${kind === 'downwardAPI' ? `items[${j}].path` : `keys[${j}]`}`, item?.path]);
    const own = new Set<string>();
    for (const [field, path] of paths) {
      if (typeof path !== 'string' || own.has(path)) {
        continue;
      }
      own.add(path);
      const first = owner.get(path);
      if (first === undefined) {
        owner.set(path, { index: i, kind });
        continue;
      }
      const why = kind === 'serviceAccountToken' || first.kind === 'serviceAccountToken'
        ? 'and the kubelet writes one file per path: one would silently replace the other'
        : 'and the API server refuses a projected volume with conflicting duplicate paths';
      errors.push(`${field}: ${show(path)} is also written by sources[${first.index}], ${why}. `
        + 'Fix: give each file its own path (a downwardAPI item\'s path, a token\'s path, or one of the two keys)');
      reported.add(i);
    }
  });
  return reported;
}

function checkDownwardItems(at: string, items: ReadonlyArray<DownwardApiFile> | undefined, errors: string[]): void {
  const seen = new Set<string>();
  listOf(at, items, errors).forEach((f, i) => {
    const field = `${at}[${i}]`;
    if (f === null || typeof f !== 'object') {
      errors.push(`${field}: ${show(f)} is not a file. Fix: give { path: 'labels', field: PodField.LABELS }`);
      return;
    }
    knownProps(field, f, DOWNWARD_API_FILE_KEYS, errors);
    filePath(`${field}.path`, f.path, errors, "'labels'");
    if (typeof f.path === 'string' && seen.has(f.path)) {
      errors.push(`${field}.path: ${show(f.path)} is written twice. Fix: give each file its own path`);
    }
    seen.add(f.path);
    if (!(f.field instanceof PodField)) {
      errors.push(`${field}.field: ${show(f.field)} is not a PodField. Fix: use PodField.ANNOTATIONS, PodField.LABELS, PodField.label('app') `
        + "or PodField.containerResource('server', 'limits.memory')");
    } else {
      f.field._check(`${field}.field`, errors, true);
    }
    fileMode(`${field}.mode`, f.mode, errors);
  });
}

/**
 * A hostPath's path as the API server takes it: absolute here (the kubelet resolves it on the
 * node), no '..' segment (validatePathNoBacksteps). A trailing or doubled '/' is a valid path of
 * the node, as in charts that mount '/mnt/models/'; the node's root is refused (no model cache is
 * the whole node).
 */
function hostPathPath(field: string, value: unknown, errors: string[]): void {
  if (value === undefined) {
    return;
  }
  if (typeof value !== 'string' || !value.startsWith('/') || /[\0\n\r]/.test(value) || value === '/' || value.split('/').includes('..')) {
    errors.push(`${field}: ${show(value)} must be an absolute path of the node without '..' segments or newlines, and not '/'. Fix: use e.g. '/mnt/models'`);
  }
}
