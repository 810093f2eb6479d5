import * as fs from 'fs';
import * as path from 'path';
import { App, Chart } from 'cdk8s';
import { unbox } from './adversarial';
import { buildCase, relaxesSecurity } from './case-builders';
import { pssRestrictedViolations } from './pss';
import { directRenderMismatches, expectApiValid } from './synth';

/*
 * The contract of a generated case (test/property-all.test.ts): refused with the structured
 * error and nothing written, or written valid for the API server and PSS restricted.
 */

/** One line of the structured synth error: `[construct path] field: ... Fix: ...`. */
export const STRUCTURED_LINE = /^ {2}\[test(\/[^\]\n]+)?\] \S[^\n]*: [^\n]*Fix: \S[^\n]*$/;
/** What a JavaScript runtime error or the reporter's catch-all says, as opposed to a finding about a field. */
export const RUNTIME_ERROR = /is not a function|Cannot read properties|is not iterable|Cannot convert|correct the input named in the message|cannot be checked: /;
const WORKLOAD_KINDS = new Set(['Pod', 'Deployment', 'StatefulSet', 'Job']);

/** What happened to one case. */
export interface Outcome {
  readonly refused: boolean;
  readonly problems: string[];
}

/** Runs one case the way `cdk8s synth` would, and lists every way it broke the contract. */
export function runCase(raw: unknown, outdir: string): Outcome {
  const { value, bad } = unbox(raw);
  const app = new App({ outdir });
  const chart = new Chart(app, 'test');
  try {
    buildCase(chart, value);
  } catch (e) {
    return { refused: true, problems: [`a construct or factory threw instead of reporting at synth: ${(e as Error).stack}`] };
  }
  let manifests: any[];
  try {
    manifests = App._synthChart(chart);
  } catch (e) {
    return { refused: true, problems: refusalProblems(app, e, bad, outdir) };
  }
  return { refused: false, problems: [...acceptanceProblems(manifests, value), ...directRenderMismatches(chart)] };
}

function refusalProblems(app: App, e: unknown, bad: boolean, outdir: string): string[] {
  const message = e instanceof Error ? e.message : String(e);
  const [head, ...lines] = message.split('\n');
  const problems: string[] = [];
  if (head !== 'Validation failed with the following errors:' || lines.length === 0) {
    problems.push(`synth threw something other than the validation error: ${e instanceof Error ? e.stack : message}`);
  }
  problems.push(...lines.filter(l => !STRUCTURED_LINE.test(l)).map(l => `unstructured error line: ${l}`));
  // the reporter's last resort turns anything thrown into a line: that line names no field, value and fix of the input
  problems.push(...lines.filter(l => RUNTIME_ERROR.test(l)).map(l => `a thrown error dressed as a finding: ${l}`));
  if (!bad) {
    problems.push(`a case without any adversarial value was refused: ${message}`);
  }
  try {
    app.synth();
    problems.push('app.synth() succeeded where the chart failed');
  } catch {
    // expected: the same validation error
  }
  const written = fs.readdirSync(outdir);
  if (written.length > 0) {
    problems.push(`a refused synth wrote ${written.join(', ')}`);
    written.forEach(f => fs.rmSync(path.join(outdir, f), { recursive: true, force: true }));
  }
  return problems;
}

function acceptanceProblems(manifests: any[], data: any): string[] {
  const problems: string[] = [];
  try {
    expectApiValid(manifests);
  } catch (e) {
    problems.push(`written YAML the API server would reject: ${(e as Error).message}`);
  }
  // a ConfigMap, claim or NetworkPolicy in another namespace than its pod cannot be used
  const namespaces = new Set(manifests.map(m => m.metadata?.namespace ?? ''));
  if (namespaces.size > 1) {
    problems.push(`objects written into different namespaces: ${manifests.map(m => `${m.kind} ${m.metadata?.namespace ?? '(none)'}`).join(', ')}`);
  }
  if (!relaxesSecurity(data)) {
    for (const m of manifests.filter(x => WORKLOAD_KINDS.has(x.kind))) {
      problems.push(...pssRestrictedViolations(m).map(v => `${m.kind} ${m.metadata?.name} breaks PSS restricted: ${v}`));
    }
  }
  return problems;
}

