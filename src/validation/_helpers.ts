import { Lazy } from 'cdk8s';
import { parseQuantity } from '../quantity';
import { ContainerEntry, Finding } from './model';

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
/** The container resources an environment variable may read (`resourceFieldRef.resource`). */
export const RESOURCE_FIELDS = /^(limits|requests)\.(cpu|memory|ephemeral-storage|hugepages-[0-9A-Za-z.]+)$/;
/** The pod fields an environment variable may read (`fieldRef.fieldPath`; a label or annotation by key). */
export const ENV_FIELD_PATHS = /^(metadata\.(name|namespace|uid)|spec\.(nodeName|serviceAccountName)|status\.(hostIPs?|podIPs?)|metadata\.(labels|annotations)\['[^']+'\])$/;

/**
 * Every container of a pod spec (init containers first) with its manifest path, and those of
 * them that run for the life of the pod; the reporter lists them once per rendering.
 */
export function listContainers(spec: any, specPath: string): { containers: ContainerEntry[]; longRunning: ContainerEntry[] } {
  const containers: ContainerEntry[] = [];
  const longRunning: ContainerEntry[] = [];
  const add = (list: unknown, at: string, init: boolean) => {
    if (!Array.isArray(list)) {
      return;
    }
    for (let i = 0; i < list.length; i++) {
      const container = list[i];
      const entry: ContainerEntry = { container, path: `${specPath}.${at}[${i}]`, init, sidecar: init && container.restartPolicy === 'Always' };
      containers.push(entry);
      if (!init || entry.sidecar) {
        longRunning.push(entry);
      }
    }
  };
  add(spec.initContainers, 'initContainers', true);
  add(spec.containers, 'containers', false);
  return { containers, longRunning };
}

/** Parsed quantities by their text. A pod repeats a handful of them ("1Gi", "16Gi", "1") in several rules. */
const QUANTITIES = new Map<string, number | undefined>();
/** Past this many distinct texts the cache starts over: it stays small whatever a process renders. */
const QUANTITIES_MAX = 512;

/** `parseQuantity(String(value))`, remembered for the few distinct texts a synth meets. */
export function quantityOf(value: unknown): number | undefined {
  const text = typeof value === 'string' ? value : String(value);
  let parsed = QUANTITIES.get(text);
  if (parsed === undefined && !QUANTITIES.has(text)) {
    parsed = parseQuantity(text);
    if (QUANTITIES.size >= QUANTITIES_MAX) {
      QUANTITIES.clear();
    }
    QUANTITIES.set(text, parsed);
  }
  return parsed;
}

/** Up to this many entries, a scan back finds a repeat for less than a Set per list costs. */
const SCAN_LIMIT = 64;

/** What `isRepeat` remembers of a list: a Set for a long list, nothing for a short one. */
export function repeatTracker(length: number): Set<unknown> | undefined {
  return length > SCAN_LIMIT ? new Set() : undefined;
}

/**
 * Whether `list[i][key]` equals the `key` of an earlier entry. With a tracker, call it for the
 * entries in order (it records each); without one it scans back.
 */
export function isRepeat(list: any[], i: number, key: string, seen: Set<unknown> | undefined): boolean {
  const value = list[i]?.[key];
  if (seen) {
    const repeated = seen.has(value);
    seen.add(value);
    return repeated;
  }
  for (let j = 0; j < i; j++) {
    if (list[j]?.[key] === value) {
      return true;
    }
  }
  return false;
}

/** An error finding. */
/**
 * The seconds a probe lets a container start before the kubelet gives up on it: initialDelay +
 * period × failureThreshold, with Kubernetes' defaults where unset (NaN for fields of the wrong type).
 */
export function probeBudgetSeconds(probe: any): number {
  return (probe.initialDelaySeconds ?? 0) + (probe.periodSeconds ?? 10) * (probe.failureThreshold ?? 3);
}

export function error(field: string, message: string, fix: string, container?: string): Finding {
  return { severity: 'error', field, message, fix, container };
}

/** A warning finding. */
export function warning(field: string, message: string, fix: string, container?: string): Finding {
  return { severity: 'warning', field, message, fix, container };
}

/**
 * A cdk8s Lazy given as a prop, for a message: the props are read when the construct is created,
 * before cdk8s resolves it (its JSON, `{"producer":{}}`, says nothing).
 */
export const LAZY = 'a cdk8s Lazy (read when the construct is created, before cdk8s resolves it: pass the value itself)';

/**
 * Quotes a value for a message. A BigInt (`10n`), NaN, Infinity, undefined or an object JSON
 * cannot write (one that holds a BigInt or itself) from a JavaScript caller is shown as
 * JavaScript would print it: JSON.stringify threw a TypeError instead of the finding, or
 * printed `null` for NaN.
 */
export function show(value: unknown): string {
  if (typeof value === 'bigint') {
    return `${value}n`;
  }
  if (value instanceof Lazy) {
    return LAZY;
  }
  // JSON writes NaN and Infinity as null and nothing at all for undefined: the message would
  // name another value than the one given
  if ((typeof value === 'number' && !Number.isFinite(value)) || value === undefined || typeof value === 'symbol') {
    return String(value);
  }
  if (typeof value === 'function') {
    return 'a function';
  }
  try {
    return JSON.stringify(value, (_key, v) => (typeof v === 'bigint' ? `${v}n` : v instanceof Lazy ? '(a cdk8s Lazy)' : v));
  } catch {
    return String(value);
  }
}

/** A sysctl name: segments of lowercase letters, digits, '-' and '_', separated by '.' or '/' (IsValidSysctlName). */
const SYSCTL_NAME = /^([a-z0-9]([-_a-z0-9]*[a-z0-9])?[./])*[a-z0-9]([-_a-z0-9]*[a-z0-9])?$/;

/** Whether `text` is a sysctl name the API server accepts (at most 253 characters). */
export function isSysctlName(text: unknown): boolean {
  return typeof text === 'string' && text.length <= 253 && SYSCTL_NAME.test(text);
}

/**
 * A sysctl name in its dotted form: the kernel's `net/ipv4/ip_local_port_range` and
 * `net.ipv4.ip_local_port_range` are one parameter (a name whose first separator is '/' has
 * '.' and '/' swapped, as the kubelet's NormalizeName does).
 */
export function normalSysctlName(name: string): string {
  const first = /[./]/.exec(name)?.[0];
  return first === '/' ? name.replace(/[./]/g, c => (c === '/' ? '.' : '/')) : name;
}

/** Whether `text` is a valid DNS-1123 label (including the 63-character limit). */
export function isDnsLabel(text: unknown): boolean {
  return typeof text === 'string' && text.length <= 63 && DNS1123_LABEL.test(text);
}

/** Whether `text` is a valid DNS-1123 subdomain (including the 253-character limit). */
export function isDnsSubdomain(text: unknown): boolean {
  return typeof text === 'string' && text.length <= 253 && DNS1123_SUBDOMAIN.test(text);
}

/**
 * Whether `name` is a CSI driver name the API server accepts: at most 63 characters, a DNS-1123
 * subdomain once lowercased (ValidateCSIDriverName: no '_', no empty segment between dots).
 */
export function isCsiDriverName(name: unknown): boolean {
  return typeof name === 'string' && name.length <= 63 && DNS1123_SUBDOMAIN.test(name.toLowerCase());
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

/**
 * Whether the API server accepts `divisor` for `resource`: it compares the divisor's canonical
 * form with "1m" and "1" for cpu, and with "1", "1k" ... "1E", "1Ki" ... "1Ei" for memory,
 * ephemeral storage and huge pages. The canonical form keeps the family of the suffix: a
 * binary amount of 1024 or more stays binary ("1024Ki" is "1Mi"), a decimal one decimal
 * ("1000m" is "1", "1024" stays "1024"), an exponent one an exponent ("1e3" stays "1e3").
 */
export function isDivisorOf(resource: string, divisor: string): boolean {
  const value = parseQuantity(divisor);
  if (value === undefined) {
    return false;
  }
  const is = (amount: number) => Math.abs(value - amount) <= amount * 1e-12;
  const binary = /[KMGTPE]i$/.test(divisor) && value >= 1024;
  const exponent = /[eE][+-]?\d+$/.test(divisor);
  if (/\.cpu$/.test(resource)) {
    return is(1) || (!binary && !exponent && is(1e-3));
  }
  if (is(1)) {
    return true;
  }
  const powers = [1, 2, 3, 4, 5, 6];
  return binary ? powers.some(p => is(2 ** (10 * p))) : !exponent && powers.some(p => is(10 ** (3 * p)));
}

/**
 * What a rule returns when it finds nothing: one shared, frozen list, so that a rule allocates
 * nothing on a valid pod (the callers only read what a rule returns).
 */
export const NO_FINDINGS: Finding[] = Object.freeze([]) as unknown as Finding[];

/**
 * Whether `path` is a relative path without a `..` element, as the API server requires of
 * subPath, item paths and seccomp localhost profiles (validateLocalDescendingPath).
 */
export function isLocalDescendingPath(path: string): boolean {
  return !path.startsWith('/') && path !== '..' && !path.startsWith('../') && !path.endsWith('/..') && !path.includes('/../');
}

/**
 * A name the API server checks with a `prefix` flag (generateName, and the names of ConfigMaps
 * and Secrets an envFrom reads): a trailing '-' is allowed, the rest is a DNS-1123 subdomain.
 */
export function isDnsSubdomainPrefix(text: unknown): boolean {
  if (typeof text !== 'string') {
    return false;
  }
  return isDnsSubdomain(text) || (text.length > 1 && text.endsWith('-') && isDnsSubdomain(`${text.slice(0, -1)}a`));
}

/** The user a container runs as: its id, 'non-root' when only runAsNonRoot says so, undefined when unknown (the image's). */
export function runsAs(context: any, podContext: any): number | 'non-root' | undefined {
  const user = context?.runAsUser ?? podContext?.runAsUser;
  if (Number.isInteger(user)) {
    return user;
  }
  return (context?.runAsNonRoot ?? podContext?.runAsNonRoot) === true ? 'non-root' : undefined;
}

/*
 * The image reference grammar the kubelet parses (distribution/reference): an optional registry
 * (host names may have capitals, an optional port), lowercase path components, an optional tag
 * and an optional digest. Anything else never starts: the kubelet reports InvalidImageName.
 */
const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const PATH_COMPONENT = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
/*
 * The digest is checked further by go-digest when the kubelet parses it: only sha256, sha384 and
 * sha512 are known, each with exactly its length in lowercase hex (`@sha256:` with 32 hex digits,
 * `@SHA256:`, `@md5:` or an upper-case digest are InvalidImageName). An IPv6 registry is hex and
 * colons only (no IPv4-mapped form).
 */
const IMAGE_REFERENCE = new RegExp(`^(?:(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[[0-9a-fA-F:]+\\])(?::[0-9]+)?/)?`
  + `${PATH_COMPONENT}(?:/${PATH_COMPONENT})*(?::\\w[\\w.-]{0,127})?(?:@(?:sha256:[a-f0-9]{64}|sha384:[a-f0-9]{96}|sha512:[a-f0-9]{128}))?$`);
/** The name part (before a tag or digest) may have at most 255 characters, as the kubelet normalizes it (docker.io/library/...). */
const MAX_IMAGE_NAME = 255;

/** The name as the kubelet measures it: with docker.io/ (and library/) added when the reference names no registry. */
function normalizedImageName(image: string): string {
  const name = image.split('@')[0].replace(/:[\w][\w.-]*$/, '');
  const slash = name.indexOf('/');
  const first = slash < 0 ? '' : name.slice(0, slash);
  if (slash >= 0 && (/[.:]/.test(first) || first === 'localhost' || first.toLowerCase() !== first)) {
    return name;
  }
  return `docker.io/${slash < 0 ? 'library/' : ''}${name}`;
}

/** Whether the kubelet can parse `image` (distribution/reference's ParseNormalizedNamed); anything else is InvalidImageName. */
export function isImageReference(image: string): boolean {
  return IMAGE_REFERENCE.test(image) && !/^[a-f0-9]{64}$/.test(image) && normalizedImageName(image).length <= MAX_IMAGE_NAME;
}

/**
 * `text` written so that the kubelet's `$(VAR)` expansion of env values, command and args hands
 * it to the process as it is: every `$` doubled (the kubelet reads `$$` as one `$`).
 */
export function kubeletLiteral(text: string): string {
  return text.replace(/\$/g, '$$$$');
}
