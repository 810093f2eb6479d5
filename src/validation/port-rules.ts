import { error, isRepeat, normalSysctlName, repeatTracker, runsAs, show, warning } from './_helpers';
import { ContainerEntry, Finding, RenderedPod } from './model';

const PORT_NAME = /^(?=.*[a-z])[a-z0-9]([a-z0-9]|-(?!-))*$/;

const PROTOCOLS = ['TCP', 'UDP', 'SCTP'];

/**
 * containerPort and hostPort are 1..65535, the protocol one of three, no number and protocol
 * twice in a container; port names are IANA service names, unique per container. A name another
 * container of the pod declares first is a warning, as the API server gives it: a Service or probe
 * that selects the port by name gets the first one.
 */
export function portFields(pod: RenderedPod): Finding[] {
  const findings: Finding[] = [];
  const podNames = new Map<string, string>();
  for (const c of pod.containers) {
    const ports: any[] = c.container.ports ?? [];
    const names = repeatTracker(ports.length);
    const numbers = repeatTracker(ports.length);
    for (let i = 0; i < ports.length; i++) {
      const p = ports[i];
      if (!isPortNumber(p.containerPort)) {
        findings.push(error(`${portPath(c, i)}.containerPort`, `${show(p.containerPort)} is not a port number (1-65535)`, 'use a port between 1 and 65535; unprivileged servers use 1024 or above', c.container.name));
      }
      if (p.protocol !== undefined && !PROTOCOLS.includes(p.protocol)) {
        findings.push(error(`${portPath(c, i)}.protocol`, `${show(p.protocol)} is not a protocol`, 'use PortProtocol (TCP, UDP or SCTP)', c.container.name));
      }
      if (isPortNumber(p.containerPort) && declaredBefore(ports, i, numbers)) {
        findings.push(error(`${portPath(c, i)}.containerPort`, `port ${p.containerPort}/${p.protocol ?? 'TCP'} is declared twice in this container; server-side apply refuses it (ports are keyed by number and protocol)`,
          'declare each port once (the server\'s `port` is declared already: leave it out of extraPorts)', c.container.name));
      }
      if (p.hostPort !== undefined && p.hostPort !== 0 && !isPortNumber(p.hostPort)) {
        findings.push(error(`${portPath(c, i)}.hostPort`, `${show(p.hostPort)} is not a port number (1-65535)`, 'remove hostPort; expose the pod through a Service', c.container.name));
      }
      if (p.name !== undefined) {
        if (!isPortName(p.name)) {
          findings.push(error(`${portPath(c, i)}.name`, `${show(p.name)} is not a valid port name (at most 15 lowercase letters, digits and single '-', with at least one letter)`, 'use a name such as "http" or "metrics"', c.container.name));
        } else if (isRepeat(ports, i, 'name', names)) {
          findings.push(error(`${portPath(c, i)}.name`, `port name ${show(p.name)} is used twice in this container`, 'give each port a distinct name', c.container.name));
        } else {
          const first = podNames.get(p.name);
          if (first === undefined) {
            podNames.set(p.name, portPath(c, i));
          } else {
            findings.push(warning(`${portPath(c, i)}.name`, `duplicate port name ${show(p.name)} with ${first}: Services and probes that select the port by name get ${first}`,
              'give this port a name of its own (e.g. prefixed with the container\'s)', c.container.name));
          }
        }
      }
    }
  }
  return findings;
}

/** Whether an earlier entry of `ports` has the same number and protocol as entry `i` (`seen`: see `repeatTracker`). */
function declaredBefore(ports: any[], i: number, seen: Set<unknown> | undefined): boolean {
  const protocol = ports[i].protocol ?? 'TCP';
  if (seen) {
    const key = `${ports[i].containerPort}/${protocol}`;
    const repeated = seen.has(key);
    seen.add(key);
    return repeated;
  }
  for (let j = 0; j < i; j++) {
    if (ports[j]?.containerPort === ports[i].containerPort && (ports[j]?.protocol ?? 'TCP') === protocol) {
      return true;
    }
  }
  return false;
}

function portPath(c: ContainerEntry, i: number): string {
  return `${c.path}.ports[${i}]`;
}

/**
 * All long-running containers share the pod's network namespace: two of them cannot bind the
 * same port (the second one crash-loops with "address already in use").
 */
export function portCollisions(pod: RenderedPod): Finding[] {
  const owners = new Map<string, string>();
  const findings: Finding[] = [];
  for (const c of pod.longRunning) {
    const ports: any[] = c.container.ports ?? [];
    for (let i = 0; i < ports.length; i++) {
      const p = ports[i];
      const key = `${p.containerPort}/${p.protocol ?? 'TCP'}`;
      const owner = owners.get(key);
      if (owner && owner !== c.container.name) {
        findings.push(error(`${c.path}.ports[${i}].containerPort`, `port ${key} is also bound by container "${owner}"; containers of a pod share one network namespace`, `move one of "${owner}" and "${c.container.name}" to another port`, c.container.name));
      } else {
        owners.set(key, c.container.name);
      }
    }
  }
  return findings;
}

