import { parseQuantity } from '../quantity';
import { error, isDataKey, isDnsSubdomain, show } from './_helpers';
import { enumFindings } from './_object-helpers';
import { Finding } from './model';

/**
 * Object rules of PersistentVolumeClaims and ConfigMaps (pkg/apis/core/validation:
 * ValidatePersistentVolumeClaimSpec, ValidateConfigMap).
 */

const ACCESS_MODES = ['ReadWriteOnce', 'ReadOnlyMany', 'ReadWriteMany', 'ReadWriteOncePod'];

/** The API server's limit on a ConfigMap's data (the same as a Secret's): 1 MiB. */
export const CONFIG_MAP_MAX_BYTES = 1024 * 1024;

/** accessModes non-empty and known; a positive storage request; storageClassName a DNS-1123 subdomain; a known volumeMode. */
export function claimSpec(json: any): Finding[] {
  return claimFindings(json?.spec, 'spec');
}

/** The checks of `claimSpec` on a claim spec at `at` (a PVC's, or a StatefulSet claim template's). */
export function claimFindings(spec: any, at: string): Finding[] {
  return [
    ...accessModeFindings(spec?.accessModes, `${at}.accessModes`),
    ...storageRequestFindings(spec?.resources?.requests?.storage, `${at}.resources.requests.storage`),
    ...storageClassFindings(spec?.storageClassName, `${at}.storageClassName`),
    ...enumFindings(spec?.volumeMode, `${at}.volumeMode`, ['Filesystem', 'Block'], 'volume mode'),
  ];
}

function accessModeFindings(modes: unknown, field: string): Finding[] {
  if (!Array.isArray(modes) || modes.length === 0) {
    return [error(field, 'a claim needs at least one access mode', 'use e.g. ["ReadWriteOnce"], or ["ReadWriteMany"] for a cache shared by several pods')];
  }
  const findings = modes.flatMap((mode, i) => enumFindings(mode, `${field}[${i}]`, ACCESS_MODES, 'access mode'));
  if (modes.includes('ReadWriteOncePod') && modes.length > 1) {
    findings.push(error(field, `ReadWriteOncePod cannot be combined with other access modes, got ${show(modes)}`, 'use ReadWriteOncePod alone'));
  }
  return findings;
}

function storageRequestFindings(storage: unknown, field: string): Finding[] {
  if (storage === undefined) {
    return [error(field, 'a claim needs a storage request', 'set a size such as \'100Gi\'')];
  }
  const bytes = typeof storage === 'string' || typeof storage === 'number' ? parseQuantity(String(storage)) : undefined;
  if (bytes !== undefined && bytes > 0) {
    return [];
  }
  return [error(field, `${show(storage)} is not a positive Kubernetes quantity`, 'write it like \'100Gi\' or \'500Mi\' (binary suffixes Ki, Mi, Gi, Ti; not \'GB\')')];
}

function storageClassFindings(name: unknown, field: string): Finding[] {
  // "" is meaningful: no class, bind only to pre-provisioned volumes.
  if (name === undefined || name === null || name === '' || isDnsSubdomain(name)) {
    return [];
  }
  return [error(field, `${show(name)} is not a valid StorageClass name (DNS-1123 subdomain)`, 'use the name shown by `kubectl get storageclass`, e.g. "gp3" or "efs-sc"')];
}

/** data and binaryData keys valid, none in both, binaryData base64, and at most 1 MiB in total. */
export function configMapData(json: any): Finding[] {
  const data: { [key: string]: unknown } = json?.data ?? {};
  const binary: { [key: string]: unknown } = json?.binaryData ?? {};
  const findings: Finding[] = [];
  let bytes = 0;
  for (const [key, value] of Object.entries(data)) {
    findings.push(...keyFindings(key, 'data'));
    if (Object.prototype.hasOwnProperty.call(binary, key)) {
      findings.push(error(`data[${show(key)}]`, `${show(key)} is also a key of binaryData`, 'keep each key in only one of data and binaryData'));
    }
    bytes += Buffer.byteLength(String(value));
  }
  for (const [key, value] of Object.entries(binary)) {
    findings.push(...keyFindings(key, 'binaryData'));
    if (typeof value !== 'string' || !isBase64(value)) {
      findings.push(error(`binaryData[${show(key)}]`, `the value of ${show(key)} is not base64`, 'base64-encode binary values, or put text in data'));
    } else {
      bytes += Buffer.from(value, 'base64').length;
    }
  }
  if (bytes > CONFIG_MAP_MAX_BYTES) {
    findings.push(error('data', `the ConfigMap holds ${bytes} bytes, more than the ${CONFIG_MAP_MAX_BYTES} (1 MiB) the API server accepts`, 'split the data over several ConfigMaps, or ship large files in the image or a volume'));
  }
  return findings;
}

function keyFindings(key: string, field: string): Finding[] {
  return isDataKey(key) ? [] : [error(`${field}[${show(key)}]`, `${show(key)} is not a valid ConfigMap key (letters, digits, '-', '_' and '.', at most 253 characters, not '.' and not starting with '..')`,
    'rename the key, e.g. "nginx.conf"')];
}

function isBase64(text: string): boolean {
  const compact = text.replace(/\s+/g, '');
  return compact.length % 4 === 0 && /^[A-Za-z0-9+/]*={0,2}$/.test(compact);
}
