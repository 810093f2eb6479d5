import { error, isDnsLabel, isQualifiedName, NO_FINDINGS, show } from './_helpers';
import { asList, labelSelectorFindings } from './_object-helpers';
import { labelValueFindings } from './metadata-rules';
import { Finding, RenderedPod } from './model';

/**
 * A pod's affinity, as the API server checks it (validateAffinity): node selector terms and
 * their requirements, preferred weights, pod (anti-)affinity terms. Whether set with the
 * `affinity` prop, an escape hatch or a JSON patch, a term the API server refuses fails synth.
 */
export function affinityTerms(pod: RenderedPod): Finding[] {
  const affinity = pod.spec.affinity;
  if (affinity === undefined) {
    return NO_FINDINGS;
  }
  const at = `${pod.specPath}.affinity`;
  const findings: Finding[] = [];
  const node = affinity.nodeAffinity;
  if (node) {
    const required = node.requiredDuringSchedulingIgnoredDuringExecution;
    if (required !== undefined) {
      const termsAt = `${at}.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms`;
      const terms = asList(required?.nodeSelectorTerms);
      if (terms.length === 0) {
        findings.push(error(termsAt, `${show(required?.nodeSelectorTerms ?? [])} has no node selector term, which the API server refuses (it would match no node)`,
          'add a term such as { matchExpressions: [{ key: "nvidia.com/gpu.present", operator: "In", values: ["true"] }] }, or remove requiredDuringSchedulingIgnoredDuringExecution'));
      }
      for (let i = 0; i < terms.length; i++) {
        nodeSelectorTermFindings(terms[i], `${termsAt}[${i}]`, true, findings);
      }
    }
    const preferred = asList(node.preferredDuringSchedulingIgnoredDuringExecution);
    for (let i = 0; i < preferred.length; i++) {
      const termAt = `${at}.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution[${i}]`;
      weightFindings(preferred[i]?.weight, `${termAt}.weight`, findings);
      nodeSelectorTermFindings(preferred[i]?.preference, `${termAt}.preference`, false, findings);
    }
  }
  for (const kind of POD_AFFINITIES) {
    const terms = affinity[kind];
    if (!terms) {
      continue;
    }
    const required = asList(terms.requiredDuringSchedulingIgnoredDuringExecution);
    for (let i = 0; i < required.length; i++) {
      podAffinityTermFindings(required[i], `${at}.${kind}.requiredDuringSchedulingIgnoredDuringExecution[${i}]`, findings);
    }
    const preferred = asList(terms.preferredDuringSchedulingIgnoredDuringExecution);
    for (let i = 0; i < preferred.length; i++) {
      const termAt = `${at}.${kind}.preferredDuringSchedulingIgnoredDuringExecution[${i}]`;
      weightFindings(preferred[i]?.weight, `${termAt}.weight`, findings);
      podAffinityTermFindings(preferred[i]?.podAffinityTerm, `${termAt}.podAffinityTerm`, findings);
    }
  }
  return findings.length ? findings : NO_FINDINGS;
}

const POD_AFFINITIES = ['podAffinity', 'podAntiAffinity'];
const NODE_SELECTOR_OPERATORS = ['In', 'NotIn', 'Exists', 'DoesNotExist', 'Gt', 'Lt'];
/** What the scheduler parses a Gt/Lt value with (strconv.ParseInt, base 10). */
const INTEGER = /^[+-]?\d+$/;

/** A preferred term's weight: 1 to 100. */
function weightFindings(weight: unknown, field: string, findings: Finding[]): void {
  if (!(Number.isInteger(weight) && (weight as number) >= 1 && (weight as number) <= 100)) {
    findings.push(error(field, `${show(weight)} is not a weight from 1 to 100`, 'use a whole number from 1 to 100, e.g. 50'));
  }
}

