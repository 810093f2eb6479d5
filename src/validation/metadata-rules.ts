import { error, isDnsLabel, isDnsSubdomain, isDnsSubdomainPrefix, isQualifiedName, LABEL_VALUE, NO_FINDINGS, show } from './_helpers';
import { Finding, RenderedPod } from './model';

/**
 * Object metadata, as the API server checks it for every kind (ValidateObjectMeta). The
 * functions taking plain values are shared by the pod rules below and by the kind-aware
 * object rules (`object-rules.ts`), so a bad label reads the same whatever object carries it.
 */

/** The API server's limit on the total size of an object's annotations (keys plus values). */
export const ANNOTATIONS_MAX_BYTES = 256 * 1024;

/** metadata.name must be a DNS-1123 subdomain. */
export function objectName(pod: RenderedPod): Finding[] {
  return subdomainNameFindings(pod.metadata.name);
}

/** metadata.namespace must be a DNS-1123 label. */
export function namespaceName(pod: RenderedPod): Finding[] {
  return namespaceFindings(pod.metadata.namespace);
}

/** Label keys must be qualified names; label values at most 63 characters, alphanumeric at both ends. */
export function labels(pod: RenderedPod): Finding[] {
  const findings = labelFindings(pod.metadata.labels, 'metadata.labels');
  if (pod.spec.nodeSelector !== undefined) {
    findings.push(...labelFindings(pod.spec.nodeSelector, `${pod.specPath}.nodeSelector`));
  }
  return findings;
}

/** Annotation keys must be qualified names, and all annotations together at most 256 KiB. */
export function annotationKeys(pod: RenderedPod): Finding[] {
  return annotationFindings(pod.metadata.annotations, 'metadata.annotations');
}

/**
 * Object rule, every kind: `metadata.name` as the API server checks it for that kind, the
 * namespace, labels and annotations.
 */
export function objectMetadata(json: any): Finding[] {
  const metadata = json?.metadata ?? {};
  const findings = metadata.name === undefined && metadata.generateName === undefined
    ? [error('metadata.name', 'the object has no name', 'set metadata.name')]
    : (NAME_RULES[json?.kind] ?? subdomainNameFindings)(metadata.name);
  // the parts are empty on a valid object: appended only when not
  appendAll(findings, namespaceFindings(metadata.namespace));
  appendAll(findings, labelFindings(metadata.labels, 'metadata.labels'));
  appendAll(findings, annotationFindings(metadata.annotations, 'metadata.annotations'));
  appendAll(findings, objectSizeFindings(json));
  return findings;
}

/**
 * etcd's default limit on one write (`--max-request-bytes`, 1.5 MiB), which the API server
 * passes on as "etcdserver: request is too large"; managed clusters keep the default.
 */
export const OBJECT_MAX_BYTES = 1.5 * 1024 * 1024;

/**
 * An object etcd cannot store: its strings alone (every encoding holds their bytes: a lower
 * bound of the stored size) exceed `OBJECT_MAX_BYTES`. A 2 MB argument, 50,000 listed model
 * files or a huge environment variable was written and then refused at `kubectl apply`.
 */
function objectSizeFindings(json: any): Finding[] {
  // a UTF-16 code unit is at least one byte in UTF-8, at most three: most objects are decided
  // by counting code units, without encoding anything
  const units = textSize(json, text => text.length);
  if (units * 3 <= OBJECT_MAX_BYTES) {
    return NO_FINDINGS;
  }
  const bytes = units > OBJECT_MAX_BYTES ? units : textSize(json, text => Buffer.byteLength(text, 'utf8'));
  if (bytes <= OBJECT_MAX_BYTES) {
    return NO_FINDINGS;
  }
  const largest = largestStringField(json);
  return [error(largest.field || 'metadata', `the ${json?.kind ?? 'object'} holds ${units > OBJECT_MAX_BYTES ? 'at least ' : ''}${bytes} bytes of text, `
    + `more than the ${OBJECT_MAX_BYTES} (1.5 MiB) etcd stores in one object (the API server answers "etcdserver: request is too large"); `
    + `this is its largest value (${largest.length} characters)`,
  'move large data into a ConfigMap, a volume or the image, and pass its path')];
}

