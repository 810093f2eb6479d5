import { error, NO_FINDINGS, probeBudgetSeconds, show, warning } from './_helpers';
import { INT32_MAX } from './_object-helpers';
import { ContainerEntry, Finding, RenderedPod } from './model';
import { isPortName, isPortNumber } from './port-rules';

const PROBES = ['startupProbe', 'readinessProbe', 'livenessProbe'] as const;
const HANDLERS = ['exec', 'httpGet', 'tcpSocket', 'grpc'];
/** Kubernetes stores probe numbers as int32. */
const PROBE_INTS = ['initialDelaySeconds', 'periodSeconds', 'timeoutSeconds', 'successThreshold', 'failureThreshold'];

/** Each probe has exactly one handler, sane numbers and a valid port. */
export function probeShape(pod: RenderedPod): Finding[] {
  const findings: Finding[] = [];
  for (const c of pod.containers) {
    for (const kind of PROBES) {
      if (c.container[kind]) {
        probeShapeFindings(c, kind, findings);
      }
    }
  }
  return findings;
}

function probeShapeFindings(c: ContainerEntry, kind: string, findings: Finding[]): void {
  const probe = c.container[kind];
  if (handlerCount(probe) !== 1) {
    const handlers = HANDLERS.filter(h => probe[h] !== undefined);
    findings.push(error(probePath(c, kind), `must have exactly one handler, found ${handlers.length ? handlers.join(' and ') : 'none'}`, 'keep one of httpGet, tcpSocket, grpc or exec', c.container.name));
  }
  for (const key of PROBE_INTS) {
    // the API server stores these as int32: a huge duration or period is refused there
    if (probe[key] !== undefined && !(Number.isInteger(probe[key]) && probe[key] >= 0 && probe[key] <= INT32_MAX)) {
      findings.push(error(`${probePath(c, kind)}.${key}`, `${show(probe[key])} must be a whole number from 0 to ${INT32_MAX}`, 'use a non-negative integer (durations: at most about 68 years)', c.container.name));
    }
  }
  if (kind !== 'readinessProbe' && probe.successThreshold !== undefined && probe.successThreshold !== 1) {
    findings.push(error(`${probePath(c, kind)}.successThreshold`, `must be 1 for a ${kind}, got ${show(probe.successThreshold)}`, 'remove successThreshold or set it to 1', c.container.name));
  }
  handlerFieldFindings(c, kind, findings);
}

/** The handler's port, HTTP path and exec command. */
function handlerFieldFindings(c: ContainerEntry, kind: string, findings: Finding[]): void {
  const probe = c.container[kind];
  const port = probe.httpGet?.port ?? probe.tcpSocket?.port ?? probe.grpc?.port;
  if (port !== undefined && !isPortNumber(port) && !(typeof port === 'string' && isPortName(port) && !probe.grpc)) {
    findings.push(error(`${probePath(c, kind)}.${probe.httpGet ? 'httpGet' : probe.tcpSocket ? 'tcpSocket' : 'grpc'}.port`, `${show(port)} is not a port number (1-65535) or port name`, 'use the port the container listens on', c.container.name));
  }
  if (probe.httpGet && probe.httpGet.path !== undefined && typeof probe.httpGet.path !== 'string') {
    findings.push(error(`${probePath(c, kind)}.httpGet.path`, `${show(probe.httpGet.path)} is not a path`, 'give the path as a string, e.g. "/health"', c.container.name));
  }
  if (probe.exec && !(Array.isArray(probe.exec.command) && probe.exec.command.length > 0)) {
    findings.push(error(`${probePath(c, kind)}.exec.command`, 'is empty', 'give the command to run, e.g. ["cat", "/tmp/ready"]', c.container.name));
  }
}

function probePath(c: ContainerEntry, kind: string): string {
  return `${c.path}.${kind}`;
}

function handlerCount(probe: any): number {
  let count = 0;
  for (const h of HANDLERS) {
    if (probe[h] !== undefined) {
      count++;
    }
  }
  return count;
}

