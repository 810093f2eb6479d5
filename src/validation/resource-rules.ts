import { gpuTaintKey } from '../gpu';
import { error, isQualifiedName, LABEL_VALUE, quantityOf, show, warning } from './_helpers';
import { ContainerEntry, Finding, RenderedPod } from './model';

const STANDARD = new Set(['cpu', 'memory', 'ephemeral-storage', 'storage']);

/** Whether a resource name is an extended resource (e.g. `nvidia.com/gpu`), which cannot be overcommitted. */
export function isExtendedResource(name: string): boolean {
  return name.includes('/') && !name.startsWith('kubernetes.io/') && !name.startsWith('requests.');
}

const RESOURCE_LISTS = ['requests', 'limits'];

/** Resource names are standard or domain-qualified; quantities parse. */
export function resourceSyntax(pod: RenderedPod): Finding[] {
  const findings: Finding[] = [];
  for (const c of pod.containers) {
    for (const kind of RESOURCE_LISTS) {
      const list = c.container.resources?.[kind] ?? {};
      for (const name of Object.keys(list)) {
        resourceFindings(c, kind, name, list[name], findings);
      }
    }
  }
  return findings;
}

function resourceFindings(c: ContainerEntry, kind: string, name: string, value: unknown, findings: Finding[]): void {
  const amount = quantityOf(value);
  const problem = resourceNameProblem(name);
  if (problem) {
    findings.push(error(resourcePath(c, kind, name), `${show(name)} is not a resource name: ${problem}`, 'use cpu, memory, ephemeral-storage, hugepages-<size> or a vendor resource such as "nvidia.com/gpu"', c.container.name));
  } else if (amount === undefined) {
    findings.push(error(resourcePath(c, kind, name), `${show(value)} is not a quantity`, name === 'memory' ? 'write memory like "512Mi" or "2Gi" (binary units, no "B")' : 'write it like "500m", "1" or "2Gi"', c.container.name));
  } else if (amount < 0) {
    findings.push(error(resourcePath(c, kind, name), `${show(value)} is negative`, 'use a positive amount', c.container.name));
  }
}

function resourcePath(c: ContainerEntry, kind: string, name: string): string {
  return `${c.path}.resources.${kind}[${show(name)}]`;
}

/**
 * Why `name` is not a container resource name the API server accepts, or undefined: a standard
 * name, `hugepages-<page size>`, or a qualified `domain/name` (extended resources such as
 * `nvidia.com/gpu`, `vpc.amazonaws.com/efa`, `rdma/ib`), never prefixed `requests.`.
 */
export function resourceNameProblem(name: string): string | undefined {
  if (STANDARD.has(name)) {
    return undefined;
  }
  if (name.startsWith(HUGEPAGES)) {
    return (quantityOf(name.slice(HUGEPAGES.length)) ?? 0) > 0 ? undefined : 'the page size after "hugepages-" is not a quantity such as 2Mi or 1Gi';
  }
  if (!name.includes('/')) {
    return 'a name without a domain must be cpu, memory, ephemeral-storage or hugepages-<size>';
  }
  if (!isQualifiedName(name) || name.startsWith('requests.')) {
    return 'a vendor resource is "<DNS domain>/<name>", the name at most 63 letters, digits, "-", "_" or "." starting and ending alphanumeric';
  }
  return undefined;
}

const HUGEPAGES = 'hugepages-';

/** Whether a resource is huge pages (`hugepages-2Mi`): not overcommitted, sized in whole pages. */
function isHugePages(name: string): boolean {
  return name.startsWith(HUGEPAGES);
}

/** A request cannot exceed its limit. */
export function requestsWithinLimits(pod: RenderedPod): Finding[] {
  const findings: Finding[] = [];
  for (const c of pod.containers) {
    const requests = c.container.resources?.requests ?? {};
    const limits = c.container.resources?.limits ?? {};
    for (const name of Object.keys(requests)) {
      const req = quantityOf(requests[name]);
      const lim = limits[name] === undefined ? undefined : quantityOf(limits[name]);
      if (req !== undefined && lim !== undefined && req > lim) {
        findings.push(error(resourcePath(c, 'requests', name), `request ${show(requests[name])} exceeds the limit ${show(limits[name])}`, 'lower the request or raise the limit', c.container.name));
      }
    }
  }
  return findings;
}

