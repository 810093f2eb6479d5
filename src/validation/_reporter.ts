import { ApiObject, ApiObjectMetadataDefinition } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { IConstruct } from 'constructs';
import { PatchNotApplied, podSpecOf, podSpecPath } from '../_kplus-adapter';
import { listContainers, show } from './_helpers';
import { Finding, PodFacts, RenderedPod, WARNINGS_AS_ERRORS_CONTEXT } from './model';
import { objectFindings } from './object-rules';
import { runRules } from './rules';
import { schemaFindings } from './schema-types';

export { WARNINGS_AS_ERRORS_CONTEXT } from './model';

/**
 * Runs the rules on a workload's final JSON at synth and routes each finding to the construct
 * that owns the container it is about (pod-level findings to the server, or the first add-on),
 * so errors name the construct the user wrote. Prints its warnings once per synth.
 *
 * @internal
 */
export class ValidationReporter {
  private readonly owners = new Map<string, IConstruct>();
  /** The prop errors of every owner, as they are found at construction. */
  private readonly propErrors: string[][] = [];
  private primaryOwner?: IConstruct;
  private primaryIsServer = false;
  /**
   * The last validation's rendering. The owners' validations share it (one render per pass:
   * a second report to the same owner starts a new pass), and the `toJson` that cdk8s calls
   * right after validation takes its JSON instead of rendering the workload again.
   */
  private evaluation?: Evaluation;

  constructor(
    private readonly workload: IConstruct,
    private readonly render: () => any,
    private readonly renderProblems: () => Finding[],
    private readonly facts: () => PodFacts,
    private readonly shape: () => string,
  ) {}

  /** Makes `owner` answer for findings on `containers`, plus its own prop `errors`. */
  public addOwner(owner: IConstruct, containers: ReadonlyArray<string>, errors: string[], isServer: boolean): void {
    for (const name of containers) {
      this.owners.set(name, owner);
    }
    if (!this.primaryOwner || (isServer && !this.primaryIsServer)) {
      this.primaryOwner = owner;
      this.primaryIsServer = isServer;
    }
    this.propErrors.push(errors);
    owner.node.addValidation({ validate: () => [...errors, ...this.report(owner).filter(line => !restates(line, errors))] });
  }

  /** Whether a construct of the workload reported bad props (they explain a failed render). */
  public hasPropErrors(): boolean {
    return this.propErrors.some(errors => errors.length > 0);
  }

  /** The rendering of a validation pass that is still current, once. */
  public takeRendering(): any {
    const evaluation = this.evaluation;
    this.evaluation = undefined;
    return evaluation && this.isCurrent(evaluation) ? evaluation.json : undefined;
  }

  private report(owner: IConstruct): string[] {
    if (!this.evaluation) {
      this.evaluation = this.evaluate();
    } else if (this.evaluation.reportedTo.has(owner)) {
      this.evaluation = this.isCurrent(this.evaluation) ? { ...this.evaluation, reportedTo: new Set() } : this.evaluate();
    }
    this.evaluation.reportedTo.add(owner);
    return this.evaluation.findings
      .filter(f => this.ownerOf(f) === owner && (f.severity === 'error' || warningsAreErrors(owner)))
      .map(formatFinding);
  }

  /** The construct a finding is reported under: its own, its container's, else the workload's primary owner. */
  private ownerOf(f: Finding): IConstruct | undefined {
    return (f.owner as IConstruct | undefined) ?? (f.container !== undefined ? this.owners.get(f.container) : undefined) ?? this.primaryOwner;
  }

  /**
   * `app.synth()` validates the app, then each chart's `toJson()` validates it again. A pass
   * may reuse the previous one when nothing can have changed in between: same synchronous
   * run (no `await` or callback in between) and the same shape of the workload.
   */
  private isCurrent(evaluation: Evaluation): boolean {
    return evaluation.run === currentRun() && evaluation.shape === this.shape();
  }

  private evaluate(): Evaluation {
    let json: any;
    const base = { reportedTo: new Set<IConstruct>(), run: currentRun(), shape: this.shape() };
    try {
      json = this.render();
    } catch (e) {
      // A render that fails after bad props were reported usually fails because of them (a name
      // too long to derive volume names from): the JavaScript message would only confuse. But it
      // may also fail for a reason of its own (a JSON patch that does not apply, a duplicate
      // volume): a line says the pod was not checked, so fixing the props is not taken for the
      // end of the list. Without prop errors cdk8s-plus threw on its own input or a user JSON
      // patch did not apply: one line, not a stack trace.
      return { ...base, json: undefined, findings: [this.hasPropErrors() ? NOT_RENDERED : thrown(e, '', 'correct the input named in the message')] };
    }
    const findings = unique([...contextFindings(this.workload), ...this.renderProblems(), ...checked(json, ApiObject.of(this.workload), () => {
      const spec = podSpecOf(json) ?? {};
      const specPath = podSpecPath(json.kind);
      const pod: RenderedPod = {
        kind: json.kind, metadata: json.metadata ?? {}, spec, specPath, facts: this.facts(), json, ...listContainers(spec, specPath),
      };
      return [...runRules(pod), ...objectFindings(json)];
    })]);
    this.printWarnings(findings);
    return { ...base, json, findings };
  }