/**
 * A network probe should target a port that some container of the pod declares: a probe of a port
 * nothing listens on reports the container unhealthy forever. Declared ports are informational,
 * though: a container may listen on a port it does not declare (ModelMesh's mm container is probed
 * on its management port 8089, which it does not list), and the kubelet probes it all the same, so
 * an undeclared number is a warning. Probes share the pod's network namespace, so any long-running
 * container's port counts; a named port must exist on the probed container (the kubelet cannot
 * resolve it otherwise): that stays an error.
 */
export function probeTargetsServedPort(pod: RenderedPod): Finding[] {
  const findings: Finding[] = [];
  for (const c of pod.containers) {
    for (const kind of PROBES) {
      const probe = c.container[kind];
      const port = probe ? probe.httpGet?.port ?? probe.tcpSocket?.port ?? probe.grpc?.port : undefined;
      if (typeof port === 'number' && isPortNumber(port) && !isServed(pod, port)) {
        const served = [...new Set(pod.longRunning.flatMap(x => (x.container.ports ?? []).map((p: any) => p.containerPort)))];
        findings.push(warning(probePath(c, kind), `probes port ${port}, which no container of the pod declares (declared: ${served.join(', ') || 'none'}): the kubelet probes it all the same, and the probe passes only if a container listens there without declaring it`,
          // a sidecar's probe pointed at the server's port would check the server, not the sidecar
          `declare port ${port} on the container that serves it, or point the probe at ${c.container.name === pod.facts.serverContainer ? 'the server port' : 'a port this container serves'}`,
          c.container.name));
      }
      if (typeof port === 'string' && !(c.container.ports ?? []).some((p: any) => p.name === port)) {
        findings.push(error(probePath(c, kind), `probes the named port ${show(port)}, which container "${c.container.name}" does not declare`, 'use a port number or a port name of this container', c.container.name));
      }
    }
  }
  return findings;
}

/**
 * A server that binds the loopback address (`--host 127.0.0.1`, `--hostname localhost`,
 * `--http-address=::1`, ...) cannot be probed on the pod IP, where the kubelet sends HTTP, TCP
 * and gRPC probes: the pod never becomes ready. Probes routed through a proxy sidecar (which
 * reaches the server on localhost) are fine.
 */
export function loopbackServerProbed(pod: RenderedPod): Finding[] {
  const findings: Finding[] = [];
  for (const c of pod.longRunning) {
    const binds = loopbackBinds(c.container);
    if (!binds.length) {
      continue;
    }
    const own: any[] = c.container.ports ?? [];
    for (const kind of PROBES) {
      const handler = c.container[kind]?.httpGet ?? c.container[kind]?.tcpSocket ?? c.container[kind]?.grpc;
      const port = handler?.port;
      const target = own.find(p => p?.containerPort === port || (typeof port === 'string' && p?.name === port));
      // a bind of one listener (OVMS's --rest_bind_address) only concerns probes of that listener's port
      const bind = binds.find(b => b.port === undefined || b.port === target?.containerPort)?.bind;
      if (handler && handler.host === undefined && target && bind) {
        findings.push(error(probePath(c, kind), `probes port ${show(port)} on the pod IP, but the container listens on the loopback address only (${bind}): the kubelet never reaches it and the pod never becomes ready`,
          'bind 0.0.0.0 (e.g. --host 0.0.0.0), or put a ProxySidecar in front: it routes the server\'s probes through its own port', c.container.name));
      }
    }
  }
  return findings;
}

/**
 * Flags servers use for their listen address (vLLM, SGLang, uvicorn, TGI, Triton, llama.cpp, ...),
 * compared with `_` read as `-` (`--bind_address` is `--bind-address`).
 */
const LISTEN_FLAGS = /^--?(host|hostname|bind|address|listen|http-address|listen-address|bind-address)$/;
/**
 * Flags that bind one listener only, with the flags that name that listener's port (OpenVINO
 * Model Server: `--rest_bind_address` with `--rest_port`, `--grpc_bind_address` with `--port`).
 * Without its port flag, a bind counts for every port of the container.
 */