/**
 * Extended resources such as GPUs are whole numbers, and huge pages whole pages, with the
 * request equal to the limit (Kubernetes overcommits neither); a container with huge pages
 * also has a cpu or memory amount, as the API server requires.
 */
export function extendedResources(pod: RenderedPod): Finding[] {
  const findings: Finding[] = [];
  for (const c of pod.containers) {
    const requests = c.container.resources?.requests ?? {};
    const limits = c.container.resources?.limits ?? {};
    hugePagesNeedCpuOrMemory(c, requests, limits, findings);
    // every name once: the requested ones, then those only limited
    for (const name of Object.keys(requests)) {
      extendedResourceFindings(c, name, findings);
    }
    for (const name of Object.keys(limits)) {
      if (!Object.prototype.hasOwnProperty.call(requests, name)) {
        extendedResourceFindings(c, name, findings);
      }
    }
  }
  return findings;
}

function extendedResourceFindings(c: ContainerEntry, name: string, findings: Finding[]): void {
  const hugePages = isHugePages(name);
  if (!isExtendedResource(name) && !hugePages) {
    return;
  }
  const requests = c.container.resources?.requests ?? {};
  const limits = c.container.resources?.limits ?? {};
  const value = limits[name] ?? requests[name];
  const amount = quantityOf(value);
  const page = hugePages ? quantityOf(name.slice(HUGEPAGES.length)) : undefined;
  if (hugePages && amount !== undefined && page !== undefined && page > 0 && (amount < 0 || !Number.isInteger(amount / page))) {
    findings.push(error(resourcePath(c, 'limits', name), `${show(value)} is not a whole number of ${name.slice(HUGEPAGES.length)} pages`, `use a multiple of the page size, e.g. "${name.slice(HUGEPAGES.length)}" or "1Gi"`, c.container.name));
  } else if (!hugePages && amount !== undefined && (!Number.isInteger(amount) || amount < 0)) {
    findings.push(error(resourcePath(c, 'limits', name), `${show(value)} must be a whole, non-negative number: ${name} cannot be shared fractionally`, 'request whole devices (use MIG or time-slicing resource names for fractions)', c.container.name));
  }
  if (limits[name] === undefined) {
    findings.push(error(resourcePath(c, 'limits', name), `${name} is requested without a limit`, `set the limit equal to the request (${show(requests[name])})`, c.container.name));
  } else if (requests[name] !== undefined && quantityOf(requests[name]) !== amount) {
    findings.push(error(resourcePath(c, 'requests', name), `request ${show(requests[name])} differs from limit ${show(limits[name])}; ${name} cannot be overcommitted`, 'set the request equal to the limit, or leave the request out', c.container.name));
  }
}

/** The API server refuses huge pages in a container without a cpu or a memory request or limit. */
function hugePagesNeedCpuOrMemory(c: ContainerEntry, requests: any, limits: any, findings: Finding[]): void {
  const pages = [...Object.keys(limits), ...Object.keys(requests)].find(isHugePages);
  if (pages === undefined) {
    return;
  }
  const has = (name: string) => requests[name] !== undefined || limits[name] !== undefined;
  if (!has('cpu') && !has('memory')) {
    findings.push(error(`${c.path}.resources`, `requests ${pages} but neither cpu nor memory, which the API server refuses (huge pages require cpu or memory)`,
      'give the container a memory request and limit (resources.memory), which also bounds its ordinary memory', c.container.name));
  }
}

const TOLERATION_OPERATORS = ['Exists', 'Equal'];
const TAINT_EFFECTS = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'];

