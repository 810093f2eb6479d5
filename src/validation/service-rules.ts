import { isIP } from 'net';
import { error, isDnsLabel, isDnsSubdomain, isQualifiedName, show } from './_helpers';
import { asList, enumFindings, portNumberOrNameFindings, PROTOCOLS } from './_object-helpers';
import { labelFindings } from './metadata-rules';
import { Finding } from './model';
import { isPortNumber } from './port-rules';

/** Object rules of Services (pkg/apis/core/validation: ValidateService, validateServicePort). */

const SERVICE_TYPES = ['ClusterIP', 'NodePort', 'LoadBalancer', 'ExternalName'];

/**
 * At least one port (unless headless or ExternalName); ports 1-65535; names DNS-1123 labels,
 * required and unique when there are several; known protocols; targetPort a number or an IANA
 * port name; nodePort only on NodePort/LoadBalancer; no port/protocol pair twice, nor a
 * nodePort/protocol pair.
 */
export function servicePorts(json: any): Finding[] {
  const spec = json?.spec ?? {};
  const ports: any[] = asList(spec.ports);
  if (ports.length === 0) {
    return spec.clusterIP === 'None' || spec.type === 'ExternalName' ? [] : [error('spec.ports', 'a Service needs at least one port', 'list the port clients connect to, e.g. { port: 8000, targetPort: 8000 }')];
  }
  const names = new Set<string>();
  const pairs = new Set<string>();
  // the API server keys node ports by number and protocol too (30053/TCP and 30053/UDP are two)
  const nodePairs = new Set<string>();
  return ports.flatMap((port, i) => {
    const at = `spec.ports[${i}]`;
    const pair = `${port?.port}/${port?.protocol ?? 'TCP'}`;
    const nodePair = isPortNumber(port?.nodePort) ? `${port.nodePort}/${port?.protocol ?? 'TCP'}` : undefined;
    const findings = [
      ...servicePortNameFindings(port?.name, `${at}.name`, ports.length > 1, names),
      ...(isPortNumber(port?.port) ? [] : [error(`${at}.port`, `${show(port?.port)} is not a port number (1-65535)`, 'use the port clients connect to, e.g. 8000')]),
      ...enumFindings(port?.protocol, `${at}.protocol`, PROTOCOLS, 'protocol'),
      // Kubernetes defaults a missing, 0 or "" targetPort to the port.
      ...([undefined, null, 0, ''].includes(port?.targetPort) ? [] : portNumberOrNameFindings(port.targetPort, `${at}.targetPort`)),
      ...nodePortFindings(port?.nodePort, `${at}.nodePort`, spec.type ?? 'ClusterIP'),
      ...(port?.appProtocol === undefined || (typeof port.appProtocol === 'string' && isQualifiedName(port.appProtocol)) ? []
        : [error(`${at}.appProtocol`, `${show(port.appProtocol)} is not an application protocol (a qualified name)`, "use e.g. 'kubernetes.io/h2c', or remove it")]),
      ...(pairs.has(pair) ? [error(at, `port ${pair} is listed twice`, 'list each port and protocol once')] : []),
      ...(nodePair && nodePairs.has(nodePair) ? [error(`${at}.nodePort`, `node port ${nodePair} is listed twice`, 'give each port its own node port, or remove it to let the cluster pick one')] : []),
    ];
    pairs.add(pair);
    if (nodePair) {
      nodePairs.add(nodePair);
    }
    return findings;
  });
}

function servicePortNameFindings(name: unknown, field: string, required: boolean, seen: Set<string>): Finding[] {
  if (name === undefined || name === '') {
    return required ? [error(field, 'every port of a Service with several ports needs a name', 'name each port, e.g. "http" and "metrics"')] : [];
  }
  if (!isDnsLabel(name)) {
    return [error(field, `${show(name)} is not a valid Service port name (DNS-1123 label: lowercase letters, digits and '-', at most 63)`, 'use a name such as "http"')];
  }
  if (seen.has(name as string)) {
    return [error(field, `port name ${show(name)} is used twice`, 'give each port its own name')];
  }
  seen.add(name as string);
  return [];
}

function nodePortFindings(nodePort: unknown, field: string, type: string): Finding[] {
  if (nodePort === undefined || nodePort === 0) {
    return [];
  }
  if (type !== 'NodePort' && type !== 'LoadBalancer') {
    return [error(field, `nodePort cannot be set on a Service of type ${type}`, 'remove nodePort, or use type NodePort or LoadBalancer')];
  }
  return isPortNumber(nodePort) ? [] : [error(field, `${show(nodePort)} is not a port number (1-65535)`, 'remove nodePort to let the cluster pick one')];
}

/**
 * type is known; clusterIP is empty, "None" or an IP (not "None" for NodePort/LoadBalancer,
 * empty for ExternalName, which needs a DNS externalName); selector labels valid;
 * sessionAffinity and traffic policies known, externalTrafficPolicy only where traffic enters
 * from outside.
 */
export function serviceSpec(json: any): Finding[] {
  const spec = json?.spec ?? {};
  const type = spec.type ?? 'ClusterIP';
  return [
    ...enumFindings(spec.type, 'spec.type', SERVICE_TYPES, 'Service type'),
    ...clusterIpFindings(spec.clusterIP, type),
    ...(type === 'ExternalName' ? externalNameFindings(spec.externalName) : []),
    ...labelFindings(spec.selector, 'spec.selector'),
    ...enumFindings(spec.sessionAffinity, 'spec.sessionAffinity', ['None', 'ClientIP'], 'session affinity'),
    ...enumFindings(spec.internalTrafficPolicy, 'spec.internalTrafficPolicy', ['Cluster', 'Local'], 'traffic policy'),
    ...externalTrafficFindings(spec.externalTrafficPolicy, type),
  ];
}

function clusterIpFindings(ip: unknown, type: string): Finding[] {
  if (ip === undefined || ip === '') {
    return [];
  }
  if (type === 'ExternalName') {
    return [error('spec.clusterIP', `an ExternalName Service has no cluster IP, got ${show(ip)}`, 'remove clusterIP')];
  }
  if (ip === 'None') {
    return type === 'ClusterIP' ? [] : [error('spec.clusterIP', `a ${type} Service cannot be headless (clusterIP "None")`, 'remove clusterIP, or use type ClusterIP')];
  }
  return typeof ip === 'string' && isIP(ip) !== 0 ? [] : [error('spec.clusterIP', `${show(ip)} is not an IP address, "None" or empty`, 'remove clusterIP to let the cluster assign one, or use "None" for a headless Service')];
}

function externalNameFindings(name: unknown): Finding[] {
  // a fully qualified name may end in '.'
  if (typeof name === 'string' && isDnsSubdomain(name.replace(/\.$/, ''))) {
    return [];
  }
  return [error('spec.externalName', `${show(name)} is not a DNS name`, 'set externalName to the host clients should reach, e.g. "models.example.com"')];
}

function externalTrafficFindings(policy: unknown, type: string): Finding[] {
  if (policy === undefined) {
    return [];
  }
  const invalid = enumFindings(policy, 'spec.externalTrafficPolicy', ['Cluster', 'Local'], 'traffic policy');
  if (invalid.length > 0 || type === 'NodePort' || type === 'LoadBalancer') {
    return invalid;
  }
  return [error('spec.externalTrafficPolicy', `externalTrafficPolicy only applies to NodePort and LoadBalancer Services, not ${type}`, 'remove externalTrafficPolicy')];
}
