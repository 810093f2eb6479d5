import { ApiObject } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { defaultObjectName, namedLikeTheChart } from './_object-names';
import { markDerivedName } from './validation/_name-clashes';
import { knownProps, notJson, objectName, propKeys, quantity, snapshot } from './validation/_prop-checks';

/** Options of a node-local (emptyDir) model cache. */
export interface EmptyDirCacheOptions {
  /**
   * Most the model may occupy on the node's disk; the pod is evicted above it. Set it, or a
   * large model can fill the node's disk and evict its neighbours.
   * @default - no limit
   */
  readonly sizeLimit?: string;
}

/** How pods may mount a PersistentVolumeClaim. */
export enum CacheAccessMode {
  /** One node mounts it read-write (block storage: EBS, PD). */
  READ_WRITE_ONCE = 'ReadWriteOnce',
  /** Many nodes mount it read-write (EFS, Filestore, CephFS): replicas share one download. */
  READ_WRITE_MANY = 'ReadWriteMany',
  /** One pod mounts it read-write. */
  READ_WRITE_ONCE_POD = 'ReadWriteOncePod',
}

/** Options of a PersistentVolumeClaim the construct creates. */
export interface NewClaimCacheOptions {
  /** Storage requested, e.g. `'100Gi'`. */
  readonly size: string;
  /**
   * Storage class.
   * @default - the cluster's default class
   */
  readonly storageClassName?: string;
  /**
   * Access mode. Use `READ_WRITE_MANY` when several pods (replicas) share the cache; the
   * model is then fetched once and the other pods wait for it.
   * @default CacheAccessMode.READ_WRITE_ONCE
   */
  readonly accessMode?: CacheAccessMode;
  /**
   * Claim name.
   * @default - derived from the construct path
   */
  readonly claimName?: string;
}

const EMPTY_DIR_CACHE_KEYS = propKeys<EmptyDirCacheOptions>('EmptyDirCacheOptions', { sizeLimit: true });
const NEW_CLAIM_CACHE_KEYS = propKeys<NewClaimCacheOptions>('NewClaimCacheOptions', { size: true, storageClassName: true, accessMode: true, claimName: true });

/** What a cache contributes to the pod. @internal */
export interface BoundCache {
  readonly volume: kplus.Volume;
  /** The claim the cache creates next to the pod, if it creates one. */
  readonly claim?: ApiObject;
  /** The sizeLimit to write, as typed. */
  readonly sizeLimit?: string;
}

/**
 * Where model weights live in the pod.
 *
 * - `emptyDir()` (default): node-local, fetched at every pod start, gone with the pod.
 * - `persistentVolumeClaim(name)` / `newPersistentVolumeClaim(...)`: survives the pod; the
 *   next pod finds the completion marker and starts without downloading.
 */
export class ModelCache {
  /** A node-local emptyDir. */
  public static emptyDir(options: EmptyDirCacheOptions = {}): ModelCache {
    options = snapshot(options ?? {}); // null from JavaScript callers means no options
    return new ModelCache((scope, id, volumeName, errors) => {
      knownProps('cache', options, EMPTY_DIR_CACHE_KEYS, errors);
      quantity('cache.sizeLimit', options.sizeLimit, errors, true);
      return { volume: kplus.Volume.fromEmptyDir(scope, id, volumeName), sizeLimit: options.sizeLimit };
    });
  }

  /** An existing PersistentVolumeClaim. */
  public static persistentVolumeClaim(claimName: string): ModelCache {
    return new ModelCache((scope, id, volumeName, errors) => {
      objectName('cache.claimName', claimName, errors, 'PersistentVolumeClaim');
      const claim = kplus.PersistentVolumeClaim.fromClaimName(scope, `${id}-claim`, claimName);
      return { volume: kplus.Volume.fromPersistentVolumeClaim(scope, id, claim, { name: volumeName }) };
    });
  }

  /**
   * A PersistentVolumeClaim created with the pod. It outlives the pod (that is the point), so
   * the next pod starts from the cache.
   */
  public static newPersistentVolumeClaim(options: NewClaimCacheOptions): ModelCache {
    options = snapshot(options ?? ({} as NewClaimCacheOptions)); // null from JavaScript callers: the missing size is reported by the claim rules
    return new ModelCache((scope, id, volumeName, errors, namespace) => {
      knownProps('cache', options, NEW_CLAIM_CACHE_KEYS, errors);
      // a Size, a Duration or a class instance made cdk8s throw "can't render non-simple object",
      // naming no field: report it here and leave it out (the claim rules report what is missing)
      const plain = (key: keyof NewClaimCacheOptions): any => {
        const value = options[key];
        if (value !== null && ['object', 'function', 'symbol', 'bigint'].includes(typeof value)) {
          const fix = key === 'size' ? 'write the size like \'100Gi\'' : key === 'accessMode' ? 'use CacheAccessMode.READ_WRITE_ONCE or CacheAccessMode.READ_WRITE_MANY' : 'give a string';
          errors.push(`cache.${key}: ${notJson(value)} is not a string. Fix: ${fix}`);
          return undefined;
        }
        return value;
      };
      const claimName = plain('claimName');
      // A plain ApiObject keeps the size exactly as typed ('100Gi', not a re-rendered Size).
      const spec = {
        accessModes: [plain('accessMode') ?? CacheAccessMode.READ_WRITE_ONCE],
        storageClassName: plain('storageClassName'),
        resources: { requests: { storage: plain('size') } },
      };
      const create = (name: string | undefined) => new ApiObject(scope, `${id}-claim`, {
        apiVersion: 'v1',
        kind: 'PersistentVolumeClaim',
        // next to the pod: a claim in another namespace cannot be mounted
        metadata: { ...(name === undefined ? {} : { name }), ...(namespace === undefined ? {} : { namespace }) },
        spec,
      });
      // named as the chart names the pod: its generateObjectName override, if it has one
      const derived = (claimName ?? undefined) === undefined;
      const claim = derived ? namedLikeTheChart(scope, defaultObjectName(scope, ['model-cache']), create) : create(claimName);
      if (derived) {
        markDerivedName(claim);
      }
      const ref = kplus.PersistentVolumeClaim.fromClaimName(scope, `${id}-claim-ref`, claim.name);
      return { volume: kplus.Volume.fromPersistentVolumeClaim(scope, id, ref, { name: volumeName }), claim };
    });
  }

  private constructor(
    private readonly create: (scope: Construct, id: string, volumeName: string, errors: string[], namespace?: string) => BoundCache,
  ) {}

  /** The volume, and a new claim in the pod's `namespace` when there is one; prop errors go to `errors`. @internal */
  public _bind(scope: Construct, id: string, volumeName: string, errors: string[], namespace?: string): BoundCache {
    return this.create(scope, id, volumeName, errors, namespace);
  }
}
