import { podSpec } from './synth';
import { podMetadataOf } from '../../src/_kplus-adapter';
import { pssViolations } from '../../src/validation/pss';

/**
 * The Pod Security Standard "restricted" profile (which includes "baseline"): one line per
 * violation; empty means the pod passes. The same checker the library's `podSecurityLevel`
 * rule runs at synth.
 */
export function pssRestrictedViolations(manifest: any): string[] {
  return pssViolations(podSpec(manifest), 'restricted', podMetadataOf(manifest));
}
