import { show } from './validation/_helpers';
import { objectName, dataKey, knownProps, labelName, listOf, propKeys, quantity, snapshot } from './validation/_prop-checks';

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

const EMPTY_DIR_VOLUME_KEYS = propKeys<EmptyDirVolumeOptions>('EmptyDirVolumeOptions', { sizeLimit: true, memory: true });
const KEYED_VOLUME_KEYS = propKeys<KeyedVolumeOptions>('KeyedVolumeOptions', { keys: true, defaultMode: true, optional: true });
const HOST_PATH_VOLUME_KEYS = propKeys<HostPathVolumeOptions>('HostPathVolumeOptions', { type: true });

/**
 * A volume of the pod, by reference: the user's own PersistentVolumeClaims, ConfigMaps,
 * Secrets and scratch space, mounted into the server (`server.volumeMounts`), an
 * `InitContainer` or a `Sidecar`. Independent of any cdk8s-plus major.
 *
 * @example
 * const cache = PodVolume.persistentVolumeClaim('hf-cache', 'hf-cache-claim');
 * server: { volumeMounts: [{ volume: cache, path: '/root/.cache/huggingface' }] }
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

  private constructor(
    /** Name of the volume in the pod. */
    public readonly name: string,
    private readonly source: () => any,
    private readonly check: (errors: string[]) => void,
  ) {}

  /** The volume as pod JSON, and its prop errors. @internal */
  public _render(errors: string[]): any {
    labelName('volume name', this.name, errors, 'volume name');
    this.check(errors);
    return { name: this.name, ...this.source() };
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
   * @default - false for emptyDir, true for everything else
   */
  readonly readOnly?: boolean;
  /**
   * A path inside the volume to mount instead of its root.
   * @default - the root
   */
  readonly subPath?: string;
}

/** Renders mounts: the volumes for the pod and the mounts for the container. @internal */
export function renderPodVolumeMounts(mounts: ReadonlyArray<PodVolumeMount>, errors: string[]): { volumes: any[]; volumeMounts: any[] } {
  // each distinct volume once: two different PodVolumes under one name are both kept, and the
  // volumeDefinitions rule reports the name as defined twice (never the last one silently wins)
  const volumes: any[] = [];
  // a non-list or a mount without a PodVolume is reported by the owner's prop checks or here
  const volumeMounts = (Array.isArray(mounts) ? mounts : []).filter(m => {
    if (!(m?.volume instanceof PodVolume)) {
      errors.push(`volumeMounts: ${show(m?.volume)} is not a PodVolume. Fix: mount e.g. PodVolume.emptyDir('scratch')`);
    }
    return m?.volume instanceof PodVolume;
  }).map(m => {
    const volume = m.volume._render(errors);
    if (!volumes.some(v => v.name === volume.name && JSON.stringify(v) === JSON.stringify(volume))) {
      volumes.push(volume);
    }
    return { mountPath: m.path, name: volume.name, readOnly: m.readOnly ?? !volume.emptyDir, subPath: m.subPath };
  });
  return { volumes, volumeMounts };
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

function keyed(options: KeyedVolumeOptions): any {
  return {
    defaultMode: options.defaultMode,
    items: Array.isArray(options.keys) ? options.keys.map(key => ({ key, path: key })) : undefined,
    optional: options.optional,
  };
}

function checkKeyed(name: string, options: KeyedVolumeOptions, errors: string[]): void {
  knownProps(`volume ${show(name)}`, options, KEYED_VOLUME_KEYS, errors);
  listOf(`volume ${show(name)}.keys`, options.keys, errors).forEach((key, i) => dataKey(`volume ${show(name)}.keys[${i}]`, key, errors));
  const mode = options.defaultMode;
  if (mode !== undefined && !(Number.isInteger(mode) && mode >= 0 && mode <= 0o777)) {
    errors.push(`volume ${show(name)}.defaultMode: ${JSON.stringify(mode)} is not a file mode. Fix: use an octal mode from 0 to 0o777, e.g. 0o440`);
  }
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