const LISTENER_FLAGS: ReadonlyMap<string, ReadonlyArray<string>> = new Map([
  ['rest-bind-address', ['rest-port']],
  ['grpc-bind-address', ['port', 'grpc-port']],
]);
const LOOPBACK = /^(127(\.\d{1,3}){3}|localhost|::1|\[::1\])(:\d+)?$/i;

/** A loopback bind in a command line, as written, and the port it concerns (every port when undefined). */
interface LoopbackBind {
  readonly bind: string;
  readonly port?: number;
}

/** The loopback binds in a container's command line. */
function loopbackBinds(container: any): LoopbackBind[] {
  const words: unknown[] = [...(Array.isArray(container.command) ? container.command : []), ...(Array.isArray(container.args) ? container.args : [])];
  const flags: Array<{ flag: string; value: string; written: string }> = [];
  for (let i = 0; i < words.length; i++) {
    const word = String(words[i]);
    const eq = word.indexOf('=');
    const [name, value] = eq > 0 ? [word.slice(0, eq), word.slice(eq + 1)] : [word, words[i + 1] === undefined ? '' : String(words[i + 1])];
    if (/^--?[A-Za-z]/.test(name)) {
      flags.push({ flag: name.replace(/^-+/, '').replace(/_/g, '-'), value, written: eq > 0 ? word : `${word} ${value}` });
    }
  }
  const binds: LoopbackBind[] = [];
  for (const f of flags) {
    if (!LOOPBACK.test(f.value)) {
      continue;
    }
    if (LISTEN_FLAGS.test(`--${f.flag}`)) {
      binds.push({ bind: f.written });
    } else if (LISTENER_FLAGS.has(f.flag)) {
      const portFlags = LISTENER_FLAGS.get(f.flag)!;
      const portFlag = flags.find(p => portFlags.includes(p.flag) && /^\d+$/.test(p.value));
      binds.push({ bind: f.written, port: portFlag ? Number(portFlag.value) : undefined });
    }
  }
  return binds;
}

/** Whether a long-running container of the pod declares `port`. */
function isServed(pod: RenderedPod, port: number): boolean {
  for (const c of pod.longRunning) {
    for (const p of c.container.ports ?? []) {
      if (p.containerPort === port) {
        return true;
      }
    }
  }
  return false;
}

/** Plain init containers run to completion: probes and lifecycle hooks are only valid on sidecars. */
export function initContainerProbes(pod: RenderedPod): Finding[] {
  const findings: Finding[] = [];
  for (const c of pod.containers) {
    if (!c.init || c.sidecar) {
      continue;
    }
    for (const key of RUN_TO_COMPLETION_FORBIDDEN) {
      if (c.container[key] !== undefined) {
        findings.push(error(`${c.path}.${key}`, 'is not allowed on an init container that runs to completion', 'remove it, or make the container a native sidecar', c.container.name));
      }
    }
  }
  return findings;
}

/** What only a long-running container may have. */
const RUN_TO_COMPLETION_FORBIDDEN = [...PROBES, 'lifecycle'];

/** Kubernetes' terminationGracePeriodSeconds when the pod sets none. */
const DEFAULT_GRACE_SECONDS = 30;

/**
 * A sleep lifecycle action (`lifecycle.preStop.sleep`) waits a whole number of seconds, at least
 * one, and no longer than the pod's termination grace period: the API server refuses a longer
 * sleep (the kubelet kills the container when the grace period ends, sleeping or not).
 */