/** The sum of `size` over every string in `json`. */
function textSize(value: any, size: (text: string) => number): number {
  if (typeof value === 'string') {
    return size(value);
  }
  let sum = 0;
  if (Array.isArray(value)) {
    for (const item of value) {
      sum += textSize(item, size);
    }
  } else if (value !== null && typeof value === 'object') {
    for (const key of Object.keys(value)) {
      sum += textSize(value[key], size);
    }
  }
  return sum;
}

/** The path of the longest string in `json` (`spec.containers[0].args[0]`), for the size finding. */
function largestStringField(json: any): { field: string; length: number } {
  let best = { field: '', length: -1 };
  const walk = (value: any, field: string): void => {
    if (typeof value === 'string') {
      if (value.length > best.length) {
        best = { field, length: value.length };
      }
    } else if (Array.isArray(value)) {
      value.forEach((v, i) => walk(v, `${field}[${i}]`));
    } else if (value !== null && typeof value === 'object') {
      for (const key of Object.keys(value)) {
        walk(value[key], /^[A-Za-z_][A-Za-z0-9_]*$/.test(key) ? (field ? `${field}.${key}` : key) : `${field}[${JSON.stringify(key)}]`);
      }
    }
  };
  walk(json, '');
  return best;
}

function appendAll(findings: Finding[], more: Finding[]): void {
  for (const f of more) {
    findings.push(f);
  }
}

/** DNS-1035 label: Service names, which become DNS names and environment variable prefixes. */
const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;

/**
 * The longest StatefulSet name whose pods can be created: the controller labels each pod
 * `controller-revision-hash: <name>-<hash of up to 10 characters>`, a label value of at most 63
 * characters (kubernetes/kubernetes#64023, open). The API server accepts a longer name, and the
 * StatefulSet then never creates a pod (FailedCreate events only).
 */
const MAX_STATEFUL_SET_NAME = 52;

function statefulSetNameLength(name: string): Finding[] {
  return name.length <= MAX_STATEFUL_SET_NAME ? [] : [error('metadata.name',
    `${show(name)} has ${name.length} characters; a StatefulSet name can have at most ${MAX_STATEFUL_SET_NAME}, because the controller labels its pods `
    + `controller-revision-hash: <name>-<10-character hash> (at most 63), and the API server refuses every pod the controller creates for a longer name (kubernetes/kubernetes#64023)`,
    `use a shorter name such as ${show(name.slice(0, MAX_STATEFUL_SET_NAME).replace(/-+$/, ''))} (metadata.name of the StatefulSet)`)];
}

/** The longest Deployment name whose ReplicaSets (`<name>-<hash of up to 10 characters>`) can be created. */
export const DEPLOYMENT_NAME_MAX = 253 - 11;

/** A Deployment name cut to `DEPLOYMENT_NAME_MAX`, still a DNS-1123 subdomain (the length rule's suggestion). */
export function shortenedDeploymentName(name: string): string {
  return name.slice(0, DEPLOYMENT_NAME_MAX).replace(/[-.]+$/, '');
}

