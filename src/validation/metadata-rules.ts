import { error, isDnsLabel, isDnsSubdomain, isQualifiedName, LABEL_VALUE, show } from './_helpers';
import { Finding, RenderedPod } from './model';

/** metadata.name must be a DNS-1123 subdomain. */
export function objectName(pod: RenderedPod): Finding[] {
  const name = pod.metadata.name;
  if (name === undefined || isDnsSubdomain(name)) {
    return [];
  }
  return [error('metadata.name', `${show(name)} is not a valid Kubernetes name (lowercase letters, digits, '-' and '.', starting and ending alphanumeric, at most 253 characters)`,
    `use a name such as ${show(suggestName(String(name)))}`)];
}

/** metadata.namespace must be a DNS-1123 label. */
export function namespaceName(pod: RenderedPod): Finding[] {
  const ns = pod.metadata.namespace;
  if (ns === undefined || isDnsLabel(ns)) {
    return [];
  }
  return [error('metadata.namespace', `${show(ns)} is not a valid namespace (DNS-1123 label, at most 63 characters)`, `use a namespace such as ${show(suggestName(String(ns)).slice(0, 63))}`)];
}

/** Label keys must be qualified names; label values at most 63 characters, alphanumeric at both ends. */
export function labels(pod: RenderedPod): Finding[] {
  return [
    ...labelFindings(pod.metadata.labels, 'metadata.labels'),
    ...labelFindings(pod.spec.nodeSelector, `${pod.specPath}.nodeSelector`),
  ];
}

/** Annotation keys must be qualified names. */
export function annotationKeys(pod: RenderedPod): Finding[] {
  return Object.keys(pod.metadata.annotations ?? {})
    .filter(key => !isQualifiedName(key))
    .map(key => error(`metadata.annotations[${show(key)}]`, `${show(key)} is not a valid annotation key (optional DNS prefix, '/', then a name of at most 63 alphanumerics, '-', '_' or '.')`, 'rename the annotation key'));
}

function labelFindings(map: { [key: string]: unknown } | undefined, field: string): Finding[] {
  const findings: Finding[] = [];
  for (const [key, value] of Object.entries(map ?? {})) {
    if (!isQualifiedName(key)) {
      findings.push(error(`${field}[${show(key)}]`, `${show(key)} is not a valid label key (optional DNS prefix, '/', then a name of at most 63 alphanumerics, '-', '_' or '.')`, 'rename the key, e.g. "app.example.com/tier"'));
    }
    if (typeof value !== 'string' || value.length > 63 || !LABEL_VALUE.test(value)) {
      findings.push(error(`${field}[${show(key)}]`, `value ${show(value)} is not a valid label value (at most 63 characters, alphanumeric at both ends, '-', '_' or '.' inside)`, 'shorten or clean the value'));
    }
  }
  return findings;
}

/** A DNS-1123 version of arbitrary text, offered as a fix in messages. */
export function suggestName(text: string): string {
  const cleaned = text.toLowerCase().replace(/[^a-z0-9.-]+/g, '-').replace(/^[^a-z0-9]+|[^a-z0-9]+$/g, '');
  return cleaned.slice(0, 253) || 'my-pod';
}