/** Tolerations as the API server validates them: operator, effect, key, and no value with Exists. */
export function tolerationShape(pod: RenderedPod): Finding[] {
  const tolerations: any[] = Array.isArray(pod.spec.tolerations) ? pod.spec.tolerations : [];
  const findings: Finding[] = [];
  for (let i = 0; i < tolerations.length; i++) {
    const t = tolerations[i];
    if (t?.operator !== undefined && !TOLERATION_OPERATORS.includes(t.operator)) {
      findings.push(error(`${tolerationPath(pod, i)}.operator`, `${show(t.operator)} is not a toleration operator`, `use ${TOLERATION_OPERATORS.join(' or ')}`));
    }
    if (t?.effect !== undefined && !TAINT_EFFECTS.includes(t.effect)) {
      findings.push(error(`${tolerationPath(pod, i)}.effect`, `${show(t.effect)} is not a taint effect`, `use ${TAINT_EFFECTS.join(', ')} or leave it out (all effects)`));
    }
    // an empty key (with Exists) is every taint, as the API server reads it
    if (t?.key !== undefined && t.key !== '' && !(typeof t.key === 'string' && isQualifiedName(t.key))) {
      findings.push(error(`${tolerationPath(pod, i)}.key`, `${show(t.key)} is not a valid taint key`, 'use a label-style key such as "nvidia.com/gpu"'));
    }
    if (t?.operator === 'Exists' && t.value !== undefined && t.value !== '') {
      findings.push(error(`${tolerationPath(pod, i)}.value`, `${show(t.value)} is set with operator Exists`, 'remove the value, or use operator Equal'));
    }
    // the API server: an empty key matches every taint, which only operator Exists can say
    if ((t?.key === undefined || t.key === '') && t?.operator !== 'Exists') {
      findings.push(error(`${tolerationPath(pod, i)}.operator`, `${show(t?.operator ?? 'Equal')} with an empty key, which the API server refuses (an empty key means every taint)`,
        'give the taint key, or use operator Exists without a value to tolerate every taint'));
    }
    if (t?.tolerationSeconds !== undefined && t.effect !== 'NoExecute') {
      findings.push(error(`${tolerationPath(pod, i)}.tolerationSeconds`, `${show(t.tolerationSeconds)} is set with effect ${show(t.effect ?? '')}, which the API server refuses (it only applies to NoExecute)`,
        'use effect NoExecute, or remove tolerationSeconds'));
    }
    if (t?.operator !== 'Exists' && typeof t?.value === 'string' && !(t.value.length <= 63 && LABEL_VALUE.test(t.value))) {
      findings.push(error(`${tolerationPath(pod, i)}.value`, `${show(t.value)} is not a label value, which the API server requires of a toleration's value`,
        'use at most 63 alphanumerics, \'-\', \'_\' or \'.\', alphanumeric at both ends'));
    }
  }
  return findings;
}

function tolerationPath(pod: RenderedPod, i: number): string {
  return `${pod.specPath}.tolerations[${i}]`;
}

/**
 * GPU nodes are tainted on most clusters: a GPU pod without a matching toleration stays Pending.
 * Not the server's GPUs when `gpu.tolerate: false` says the nodes carry no such taint (AMD's
 * device plugin taints nothing).
 */
export function gpuToleration(pod: RenderedPod): Finding[] {
  const findings: Finding[] = [];
  const tolerations: any[] = pod.spec.tolerations ?? [];
  for (const c of pod.containers) {
    if (pod.facts.gpuTaintNotTolerated && c.container.name === pod.facts.serverContainer) {
      continue;
    }
    for (const name of Object.keys(c.container.resources?.limits ?? {})) {
      if (isGpu(name) && !isTolerated(tolerations, gpuTaintKey(name))) {
        findings.push(warning(`${pod.specPath}.tolerations`, `container "${c.container.name}" requests ${name} but the pod does not tolerate the "${gpuTaintKey(name)}" taint that GPU nodes usually carry`, 'keep gpu.tolerate at its default (true) or add a toleration for the taint your GPU nodes carry', c.container.name));
      }
    }
  }
  return findings;
}

