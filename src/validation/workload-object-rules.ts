import { error, isDnsLabel, show } from './_helpers';
import { enumFindings, isEmptySelector, labelSelectorFindings, selectorMatches, wholeNumberFindings } from './_object-helpers';
import { annotationFindings, labelFindings } from './metadata-rules';
import { Finding } from './model';
import { claimFindings } from './storage-rules';

/**
 * Object rules of Deployments, StatefulSets and Jobs: the controller fields around the pod
 * template (pkg/apis/apps/validation and pkg/apis/batch/validation). The pod spec itself is
 * checked by the pod rules (`rules.ts`).
 */

/** replicas, minReadySeconds and revisionHistoryLimit are whole numbers ≥ 0 (Deployment, StatefulSet). */
export function workloadCounts(json: any): Finding[] {
  const spec = json?.spec ?? {};
  return [
    ...wholeNumberFindings(spec.replicas, 'spec.replicas', 0, 'use a whole number of pods, e.g. 1 (0 scales the workload down)'),
    ...wholeNumberFindings(spec.minReadySeconds, 'spec.minReadySeconds', 0, 'use a whole number of seconds, e.g. 0'),
    ...wholeNumberFindings(spec.revisionHistoryLimit, 'spec.revisionHistoryLimit', 0, 'use a whole number of old revisions to keep, e.g. 10'),
  ];
}

/**
 * The selector is present (Deployment, StatefulSet; on a Job only with manualSelector), not
 * empty, valid, and selects the pod template's labels: otherwise the controller could never
 * count the pods it creates.
 */
export function workloadSelector(json: any): Finding[] {
  const spec = json?.spec ?? {};
  const selector = spec.selector;
  const required = json?.kind !== 'Job' || spec.manualSelector === true;
  if (selector === undefined || selector === null) {
    return required ? [error('spec.selector', `a ${json?.kind} needs a selector`, 'select the pod template\'s labels, e.g. { matchLabels: { app: "llm" } }')] : [];
  }
  if (isEmptySelector(selector) && json?.kind !== 'Job') {
    return [error('spec.selector', `an empty selector would select every pod of the namespace; a ${json?.kind} refuses it`, 'select the pod template\'s labels, e.g. { matchLabels: { app: "llm" } }')];
  }
  const findings = labelSelectorFindings(selector, 'spec.selector');
  const labels = spec.template?.metadata?.labels;
  if (findings.length === 0 && !selectorMatches(selector, labels)) {
    findings.push(error('spec.template.metadata.labels', `the selector ${show(selector)} does not select the pod template's labels ${show(labels ?? {})}`,
      'give the pod template every label the selector requires'));
  }
  return findings;
}

/**
 * The pod template's labels and annotations are valid, and a Deployment's or StatefulSet's
 * template sets no activeDeadlineSeconds (its pods are meant to run until replaced).
 */
export function workloadTemplate(json: any): Finding[] {
  const template = json?.spec?.template ?? {};
  const findings = [
    ...labelFindings(template.metadata?.labels, 'spec.template.metadata.labels'),
    ...annotationFindings(template.metadata?.annotations, 'spec.template.metadata.annotations'),
  ];
  if (json?.kind !== 'Job' && template.spec?.activeDeadlineSeconds !== undefined) {
    findings.push(error('spec.template.spec.activeDeadlineSeconds', `a ${json?.kind} does not accept activeDeadlineSeconds in its pod template`, 'remove it; use a Job for work with a deadline'));
  }
  return findings;
}

/**
 * strategy.type is RollingUpdate or Recreate; maxSurge and maxUnavailable are whole numbers or
 * percentages, not both 0, and maxUnavailable at most 100%.
 */
export function deploymentStrategy(json: any): Finding[] {
  const strategy = json?.spec?.strategy;
  if (strategy === undefined) {
    return [];
  }
  const type = strategy.type ?? 'RollingUpdate';
  if (type === 'Recreate') {
    return strategy.rollingUpdate === undefined ? [] : [error('spec.strategy.rollingUpdate', 'rollingUpdate cannot be set when the strategy type is Recreate', 'remove rollingUpdate, or use type RollingUpdate')];
  }
  if (type !== 'RollingUpdate') {
    return enumFindings(type, 'spec.strategy.type', ['RollingUpdate', 'Recreate'], 'Deployment strategy');
  }
  // Kubernetes defaults each of the two to 25%.
  const surge = strategy.rollingUpdate?.maxSurge ?? '25%';
  const unavailable = strategy.rollingUpdate?.maxUnavailable ?? '25%';
  const findings = [
    ...intOrPercentFindings(surge, 'spec.strategy.rollingUpdate.maxSurge'),
    ...maxUnavailableFindings(unavailable, 'spec.strategy.rollingUpdate.maxUnavailable'),
  ];
  if (findings.length === 0 && intOrPercentValue(surge) === 0 && intOrPercentValue(unavailable) === 0) {
    findings.push(error('spec.strategy.rollingUpdate.maxUnavailable', 'maxUnavailable and maxSurge are both 0: the rollout could neither add nor remove a pod', 'allow one surge pod (maxSurge: 1) or one unavailable pod'));
  }
  return findings;
}

