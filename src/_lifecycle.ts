import { Duration } from 'cdk8s';
import { HttpHook } from './kubernetes-types';
import { show } from './validation/_helpers';
import { durationSeconds, given, isPlainObject, knownProps, listOf, propKeys, wholeNumber } from './validation/_prop-checks';

const HTTP_HOOK_KEYS = propKeys<HttpHook>('HttpHook', { path: true, port: true, https: true });

/** The hook props a container of the library takes (the server, a Sidecar). @internal */
export interface LifecycleHookProps {
  readonly postStartCommand?: string[];
  readonly preStopCommand?: string[];
  readonly preStopSleep?: Duration;
  readonly preStopHttpGet?: HttpHook;
}

/**
 * The `lifecycle` of a container: a postStart exec of `postStartCommand`, and a preStop hook
 * that is an exec of `preStopCommand`, an httpGet of `preStopHttpGet` or the kubelet's own sleep of `preStopSleep` (whole
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
  const others = [props.preStopCommand !== undefined ? 'preStopCommand' : undefined, props.preStopSleep !== undefined ? 'preStopSleep' : undefined].filter(x => x);
  if (props.preStopHttpGet !== undefined && others.length) {
    errors.push(`${prefix}preStopHttpGet: is given with ${others.map(o => prefix + o).join(' and ')}: a container has one preStop hook. Fix: keep one of them`);
  }
  const httpGet = command ? undefined : httpHook(`${prefix}preStopHttpGet`, props.preStopHttpGet, errors);
  const seconds = command || httpGet || props.preStopSleep === undefined ? undefined : durationSeconds(`${prefix}preStopSleep`, props.preStopSleep, 1, errors);
  const preStop = command ? { exec: { command } } : httpGet ? { httpGet } : seconds === undefined ? undefined : { sleep: { seconds } };
  if (!postStart && !preStop) {
    return undefined;
  }
  return { ...(postStart ? { postStart: { exec: { command: postStart } } } : {}), ...(preStop ? { preStop } : {}) };
}

/**
 * The httpGet action of `hook`, or undefined; what the API server would refuse is reported (and
 * nothing is rendered then: the rendered field would report the same mistake a second time). A
 * class instance (a platform's config class) is read as its own keys and the keys it answers.
 */
function httpHook(field: string, value: HttpHook | undefined, errors: string[]): any {
  if (value === undefined) {
    return undefined;
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value) || value instanceof Map || value instanceof Set) {
    errors.push(`${field}: ${given(value)} is not a request. Fix: give e.g. { path: '/prestop', port: 8090 }`);
    return undefined;
  }
  const hook: any = isPlainObject(value) ? value : ownAndKnown(value, HTTP_HOOK_KEYS);
  const before = errors.length;
  knownProps(field, hook, HTTP_HOOK_KEYS, errors);
  if (typeof hook.path !== 'string' || !hook.path.startsWith('/') || /[\s\0]/.test(hook.path)) {
    errors.push(`${field}.path: ${show(hook.path) ?? String(hook.path)} is not an absolute request path. Fix: give e.g. '/prestop'`);
  }
  if (hook.port === undefined) {
    errors.push(`${field}.port: is missing (the API server requires it). Fix: give the port the endpoint listens on, e.g. 8090`);
  }
  wholeNumber(`${field}.port`, hook.port, 1, 65535, errors, 8090);
  if (hook.https !== undefined && typeof hook.https !== 'boolean') {
    errors.push(`${field}.https: ${show(hook.https)} is not true or false. Fix: true sends the request over HTTPS, or leave it out`);
  }
  if (errors.length > before) {
    return undefined;
  }
  return { path: hook.path, port: hook.port, ...(hook.https === true ? { scheme: 'HTTPS' } : {}) };
}

/** A class instance as a plain object: its own enumerable keys, and the `known` keys it answers (a getter of its class). */
function ownAndKnown(value: object, known: ReadonlyArray<string>): { [key: string]: unknown } {
  const copy: { [key: string]: unknown } = {};
  for (const key of Object.keys(value)) {
    copy[key] = (value as any)[key];
  }
  for (const key of known) {
    if (!(key in copy) && key in value) {
      copy[key] = (value as any)[key];
    }
  }
  return copy;
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