export function lifecycleSleep(pod: RenderedPod): Finding[] {
  const findings: Finding[] = [];
  const given = pod.spec.terminationGracePeriodSeconds;
  const grace = given ?? DEFAULT_GRACE_SECONDS;
  for (const c of pod.containers) {
    for (const hook of ['preStop', 'postStart']) {
      const sleep = c.container.lifecycle?.[hook]?.sleep;
      if (sleep === undefined) {
        continue;
      }
      const seconds = sleep?.seconds;
      const field = `${c.path}.lifecycle.${hook}.sleep.seconds`;
      if (!Number.isInteger(seconds) || seconds < 1) {
        findings.push(error(field, `${show(seconds)} is not a whole number of seconds of at least 1`,
          'give the seconds to wait, e.g. preStopSleep: Duration.seconds(10), or remove the hook', c.container.name));
      } else if (typeof grace === 'number' && seconds > grace) {
        findings.push(error(field, `sleeps ${seconds} s, longer than the pod's termination grace period (${grace} s${given === undefined ? ', Kubernetes\' default' : ''}): `
          + 'the API server refuses it, since the kubelet kills the container when the grace period ends', 'shorten the sleep (preStopSleep) or lengthen '
          + 'the grace period (terminationGracePeriod)', c.container.name));
      }
    }
  }
  return findings;
}

/**
 * The server's startup probe must give the model time to load. The kubelet gives up after
 * initialDelaySeconds + periodSeconds x failureThreshold, then restarts the container, and a
 * model that needs longer never becomes ready (a restart loop).
 */
export function startupBudgetCoversModelLoad(pod: RenderedPod): Finding[] {
  const server = pod.facts.expectedLoadSeconds.length > 0 ? pod.containers.find(c => c.container.name === pod.facts.serverContainer) : undefined;
  if (!server) {
    return [];
  }
  const { budget, probeField } = startupBudget(server);
  const findings: Finding[] = [];
  const startup = server.container.startupProbe;
  for (const need of pod.facts.expectedLoadSeconds) {
    if (budget !== undefined && budget < need.seconds) {
      const fix = startup
        ? `give the startup probe at least ${need.seconds}s (initialDelay + periodSeconds × failureThreshold is ${budget}s now): `
          + `with its derived failureThreshold, set modelLoadTimeout to at least ${Math.ceil(need.seconds / 60)} minutes; `
          + 'with HealthCheck.custom, raise the startup probe\'s failureThreshold or period'
        : `add a startup probe that covers ${need.seconds}s (HealthCheck.http, or HealthCheck.custom({ startup })): `
          + `without one, the liveness probe restarts the loading server after ${budget}s`;
      findings.push(error(probeField, `the startup budget is ${budget}s, but ${need.declaredBy} needs ${need.seconds}s to load the model`,
        fix, server.container.name));
    }
  }
  return findings;
}

/** Seconds the kubelet waits for a container to start before it restarts it. */
function startupBudget(server: ContainerEntry): { budget?: number; probeField: string } {
  const probe = server.container.startupProbe ?? server.container.livenessProbe;
  const kind = server.container.startupProbe ? 'startupProbe' : 'livenessProbe';
  if (!probe) {
    return { budget: undefined, probeField: `${server.path}.startupProbe` };
  }
  return { budget: probeBudgetSeconds(probe), probeField: `${server.path}.${kind}` };
}

/**
 * A probe's terminationGracePeriodSeconds (the grace a liveness or startup failure gives the
 * container) is more than 0, and a readiness probe has none: it never kills the container.
 */
export function probeTerminationGrace(pod: RenderedPod): Finding[] {
  let findings: Finding[] | undefined;
  for (const c of pod.containers) {
    for (const kind of PROBES) {
      const grace = c.container[kind]?.terminationGracePeriodSeconds;
      if (grace === undefined) {
        continue;
      }
      if (kind === 'readinessProbe') {
        (findings ??= []).push(error(`${probePath(c, kind)}.terminationGracePeriodSeconds`, `${show(grace)} is set on a readiness probe, which never restarts the container`,
          'remove it (it belongs on the liveness or startup probe)', c.container.name));
      } else if (!(Number.isInteger(grace) && grace > 0)) {
        (findings ??= []).push(error(`${probePath(c, kind)}.terminationGracePeriodSeconds`, `${show(grace)} must be a whole number greater than 0`,
          'give the seconds the container gets to stop after a failed probe, e.g. 30, or leave it out (the pod\'s grace period)', c.container.name));
      }
    }
  }
  return findings ?? NO_FINDINGS;
}

