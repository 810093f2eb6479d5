import { isIP } from 'net';
import { error, isDnsLabel, isDnsSubdomain, isQualifiedName, isSysctlName, normalSysctlName, NO_FINDINGS, show, warning } from './_helpers';
import { asList, INT32_MAX } from './_object-helpers';
import { Finding, RenderedPod } from './model';

/**
 * Pod-level fields the API server checks in ValidatePodSpec and validatePodDNSConfig: DNS
 * settings, the names a pod refers to, and its deadline, OS and scheduling gates. Nothing the
 * library writes sets most of them; escape hatches and JSON patches can.
 */

/** The API server's limits on a pod's DNS configuration (MaxDNSNameservers, MaxDNSSearchPaths, MaxDNSSearchListChars). */
const MAX_NAMESERVERS = 3;
const MAX_SEARCHES = 32;
const MAX_SEARCH_CHARS = 2048;

/**
 * A pod on the node's network (hostNetwork) resolves names through the cluster's DNS only with
 * dnsPolicy ClusterFirstWithHostNet: with ClusterFirst (the default) it falls back to the node's
 * resolver, and cluster Services' names do not resolve (a warning: a pod that needs no Service
 * names is fine).
 */
export function hostNetworkDns(pod: RenderedPod): Finding[] {
  const policy = pod.spec.dnsPolicy;
  if (pod.spec.hostNetwork !== true || policy === 'ClusterFirstWithHostNet' || policy === 'None') {
    return NO_FINDINGS;
  }
  return [warning(`${pod.specPath}.dnsPolicy`, `is ${show(policy ?? 'ClusterFirst')} on a pod with hostNetwork: the pod uses the node's resolver and cannot resolve cluster Services by name`,
    'set dnsPolicy: DnsPolicy.CLUSTER_FIRST_WITH_HOST_NET, or leave it if the pod reaches nothing in the cluster by name')];
}

/**
 * A front door's NetworkPolicy (ProxySidecar, a Sidecar's frontDoor) closes the way around the
 * proxy, but a NetworkPolicy does not restrict a pod on the node's network (the Kubernetes
 * documentation leaves it undefined; common CNIs ignore such pods): with hostNetwork the
 * server's port is open at the node's address, and the policy only looks like a closed door.
 */
export function hostNetworkFrontDoor(pod: RenderedPod): Finding[] {
  const policy = pod.facts.frontDoorPolicy;
  if (pod.spec.hostNetwork !== true || !policy) {
    return NO_FINDINGS;
  }
  return [error(`${pod.specPath}.hostNetwork`, `is true, and the NetworkPolicy of the pod's front door (${policy.declaredBy}, admitting only port ${policy.ports.join(', ')}) `
    + 'does not restrict a pod on the node\'s network: every port of the server is reachable at the node\'s address, around the proxy',
  'leave hostNetwork off behind a front door, or declare that the policy does not protect the pod (networkPolicy: false on a ProxySidecar, frontDoor.networkPolicy: false on a Sidecar) and have the server bind 127.0.0.1')];
}

/**
 * dnsPolicy None needs a dnsConfig with a nameserver; dnsConfig holds at most 3 nameservers,
 * each an IP address, at most 32 search domains (2048 characters), each a DNS subdomain, and
 * options with a name.
 */
