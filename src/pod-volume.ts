import { show } from './validation/_helpers';
import { objectName, dataKey, knownProps, labelName, listOf, propKeys, quantity, snapshot } from './validation/_prop-checks';

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