/** progressDeadlineSeconds, when set, is a whole number greater than minReadySeconds. */
export function deploymentProgressDeadline(json: any): Finding[] {
  const spec = json?.spec ?? {};
  const deadline = spec.progressDeadlineSeconds;
  if (deadline === undefined) {
    return [];
  }
  const invalid = wholeNumberFindings(deadline, 'spec.progressDeadlineSeconds', 0, 'use a whole number of seconds that covers the model load, e.g. 1800');
  if (invalid.length > 0) {
    return invalid;
  }
  const minReady = Number.isInteger(spec.minReadySeconds) ? spec.minReadySeconds : 0;
  return deadline > minReady ? [] : [error('spec.progressDeadlineSeconds', `${deadline} must be greater than minReadySeconds (${minReady})`, `use more than ${minReady} seconds, enough to load the model`)];
}

/**
 * serviceName names a Service (DNS-1035 label) when set; podManagementPolicy, updateStrategy
 * and the PVC retention policy take their known values; partition ≥ 0; maxUnavailable ≥ 1.
 */
export function statefulSetFields(json: any): Finding[] {
  const spec = json?.spec ?? {};
  const findings: Finding[] = [];
  if (spec.serviceName !== undefined && spec.serviceName !== '' && !(isDnsLabel(spec.serviceName) && /^[a-z]/.test(spec.serviceName))) {
    findings.push(error('spec.serviceName', `${show(spec.serviceName)} is not a valid Service name (DNS-1035 label); the pods' DNS names are built from it`, 'use the name of the headless Service that governs the pods'));
  }
  findings.push(...enumFindings(spec.podManagementPolicy, 'spec.podManagementPolicy', ['OrderedReady', 'Parallel'], 'pod management policy'));
  const strategy = spec.updateStrategy ?? {};
  findings.push(...enumFindings(strategy.type, 'spec.updateStrategy.type', ['RollingUpdate', 'OnDelete'], 'StatefulSet update strategy'));
  if (strategy.type === 'OnDelete' && strategy.rollingUpdate !== undefined) {
    findings.push(error('spec.updateStrategy.rollingUpdate', 'rollingUpdate cannot be set when the update strategy is OnDelete', 'remove rollingUpdate, or use type RollingUpdate'));
  }
  const rolling = strategy.rollingUpdate ?? {};
  findings.push(...wholeNumberFindings(rolling.partition, 'spec.updateStrategy.rollingUpdate.partition', 0, 'use a whole number ordinal, e.g. 0'));
  if (rolling.maxUnavailable !== undefined) {
    const at = 'spec.updateStrategy.rollingUpdate.maxUnavailable';
    const bad = maxUnavailableFindings(rolling.maxUnavailable, at);
    findings.push(...(bad.length > 0 || intOrPercentValue(rolling.maxUnavailable) !== 0 ? bad : [error(at, 'maxUnavailable cannot be 0', 'use at least 1, or remove it')]));
  }
  const retention = spec.persistentVolumeClaimRetentionPolicy ?? {};
  for (const key of ['whenDeleted', 'whenScaled']) {
    findings.push(...enumFindings(retention[key], `spec.persistentVolumeClaimRetentionPolicy.${key}`, ['Retain', 'Delete'], 'claim retention policy'));
  }
  return findings;
}

/** Every volumeClaimTemplate of a StatefulSet is a valid claim: name and spec as for a PVC. */
export function volumeClaimTemplates(json: any): Finding[] {
  const names = new Set<string>();
  return (json?.spec?.volumeClaimTemplates ?? []).flatMap((template: any, i: number) => {
    const at = `spec.volumeClaimTemplates[${i}]`;
    const name = template?.metadata?.name;
    const findings = isDnsLabel(name) ? [] : [error(`${at}.metadata.name`, `${show(name)} is not a valid claim template name (DNS-1123 label); pods mount it as a volume of that name`, 'use a name such as "model-cache"')];
    if (names.has(name)) {
      findings.push(error(`${at}.metadata.name`, `claim template ${show(name)} is defined twice`, 'give each claim template its own name'));
    }
    names.add(name);
    return [...findings, ...claimFindings(template?.spec, `${at}.spec`)];
  });
}