  /**
   * Prints the warnings of a validation pass, each once per synth: the passes of one synth (and
   * any synth in the same synchronous run) print a line only once, while a later synth, or a
   * pass after the workload changed (an add-on added after a synth), prints what it finds.
   */
  private printWarnings(findings: Finding[]): void {
    if (!warningsAreErrors(this.workload)) {
      // under the construct whose errors name the same thing (the add-on, the server), not cdk8s-plus's inner object
      printWarningsOnce(this.workload, findings, f => (this.ownerOf(f) ?? this.workload).node.path);
    }
  }
}

/**
 * Whether a rule's line only says again what a prop error of the same construct said: the same
 * value, not a valid thing of the same kind (a container name refused as a prop, then by the
 * rule over the rendered container). One mistake, one line.
 */
function restates(line: string, propErrors: string[]): boolean {
  const refused = NOT_VALID.exec(line);
  return refused !== null && propErrors.some(e => e.includes(`: ${refused[1]} is not a valid ${refused[2]}`));
}
const NOT_VALID = /: ("(?:[^"\\]|\\.)*") is not a valid ([a-z0-9 -]+?)[ .(]/;

/**
 * Prints the warnings among `findings` on stderr, each line once per synchronous run and `key`
 * (the workload or object they are about), under the construct path `pathOf` gives.
 */
function printWarningsOnce(key: IConstruct, findings: Finding[], pathOf: (f: Finding) => string): void {
  const run = currentRun();
  let printed = WARNED.get(key);
  if (!printed || printed.run !== run) {
    printed = { run, lines: new Set() };
    WARNED.set(key, printed);
  }
  for (const f of findings) {
    if (f.severity !== 'warning') {
      continue;
    }
    const line = `[warning] [${pathOf(f)}] ${formatFinding(f)}\n`;
    if (!printed.lines.has(line)) {
      printed.lines.add(line);
      process.stderr.write(line);
    }
  }
}

/**
 * A render failure that another construct's validation reports (the workload's, when an object
 * built from its rendering cannot be made): the object adds no line of its own.
 * @internal
 */
export class ReportedElsewhere extends Error {}

/** A render that failed next to prop errors: the pod itself was not checked. */
const NOT_RENDERED: Finding = {
  severity: 'error', field: 'spec',
  message: 'could not be rendered with the props given (the prop errors reported for this workload are the likely cause), so the pod itself was not checked',
  fix: 'correct the prop errors; synth then checks the rendered pod and names anything left',
};

/** One validation pass over a workload's rendered JSON. */
interface Evaluation {
  readonly json: any;
  readonly findings: Finding[];
  /** Owners that have pulled their findings from this pass. */
  readonly reportedTo: Set<IConstruct>;
  /** The synchronous run it was made in. */
  readonly run: number;
  /** The workload's shape then. */
  readonly shape: string;
}

let run = 0;
let runEndScheduled = false;

/**
 * A number that changes whenever the event loop has run anything else: a microtask bumps it
 * after the current synchronous run (and holds no reference to any construct).
 *
 * @internal
 */
export function currentRun(): number {
  if (!runEndScheduled) {
    runEndScheduled = true;
    queueMicrotask(() => {
      run++;
      runEndScheduled = false;
    });
  }
  return run;
}

/**
 * Values computed at most once per synchronous run for each key (an app's root): the indexes of
 * a whole app that every workload's validation reads, built again in the next run, when the app
 * may have changed. Holds no key alive.
 *
 * @internal
 */
export class PerRun<K extends object, V> {
  private readonly values = new WeakMap<K, { readonly run: number; readonly value: V }>();

  /** The value for `key` in this run, from `compute` on first use. */
  public get(key: K, compute: () => V): V {
    const now = currentRun();
    const known = this.values.get(key);
    if (known?.run === now) {
      return known.value;
    }
    const value = compute();
    this.values.set(key, { run: now, value });
    return value;
  }
}

/** Per workload or object the library writes: the warning lines printed in the latest synchronous run. */
const WARNED = new WeakMap<IConstruct, { run: number; lines: Set<string> }>();

