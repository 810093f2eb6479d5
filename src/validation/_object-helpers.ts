import { error, isQualifiedName, show } from './_helpers';
import { labelFindings, labelValueFindings } from './metadata-rules';
import { Finding } from './model';
import { isPortName, isPortNumber } from './port-rules';

/**
 * Building blocks of the kind-aware object rules: the API server's checks that several kinds
 * share (whole-number fields, enums, label selectors, int-or-name ports).
 */

/** One kind-aware rule: reads an object's final JSON, returns what the API server would refuse. */
export type ObjectRule = (json: any) => Finding[];

/** The largest value of the API's int32 fields (replicas, seconds, counts). */
export const INT32_MAX = 2147483647;

/**
 * The container port a Service port sends to: its `targetPort` (a name looked up in the pod's
 * declared ports), else its `port` (a targetPort left out or 0 defaults to it).
 */
export function serviceTargetPort(port: any, declared: ReadonlyMap<string, number> | undefined): number | undefined {
  const target = typeof port?.targetPort === 'string' ? declared?.get(port.targetPort)
    : [undefined, null, 0, ''].includes(port?.targetPort) ? port?.port : port?.targetPort;
  return typeof target === 'number' ? target : undefined;
}

/** Protocols a port may name (Service, NetworkPolicy). */
export const PROTOCOLS = ['TCP', 'UDP', 'SCTP'];

/**
 * The array at a JSON field, or none: a non-array there is the schema's finding (test/helpers),
 * and the rules must not throw on it.
 */
export function asList(value: unknown): any[] {
  return Array.isArray(value) ? value : [];
}

/** A whole number from `min` to 2147483647 at `field`, when set (JSON null means unset). */
export function wholeNumberFindings(value: unknown, field: string, min: number, fix: string): Finding[] {
  if (value === undefined || value === null || (Number.isInteger(value) && (value as number) >= min && (value as number) <= INT32_MAX)) {
    return [];
  }
  return [error(field, `${show(value)} must be a whole number from ${min} to ${INT32_MAX}`, fix)];
}

/** One of `allowed` at `field`, when set (JSON null means unset). */
export function enumFindings(value: unknown, field: string, allowed: readonly string[], what: string): Finding[] {
  if (value === undefined || value === null || allowed.includes(value as string)) {
    return [];
  }
  return [error(field, `${show(value)} is not a valid ${what} (one of ${allowed.join(', ')})`, `use one of ${allowed.map(a => show(a)).join(', ')}`)];
}

/** A port given as a number (1-65535) or as the IANA name of a container port. */
export function portNumberOrNameFindings(value: unknown, field: string): Finding[] {
  const ok = typeof value === 'string' ? isPortName(value) : isPortNumber(value);
  if (ok) {
    return [];
  }
  return [error(field, `${show(value)} is neither a port number (1-65535) nor a port name (at most 15 lowercase letters, digits and single '-', with at least one letter)`,
    'use the container port\'s number, or the name it declares, e.g. "http"')];
}

/** Operators of a label selector's matchExpressions. */
const SELECTOR_OPERATORS = ['In', 'NotIn', 'Exists', 'DoesNotExist'];

/** A metav1 LabelSelector at `field`: valid matchLabels and matchExpressions (ValidateLabelSelector). */
export function labelSelectorFindings(selector: any, field: string): Finding[] {
  if (selector === undefined || selector === null) {
    return [];
  }
  const findings = labelFindings(selector.matchLabels, `${field}.matchLabels`);
  asList(selector.matchExpressions).forEach((expr: any, i: number) => {
    const at = `${field}.matchExpressions[${i}]`;
    if (typeof expr?.key !== 'string' || !isQualifiedName(expr.key)) {
      findings.push(error(`${at}.key`, `${show(expr?.key)} is not a valid label key (optional DNS prefix, '/', then a name of at most 63 alphanumerics, '-', '_' or '.')`, 'use the label key the pods carry'));
    }
    findings.push(...enumFindings(expr?.operator, `${at}.operator`, SELECTOR_OPERATORS, 'selector operator'));
    const values: unknown[] = asList(expr?.values);
    const needsValues = expr?.operator === 'In' || expr?.operator === 'NotIn';
    if (needsValues && values.length === 0) {
      findings.push(error(`${at}.values`, `operator ${expr.operator} needs at least one value`, 'list the label values to match'));
    } else if (!needsValues && values.length > 0 && SELECTOR_OPERATORS.includes(expr?.operator)) {
      findings.push(error(`${at}.values`, `operator ${expr.operator} takes no values, got ${show(values)}`, 'remove the values'));
    }
    values.forEach((value, j) => findings.push(...labelValueFindings(value, `${at}.values[${j}]`)));
  });
  return findings;
}

/** Whether a label selector has no requirement at all (it would select every pod). */
export function isEmptySelector(selector: any): boolean {
  return Object.keys(selector?.matchLabels ?? {}).length + asList(selector?.matchExpressions).length === 0;
}

/** Whether `labels` satisfy every requirement of a label selector. */
export function selectorMatches(selector: any, labels: { [key: string]: string } | undefined): boolean {
  const have = labels ?? {};
  const byLabels = Object.entries(selector?.matchLabels ?? {}).every(([key, value]) => have[key] === value);
  return byLabels && asList(selector?.matchExpressions).every((expr: any) => expressionMatches(expr, have));
}

function expressionMatches(expr: any, labels: { [key: string]: string }): boolean {
  const present = Object.prototype.hasOwnProperty.call(labels, expr.key);
  const values: string[] = asList(expr.values);
  switch (expr.operator) {
    case 'In': return present && values.includes(labels[expr.key]);
    case 'NotIn': return !present || !values.includes(labels[expr.key]);
    case 'Exists': return present;
    case 'DoesNotExist': return !present;
    default: return false;
  }
}
