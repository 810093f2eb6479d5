import { createHash } from 'crypto';
import { show } from './validation/_helpers';

/**
 * Valid pod names from run-time values (job ids, video ids, tenant names).
 */
export class PodNames {
  /**
   * `<prefix>-<jobId>-<hash>`: the id lowercased, other characters turned into `-`, shortened,
   * and made unique by 8 hex digits of the sha256 of the original id (`Video_1` and `video-1`
   * differ; so do `ABC` and an id chosen to look like the name `ABC` gets).
   *
   * The hash is of `<prefix>-<jobId>`, so two pairs with the same join name alike:
   * `forJob('a-b', 'c')` and `forJob('a', 'b-c')`. Hashing them apart would rename every worker
   * pod named so far, so the join stays: give no kind of worker a prefix that is another's plus
   * `-` and more (`worker` and `worker-gpu`), or use prefixes without `-`. Two such pods in one
   * app are refused at synth as a name clash; the API server refuses the second create of a name
   * (AlreadyExists).
   *
   * @throws when the job id is neither a string nor a finite number, or has no letter or digit at all
   */
  public static forJob(prefix: string, jobId: string): string {
    if (typeof jobId === 'number' && Number.isFinite(jobId)) {
      // a JavaScript caller's numeric id names the pod it always named (`worker-42-...`)
      jobId = String(jobId);
    }
    if (typeof jobId !== 'string') {
      // JavaScript callers: undefined, null or an object would be read as the text "undefined",
      // "null" or "[object Object]", one pod name for every job that passes one
      throw new Error(`jobId: ${show(jobId)} is not a string. Fix: pass the job's id as a string, e.g. String(job.id) or "video-42"`);
    }
    if (!/[A-Za-z0-9]/.test(jobId)) {
      throw new Error(`jobId: ${JSON.stringify(jobId)} has no letter or digit to build a pod name from. Fix: pass the job's id, e.g. "video-42"`);
    }
    if (typeof prefix !== 'string' || !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(prefix) || prefix.length > 40) {
      throw new Error(`prefix: ${show(prefix)} must be a lowercase DNS-1123 label of at most 40 characters. Fix: use e.g. "worker"`);
    }
    const raw = `${prefix}-${jobId}`;
    const clean = raw.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '');
    const hash = createHash('sha256').update(raw).digest('hex').slice(0, 8);
    return `${clean.slice(0, 54).replace(/-+$/, '')}-${hash}`;
  }

  private constructor() {}
}
