import { ContainerEntry, Finding, RenderedPod } from './model';

/** DNS-1123 label: pod-unique names of containers, volumes, ports' owners (max 63). */
export const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
/** DNS-1123 subdomain: object names (max 253). */
export const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
/** Name part of a qualified name (label keys, annotation keys). */
export const QUALIFIED_NAME_PART = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
/** Label value: empty, or alphanumeric at both ends (max 63). */
export const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
/** Secret and ConfigMap keys (also usable as file names in a volume). */
export const DATA_KEY = /^[-._a-zA-Z0-9]+$/;
/** The portable (strict) environment variable name. */
export const ENV_NAME = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;

/** Every container of the pod (init containers first), with its manifest path. */
export function containersOf(pod: RenderedPod): ContainerEntry[] {
  let entries = CONTAINERS.get(pod);
  if (!entries) {
    entries = listContainers(pod);
    CONTAINERS.set(pod, entries);
  }
  return entries;
}

/** Every rule lists the containers: list them once per rendered pod. */
const CONTAINERS = new WeakMap<RenderedPod, ContainerEntry[]>();

function listContainers(pod: RenderedPod): ContainerEntry[] {
  const init = (pod.spec.initContainers ?? []).map((container: any, i: number) => ({
    container,
    path: `${pod.specPath}.initContainers[${i}]`,
    init: true,
    sidecar: container.restartPolicy === 'Always',
  }));
  const regular = (pod.spec.containers ?? []).map((container: any, i: number) => ({
    container,
    path: `${pod.specPath}.containers[${i}]`,
    init: false,
    sidecar: false,
  }));
  return [...init, ...regular];
}

/** Containers that run for the life of the pod and so share its network namespace. */
export function longRunning(pod: RenderedPod): ContainerEntry[] {
  return containersOf(pod).filter(c => !c.init || c.sidecar);
}

/** An error finding. */
export function error(field: string, message: string, fix: string, container?: string): Finding {
  return { severity: 'error', field, message, fix, container };
}

/** A warning finding. */
export function warning(field: string, message: string, fix: string, container?: string): Finding {
  return { severity: 'warning', field, message, fix, container };
}

/** Quotes a value for a message. */
export function show(value: unknown): string {
  return JSON.stringify(value);
}

/** Whether `text` is a valid DNS-1123 label (including the 63-character limit). */
export function isDnsLabel(text: unknown): boolean {
  return typeof text === 'string' && text.length <= 63 && DNS1123_LABEL.test(text);
}

/** Whether `text` is a valid DNS-1123 subdomain (including the 253-character limit). */
export function isDnsSubdomain(text: unknown): boolean {
  return typeof text === 'string' && text.length <= 253 && DNS1123_SUBDOMAIN.test(text);
}

/** Whether `key` is a valid qualified name (`prefix/name` or `name`), as label and annotation keys must be. */
export function isQualifiedName(key: string): boolean {
  if (!key.includes('/')) {
    return key.length <= 63 && QUALIFIED_NAME_PART.test(key);
  }
  const parts = key.split('/');
  if (parts.length > 2) {
    return false;
  }
  const name = parts[parts.length - 1];
  const prefixOk = parts.length === 1 || isDnsSubdomain(parts[0]);
  return prefixOk && name.length <= 63 && QUALIFIED_NAME_PART.test(name);
}

/**
 * Whether `key` is a valid Secret or ConfigMap key: `[-._a-zA-Z0-9]+`, at most 253 characters,
 * and not `.`, `..` or starting with `..` (keys become file names in a mounted volume).
 */
export function isDataKey(key: unknown): boolean {
  return typeof key === 'string' && key.length <= 253 && DATA_KEY.test(key) && !key.startsWith('..') && key !== '.';
}
