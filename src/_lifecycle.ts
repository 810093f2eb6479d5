import { Duration } from 'cdk8s';
import { show } from './validation/_helpers';
import { durationSeconds, listOf } from './validation/_prop-checks';

/** The hook props a container of the library takes (the server, a Sidecar). @internal */
export interface LifecycleHookProps {
  readonly postStartCommand?: string[];
  readonly preStopCommand?: string[];
  readonly preStopSleep?: Duration;
}

/**
 * The `lifecycle` of a container: a postStart exec of `postStartCommand`, and a preStop hook
 * that is an exec of `preStopCommand` or the kubelet's own sleep of `preStopSleep` (whole
 * seconds, at least one). Undefined without a hook. Prop errors (an empty command, both preStop
 * hooks) go to `errors` under `prefix`. Whether the target serves the sleep action and whether
 * it fits the grace period are decided on the rendered pod (the targetFeatures and
 * lifecycleSleep rules), like the commands' contents (lifecycleHandlers).
 *
 * @internal
 */
export function lifecycleHooks(props: LifecycleHookProps, prefix: string, errors: string[]): any {
  const postStart = hookCommand(`${prefix}postStartCommand`, props.postStartCommand, errors, '[\'sh\', \'-c\', \'ollama pull llama3\']');
  const command = hookCommand(`${prefix}preStopCommand`, props.preStopCommand, errors, '[\'sleep\', \'10\']');
  if (props.preStopCommand !== undefined && props.preStopSleep !== undefined) {
    errors.push(`${prefix}preStopSleep: is given with ${prefix}preStopCommand: a container has one preStop hook. Fix: keep one of them`);
  }
  const seconds = command || props.preStopSleep === undefined ? undefined : durationSeconds(`${prefix}preStopSleep`, props.preStopSleep, 1, errors);
  const preStop = command ? { exec: { command } } : seconds === undefined ? undefined : { sleep: { seconds } };
  if (!postStart && !preStop) {
    return undefined;
  }
  return { ...(postStart ? { postStart: { exec: { command: postStart } } } : {}), ...(preStop ? { preStop } : {}) };
}

/** A hook's command as written, or undefined; an empty list or a non-list is reported. */
function hookCommand(field: string, value: ReadonlyArray<string> | undefined, errors: string[], example: string): string[] | undefined {
  const list = listOf(field, value, errors);
  if (Array.isArray(value) && value.length === 0) {
    errors.push(`${field}: [] is empty. Fix: give a command such as ${example} or leave it out`);
  }
  list.forEach((word, i) => {
    // the first word is the program the kubelet runs: an empty one fails the hook, and the container is killed
    if (typeof word !== 'string' || (i === 0 && word.trim() === '')) {
      errors.push(`${field}[${i}]: ${show(word) ?? String(word)} is not ${i === 0 ? 'a program to run' : 'a text'}. Fix: give a command such as ${example}`);
    } else if (word.includes('\0')) {
      // the runtime execs the words as C strings: a NUL byte fails the exec (EINVAL), and a failed postStart kills the container
      errors.push(`${field}[${i}]: ${show(word)} holds a NUL byte, which no process can be given (the hook fails and the container is killed). Fix: remove it`);
    }
  });
  return list.length ? [...list] : undefined;
}