/** A node selector term's matchExpressions (node labels) and matchFields (only metadata.name). */
function nodeSelectorTermFindings(term: any, at: string, required: boolean, findings: Finding[]): void {
  const expressions = asList(term?.matchExpressions);
  for (let i = 0; i < expressions.length; i++) {
    requirementFindings(expressions[i], `${at}.matchExpressions[${i}]`, required, findings);
  }
  const fields = asList(term?.matchFields);
  for (let i = 0; i < fields.length; i++) {
    const f = fields[i];
    const fieldAt = `${at}.matchFields[${i}]`;
    if (f?.key !== 'metadata.name') {
      findings.push(error(`${fieldAt}.key`, `${show(f?.key)} is not a node field a selector can match (only "metadata.name")`, 'use key "metadata.name", or select by a node label in matchExpressions'));
    }
    if (f?.operator !== 'In' && f?.operator !== 'NotIn') {
      findings.push(error(`${fieldAt}.operator`, `${show(f?.operator)} is not an operator for a node field (In or NotIn)`, 'use In or NotIn'));
    }
    if (asList(f?.values).length !== 1) {
      findings.push(error(`${fieldAt}.values`, `${show(f?.values ?? [])} must hold exactly one node name`, 'give one node name, e.g. ["gpu-node-1"]'));
    }
  }
}

/** One node selector requirement: a label key, a known operator and the values it takes. */
function requirementFindings(expr: any, at: string, required: boolean, findings: Finding[]): void {
  if (typeof expr?.key !== 'string' || !isQualifiedName(expr.key)) {
    findings.push(error(`${at}.key`, `${show(expr?.key)} is not a valid node label key (optional DNS prefix, '/', then a name of at most 63 alphanumerics, '-', '_' or '.')`,
      'use the node label key, e.g. "nvidia.com/gpu.product"'));
  }
  const operator = expr?.operator;
  const values = asList(expr?.values);
  switch (operator) {
    case 'In':
    case 'NotIn':
      if (values.length === 0) {
        findings.push(error(`${at}.values`, `operator ${operator} needs at least one value, got ${show(expr?.values ?? [])}`, 'list the node label values to match, or use operator Exists'));
      }
      break;
    case 'Exists':
    case 'DoesNotExist':
      if (values.length > 0) {
        findings.push(error(`${at}.values`, `operator ${operator} takes no values, got ${show(values)}`, 'remove the values, or use operator In'));
      }
      break;
    case 'Gt':
    case 'Lt':
      if (values.length !== 1 || typeof values[0] !== 'string' || !INTEGER.test(values[0])) {
        findings.push(error(`${at}.values`, `operator ${operator} needs exactly one integer value, got ${show(expr?.values ?? [])}`, 'give one whole number as a string, e.g. ["8"]'));
      }
      return;
    default:
      findings.push(error(`${at}.operator`, `${show(operator)} is not one of ${NODE_SELECTOR_OPERATORS.join(', ')}`, `use one of ${NODE_SELECTOR_OPERATORS.join(', ')}`));
      return;
  }
  if (required) {
    for (let i = 0; i < values.length; i++) {
      const found = labelValueFindings(values[i], `${at}.values[${i}]`);
      for (const f of found) {
        findings.push(f);
      }
    }
  }
}

/** A pod (anti-)affinity term: valid selectors and namespaces, and a topology key. */
function podAffinityTermFindings(term: any, at: string, findings: Finding[]): void {
  for (const f of labelSelectorFindings(term?.labelSelector, `${at}.labelSelector`)) {
    findings.push(f);
  }
  for (const f of labelSelectorFindings(term?.namespaceSelector, `${at}.namespaceSelector`)) {
    findings.push(f);
  }
  const namespaces = asList(term?.namespaces);
  for (let i = 0; i < namespaces.length; i++) {
    if (!isDnsLabel(namespaces[i])) {
      findings.push(error(`${at}.namespaces[${i}]`, `${show(namespaces[i])} is not a valid namespace (DNS-1123 label, at most 63 characters)`, 'name an existing namespace, e.g. "inference"'));
    }
  }
  const key = term?.topologyKey;
  if (typeof key !== 'string' || key === '') {
    findings.push(error(`${at}.topologyKey`, `${show(key ?? '')} is empty: a pod affinity term needs the node label that defines a topology domain`, 'use e.g. "kubernetes.io/hostname" or "topology.kubernetes.io/zone"'));
  } else if (!isQualifiedName(key)) {
    findings.push(error(`${at}.topologyKey`, `${show(key)} is not a valid node label key`, 'use e.g. "kubernetes.io/hostname" or "topology.kubernetes.io/zone"'));
  }
}
