import { containersOf, error, longRunning, show } from './_helpers';
import { Finding, RenderedPod } from './model';

const PORT_NAME = /^(?=.*[a-z])[a-z0-9]([a-z0-9]|-(?!-))*$/;

/** containerPort and hostPort are 1..65535, the protocol one of three; port names are IANA service names, unique per container. */
export function portFields(pod: RenderedPod): Finding[] {
  const findings: Finding[] = [];
  for (const c of containersOf(pod)) {
    const names = new Set<string>();
    (c.container.ports ?? []).forEach((p: any, i: number) => {
      const field = () => `${c.path}.ports[${i}]`;
      if (!isPortNumber(p.containerPort)) {
        findings.push(error(`${field()}.containerPort`, `${show(p.containerPort)} is not a port number (1-65535)`, 'use a port between 1 and 65535; unprivileged servers use 1024 or above', c.container.name));
      }
      if (p.protocol !== undefined && !['TCP', 'UDP', 'SCTP'].includes(p.protocol)) {
        findings.push(error(`${field()}.protocol`, `${show(p.protocol)} is not a protocol`, 'use PortProtocol (TCP, UDP or SCTP)', c.container.name));
      }
      if (p.hostPort !== undefined && p.hostPort !== 0 && !isPortNumber(p.hostPort)) {
        findings.push(error(`${field()}.hostPort`, `${show(p.hostPort)} is not a port number (1-65535)`, 'remove hostPort; expose the pod through a Service', c.container.name));
      }
      if (p.name !== undefined) {
        if (!isPortName(p.name)) {
          findings.push(error(`${field()}.name`, `${show(p.name)} is not a valid port name (at most 15 lowercase letters, digits and single '-', with at least one letter)`, 'use a name such as "http" or "metrics"', c.container.name));
        } else if (names.has(p.name)) {
          findings.push(error(`${field()}.name`, `port name ${show(p.name)} is used twice in this container`, 'give each port a distinct name', c.container.name));
        }
        names.add(p.name);
      }
    });
  }
  return findings;
}

/**
 * All long-running containers share the pod's network namespace: two of them cannot bind the
 * same port (the second one crash-loops with "address already in use").
 */
export function portCollisions(pod: RenderedPod): Finding[] {
  const owners = new Map<string, string>();
  const findings: Finding[] = [];
  for (const c of longRunning(pod)) {
    (c.container.ports ?? []).forEach((p: any, i: number) => {
      const key = `${p.containerPort}/${p.protocol ?? 'TCP'}`;
      const owner = owners.get(key);
      if (owner && owner !== c.container.name) {
        findings.push(error(`${c.path}.ports[${i}].containerPort`, `port ${key} is also bound by container "${owner}"; containers of a pod share one network namespace`, `move one of "${owner}" and "${c.container.name}" to another port`, c.container.name));
      } else {
        owners.set(key, c.container.name);
      }
    });
  }
  return findings;
}

/** A proxy must forward to a port that another container of the pod listens on. */
export function proxyUpstreamServed(pod: RenderedPod): Finding[] {
  const findings: Finding[] = [];
  for (const proxy of pod.facts.proxies) {
    const served = longRunning(pod).filter(c => c.container.name !== proxy.container)
      .flatMap(c => (c.container.ports ?? []).map((p: any) => ({ port: p.containerPort, container: c.container.name })));
    if (!served.some(s => s.port === proxy.upstreamPort)) {
      const entry = longRunning(pod).find(c => c.container.name === proxy.container);
      findings.push(error(`${entry?.path ?? pod.specPath}.env`, `${proxy.declaredBy} forwards to localhost:${proxy.upstreamPort}, but no other container of the pod listens there (served: ${served.map(s => `${s.port} (${s.container})`).join(', ') || 'none'})`,
        'set upstreamPort to the server port, or declare the port on the container that serves it', proxy.container));
    }
  }
  return findings;
}

/** Whether `value` is an integer port 1..65535. */
export function isPortNumber(value: unknown): boolean {
  return Number.isInteger(value) && (value as number) >= 1 && (value as number) <= 65535;
}

/** Whether `value` is an IANA service name, as port names must be. */
export function isPortName(value: unknown): boolean {
  return typeof value === 'string' && value.length <= 15 && PORT_NAME.test(value) && !value.startsWith('-') && !value.endsWith('-');
}
