import { parseQuantity } from '../quantity';
import { containersOf, error, isDnsLabel, show } from './_helpers';
import { Finding, RenderedPod } from './model';

/** Volume names are DNS-1123 labels, unique; each volume has exactly one source; emptyDir sizes are quantities. */
export function volumeDefinitions(pod: RenderedPod): Finding[] {
  const findings: Finding[] = [];
  const seen = new Set<string>();
  (pod.spec.volumes ?? []).forEach((v: any, i: number) => {
    const field = () => `${pod.specPath}.volumes[${i}]`;
    if (!isDnsLabel(v.name)) {
      findings.push(error(`${field()}.name`, `${show(v.name)} is not a valid volume name (DNS-1123 label)`, 'use lowercase letters, digits and \'-\''));
    } else if (seen.has(v.name)) {
      findings.push(error(`${field()}.name`, `volume ${show(v.name)} is defined twice`, 'give each volume a distinct name'));
    }
    seen.add(v.name);
    const sources = Object.keys(v).filter(k => k !== 'name');
    if (sources.length !== 1) {
      findings.push(error(field(), `volume ${show(v.name)} must have exactly one source, found ${sources.length ? sources.join(', ') : 'none'}`, 'keep one of emptyDir, persistentVolumeClaim, configMap, secret, ...'));
    }
    const size = v.emptyDir?.sizeLimit;
    if (size !== undefined && !isSize(size)) {
      // every emptyDir the library writes (model cache, logs, /dev/shm, PodVolume) passes here
      findings.push(error(`${field()}.emptyDir.sizeLimit`, `${show(size)} is not a Kubernetes quantity`, 'write it like \'1Gi\' or \'512Mi\' (binary suffixes Ki, Mi, Gi; no spaces, not \'GB\')'));
    }
  });
  return findings;
}

/** A finite, non-negative quantity (or a plain byte count). */
function isSize(value: unknown): boolean {
  const bytes = typeof value === 'string' ? parseQuantity(value) : value;
  return typeof bytes === 'number' && Number.isFinite(bytes) && bytes >= 0;
}

/** Every mount references a volume of the pod; mount paths are absolute and unique per container. */
export function volumeMounts(pod: RenderedPod): Finding[] {
  const volumes = new Set((pod.spec.volumes ?? []).map((v: any) => v.name));
  const findings: Finding[] = [];
  for (const c of containersOf(pod)) {
    const paths = new Set<string>();
    (c.container.volumeMounts ?? []).forEach((m: any, i: number) => {
      const field = () => `${c.path}.volumeMounts[${i}]`;
      if (!volumes.has(m.name)) {
        findings.push(error(`${field()}.name`, `mounts volume ${show(m.name)}, which the pod does not define (volumes: ${[...volumes].join(', ') || 'none'})`, 'add the volume to the pod or mount one of the existing volumes', c.container.name));
      }
      if (typeof m.mountPath !== 'string' || !m.mountPath.startsWith('/')) {
        findings.push(error(`${field()}.mountPath`, `${show(m.mountPath)} is not an absolute path`, 'use an absolute path such as "/models"', c.container.name));
      } else if (paths.has(m.mountPath.replace(/\/+$/, ''))) {
        findings.push(error(`${field()}.mountPath`, `${show(m.mountPath)} is mounted twice in this container`, 'mount each path once', c.container.name));
      }
      paths.add(String(m.mountPath).replace(/\/+$/, ''));
      const sub = m.subPath ?? m.subPathExpr;
      if (sub !== undefined && (typeof sub !== 'string' || sub.startsWith('/') || sub.split('/').includes('..'))) {
        findings.push(error(`${field()}.subPath`, `${show(sub)} must be a relative path without '..'`, 'use a path inside the volume such as "models/llama"', c.container.name));
      }
    });
  }
  return findings;
}

/**
 * Model weights are written once by their writer and mounted read-only everywhere else, so a
 * server bug cannot corrupt a cache that other pods share.
 */
export function modelVolumeReadOnly(pod: RenderedPod): Finding[] {
  const findings: Finding[] = [];
  for (const fact of pod.facts.modelVolumes) {
    for (const c of containersOf(pod)) {
      if (fact.writers.includes(c.container.name)) {
        continue;
      }
      (c.container.volumeMounts ?? []).forEach((m: any, i: number) => {
        if (m.name === fact.volume && m.readOnly !== true) {
          findings.push(error(`${c.path}.volumeMounts[${i}].readOnly`, `model volume ${show(fact.volume)} is mounted read-write; only ${fact.writers.map(w => `"${w}"`).join(', ')} may write it`, 'mount it with readOnly: true', c.container.name));
        }
      });
    }
  }
  return findings;
}