/** Job counts: parallelism, completions, backoffLimit, activeDeadlineSeconds, ttlSecondsAfterFinished are whole numbers ≥ 0. */
export function jobCounts(json: any): Finding[] {
  const spec = json?.spec ?? {};
  const fix = (what: string) => `use a whole number ${what}`;
  return [
    ...wholeNumberFindings(spec.parallelism, 'spec.parallelism', 0, fix('of pods running at once, e.g. 1')),
    ...wholeNumberFindings(spec.completions, 'spec.completions', 0, fix('of successful pods, e.g. 1')),
    ...wholeNumberFindings(spec.backoffLimit, 'spec.backoffLimit', 0, fix('of retries, e.g. 6')),
    ...wholeNumberFindings(spec.activeDeadlineSeconds, 'spec.activeDeadlineSeconds', 0, fix('of seconds, e.g. 3600')),
    ...wholeNumberFindings(spec.ttlSecondsAfterFinished, 'spec.ttlSecondsAfterFinished', 0, fix('of seconds, e.g. 600')),
    ...wholeNumberFindings(spec.backoffLimitPerIndex, 'spec.backoffLimitPerIndex', 0, fix('of retries per index, e.g. 1')),
    ...wholeNumberFindings(spec.maxFailedIndexes, 'spec.maxFailedIndexes', 0, fix('of indexes, e.g. 1')),
  ];
}

/** The most parallel pods an Indexed Job accepts. */
const MAX_INDEXED_PARALLELISM = 100000;

/**
 * completionMode is NonIndexed or Indexed. An Indexed Job needs completions, at most 100000
 * parallel pods, and a name short enough for `<name>-<last index>` to be a pod hostname;
 * per-index limits need Indexed.
 */
export function jobCompletionMode(json: any): Finding[] {
  const spec = json?.spec ?? {};
  const findings = enumFindings(spec.completionMode, 'spec.completionMode', ['NonIndexed', 'Indexed'], 'completion mode');
  if (spec.completionMode !== 'Indexed') {
    for (const key of ['backoffLimitPerIndex', 'maxFailedIndexes']) {
      if (spec[key] !== undefined) {
        findings.push(error(`spec.${key}`, `${key} needs completionMode Indexed`, 'set completionMode: Indexed, or remove it'));
      }
    }
    return findings;
  }
  if (spec.completions === undefined) {
    findings.push(error('spec.completions', 'an Indexed Job needs completions (the number of indexes)', 'set completions, e.g. 4'));
  }
  if (Number.isInteger(spec.parallelism) && spec.parallelism > MAX_INDEXED_PARALLELISM) {
    findings.push(error('spec.parallelism', `${spec.parallelism} is more than ${MAX_INDEXED_PARALLELISM}, the most an Indexed Job runs at once`, `use at most ${MAX_INDEXED_PARALLELISM}`));
  }
  const name = json?.metadata?.name;
  const lastHostname = `${name}-${spec.completions - 1}`;
  if (typeof name === 'string' && Number.isInteger(spec.completions) && spec.completions > 0 && !isDnsLabel(lastHostname)) {
    findings.push(error('metadata.name', `the last pod's hostname ${show(lastHostname)} would not be a DNS-1123 label (at most 63 characters)`, 'shorten the Job name'));
  }
  return findings;
}

/** A whole number ≥ 0 or a percentage such as "25%" (intstr fields of rolling updates). */
function intOrPercentFindings(value: unknown, field: string): Finding[] {
  const ok = typeof value === 'string' ? /^[0-9]+%$/.test(value) : Number.isInteger(value) && (value as number) >= 0;
  return ok ? [] : [error(field, `${show(value)} is neither a whole number ≥ 0 nor a percentage such as "25%"`, 'use e.g. 1 or "25%"')];
}

/** A rolling update's maxUnavailable: a whole number or a percentage of at most 100%. */
function maxUnavailableFindings(value: unknown, field: string): Finding[] {
  const invalid = intOrPercentFindings(value, field);
  if (invalid.length > 0 || typeof value !== 'string' || intOrPercentValue(value) <= 100) {
    return invalid;
  }
  return [error(field, `${show(value)} is more than 100%`, 'use at most "100%"')];
}

function intOrPercentValue(value: number | string): number {
  return typeof value === 'string' ? Number(value.slice(0, -1)) : value;
}