/** A context value that is not a boolean is a mistake to report, not a silent `false`. */
function contextFindings(scope: IConstruct): Finding[] {
  const value = scope.node.tryGetContext(WARNINGS_AS_ERRORS_CONTEXT);
  if (value === undefined || value === true || value === false || value === 'true' || value === 'false') {
    return [];
  }
  return [{ severity: 'error', field: `context ${WARNINGS_AS_ERRORS_CONTEXT}`, message: `${JSON.stringify(value)} is not true or false`, fix: 'set it to true or false' }];
}

function warningsAreErrors(scope: IConstruct): boolean {
  const value = scope.node.tryGetContext(WARNINGS_AS_ERRORS_CONTEXT);
  return value === true || value === 'true';
}

/** The findings without repeats (pod and object rules share the metadata checks). */
function unique(findings: Finding[]): Finding[] {
  const seen = new Set<string>();
  return findings.filter(f => {
    const key = `${f.container}|${f.field}|${f.message}`;
    return seen.has(key) ? false : (seen.add(key), true);
  });
}

/**
 * Validates an object the library writes besides the workload (Service, PVC, ConfigMap,
 * NetworkPolicy) with the kind rules, at synth, as an error of `owner`. Like the workload's
 * reporter, one rendering serves the validation passes of one synth and the `toJson()` that
 * cdk8s calls right after them, while it is current. `related` adds checks against the objects
 * it belongs with, once its types are sound.
 */
/**
 * An object's findings once the objects it belongs with are known: given its JSON and its kind
 * rules' findings, all of them (some dropped where another object reports the same mistake).
 */
export type RelatedChecks = (json: any, own: Finding[]) => Finding[];

export function validateObjectOnSynth(owner: IConstruct, obj: ApiObject, related?: RelatedChecks): void {
  owner.node.addValidation({
    validate: () => {
      const { findings } = validatedRendering(obj, related);
      if (!warningsAreErrors(owner)) {
        printWarningsOnce(obj, findings, () => owner.node.path);
        return findings.filter(f => f.severity === 'error').map(formatFinding);
      }
      return findings.map(formatFinding);
    },
  });
}

/**
 * The current validated rendering of `obj`, made now if there is none. The `toJson` wrapper
 * goes on at the first validation, when every render step of the object is in place, and hands
 * each rendering out at most once (a caller may edit what it gets).
 */
function validatedRendering(obj: ApiObject, related?: RelatedChecks): ValidatedRendering {
  let state = VALIDATED.get(obj);
  if (!state) {
    const own: ObjectValidation = { render: obj.toJson.bind(obj), related };
    state = own;
    VALIDATED.set(obj, own);
    obj.toJson = () => {
      const kept = own.kept;
      if (kept && kept.json !== undefined && isCurrentFor(obj, kept)) {
        // handed out once, and not held afterwards: the findings stay for later passes
        own.kept = { ...kept, json: undefined };
        return kept.json;
      }
      return own.render();
    };
  }
  if (!state.kept || !isCurrentFor(obj, state.kept)) {
    state.kept = { ...evaluateObject(obj, state.render, state.related), run: currentRun(), fingerprint: objectFingerprint(obj) };
  }
  return state.kept;
}

function evaluateObject(obj: ApiObject, render: () => any, related?: RelatedChecks): { json: any; findings: Finding[] } {
  let json: any;
  try {
    json = render();
  } catch (e) {
    // an object rendered from its workload's JSON (a NetworkPolicy's selector) fails with it:
    // the workload's own validation reports that, once
    return { json: undefined, findings: e instanceof ReportedElsewhere ? [] : [thrown(e, '', 'correct the input named in the message')] };
  }
  return { json, findings: checked(json, obj, () => (related ? related(json, objectFindings(json)) : objectFindings(json))) };
}

/**
 * The findings of `rules` on an object's final JSON, once its fields have the types the API
 * requires (a JSON patch can put anything anywhere): wrong types are the findings then, and
 * the rules, which rely on the types, do not run.
 */
function checked(json: any, obj: ApiObject, rules: () => Finding[]): Finding[] {
  if (json === null || typeof json !== 'object' || Array.isArray(json)) {
    return [{ severity: 'error', field: 'object', message: `${show(json)?.slice(0, 80)} is not a Kubernetes object`, fix: 'check the JSON patches of the object' }];
  }
  // a patch may not turn the object into another kind: every other check is the kind's
  const identity = (['apiVersion', 'kind'] as const).filter(key => json[key] !== obj[key]).map(key => ({
    severity: 'error' as const, field: key, message: `${show(json[key])} is not the object's ${key} (${obj[key]})`,
    fix: `leave ${key} as the construct writes it (a JSON patch changed it)`,
  }));
  if (identity.length) {
    return identity;
  }
  const schema = schemaFindings(json);
  if (schema.types.length) {
    return schema.types;
  }
  let findings: Finding[];
  try {
    findings = rules();
  } catch (e) {
    // a shape no rule foresaw: still one structured line, never a stack trace
    findings = [thrown(e, 'cannot be checked: ', 'check the JSON patches and values of the object')];
  }
  if (schema.values.length) {
    const named = new Set(findings.map(f => f.field));
    findings = [...findings, ...schema.values.filter(f => !named.has(f.field))];
  }
  return findings;
}

