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
  /**
   * `maxSurge` as a percentage of the desired count (`'100%'` in the vLLM chart), rounded up.
   * Not with `maxSurge`.
   * @default - maxSurge
   */
  readonly maxSurgePercent?: number;
  /**
   * `maxUnavailable` as a percentage of the desired count (at most 100), rounded down. Not with
   * `maxUnavailable`.
   * @default - maxUnavailable
   */
  readonly maxUnavailablePercent?: number;
}

const ROLLING_UPDATE_KEYS = propKeys<RollingUpdateOptions>('RollingUpdateOptions', {
  maxSurge: true, maxUnavailable: true, maxSurgePercent: true, maxUnavailablePercent: true,
});

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
      const surge = amount('maxSurge', options.maxSurge, options.maxSurgePercent, 1_000_000, own) ?? { value: 1, percent: false };
      const unavailable = amount('maxUnavailable', options.maxUnavailable, options.maxUnavailablePercent, 100, own) ?? { value: 0, percent: false };
      if (surge.value === 0 && unavailable.value === 0) {
        own.push(`rollout: maxSurge ${text(surge)} and maxUnavailable ${text(unavailable)} would never replace a pod (the API server refuses both 0). `
          + 'Fix: allow one extra pod (maxSurge: 1) or one missing pod (maxUnavailable: 1)');
      }
      errors.push(...own);
      // refused options render the default (cdk8s-plus throws on some): synth fails with the errors anyway
      const valid = own.length === 0;
      return kplus.DeploymentStrategy.rollingUpdate({
        maxSurge: valid ? strategyValue(surge) : kplus.PercentOrAbsolute.absolute(1),
        maxUnavailable: valid ? strategyValue(unavailable) : kplus.PercentOrAbsolute.absolute(0),
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

/** A rollout amount: pods, or a percentage of the desired count. */
interface RolloutAmount {
  readonly value: number;
  readonly percent: boolean;
}

/**
 * The amount `key` gives as a count or as `<key>Percent` (whole, at most `maxPercent`), or
 * undefined when neither is given; both, or a bad number, are errors.
 */
function amount(
  key: string, count: number | undefined, percent: number | undefined, maxPercent: number, errors: string[],
): RolloutAmount | undefined {
  wholeNumber(`rollout.${key}`, count, 0, 1_000_000, errors, key === 'maxSurge' ? 1 : 0);
  wholeNumber(`rollout.${key}Percent`, percent, 0, maxPercent, errors, 25);
  if (count !== undefined && percent !== undefined) {
    errors.push(`rollout.${key}Percent: ${show(percent)} is given with rollout.${key} ${show(count)}. Fix: keep one of them`);
  }
  return percent !== undefined ? { value: percent, percent: true } : count !== undefined ? { value: count, percent: false } : undefined;
}

function text(a: RolloutAmount): string {
  return a.percent ? `${show(a.value)}%` : show(a.value);
}

function strategyValue(a: RolloutAmount): kplus.PercentOrAbsolute {
  return a.percent ? kplus.PercentOrAbsolute.percent(a.value) : kplus.PercentOrAbsolute.absolute(a.value);
}
