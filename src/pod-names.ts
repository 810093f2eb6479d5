import { createHash } from 'crypto';

/**
 * Valid pod names from run-time values (job ids, video ids, tenant names).
 */
export class PodNames {
  /**
   * `<prefix>-<jobId>` when that is already a valid DNS-1123 label (at most 63 characters);
   * otherwise the id lowercased, with other characters turned into `-`, shortened, and made
   * unique again with a hash of the original (`Video_1` and `video-1` must not collide).
   *
   * @throws when the job id has no letter or digit at all
   */
  public static forJob(prefix: string, jobId: string): string {
    if (!/[A-Za-z0-9]/.test(jobId)) {
      throw new Error(`jobId: ${JSON.stringify(jobId)} has no letter or digit to build a pod name from. Fix: pass the job's id, e.g. "video-42"`);
    }
    if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(prefix) || prefix.length > 40) {
      throw new Error(`prefix: ${JSON.stringify(prefix)} must be a lowercase DNS-1123 label of at most 40 characters. Fix: use e.g. "worker"`);
    }
    const raw = `${prefix}-${jobId}`;
    if (raw.length <= 63 && /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(raw)) {
      return raw;
    }
    const clean = raw.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '');
    const hash = createHash('sha256').update(raw).digest('hex').slice(0, 8);
    return `${clean.slice(0, 54).replace(/-+$/, '')}-${hash}`;
  }

  private constructor() {}
}