/** Kinds whose names are stricter than a DNS-1123 subdomain. */
const NAME_RULES: { [kind: string]: (name: unknown) => Finding[] } = {
  Service: name => (name === undefined || isServiceName(name) ? []
    : [error('metadata.name', `${show(name)} is not a valid Service name (DNS-1035 label: at most 63 lowercase letters, digits and '-', starting with a letter, ending alphanumeric)`,
      `use a name such as ${show(suggestDns1035(String(name)))}${/^[a-z]/.test(String(name)) ? '' : ` (${DNS1035_PREFIX_RULE})`}`)]),
  // Pods of a StatefulSet are named <name>-<ordinal> and use it as their hostname.
  StatefulSet: name => (name === undefined ? [] : !isDnsLabel(name)
    ? [error('metadata.name', `${show(name)} is not a valid StatefulSet name (DNS-1123 label: at most 63 lowercase letters, digits and '-', alphanumeric at both ends)`,
      `use a name such as ${show(suggestName(String(name)).replace(/\./g, '-').slice(0, MAX_STATEFUL_SET_NAME).replace(/-+$/, ''))}`)]
    : statefulSetNameLength(name as string)),
  // The Deployment controller names its ReplicaSets <name>-<pod-template-hash of up to 10 characters>, a name of at most 253.
  Deployment: name => (typeof name === 'string' && name.length > DEPLOYMENT_NAME_MAX && isDnsSubdomain(name)
    ? [error('metadata.name', `${show(name)} has ${name.length} characters; a Deployment name can have at most ${DEPLOYMENT_NAME_MAX}, because its ReplicaSets `
      + 'are named <name>-<pod-template-hash> within 253: the API server would refuse every ReplicaSet, and no pod would be created', `use a shorter name such as ${show(shortenedDeploymentName(name))}`)]
    : subdomainNameFindings(name)),
  // The Job controller labels its pods `job-name: <name>`, and a label value has at most 63 characters.
  Job: name => (typeof name === 'string' && name.length > 63 && isDnsSubdomain(name)
    ? [error('metadata.name', `${show(name)} has ${name.length} characters; a Job name can have at most 63, because its pods carry it as the job-name label`,
      `use a shorter name such as ${show(name.slice(0, 63).replace(/[-.]+$/, ''))}`)]
    : subdomainNameFindings(name)),
  // The API server refuses a CronJob name longer than 52: its Jobs are named <name>-<11 characters of schedule time>.
  CronJob: name => (typeof name === 'string' && name.length > 52 && isDnsSubdomain(name)
    ? [error('metadata.name', `${show(name)} has ${name.length} characters; a CronJob name can have at most 52, because its Jobs are named <name>-<scheduled time> within 63`,
      `use a shorter name such as ${show(name.slice(0, 52).replace(/[-.]+$/, ''))}`)]
    : subdomainNameFindings(name)),
};

/** Whether `name` may name a Service: a DNS-1035 label of at most 63 characters. */
export function isServiceName(name: unknown): boolean {
  return typeof name === 'string' && name.length <= 63 && DNS1035_LABEL.test(name);
}

/** How `suggestDns1035` makes a name that starts with a digit start with a letter, for the messages that suggest one. */
export const DNS1035_PREFIX_RULE = 'a name that starts with a digit gets an "m" in front, so that it keeps its digits ("7b-llm" becomes "m7b-llm")';

/**
 * A DNS-1035 label (a Service's name) made from `text`: a leading digit keeps its place behind an
 * "m" (`7b-llm` → `m7b-llm`; dropping the digits lost what the name says, `b-llm`).
 */
export function suggestDns1035(text: string): string {
  const label = suggestName(text).replace(/\./g, '-').replace(/^[^a-z0-9]+/, '');
  return (/^[0-9]/.test(label) ? `m${label}` : label).slice(0, 63).replace(/-+$/, '') || 'my-service';
}

/**
 * The Service name an AiInferenceDeployment derives from a Deployment name it derived itself:
 * leading digits dropped, as in every release so far, so that no existing Service is renamed.
 *
 * @internal
 */
export function legacyServiceName(text: string): string {
  return suggestName(text).replace(/\./g, '-').replace(/^[^a-z]+/, '').slice(0, 63).replace(/-+$/, '') || 'my-service';
}

/** A name that must be a DNS-1123 subdomain (most kinds); `undefined` is left to the caller. */
export function subdomainNameFindings(name: unknown, field = 'metadata.name'): Finding[] {
  if (name === undefined || isDnsSubdomain(name)) {
    return [];
  }
  return [error(field, `${show(name)} is not a valid Kubernetes name (lowercase letters, digits, '-' and '.', starting and ending alphanumeric, at most 253 characters)`,
    `use a name such as ${show(suggestName(String(name)))}`)];
}

