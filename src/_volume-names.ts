import { createHash } from 'crypto';
import { isDnsLabel } from './validation/_helpers';

/**
 * The name of a volume the library derives from a container's name (`<name>-tmp`,
 * `<name>-config`, …). Kubernetes allows 63 characters, and cdk8s-plus cuts a longer volume
 * name at 63 without a word: `<name>-tmp` and `<name>-tls` of a 62-character name both became
 * `<name>-`, an invalid name and a clash. A longer name keeps the suffix and is made unique
 * by 8 hex digits of the sha256 of the container's name. @internal
 */
export function derivedVolumeName(name: string, suffix: string): string {
  const hash = createHash('sha256').update(String(name)).digest('hex').slice(0, 8);
  if (!isDnsLabel(name)) {
    // a container name that is refused as such (`Model`): the volume's stays valid, so the one
    // mistake is reported once, as the name, not again as a volume's the user never wrote
    return `container-${hash}-${suffix}`;
  }
  const full = `${name}-${suffix}`;
  if (full.length <= 63) {
    return full;
  }
  return `${String(name).slice(0, 63 - suffix.length - 10).replace(/[^a-z0-9]+$/, '')}-${hash}-${suffix}`;
}
