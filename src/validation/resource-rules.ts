import { parseQuantity } from '../quantity';
import { containersOf, error, isDnsSubdomain, isQualifiedName, show, warning } from './_helpers';
import { Finding, RenderedPod } from './model';

const STANDARD = new Set(['cpu', 'memory', 'ephemeral-storage', 'storage']);

/** Whether a resource name is an extended resource (e.g. `nvidia.com/gpu`), which cannot be overcommitted. */
export function isExtendedResource(name: string): boolean {
  return name.includes('/') && !name.startsWith('kubernetes.io/') && !name.startsWith('requests.');
}

/** Resource names are standard or domain-qualified; quantities parse. */
export function resourceSyntax(pod: RenderedPod): Finding[] {
  const findings: Finding[] = [];
  for (const c of containersOf(pod)) {
    for (const kind of ['requests', 'limits']) {
      for (const [name, value] of Object.entries<any>(c.container.resources?.[kind] ?? {})) {
        const field = `${c.path}.resources.${kind}[${show(name)}]`;
        if (!STANDARD.has(name) && !name.startsWith('hugepages-') && !(name.includes('/') && isDnsSubdomain(name.split('/')[0]))) {
          findings.push(error(field, `${show(name)} is not a resource name`, 'use cpu, memory, ephemeral-storage or a vendor resource such as "nvidia.com/gpu"', c.container.name));
        } else if (parseQuantity(String(value)) === undefined) {
          findings.push(error(field, `${show(value)} is not a quantity`, name === 'memory' ? 'write memory like "512Mi" or "2Gi" (binary units, no "B")' : 'write it like "500m", "1" or "2Gi"', c.container.name));
        } else if ((parseQuantity(String(value)) as number) < 0) {
          findings.push(error(field, `${show(value)} is negative`, 'use a positive amount', c.container.name));
        }
      }
    }
  }
  return findings;
}

/** A request cannot exceed its limit. */
export function requestsWithinLimits(pod: RenderedPod): Finding[] {
  const findings: Finding[] = [];
  for (const c of containersOf(pod)) {
    const requests = c.container.resources?.requests ?? {};
    const limits = c.container.resources?.limits ?? {};
    for (const [name, request] of Object.entries<any>(requests)) {
      const req = parseQuantity(String(request));
      const lim = limits[name] === undefined ? undefined : parseQuantity(String(limits[name]));
      if (req !== undefined && lim !== undefined && req > lim) {
        findings.push(error(`${c.path}.resources.requests[${show(name)}]`, `request ${show(request)} exceeds the limit ${show(limits[name])}`, 'lower the request or raise the limit', c.container.name));
      }
    }
  }
  return findings;
}

/** Extended resources such as GPUs are whole numbers, with the request equal to the limit. */
export function extendedResources(pod: RenderedPod): Finding[] {
  const findings: Finding[] = [];
  for (const c of containersOf(pod)) {
    const requests = c.container.resources?.requests ?? {};
    const limits = c.container.resources?.limits ?? {};
    for (const name of new Set([...Object.keys(requests), ...Object.keys(limits)])) {
      if (!isExtendedResource(name)) {
        continue;
      }
      const field = `${c.path}.resources.limits[${show(name)}]`;
      const value = limits[name] ?? requests[name];
      const amount = parseQuantity(String(value));
      if (amount !== undefined && (!Number.isInteger(amount) || amount < 0)) {
        findings.push(error(field, `${show(value)} must be a whole, non-negative number: ${name} cannot be shared fractionally`, 'request whole devices (use MIG or time-slicing resource names for fractions)', c.container.name));
      }
      if (limits[name] === undefined) {
        findings.push(error(field, `${name} is requested without a limit`, `set the limit equal to the request (${show(requests[name])})`, c.container.name));
      } else if (requests[name] !== undefined && parseQuantity(String(requests[name])) !== amount) {
        findings.push(error(`${c.path}.resources.requests[${show(name)}]`, `request ${show(requests[name])} differs from limit ${show(limits[name])}; ${name} cannot be overcommitted`, 'set the request equal to the limit, or leave the request out', c.container.name));
      }
    }
  }
  return findings;
}

const TOLERATION_OPERATORS = ['Exists', 'Equal'];
const TAINT_EFFECTS = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'];