export function dnsConfig(pod: RenderedPod): Finding[] {
  const config = pod.spec.dnsConfig;
  const none = pod.spec.dnsPolicy === 'None';
  if (config === undefined && !none) {
    return NO_FINDINGS;
  }
  const at = `${pod.specPath}.dnsConfig`;
  const findings: Finding[] = [];
  const nameservers = asList(config?.nameservers);
  if (none && nameservers.length === 0) {
    findings.push(error(config === undefined ? at : `${at}.nameservers`,
      `dnsPolicy "None" needs at least one nameserver, got ${config === undefined ? 'no dnsConfig' : show(config.nameservers ?? [])}`,
      'add dnsConfig: { nameservers: ["<cluster DNS IP>"] }, or use dnsPolicy ClusterFirst'));
  }
  if (config === undefined) {
    return findings;
  }
  if (nameservers.length > MAX_NAMESERVERS) {
    findings.push(error(`${at}.nameservers`, `${show(nameservers)} lists ${nameservers.length} nameservers, more than the ${MAX_NAMESERVERS} a pod may have`, `keep at most ${MAX_NAMESERVERS}`));
  }
  for (let i = 0; i < nameservers.length; i++) {
    if (typeof nameservers[i] !== 'string' || !isIP(nameservers[i])) {
      findings.push(error(`${at}.nameservers[${i}]`, `${show(nameservers[i])} is not an IP address`, 'use the IPv4 or IPv6 address of a DNS server, e.g. "10.96.0.10"'));
    }
  }
  const searches = asList(config.searches);
  if (searches.length > MAX_SEARCHES) {
    findings.push(error(`${at}.searches`, `lists ${searches.length} search domains, more than the ${MAX_SEARCHES} a pod may have`, `keep at most ${MAX_SEARCHES}`));
  }
  let chars = searches.length > 0 ? searches.length - 1 : 0;
  for (let i = 0; i < searches.length; i++) {
    const search = searches[i];
    chars += typeof search === 'string' ? search.length : 0;
    // a trailing dot (an absolute name) is fine
    if (typeof search !== 'string' || !isDnsSubdomain(search.endsWith('.') ? search.slice(0, -1) : search)) {
      findings.push(error(`${at}.searches[${i}]`, `${show(search)} is not a DNS domain (lowercase DNS-1123 subdomain)`, 'use a domain such as "svc.cluster.local"'));
    }
  }
  if (chars > MAX_SEARCH_CHARS) {
    findings.push(error(`${at}.searches`, `the search list has ${chars} characters (spaces included), more than the ${MAX_SEARCH_CHARS} a pod may have`, 'list fewer or shorter search domains'));
  }
  const options = asList(config.options);
  for (let i = 0; i < options.length; i++) {
    if (typeof options[i]?.name !== 'string' || options[i].name === '') {
      findings.push(error(`${at}.options[${i}].name`, `${show(options[i]?.name ?? '')} is empty: a resolver option needs a name`, 'name the option, e.g. { name: "ndots", value: "2" }'));
    }
  }
  return findings;
}

/** The names of other objects a pod refers to, with the rule the API server checks each by. */
const REFERENCE_NAMES: ReadonlyArray<{ key: string; label: boolean; what: string; example: string }> = [
  { key: 'hostname', label: true, what: 'hostname', example: 'llm-0' },
  { key: 'subdomain', label: true, what: 'subdomain (the name of a headless Service)', example: 'llm-headless' },
  { key: 'serviceAccountName', label: false, what: 'ServiceAccount name', example: 'llm-server' },
  { key: 'priorityClassName', label: false, what: 'PriorityClass name', example: 'high-priority' },
  { key: 'nodeName', label: false, what: 'node name', example: 'gpu-node-1' },
];

/**
 * hostname and subdomain are DNS-1123 labels; serviceAccountName, priorityClassName, nodeName
 * and runtimeClassName DNS-1123 subdomains (set but empty is refused for runtimeClassName
 * only); each readiness gate's conditionType a qualified name.
 */