function isTolerated(tolerations: any[], taint: string): boolean {
  for (const t of tolerations) {
    if (t.key === taint || ((t.key === undefined || t.key === '') && t.operator === 'Exists')) {
      return true;
    }
  }
  return false;
}

const GPU_LABEL = /gpu|accelerator/i;
const CPU_ONLY_VALUE = /^(false|none|cpu|cpu-only|no)$/i;

/** A GPU pod whose node selection only matches CPU nodes can never be scheduled. */
export function gpuNodeSelection(pod: RenderedPod): Finding[] {
  const selector: { [k: string]: string } = pod.spec.nodeSelector ?? {};
  const cpuOnly = Object.keys(selector).find(key => GPU_LABEL.test(key) && CPU_ONLY_VALUE.test(String(selector[key])));
  if (cpuOnly === undefined) {
    return [];
  }
  const findings: Finding[] = [];
  for (const c of pod.containers) {
    for (const name of Object.keys(c.container.resources?.limits ?? {})) {
      if (isGpu(name)) {
        findings.push(error(`${pod.specPath}.nodeSelector[${show(cpuOnly)}]`, `selects nodes without GPUs (${show(selector[cpuOnly])}) but container "${c.container.name}" requests ${name}`, 'select GPU nodes, e.g. nvidia.com/gpu.present: "true", or drop the GPU request', c.container.name));
      }
    }
  }
  return findings;
}

/**
 * Memory-backed volumes (e.g. /dev/shm) count against the memory limit of the containers that
 * write them: a volume larger than the limit can be filled past it, and the kernel OOM-kills the
 * container (the write is not refused: the volume is not full yet). A volume exactly as large as
 * the limit is allowed: KubeRay sizes the object store's /dev/shm that way on purpose.
 */
export function memoryVolumesFitLimit(pod: RenderedPod): Finding[] {
  const memoryVolumes: any[] = [];
  for (const v of pod.spec.volumes ?? []) {
    if (v.emptyDir?.medium === 'Memory' && v.emptyDir.sizeLimit && quantityOf(v.emptyDir.sizeLimit) !== undefined) {
      memoryVolumes.push(v);
    }
  }
  const findings: Finding[] = [];
  for (const c of memoryVolumes.length ? pod.containers : []) {
    const limit = c.container.resources?.limits?.memory;
    const mounted = memoryVolumes.filter(v => mounts(c, v.name));
    const total = mounted.reduce((sum, v) => sum + (quantityOf(v.emptyDir.sizeLimit) as number), 0);
    if (limit === undefined || !mounted.length || (quantityOf(limit) ?? Infinity) >= total) {
      continue;
    }
    // volumes together: each may be filled, and all of it is charged to the container
    const sizes = mounted.map(v => `${show(v.name)} (${show(v.emptyDir.sizeLimit)})`).join(' and ');
    const one = mounted.length === 1;
    // a warning: real charts size /dev/shm above the limit (Triton's 256Gi over 32Gi, llm-d's 20Gi over 16Gi) and run,
    // as long as nothing fills it past the limit
    findings.push(warning(`${c.path}.resources.limits["memory"]`, `memory limit ${show(limit)} is below the size of memory volume${one ? '' : 's'} ${sizes}${one ? '' : ' together'}: `
      + 'what is written there is memory charged to the container that writes it, so filling the volume past the limit gets the container OOM-killed '
      + 'instead of the write refused (a volume as large as the limit is fine)',
    `raise the memory limit or lower the volume size${one ? '' : 's'} (${mounted.map(v => (v.name === 'dshm' ? 'gpu.shmSize' : `the sizeLimit of volume ${show(v.name)}`)).join(', ')})`,
    c.container.name));
  }
  return findings;
}

function mounts(c: ContainerEntry, volume: string): boolean {
  for (const m of c.container.volumeMounts ?? []) {
    if (m.name === volume) {
      return true;
    }
  }
  return false;
}

const GPU_NAME = /gpu/i;

/** A GPU resource: an extended resource with "gpu" in its name. */
function isGpu(name: string): boolean {
  return GPU_NAME.test(name) && isExtendedResource(name);
}
