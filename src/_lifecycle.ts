import { Duration } from 'cdk8s';
import { durationSeconds } from './validation/_prop-checks';

/**
 * The `lifecycle` of a container with a preStop hook: an exec of `command`, or the kubelet's own
 * sleep of `sleep` (whole seconds, at least one; a bad duration goes to `errors` under
 * `prefix`). Undefined without a hook; with both, the command (the owner reports the conflict).
 * Whether the target serves the sleep action and whether it fits the grace period are decided
 * on the rendered pod (the targetFeatures and lifecycleSleep rules).
 *
 * @internal
 */
export function preStopHook(command: ReadonlyArray<string> | undefined, sleep: Duration | undefined, prefix: string, errors: string[]): any {
  if (Array.isArray(command) && command.length > 0) {
    return { preStop: { exec: { command: [...command] } } };
  }
  const seconds = sleep === undefined ? undefined : durationSeconds(`${prefix}preStopSleep`, sleep, 1, errors);
  return seconds === undefined ? undefined : { preStop: { sleep: { seconds } } };
}