export function podReferenceNames(pod: RenderedPod): Finding[] {
  const spec = pod.spec;
  let findings: Finding[] | undefined;
  for (const ref of REFERENCE_NAMES) {
    const value = spec[ref.key];
    if (value === undefined || value === '' || (ref.label ? isDnsLabel(value) : isDnsSubdomain(value))) {
      continue;
    }
    (findings ??= []).push(error(`${pod.specPath}.${ref.key}`, `${show(value)} is not a valid ${ref.what} (${ref.label ? 'DNS-1123 label: at most 63' : 'DNS-1123 subdomain: at most 253'} lowercase letters, digits, '-'${ref.label ? '' : " and '.'"}, alphanumeric at both ends)`,
      `use a name such as ${show(ref.example)}`));
  }
  if (spec.runtimeClassName !== undefined && !isDnsSubdomain(spec.runtimeClassName)) {
    (findings ??= []).push(error(`${pod.specPath}.runtimeClassName`, `${show(spec.runtimeClassName)} is not a valid RuntimeClass name (DNS-1123 subdomain: lowercase letters, digits, '-' and '.', alphanumeric at both ends)`,
      'name an existing RuntimeClass such as "nvidia", or leave the field out'));
  }
  const gates = asList(spec.readinessGates);
  for (let i = 0; i < gates.length; i++) {
    const type = gates[i]?.conditionType;
    if (typeof type !== 'string' || !isQualifiedName(type)) {
      (findings ??= []).push(error(`${pod.specPath}.readinessGates[${i}].conditionType`, `${show(type)} is not a valid condition type (a qualified name: optional DNS prefix and '/', then at most 63 alphanumerics, '-', '_' or '.')`,
        'use a condition type such as "example.com/model-warm"'));
    }
  }
  return findings ?? NO_FINDINGS;
}

const OS_NAMES = ['linux', 'windows'];

/** Security settings only Linux has: the API server refuses them in a pod whose `os.name` is windows. */
const LINUX_ONLY_POD = ['seLinuxOptions', 'seccompProfile', 'appArmorProfile', 'fsGroup', 'fsGroupChangePolicy', 'sysctls', 'runAsUser', 'runAsGroup',
  'supplementalGroups', 'supplementalGroupsPolicy', 'seLinuxChangePolicy'];
const LINUX_ONLY_CONTAINER = ['seLinuxOptions', 'seccompProfile', 'appArmorProfile', 'capabilities', 'readOnlyRootFilesystem', 'privileged',
  'allowPrivilegeEscalation', 'procMount', 'runAsUser', 'runAsGroup'];

/** The Linux-only security settings of a windows pod (validateWindows), one finding per field. */
function windowsFindings(pod: RenderedPod, findings: Finding[] | undefined): Finding[] | undefined {
  const fix = 'leave os out (or linux): model servers run on Linux, and the library\'s security settings are Linux ones';
  for (const key of LINUX_ONLY_POD) {
    if (pod.spec.securityContext?.[key] !== undefined) {
      (findings ??= []).push(error(`${pod.specPath}.securityContext.${key}`, 'is a Linux setting, and the pod\'s os.name is windows', fix));
    }
  }
  for (const c of pod.containers) {
    for (const key of LINUX_ONLY_CONTAINER) {
      if (c.container.securityContext?.[key] !== undefined) {
        (findings ??= []).push(error(`${c.path}.securityContext.${key}`, 'is a Linux setting, and the pod\'s os.name is windows', fix, c.container.name));
      }
    }
  }
  return findings;
}

/**
 * activeDeadlineSeconds from 1 to 2147483647; os.name linux or windows, and a windows pod
 * without Linux security settings; scheduling gates named by qualified names, each once;
 * sysctls named validly, each once, namespaced (and not in a host namespace the pod uses), with string values.
 */
