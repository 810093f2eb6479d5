import { isIP } from 'net';
import { error, show } from './_helpers';
import { asList, enumFindings, labelSelectorFindings, portNumberOrNameFindings, PROTOCOLS } from './_object-helpers';
import { Finding } from './model';
import { isPortNumber } from './port-rules';

/** Object rules of NetworkPolicies (pkg/apis/networking/validation: ValidateNetworkPolicySpec). */

const POLICY_TYPES = ['Ingress', 'Egress'];

/** podSelector present and valid (`{}` selects every pod); policyTypes Ingress and/or Egress, each once. */
export function networkPolicySelector(json: any): Finding[] {
  const spec = json?.spec ?? {};
  const findings = spec.podSelector === undefined || spec.podSelector === null
    ? [error('spec.podSelector', 'a NetworkPolicy needs a podSelector', 'select the pods it protects, e.g. { matchLabels: { app: "llm" } } ({} selects every pod of the namespace)')]
    : labelSelectorFindings(spec.podSelector, 'spec.podSelector');
  const types: unknown[] = asList(spec.policyTypes);
  types.forEach((type, i) => {
    findings.push(...enumFindings(type, `spec.policyTypes[${i}]`, POLICY_TYPES, 'policy type'));
    if (types.indexOf(type) !== i) {
      findings.push(error(`spec.policyTypes[${i}]`, `${show(type)} is listed twice`, 'list each policy type once'));
    }
  });
  return findings;
}

/**
 * Every ingress and egress rule: ports with a known protocol, a port number or IANA name, and
 * an endPort only after a numeric port and not below it; peers with exactly one kind of
 * source (selectors, or an ipBlock whose `except` ranges lie inside its CIDR).
 */
export function networkPolicyRules(json: any): Finding[] {
  const spec = json?.spec ?? {};
  const findings: Finding[] = [];
  const ingress = asList(spec.ingress);
  for (let i = 0; i < ingress.length; i++) {
    policyRuleFindings(ingress[i], 'ingress', i, 'from', findings);
  }
  const egress = asList(spec.egress);
  for (let i = 0; i < egress.length; i++) {
    policyRuleFindings(egress[i], 'egress', i, 'to', findings);
  }
  return findings;
}

/** One ingress or egress rule: its ports, then its peers (`from` or `to`). */
function policyRuleFindings(rule: any, direction: string, i: number, peers: string, findings: Finding[]): void {
  const ports = asList(rule?.ports);
  for (let j = 0; j < ports.length; j++) {
    findings.push(...policyPortFindings(ports[j], `spec.${direction}[${i}].ports[${j}]`));
  }
  const list = asList(rule?.[peers]);
  for (let j = 0; j < list.length; j++) {
    findings.push(...peerFindings(list[j], `spec.${direction}[${i}].${peers}[${j}]`));
  }
}

function policyPortFindings(port: any, at: string): Finding[] {
  const findings = enumFindings(port?.protocol, `${at}.protocol`, PROTOCOLS, 'protocol');
  if (port?.port !== undefined) {
    findings.push(...portNumberOrNameFindings(port.port, `${at}.port`));
  }
  const endPort = port?.endPort;
  if (endPort === undefined) {
    return findings;
  }
  if (typeof port?.port !== 'number') {
    findings.push(error(`${at}.endPort`, `endPort ${show(endPort)} needs a numeric port to start the range, got ${show(port?.port)}`, 'set port to the first number of the range, or remove endPort'));
  } else if (!isPortNumber(endPort)) {
    findings.push(error(`${at}.endPort`, `${show(endPort)} is not a port number (1-65535)`, 'use the last port of the range'));
  } else if (endPort < port.port) {
    findings.push(error(`${at}.endPort`, `endPort ${endPort} is below port ${port.port}`, 'make endPort the last port of the range, at least port'));
  }
  return findings;
}

function peerFindings(peer: any, at: string): Finding[] {
  const hasSelector = peer?.podSelector !== undefined || peer?.namespaceSelector !== undefined;
  if (!hasSelector && peer?.ipBlock === undefined) {
    return [error(at, 'a peer needs a podSelector, a namespaceSelector or an ipBlock', 'select the pods or addresses to admit, or remove the empty peer')];
  }
  if (hasSelector && peer?.ipBlock !== undefined) {
    return [error(at, 'a peer cannot combine an ipBlock with selectors', 'split it into two peers')];
  }
  if (hasSelector) {
    return [...labelSelectorFindings(peer.podSelector, `${at}.podSelector`), ...labelSelectorFindings(peer.namespaceSelector, `${at}.namespaceSelector`)];
  }
  return ipBlockFindings(peer.ipBlock, `${at}.ipBlock`);
}

function ipBlockFindings(block: any, at: string): Finding[] {
  const cidr = parseCidr(block?.cidr);
  if (!cidr) {
    return [error(`${at}.cidr`, `${show(block?.cidr)} is not a CIDR`, 'use e.g. "10.0.0.0/8"')];
  }
  return asList(block.except).flatMap((text: unknown, i: number) => {
    const except = parseCidr(text);
    const inside = except && except.family === cidr.family && except.bits > cidr.bits
      // eslint-disable-next-line no-bitwise -- a CIDR prefix match: both addresses with the host bits shifted out
      && except.value >> BigInt(cidr.width - cidr.bits) === cidr.value >> BigInt(cidr.width - cidr.bits);
    return inside ? [] : [error(`${at}.except[${i}]`, `${show(text)} is not a CIDR strictly inside ${show(block.cidr)}`, 'list only ranges within cidr')];
  });
}

/** An IP range: family, address as a number, prefix length and address width. */
interface Cidr {
  readonly family: number;
  readonly value: bigint;
  readonly bits: number;
  readonly width: number;
}

function parseCidr(text: unknown): Cidr | undefined {
  const parts = typeof text === 'string' ? text.split('/') : [];
  const family = parts.length === 2 ? isIP(parts[0]) : 0;
  const width = family === 4 ? 32 : 128;
  if (family === 0 || !/^\d{1,3}$/.test(parts[1]) || Number(parts[1]) > width) {
    return undefined;
  }
  const value = family === 4 ? groupsToNumber(ipv4Groups(parts[0]), 8n) : groupsToNumber(ipv6Groups(parts[0]), 16n);
  return { family, value, bits: Number(parts[1]), width };
}

function ipv4Groups(ip: string): number[] {
  return ip.split('.').map(Number);
}

function ipv6Groups(ip: string): number[] {
  const groups = (text: string) => (text === '' ? [] : text.split(':').flatMap(g => (g.includes('.')
    ? pairs(ipv4Groups(g)) : [parseInt(g, 16)])));
  const [head, tail] = ip.split('::');
  if (tail === undefined) {
    return groups(head);
  }
  const h = groups(head);
  const t = groups(tail);
  return [...h, ...new Array(8 - h.length - t.length).fill(0), ...t];
}

/** An embedded IPv4 address (`::ffff:1.2.3.4`) as two 16-bit groups. */
function pairs(bytes: number[]): number[] {
  return [bytes[0] * 256 + bytes[1], bytes[2] * 256 + bytes[3]];
}

function groupsToNumber(groups: number[], bits: bigint): bigint {
  return groups.reduce((acc, g) => acc * 2n ** bits + BigInt(g), 0n);
}
