import { ApiObject } from 'cdk8s';
import { IConstruct } from 'constructs';
import { constructPath, written } from './_name-clashes';
import { PerRun } from './_reporter';

/*
 * A generic ephemeral volume's claim is named `<pod>-<volume>` (k8s.io/component-helpers
 * storage/ephemeral.VolumeClaimName). When a claim of that name already exists in the pod's
 * namespace and the pod does not own it, the ephemeral volume controller leaves it alone and
 * the scheduler refuses the pod ("PVC ... was not created for pod ... (pod is not owner)"): it
 * stays Pending. Predictable only where the pod's name is: a bare Pod, a StatefulSet's pods
 * (`<name>-<ordinal>`); a Deployment's or a Job's pods have generated names.
 */

/** The claim a pod's generic ephemeral volume gets, or the claims a StatefulSet's pods get. @internal */
export interface EphemeralClaim {
  /** The volume's name and its index in the pod spec's volumes. */
  readonly volume: string;
  readonly index: number;
  /** The claim's name (a Pod's), or the first pod's (a StatefulSet's, `<name>-<start>-<volume>`). */
  readonly example: string;
  /** Whether `claim` is the name of a claim this volume gets (in some pod). */
  readonly names: (claim: string) => boolean;
  /** Every claim it gets, in ordinal order (a StatefulSet's: at most `MAX_LISTED`). */
  readonly list: () => string[];
}

/** A StatefulSet's claims listed to compare with another's: beyond this, its replicas are not its pods' names that matter. */
const MAX_LISTED = 10_000;

/**
 * A claim name both get (in some pod each), or undefined. Not only their first pods': a
 * StatefulSet `a` with the volume `1-data` and one named `a-2` with `data` meet at `a-2-1-data`,
 * the first one's replica 2 and the second's replica 1.
 *
 * @internal
 */
export function sharedEphemeralClaim(a: EphemeralClaim, b: EphemeralClaim): string | undefined {
  const [listed, other] = a.list().length <= b.list().length ? [a, b] : [b, a];
  return listed.list().find(claim => other.names(claim));
}

/** The ephemeral claims of a rendered workload whose pods' names are known: a Pod, a StatefulSet. @internal */
export function ephemeralClaims(json: any, spec: any): EphemeralClaim[] {
  const name: unknown = json?.metadata?.name;
  const volumes: any[] = Array.isArray(spec?.volumes) ? spec.volumes : [];
  if (typeof name !== 'string' || !volumes.some(v => v?.ephemeral)) {
    return [];
  }
  const claims: EphemeralClaim[] = [];
  volumes.forEach((v, index) => {
    if (!v?.ephemeral || typeof v.name !== 'string') {
      return;
    }
    const volume: string = v.name;
    if (json.kind === 'Pod') {
      const claim = `${name}-${volume}`;
      claims.push({ volume, index, example: claim, names: c => c === claim, list: () => [claim] });
    } else if (json.kind === 'StatefulSet') {
      const { start, count } = ordinals(json.spec);
      const prefix = `${name}-`;
      const suffix = `-${volume}`;
      claims.push({
        volume, index, example: `${prefix}${start}${suffix}`,
        names: c => {
          const ordinal = c.startsWith(prefix) && c.endsWith(suffix) ? c.slice(prefix.length, c.length - suffix.length) : '';
          return /^(0|[1-9]\d*)$/.test(ordinal) && Number(ordinal) >= start && Number(ordinal) < start + count;
        },
        list: () => Array.from({ length: Math.min(count, MAX_LISTED) }, (_, i) => `${prefix}${start + i}${suffix}`),
      });
    }
  });
  return claims;
}

/** A StatefulSet's pod ordinals: `ordinals.start` (0) to start + replicas (1). */
function ordinals(spec: any): { start: number; count: number } {
  const whole = (value: unknown, fallback: number) => (typeof value === 'number' && Number.isInteger(value) && value >= 0 ? value : fallback);
  return { start: whole(spec?.ordinals?.start, 0), count: whole(spec?.replicas, 1) };
}

/** Per app root, for one synth run: the app's PersistentVolumeClaim objects by `claimKey`. */
const CLAIMS_BY_ROOT = new PerRun<IConstruct, ReadonlyMap<string, string[]>>();

/** A claim's key in the app's indexes: `<namespace>/<name>` (no namespace: empty). @internal */
export function claimKey(namespace: unknown, claim: string): string {
  return `${typeof namespace === 'string' ? namespace : ''}/${claim}`;
}

/**
 * The PersistentVolumeClaim objects the app writes (the library's caches and the user's own), by
 * `<namespace>/<name>` as rendered, with their construct paths. Built once a run.
 *
 * @internal
 */
export function appClaimObjects(root: IConstruct): ReadonlyMap<string, string[]> {
  return CLAIMS_BY_ROOT.get(root, () => claimObjects(root));
}

function claimObjects(root: IConstruct): ReadonlyMap<string, string[]> {
  const claims = new Map<string, string[]>();
  for (const obj of root.node.findAll()) {
    if (obj instanceof ApiObject && obj.kind === 'PersistentVolumeClaim' && written(obj)) {
      let metadata: any;
      try {
        metadata = obj.toJson()?.metadata;
      } catch {
        continue; // the claim cannot be rendered: its own validation says why
      }
      if (typeof metadata?.name === 'string') {
        const key = claimKey(metadata.namespace, metadata.name);
        claims.set(key, [...claims.get(key) ?? [], constructPath(obj)]);
      }
    }
  }
  return claims;
}