/** Tolerations as the API server validates them: operator, effect, key, and no value with Exists. */
export function tolerationShape(pod: RenderedPod): Finding[] {
  const tolerations: any[] = Array.isArray(pod.spec.tolerations) ? pod.spec.tolerations : [];
  return tolerations.flatMap((t, i) => {
    const field = `${pod.specPath}.tolerations[${i}]`;
    const findings: Finding[] = [];
    if (t?.operator !== undefined && !TOLERATION_OPERATORS.includes(t.operator)) {
      findings.push(error(`${field}.operator`, `${show(t.operator)} is not a toleration operator`, `use ${TOLERATION_OPERATORS.join(' or ')}`));
    }
    if (t?.effect !== undefined && !TAINT_EFFECTS.includes(t.effect)) {
      findings.push(error(`${field}.effect`, `${show(t.effect)} is not a taint effect`, `use ${TAINT_EFFECTS.join(', ')} or leave it out (all effects)`));
    }
    if (t?.key !== undefined && !(typeof t.key === 'string' && isQualifiedName(t.key))) {
      findings.push(error(`${field}.key`, `${show(t.key)} is not a valid taint key`, 'use a label-style key such as "nvidia.com/gpu"'));
    }
    if (t?.operator === 'Exists' && t.value !== undefined && t.value !== '') {
      findings.push(error(`${field}.value`, `${show(t.value)} is set with operator Exists`, 'remove the value, or use operator Equal'));
    }
    return findings;
  });
}

/** GPU nodes are tainted on most clusters: a GPU pod without a matching toleration stays Pending. */
export function gpuToleration(pod: RenderedPod): Finding[] {
  const findings: Finding[] = [];
  const tolerations: any[] = pod.spec.tolerations ?? [];
  for (const { name, c } of gpuResources(pod)) {
    const tolerated = tolerations.some(t => (t.key === name || (t.key === undefined && t.operator === 'Exists')));
    if (!tolerated) {
      findings.push(warning(`${pod.specPath}.tolerations`, `container "${c.container.name}" requests ${name} but the pod does not tolerate the "${name}" taint that GPU nodes usually carry`, 'keep gpu.tolerate at its default (true) or add a toleration for the taint your GPU nodes carry', c.container.name));
    }
  }
  return findings;
}

/** A GPU pod whose node selection only matches CPU nodes can never be scheduled. */
export function gpuNodeSelection(pod: RenderedPod): Finding[] {
  const selector: { [k: string]: string } = pod.spec.nodeSelector ?? {};
  const cpuOnly = Object.entries(selector).find(([key, value]) => /gpu|accelerator/i.test(key) && /^(false|none|cpu|cpu-only|no)$/i.test(String(value)));
  return cpuOnly
    ? gpuResources(pod).map(({ name, c }) => error(`${pod.specPath}.nodeSelector[${show(cpuOnly[0])}]`, `selects nodes without GPUs (${show(cpuOnly[1])}) but container "${c.container.name}" requests ${name}`, 'select GPU nodes, e.g. nvidia.com/gpu.present: "true", or drop the GPU request', c.container.name))
    : [];
}

/** Memory-backed volumes (e.g. /dev/shm) count against the memory limit of the pod's containers. */
export function memoryVolumesFitLimit(pod: RenderedPod): Finding[] {
  const findings: Finding[] = [];
  for (const v of pod.spec.volumes ?? []) {
    const size = v.emptyDir?.medium === 'Memory' && v.emptyDir.sizeLimit ? parseQuantity(String(v.emptyDir.sizeLimit)) : undefined;
    if (size === undefined) {
      continue;
    }
    for (const c of containersOf(pod).filter(x => (x.container.volumeMounts ?? []).some((m: any) => m.name === v.name))) {
      const limit = c.container.resources?.limits?.memory;
      if (limit !== undefined && (parseQuantity(String(limit)) ?? Infinity) <= size) {
        findings.push(error(`${c.path}.resources.limits["memory"]`, `memory limit ${show(limit)} is not above the size of memory volume ${show(v.name)} (${show(v.emptyDir.sizeLimit)}), which counts against it; the container is OOM-killed once the volume fills`, 'raise the memory limit or lower the volume size (gpu.shmSize)', c.container.name));
      }
    }
  }
  return findings;
}

function gpuResources(pod: RenderedPod): Array<{ name: string; c: ReturnType<typeof containersOf>[number] }> {
  const found = [];
  for (const c of containersOf(pod)) {
    for (const name of Object.keys(c.container.resources?.limits ?? {})) {
      if (/gpu/i.test(name) && isExtendedResource(name)) {
        found.push({ name, c });
      }
    }
  }
  return found;
}
