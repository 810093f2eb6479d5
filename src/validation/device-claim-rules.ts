import { error, isDnsLabel, isDnsSubdomain, show } from './_helpers';
import { asList, enumFindings } from './_object-helpers';
import { Finding } from './model';

/**
 * Object rules of `resource.k8s.io/v1` ResourceClaimTemplates (dynamic resource allocation,
 * GA in Kubernetes 1.34; pkg/apis/resource/validation: validateDeviceRequest and friends).
 */

/** The API version whose shape these rules read (v1beta1 had the request fields flat). */
export const DEVICE_CLAIM_API_VERSION = 'resource.k8s.io/v1';
/** Limits of the resource.k8s.io API. */
const MAX_REQUESTS = 32;
const MAX_SUBREQUESTS = 8;
const MAX_SELECTORS = 32;
/** Devices one claim can be allocated: resource.k8s.io AllocationResultsMaxSize. */
const MAX_ALLOCATED_DEVICES = 32;
/** The longest CEL selector expression the API server compiles (10 Ki characters). */
export const CEL_EXPRESSION_MAX_LENGTH = 10 * 1024;

/**
 * spec.spec.devices.requests: names DNS-1123 labels and unique; exactly one of `exactly` and
 * `firstAvailable`; a DNS-subdomain deviceClassName; allocationMode ExactCount (count ≥ 1) or
 * All (no count); CEL selectors non-empty and at most 10 Ki characters; constraints name
 * existing requests.
 */
export function deviceRequests(json: any): Finding[] {
  if (json?.apiVersion !== DEVICE_CLAIM_API_VERSION) {
    return [error('apiVersion', `${show(json?.apiVersion)} is not ${DEVICE_CLAIM_API_VERSION}, the version these rules and Kubernetes ≥ 1.34 use`, `write apiVersion: ${DEVICE_CLAIM_API_VERSION}`)];
  }
  const devices = json?.spec?.spec?.devices ?? {};
  const at = 'spec.spec.devices.requests';
  const requests: any[] = asList(devices.requests);
  const findings = requests.length > MAX_REQUESTS ? [error(at, `${requests.length} requests are more than the ${MAX_REQUESTS} a claim accepts`, 'merge requests for the same device class')] : [];
  const names = new Map<string, Set<string>>();
  requests.forEach((request, i) => {
    findings.push(...requestFindings(request, `${at}[${i}]`, names));
  });
  asList(devices.constraints).forEach((constraint: any, i: number) => {
    asList(constraint?.requests).forEach((ref: unknown, j: number) => {
      if (!refersToRequest(ref, names)) {
        findings.push(error(`spec.spec.devices.constraints[${i}].requests[${j}]`, `${show(ref)} is not the name of a request (or request/subrequest) of this claim`, `use one of ${show([...names.keys()])}`));
      }
    });
  });
  return findings;
}

function requestFindings(request: any, at: string, names: Map<string, Set<string>>): Finding[] {
  const subrequests: any[] = asList(request?.firstAvailable);
  const findings = nameFindings(request?.name, `${at}.name`, names);
  names.set(request?.name, new Set(subrequests.map(s => s?.name)));
  if (request?.exactly === undefined && subrequests.length === 0) {
    return [...findings, error(at, 'a device request needs exactly one of `exactly` or `firstAvailable`, found neither', 'describe the device under exactly: { deviceClassName: "gpu.nvidia.com", count: 1 }')];
  }
  if (request?.exactly !== undefined && subrequests.length > 0) {
    return [...findings, error(at, 'a device request needs exactly one of `exactly` or `firstAvailable`, found both', 'keep one of them')];
  }
  if (request.exactly !== undefined) {
    return [...findings, ...exactFindings(request.exactly, `${at}.exactly`)];
  }
  if (subrequests.length > MAX_SUBREQUESTS) {
    findings.push(error(`${at}.firstAvailable`, `${subrequests.length} alternatives are more than the ${MAX_SUBREQUESTS} a request accepts`, `list at most ${MAX_SUBREQUESTS}`));
  }
  const subnames = new Map<string, Set<string>>();
  subrequests.forEach((sub, j) => {
    const subAt = `${at}.firstAvailable[${j}]`;
    findings.push(...nameFindings(sub?.name, `${subAt}.name`, subnames), ...exactFindings(sub, subAt));
    subnames.set(sub?.name, new Set());
  });
  return findings;
}