/** A proxy must forward to a port that another container of the pod listens on. */
export function proxyUpstreamServed(pod: RenderedPod): Finding[] {
  const findings: Finding[] = [];
  for (const proxy of pod.facts.proxies) {
    if (!isServedByOther(pod, proxy.container, proxy.upstreamPort)) {
      const served = pod.longRunning.filter(c => c.container.name !== proxy.container)
        .flatMap(c => (c.container.ports ?? []).map((p: any) => `${p.containerPort} (${c.container.name})`));
      const entry = pod.longRunning.find(c => c.container.name === proxy.container);
      findings.push(error(`${entry?.path ?? pod.specPath}.env`, `${proxy.declaredBy} forwards to localhost:${proxy.upstreamPort}, but no other container of the pod listens there (served: ${served.join(', ') || 'none'})`,
        'set upstreamPort to the server port, or declare the port on the container that serves it', proxy.container));
    }
  }
  return findings;
}

/** Whether a long-running container other than `self` declares `port`. */
function isServedByOther(pod: RenderedPod, self: string, port: number): boolean {
  for (const c of pod.longRunning) {
    const ports: any[] = c.container.ports ?? [];
    for (let i = 0; c.container.name !== self && i < ports.length; i++) {
      if (ports[i].containerPort === port) {
        return true;
      }
    }
  }
  return false;
}

/** The sysctl that opens the ports below 1024 to users other than root. */
const UNPRIVILEGED_PORT_START = 'net.ipv4.ip_unprivileged_port_start';

/**
 * A container that runs as a non-root user and declares a port below 1024 binds it only where
 * the runtime lowers net.ipv4.ip_unprivileged_port_start (containerd 2.0 sets 0; containerd
 * before 2.0 keeps the kernel's 1024, and the server fails with "permission denied"). Not for
 * root, nor below the start the pod's sysctl sets. NET_BIND_SERVICE does not help: a non-root
 * process gets no effective capabilities from the container's set.
 */
export function unprivilegedPortBinding(pod: RenderedPod): Finding[] {
  let findings: Finding[] | undefined;
  const podContext = pod.spec.securityContext;
  let start: number | undefined;
  for (const c of pod.containers) {
    const ports: any[] = c.container.ports ?? [];
    for (let i = 0; i < ports.length; i++) {
      const port = ports[i]?.containerPort;
      if (!(isPortNumber(port) && port < 1024)) {
        continue;
      }
      const user = runsAs(c.container.securityContext, podContext);
      start ??= unprivilegedPortStart(podContext);
      if (user === undefined || user === 0 || port >= start) {
        continue;
      }
      (findings ??= []).push(warning(`${portPath(c, i)}.containerPort`,
        `port ${port} is below 1024 and the container runs as ${user === 'non-root' ? 'a non-root user' : `user ${user}`}: it cannot bind it where the container `
        + `runtime keeps ${UNPRIVILEGED_PORT_START} at the kernel's 1024 (containerd before 2.0), and the server fails with "permission denied"`,
        `serve on a port of 1024 or above (a Service can still expose ${port}), or let the pod bind it: security: { sysctls: { '${UNPRIVILEGED_PORT_START}': '${port}' } } `
        + '(a safe sysctl: Pod Security Standard restricted allows it)', c.container.name));
    }
  }
  return findings ?? [];
}

/** The first port a non-root user may bind, as the pod's sysctl sets it (1024, the kernel's, without). */
function unprivilegedPortStart(podContext: any): number {
  const sysctls: unknown = podContext?.sysctls;
  if (Array.isArray(sysctls)) {
    for (const sysctl of sysctls) {
      if (typeof sysctl?.name === 'string' && normalSysctlName(sysctl.name) === UNPRIVILEGED_PORT_START && /^\s*\d+\s*$/.test(String(sysctl.value))) {
        return Number(sysctl.value);
      }
    }
  }
  return 1024;
}

/** Whether `value` is an integer port 1..65535. */
export function isPortNumber(value: unknown): boolean {
  return Number.isInteger(value) && (value as number) >= 1 && (value as number) <= 65535;
}

/** Whether `value` is an IANA service name, as port names must be. */
export function isPortName(value: unknown): boolean {
  return typeof value === 'string' && value.length <= 15 && PORT_NAME.test(value) && !value.startsWith('-') && !value.endsWith('-');
}