/** A namespace: a DNS-1123 label; `undefined` (the default namespace) is fine. */
export function namespaceFindings(ns: unknown): Finding[] {
  if (ns === undefined || isDnsLabel(ns)) {
    return [];
  }
  return [error('metadata.namespace', `${show(ns)} is not a valid namespace (DNS-1123 label, at most 63 characters)`, `use a namespace such as ${show(suggestName(String(ns)).slice(0, 63))}`)];
}

/** Keys and values of a label map (labels, selectors, nodeSelector) at `field`. */
export function labelFindings(map: { [key: string]: unknown } | undefined, field: string): Finding[] {
  const findings: Finding[] = [];
  const labelMap: { [key: string]: unknown } = map ?? {};
  for (const key of Object.keys(labelMap)) {
    if (!isQualifiedName(key)) {
      findings.push(error(`${field}[${show(key)}]`, `${show(key)} is not a valid label key (optional DNS prefix, '/', then a name of at most 63 alphanumerics, '-', '_' or '.')`, 'rename the key, e.g. "app.example.com/tier"'));
    }
    // the field path is built only for a bad value: labels are on every object
    if (!isLabelValue(labelMap[key])) {
      findings.push(...labelValueFindings(labelMap[key], `${field}[${show(key)}]`));
    }
  }
  return findings;
}

/** A label value at `field` (also the values of selector expressions). */
export function labelValueFindings(value: unknown, field: string): Finding[] {
  if (isLabelValue(value)) {
    return [];
  }
  return [error(field, `value ${show(value)} is not a valid label value (at most 63 characters, alphanumeric at both ends, '-', '_' or '.' inside)`, 'shorten or clean the value')];
}

/** Annotation keys at `field`, and the annotations' total size. */
export function annotationFindings(annotations: { [key: string]: unknown } | undefined, field: string): Finding[] {
  const map: { [key: string]: unknown } = annotations ?? {};
  const findings: Finding[] = [];
  for (const key of Object.keys(map)) {
    if (!isQualifiedName(key)) {
      findings.push(error(`${field}[${show(key)}]`, `${show(key)} is not a valid annotation key (optional DNS prefix, '/', then a name of at most 63 alphanumerics, '-', '_' or '.')`, 'rename the annotation key'));
    }
  }
  const bytes = oversizeAnnotationBytes(map);
  if (bytes !== undefined) {
    findings.push(error(field, `the annotations total ${bytes} bytes, more than the API server's limit of ${ANNOTATIONS_MAX_BYTES} (256 KiB)`, 'move large data into a ConfigMap and reference it'));
  }
  return findings;
}

/**
 * The UTF-8 size of the annotations' keys and values when it is over the API server's limit.
 * A UTF-16 code unit takes at most 3 bytes in UTF-8: annotations that stay within the limit
 * even at 3 bytes a unit (nearly all) are not encoded.
 */
function oversizeAnnotationBytes(map: { [key: string]: unknown }): number | undefined {
  let units = 0;
  for (const key of Object.keys(map)) {
    const value = map[key];
    units += key.length + (typeof value === 'string' ? value : String(value)).length;
  }
  if (units * 3 <= ANNOTATIONS_MAX_BYTES) {
    return undefined;
  }
  let bytes = 0;
  for (const key of Object.keys(map)) {
    bytes += Buffer.byteLength(key) + Buffer.byteLength(String(map[key]));
  }
  return bytes > ANNOTATIONS_MAX_BYTES ? bytes : undefined;
}

/** Whether `value` is a label value: a string of at most 63 characters, empty or alphanumeric at both ends. */
export function isLabelValue(value: unknown): boolean {
  return typeof value === 'string' && value.length <= 63 && LABEL_VALUE.test(value);
}

/** A DNS-1123 version of arbitrary text, offered as a fix in messages. */
export function suggestName(text: string): string {
  // each '.'-separated label alphanumeric at both ends: a construct id '..' or 'v1.' must not come back as is
  const parts = text.toLowerCase().replace(/[^a-z0-9.-]+/g, '-').split('.').map(l => l.replace(/^-+|-+$/g, '')).filter(l => l !== '');
  return parts.join('.').slice(0, 253).replace(/[^a-z0-9]+$/, '') || 'my-pod';
}