export function podSpecFields(pod: RenderedPod): Finding[] {
  const spec = pod.spec;
  let findings: Finding[] | undefined;
  const deadline = spec.activeDeadlineSeconds;
  if (deadline !== undefined && !(Number.isInteger(deadline) && deadline >= 1 && deadline <= INT32_MAX)) {
    (findings ??= []).push(error(`${pod.specPath}.activeDeadlineSeconds`, `${show(deadline)} must be a whole number from 1 to ${INT32_MAX}`,
      'give the seconds the pod may run, e.g. 3600, or leave it out'));
  }
  if (spec.os !== undefined && !OS_NAMES.includes(spec.os?.name)) {
    (findings ??= []).push(error(`${pod.specPath}.os.name`, `${show(spec.os?.name)} is not an operating system the API server knows (linux or windows)`, 'use "linux" (inference servers), or leave os out'));
  } else if (spec.os?.name === 'windows') {
    findings = windowsFindings(pod, findings);
  }
  const gates = asList(spec.schedulingGates);
  for (let i = 0; i < gates.length; i++) {
    const name = gates[i]?.name;
    if (typeof name !== 'string' || !isQualifiedName(name)) {
      (findings ??= []).push(error(`${pod.specPath}.schedulingGates[${i}].name`, `${show(name)} is not a valid scheduling gate (a qualified name: optional DNS prefix and '/', then at most 63 alphanumerics, '-', '_' or '.')`,
        'use a name such as "example.com/capacity-reserved"'));
    } else if (gates.findIndex(g => g?.name === name) < i) {
      (findings ??= []).push(error(`${pod.specPath}.schedulingGates[${i}].name`, `${show(name)} is listed twice`, 'list each scheduling gate once'));
    }
  }
  findings = sysctlFindings(pod, findings);
  return findings ?? NO_FINDINGS;
}

/** The namespace a sysctl is set in (the kubelet's NamespacedBy), or undefined for one of the node. */
function sysctlNamespace(name: string): 'net' | 'ipc' | undefined {
  if (name.startsWith('net.')) {
    return 'net';
  }
  return name === 'kernel.sem' || name.startsWith('kernel.shm') || name.startsWith('kernel.msg') || name.startsWith('fs.mqueue.') ? 'ipc' : undefined;
}

/** The pod's sysctls: valid names, each once (a dotted and a slashed name are one), string values (validateSysctls). */
function sysctlFindings(pod: RenderedPod, findings: Finding[] | undefined): Finding[] | undefined {
  const sysctls = asList(pod.spec.securityContext?.sysctls);
  const seen = new Set<string>();
  for (let i = 0; i < sysctls.length; i++) {
    const at = `${pod.specPath}.securityContext.sysctls[${i}]`;
    const name = sysctls[i]?.name;
    if (!isSysctlName(name)) {
      (findings ??= []).push(error(`${at}.name`, `${show(name)} is not a sysctl name (segments of lowercase letters, digits, '-' and '_' separated by '.', at most 253)`,
        'use the kernel parameter\'s name, e.g. "net.ipv4.ip_unprivileged_port_start" (security.sysctls)'));
    } else if (seen.has(normalSysctlName(name))) {
      (findings ??= []).push(error(`${at}.name`, `${show(name)} is set twice`, 'set each sysctl once'));
    } else {
      seen.add(normalSysctlName(name));
    }
    const namespace = isSysctlName(name) ? sysctlNamespace(normalSysctlName(name)) : 'ipc';
    if (namespace === undefined) {
      (findings ??= []).push(error(`${at}.name`, `${show(name)} is not a namespaced sysctl (net.*, kernel.shm*, kernel.msg*, kernel.sem, fs.mqueue.*): it would change the node, and the kubelet refuses the pod (SysctlForbidden), whatever its --allowed-unsafe-sysctls`,
        'tune the node instead (its sysctl.conf, a node tuning operator), or leave it out of security.sysctls'));
    } else if ((namespace === 'net' && pod.spec.hostNetwork === true) || (namespace === 'ipc' && pod.spec.hostIPC === true)) {
      (findings ??= []).push(error(`${at}.name`, `${show(name)} is set in the pod's ${namespace === 'net' ? 'network' : 'IPC'} namespace, but the pod uses the node's (${namespace === 'net' ? 'hostNetwork' : 'hostIPC'}): the kubelet refuses the pod (SysctlForbidden)`,
        `leave the sysctl out, or ${namespace === 'net' ? 'hostNetwork' : 'hostIPC'} off`));
    }
    if (typeof sysctls[i]?.value !== 'string') {
      (findings ??= []).push(error(`${at}.value`, `${show(sysctls[i]?.value)} is not a string`, 'give the value as text, e.g. "0"'));
    }
  }
  return findings;
}