/** An HTTP header name (validation.IsHTTPHeaderName); the probes' `httpHeaders` prop check uses it too. */
export const HTTP_HEADER_NAME = /^[-A-Za-z0-9]+$/;
const HOOKS = ['postStart', 'preStop'] as const;

/** The httpHeaders of probes and lifecycle hooks that call HTTP are valid HTTP header names. */
export function httpHeaderNames(pod: RenderedPod): Finding[] {
  let findings: Finding[] | undefined;
  for (const c of pod.containers) {
    // the paths are built only for headers that are there: most probes send none
    for (const kind of PROBES) {
      const headers = c.container[kind]?.httpGet?.httpHeaders;
      if (headers !== undefined) {
        findings = headerFindings(headers, `${probePath(c, kind)}.httpGet.httpHeaders`, c, findings);
      }
    }
    const lifecycle = c.container.lifecycle;
    for (let h = 0; lifecycle && h < HOOKS.length; h++) {
      const headers = lifecycle[HOOKS[h]]?.httpGet?.httpHeaders;
      if (headers !== undefined) {
        findings = headerFindings(headers, `${c.path}.lifecycle.${HOOKS[h]}.httpGet.httpHeaders`, c, findings);
      }
    }
  }
  return findings ?? NO_FINDINGS;
}

function headerFindings(headers: unknown, at: string, c: ContainerEntry, findings: Finding[] | undefined): Finding[] | undefined {
  if (!Array.isArray(headers)) {
    return findings;
  }
  for (let i = 0; i < headers.length; i++) {
    const name = headers[i]?.name;
    if (typeof name !== 'string' || !HTTP_HEADER_NAME.test(name)) {
      (findings ??= []).push(error(`${at}[${i}].name`, `${show(name)} is not a valid HTTP header name (letters, digits and '-' only)`,
        'use a header name such as "Authorization" or "X-Health-Check"', c.container.name));
    }
  }
  return findings;
}

const LIFECYCLE_ACTIONS = ['exec', 'httpGet', 'tcpSocket', 'sleep'];

/**
 * A postStart or preStop hook has exactly one action (exec, httpGet, tcpSocket or sleep); an
 * exec has a command. How long a sleep may last is `lifecycleSleep`'s.
 */
export function lifecycleHandlers(pod: RenderedPod): Finding[] {
  let findings: Finding[] | undefined;
  for (const c of pod.containers) {
    const lifecycle = c.container.lifecycle;
    if (lifecycle === undefined || lifecycle === null) {
      continue;
    }
    for (const hook of HOOKS) {
      const handler = lifecycle[hook];
      if (handler === undefined || handler === null) {
        continue;
      }
      let count = 0;
      for (const a of LIFECYCLE_ACTIONS) {
        count += handler[a] !== undefined && handler[a] !== null ? 1 : 0;
      }
      if (count !== 1) {
        const actions = LIFECYCLE_ACTIONS.filter(a => handler[a] !== undefined && handler[a] !== null);
        (findings ??= []).push(error(hookPath(c, hook), `must have exactly one action, found ${actions.length ? actions.join(' and ') : 'none'}`,
          'keep one of exec, httpGet, tcpSocket or sleep', c.container.name));
      }
      if (handler.exec && !(Array.isArray(handler.exec.command) && handler.exec.command.length > 0)) {
        (findings ??= []).push(error(`${hookPath(c, hook)}.exec.command`, `${show(handler.exec.command ?? [])} is empty`, 'give the command to run, e.g. ["sleep", "10"]', c.container.name));
      }
    }
  }
  return findings ?? NO_FINDINGS;
}

function hookPath(c: ContainerEntry, hook: string): string {
  return `${c.path}.lifecycle.${hook}`;
}
