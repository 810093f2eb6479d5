import { error, isDnsLabel, isRepeat, quantityOf, repeatTracker, show } from './_helpers';
import { ContainerEntry, Finding, RenderedPod } from './model';

/** Volume names are DNS-1123 labels, unique; each volume has exactly one source; emptyDir sizes are quantities. */
export function volumeDefinitions(pod: RenderedPod): Finding[] {
  const findings: Finding[] = [];
  const volumes: any[] = pod.spec.volumes ?? [];
  const seen = repeatTracker(volumes.length);
  for (let i = 0; i < volumes.length; i++) {
    const v = volumes[i];
    if (!isDnsLabel(v.name)) {
      findings.push(error(`${volumePath(pod, i)}.name`, `${show(v.name)} is not a valid volume name (DNS-1123 label)`, 'use lowercase letters, digits and \'-\''));
    } else if (isRepeat(volumes, i, 'name', seen)) {
      findings.push(error(`${volumePath(pod, i)}.name`, `volume ${show(v.name)} is defined twice`, 'give each volume a distinct name'));
    }
    if (sourceCount(v) !== 1) {
      const sources = Object.keys(v).filter(k => k !== 'name');
      findings.push(error(volumePath(pod, i), `volume ${show(v.name)} must have exactly one source, found ${sources.length ? sources.join(', ') : 'none'}`, 'keep one of emptyDir, persistentVolumeClaim, configMap, secret, ...'));
    }
    const size = v.emptyDir?.sizeLimit;
    if (size !== undefined && !isSize(size)) {
      // every emptyDir the library writes (model cache, logs, /dev/shm, PodVolume) passes here
      findings.push(error(`${volumePath(pod, i)}.emptyDir.sizeLimit`, `${show(size)} is not a Kubernetes quantity`, 'write it like \'1Gi\' or \'512Mi\' (binary suffixes Ki, Mi, Gi; no spaces, not \'GB\')'));
    }
  }
  return findings;
}

function volumePath(pod: RenderedPod, i: number): string {
  return `${pod.specPath}.volumes[${i}]`;
}

/** The keys of a volume besides its name, counted without listing them. */
function sourceCount(volume: any): number {
  let count = 0;
  for (const key in volume) {
    if (key !== 'name' && Object.prototype.hasOwnProperty.call(volume, key)) {
      count++;
    }
  }
  return count;
}

/** A finite, non-negative quantity (or a plain byte count). */
function isSize(value: unknown): boolean {
  const bytes = typeof value === 'string' ? quantityOf(value) : value;
  return typeof bytes === 'number' && Number.isFinite(bytes) && bytes >= 0;
}

/** Every mount references a volume of the pod; mount paths are absolute and unique per container. */
export function volumeMounts(pod: RenderedPod): Finding[] {
  const volumes: any[] = pod.spec.volumes ?? [];
  const findings: Finding[] = [];
  for (const c of pod.containers) {
    const mounts: any[] = c.container.volumeMounts ?? [];
    for (let i = 0; i < mounts.length; i++) {
      const m = mounts[i];
      if (!isDefined(volumes, m.name)) {
        findings.push(error(`${mountPath(c, i)}.name`, `mounts volume ${show(m.name)}, which the pod does not define (volumes: ${[...new Set(volumes.map(v => v.name))].join(', ') || 'none'})`, 'add the volume to the pod or mount one of the existing volumes', c.container.name));
      }
      if (typeof m.mountPath !== 'string' || !m.mountPath.startsWith('/')) {
        findings.push(error(`${mountPath(c, i)}.mountPath`, `${show(m.mountPath)} is not an absolute path`, 'use an absolute path such as "/models"', c.container.name));
      } else if (isMountedBefore(mounts, i)) {
        findings.push(error(`${mountPath(c, i)}.mountPath`, `${show(m.mountPath)} is mounted twice in this container`, 'mount each path once', c.container.name));
      }
      const sub = m.subPath ?? m.subPathExpr;
      if (sub !== undefined && (typeof sub !== 'string' || sub.startsWith('/') || sub.split('/').includes('..'))) {
        findings.push(error(`${mountPath(c, i)}.subPath`, `${show(sub)} must be a relative path without '..'`, 'use a path inside the volume such as "models/llama"', c.container.name));
      }
    }
  }
  return findings;
}

function isDefined(volumes: any[], name: unknown): boolean {
  for (const v of volumes) {
    if (v.name === name) {
      return true;
    }
  }
  return false;
}

function mountPath(c: ContainerEntry, i: number): string {
  return `${c.path}.volumeMounts[${i}]`;
}

/** Whether an earlier mount of the container has the path of mount `i`, trailing slashes aside. */
function isMountedBefore(mounts: any[], i: number): boolean {
  const path = withoutTrailingSlashes(mounts[i].mountPath);
  for (let j = 0; j < i; j++) {
    if (withoutTrailingSlashes(String(mounts[j].mountPath)) === path) {
      return true;
    }
  }
  return false;
}

/** The path without trailing slashes; allocates only when there are some. */
function withoutTrailingSlashes(path: string): string {
  return path.endsWith('/') ? path.replace(/\/+$/, '') : path;
}

/**
 * Model weights are written once by their writer and mounted read-only everywhere else, so a
 * server bug cannot corrupt a cache that other pods share.
 */
export function modelVolumeReadOnly(pod: RenderedPod): Finding[] {
  const findings: Finding[] = [];
  for (const fact of pod.facts.modelVolumes) {
    for (const c of pod.containers) {
      if (fact.writers.includes(c.container.name)) {
        continue;
      }
      const mounts: any[] = c.container.volumeMounts ?? [];
      for (let i = 0; i < mounts.length; i++) {
        if (mounts[i].name === fact.volume && mounts[i].readOnly !== true) {
          findings.push(error(`${mountPath(c, i)}.readOnly`, `model volume ${show(fact.volume)} is mounted read-write; only ${fact.writers.map(w => `"${w}"`).join(', ')} may write it`, 'mount it with readOnly: true', c.container.name));
        }
      }
    }
  }
  return findings;
}