/**
 * What cdk8s-plus, a JSON patch or a rule threw, as one finding on `spec` (cdk8s-plus throws
 * while rendering some bad inputs, e.g. duplicate volume names): a line, not a stack trace.
 */
function thrown(e: unknown, prefix: string, fix: string): Finding {
  if (e instanceof PatchNotApplied) {
    return { severity: 'error', field: e.field, message: e.reason, fix: e.fix };
  }
  const message = (e as Error).message.replace(/\s+/g, ' ');
  for (const known of KPLUS_ERRORS) {
    const match = known.pattern.exec(message);
    if (match) {
      return { severity: 'error', ...known.finding(match) };
    }
  }
  return { severity: 'error', field: 'spec', message: `${prefix}${message}`, fix };
}

/**
 * What cdk8s-plus-27 throws while rendering input the library lets through to it (volumes and
 * containers added with its own API after construction), as a field, the value and a fix.
 */
const KPLUS_ERRORS: ReadonlyArray<{ pattern: RegExp; finding: (m: RegExpExecArray) => Omit<Finding, 'severity'> }> = [
  {
    pattern: /Invalid mount configuration\. At least two different volumes have the same name: (\S+?)\.?$/,
    finding: m => ({
      field: 'spec.volumes',
      message: `two different volumes are named ${JSON.stringify(m[1])} (one of them added with cdk8s-plus: pod.addVolume, container.mount)`,
      fix: `give the volume you added another name; ${JSON.stringify(m[1])} is taken`,
    }),
  },
  {
    pattern: /PodSpec must have at least 1 container/,
    finding: () => ({
      field: 'spec.containers',
      message: 'the workload has no regular container (init containers and native sidecars do not count)',
      fix: 'add the container that does the work: an InferenceServer, or a container of the cdk8s-plus workload',
    }),
  },
];

function isCurrentFor(obj: ApiObject, kept: ValidatedRendering): boolean {
  return kept.run === currentRun() && kept.fingerprint === objectFingerprint(obj);
}

/** The un-wrapped render of a validated object and its latest validated rendering. */
interface ObjectValidation {
  readonly render: () => any;
  /** Checks of the object against the objects it belongs with (a companion against its pod). */
  readonly related?: RelatedChecks;
  kept?: ValidatedRendering;
}

/** One rendering of an object and its findings, with when and from what it was made. */
interface ValidatedRendering {
  /** The JSON, until `toJson()` hands it out. */
  readonly json: any;
  readonly findings: Finding[];
  readonly run: number;
  readonly fingerprint: string;
}

const VALIDATED = new WeakMap<ApiObject, ObjectValidation>();

/** What may change on any ApiObject between a validation and its serialization: metadata and patches (a ConfigMap's data). */
function objectFingerprint(obj: ApiObject): string {
  const scope = obj.node.scope;
  // a cdk8s-plus ConfigMap's data changes through its own API (addData, addFile) after a synth too
  const data = scope instanceof kplus.ConfigMap ? `|${JSON.stringify([scope.data, scope.binaryData])}` : '';
  return `${(obj as any).patches.length}|${metadataFingerprint(obj.metadata)}${data}`;
}

/**
 * What a metadata definition holds, as text. Its `toJson()` resolves and sanitizes every value,
 * which made each currency check cost as much as a tenth of a render.
 *
 * @internal
 */
export function metadataFingerprint(metadata: ApiObjectMetadataDefinition): string {
  const m = metadata as any;
  return JSON.stringify([m.name, m.namespace, m.labels, m.annotations, m.finalizers, m.ownerReferences, m._additionalAttributes]);
}

/**
 * A finding as one line: container, field, message, fix. Names and values from the input may
 * hold line breaks; they are escaped so that each error stays one `[path] field: ... Fix:` line.
 */
function formatFinding(f: Finding): string {
  const where = f.container ? `container "${f.container}": ` : '';
  return `${where}${f.field}: ${f.message}. Fix: ${f.fix}`.replace(/[\r\n\u2028\u2029]/g, c => JSON.stringify(c).slice(1, -1));
}
