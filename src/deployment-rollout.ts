import * as kplus from 'cdk8s-plus-27';
import { show } from './validation/_helpers';
import { knownProps, propKeys, snapshot, wholeNumber } from './validation/_prop-checks';

/** Options of a rolling update. */
export interface RollingUpdateOptions {
  /**
   * Pods the rollout may start above the desired count (each needs its own GPUs while it loads).
   * @default 1
   */
  readonly maxSurge?: number;
  /**
   * Pods that may be missing from the desired count during the rollout.
   * @default 0
   */
  readonly maxUnavailable?: number;
}

const ROLLING_UPDATE_KEYS = propKeys<RollingUpdateOptions>('RollingUpdateOptions', { maxSurge: true, maxUnavailable: true });

/**
 * How an `AiInferenceDeployment` replaces its pods on a change.
 *
 * @example
 * rollout: DeploymentRollout.recreate()                                   // nodes with exactly the GPUs of one pod
 * rollout: DeploymentRollout.rollingUpdate({ maxSurge: 0, maxUnavailable: 1 }) // no spare GPUs: one pod at a time
 */
export class DeploymentRollout {
  /**
   * A rolling update: new pods start while old ones serve, within `maxSurge` extra and
   * `maxUnavailable` missing pods (whole numbers, not both 0).
   */
  public static rollingUpdate(options: RollingUpdateOptions = {}): DeploymentRollout {
    options = snapshot(options ?? {}); // null from JavaScript callers means the defaults
    return new DeploymentRollout(errors => {
      const own: string[] = [];
      knownProps('rollout', options, ROLLING_UPDATE_KEYS, own);
      const surge = options.maxSurge ?? 1;
      const unavailable = options.maxUnavailable ?? 0;
      wholeNumber('rollout.maxSurge', options.maxSurge, 0, 1_000_000, own, 1);
      wholeNumber('rollout.maxUnavailable', options.maxUnavailable, 0, 1_000_000, own, 0);
      if (surge === 0 && unavailable === 0) {
        own.push(`rollout: maxSurge ${show(surge)} and maxUnavailable ${show(unavailable)} would never replace a pod (the API server refuses both 0). `
          + 'Fix: allow one extra pod (maxSurge: 1) or one missing pod (maxUnavailable: 1)');
      }
      errors.push(...own);
      // refused options render the default (cdk8s-plus throws on some): synth fails with the errors anyway
      const valid = own.length === 0;
      return kplus.DeploymentStrategy.rollingUpdate({
        maxSurge: kplus.PercentOrAbsolute.absolute(valid ? surge : 1),
        maxUnavailable: kplus.PercentOrAbsolute.absolute(valid ? unavailable : 0),
      });
    });
  }

  /**
   * Every old pod stops before the new ones start: a short outage, and no pod ever needs GPUs
   * (or a ReadWriteOnce cache) beside another.
   */
  public static recreate(): DeploymentRollout {
    return new DeploymentRollout(() => kplus.DeploymentStrategy.recreate());
  }

  private constructor(private readonly strategy: (errors: string[]) => kplus.DeploymentStrategy) {}

  /** The cdk8s-plus strategy, and the option errors. @internal */
  public _render(errors: string[]): kplus.DeploymentStrategy {
    return this.strategy(errors);
  }
}