/** Kinds whose names are DNS labels, and so their generateName prefixes too (see NAME_RULES). */
const LABEL_NAMED_KINDS: { [kind: string]: RegExp } = { Service: DNS1035_LABEL, StatefulSet: /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/ };

/**
 * Object rule, every kind: `metadata.generateName`, when set, is a valid name prefix (a name of
 * the kind with a trailing '-' allowed); finalizers are qualified names, not both "orphan" and
 * "foregroundDeletion"; owner references name their owner (apiVersion, kind, name, uid), and
 * at most one is the controller (ValidateObjectMeta).
 */
export function objectMetadataFields(json: any): Finding[] {
  const metadata = json?.metadata;
  if (metadata === undefined || metadata === null
    || (metadata.generateName === undefined && metadata.finalizers === undefined && metadata.ownerReferences === undefined)) {
    return NO_FINDINGS;
  }
  const findings: Finding[] = [];
  const prefix = metadata.generateName;
  if (prefix !== undefined && !isNamePrefix(json.kind, prefix)) {
    findings.push(error('metadata.generateName', `${show(prefix)} is not a valid name prefix for a ${json.kind} (${LABEL_NAMED_KINDS[json.kind] ? 'a DNS label: at most 63' : 'a DNS-1123 subdomain: at most 253'} lowercase letters, digits and '-', a trailing '-' allowed)`,
      `use a prefix such as ${show(`${suggestName(String(prefix)).slice(0, 57)}-`)}`));
  }
  const finalizers: unknown[] = Array.isArray(metadata.finalizers) ? metadata.finalizers : [];
  for (let i = 0; i < finalizers.length; i++) {
    if (typeof finalizers[i] !== 'string' || !isQualifiedName(finalizers[i] as string)) {
      findings.push(error(`metadata.finalizers[${i}]`, `${show(finalizers[i])} is not a valid finalizer (a qualified name: a DNS prefix, '/', then at most 63 alphanumerics, '-', '_' or '.')`,
        'use a domain-qualified finalizer such as "example.com/model-cache-cleanup"'));
    }
  }
  if (finalizers.includes('orphan') && finalizers.includes('foregroundDeletion')) {
    findings.push(error('metadata.finalizers', `${show(finalizers)} holds both "orphan" and "foregroundDeletion", which contradict each other`, 'keep one of them'));
  }
  const owners: any[] = Array.isArray(metadata.ownerReferences) ? metadata.ownerReferences : [];
  let controller: string | undefined;
  for (let i = 0; i < owners.length; i++) {
    const owner = owners[i];
    for (const key of OWNER_KEYS) {
      if (typeof owner?.[key] !== 'string' || owner[key] === '' || (key === 'apiVersion' && owner[key].endsWith('/'))) {
        findings.push(error(`metadata.ownerReferences[${i}].${key}`, `${show(owner?.[key] ?? '')} is empty: an owner reference needs its owner's apiVersion, kind, name and uid`,
          'copy them from the owner object (its uid from the cluster), or leave ownerReferences to the controller'));
      }
    }
    if (owner?.controller === true) {
      if (controller !== undefined) {
        findings.push(error(`metadata.ownerReferences[${i}].controller`, `true here and on ${controller}: only one owner reference can be the controller`,
          'set controller: true on one owner reference only'));
      } else {
        controller = `${owner.kind}/${owner.name}`;
      }
    }
  }
  return findings;
}

const OWNER_KEYS = ['apiVersion', 'kind', 'name', 'uid'];

function isNamePrefix(kind: string, prefix: unknown): boolean {
  const label = LABEL_NAMED_KINDS[kind];
  if (!label) {
    return isDnsSubdomainPrefix(prefix);
  }
  if (typeof prefix !== 'string' || prefix.length > 63) {
    return false;
  }
  return label.test(prefix) || (prefix.length > 1 && prefix.endsWith('-') && label.test(`${prefix.slice(0, -1)}a`));
}