function nameFindings(name: unknown, field: string, seen: Map<string, unknown>): Finding[] {
  if (!isDnsLabel(name)) {
    return [error(field, `${show(name)} is not a valid request name (DNS-1123 label: lowercase letters, digits and '-', at most 63)`, 'use a name such as "gpu"')];
  }
  return seen.has(name as string) ? [error(field, `request name ${show(name)} is used twice`, 'give each request its own name')] : [];
}

/** The fields of an `exactly` request (also of each `firstAvailable` alternative). */
function exactFindings(request: any, at: string): Finding[] {
  const className = request?.deviceClassName;
  const findings = isDnsSubdomain(className) ? [] : [error(`${at}.deviceClassName`, `${show(className)} is not a valid DeviceClass name (DNS-1123 subdomain)`, 'use the DeviceClass of your driver, e.g. "gpu.nvidia.com"')];
  findings.push(...countFindings(request?.allocationMode, request?.count, at));
  const selectors: any[] = asList(request?.selectors);
  if (selectors.length > MAX_SELECTORS) {
    findings.push(error(`${at}.selectors`, `${selectors.length} selectors are more than the ${MAX_SELECTORS} a request accepts`, 'combine them with && into fewer expressions'));
  }
  selectors.forEach((selector, k) => findings.push(...celFindings(selector, `${at}.selectors[${k}]`)));
  return findings;
}

function countFindings(mode: unknown, count: unknown, at: string): Finding[] {
  // Kubernetes defaults allocationMode to ExactCount and count to 1.
  if (mode === undefined || mode === 'ExactCount') {
    const value = count ?? 1;
    if (Number.isInteger(value) && (value as number) > MAX_ALLOCATED_DEVICES) {
      // the API server stores it, but the scheduler's allocator refuses it ("exact count ... is too large"): Pending forever
      return [error(`${at}.count`, `${show(count)} devices are more than the ${MAX_ALLOCATED_DEVICES} one claim can be allocated (AllocationResultsMaxSize); the pod would stay Pending`,
        `request at most ${MAX_ALLOCATED_DEVICES} devices per claim`)];
    }
    return Number.isInteger(value) && (value as number) >= 1 ? [] : [error(`${at}.count`, `${show(count)} must be a whole number of at least 1 with allocationMode ExactCount`, 'use e.g. 1')];
  }
  if (mode === 'All') {
    return count === undefined || count === 0 ? [] : [error(`${at}.count`, `count ${show(count)} cannot be set with allocationMode All`, 'remove count, or use allocationMode ExactCount')];
  }
  return enumFindings(mode, `${at}.allocationMode`, ['ExactCount', 'All'], 'allocation mode');
}

function celFindings(selector: any, at: string): Finding[] {
  const expression = selector?.cel?.expression;
  if (typeof expression !== 'string' || expression.trim() === '') {
    return [error(`${at}.cel.expression`, `${show(expression)} is not a CEL expression`, 'write a CEL expression, e.g. "device.driver == \'gpu.nvidia.com\'"')];
  }
  if (expression.length > CEL_EXPRESSION_MAX_LENGTH) {
    return [error(`${at}.cel.expression`, `the expression has ${expression.length} characters, more than the ${CEL_EXPRESSION_MAX_LENGTH} the API server compiles`, 'shorten it, or split it over several selectors')];
  }
  return [];
}

/** Whether `ref` names a request (`gpu`) or one of its alternatives (`gpu/a100`). */
function refersToRequest(ref: unknown, names: Map<string, Set<string>>): boolean {
  const [request, sub, extra] = typeof ref === 'string' ? ref.split('/') : [];
  const subnames = request === undefined ? undefined : names.get(request);
  return subnames !== undefined && extra === undefined && (sub === undefined || subnames.has(sub));
}
