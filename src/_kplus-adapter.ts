import { ApiObject } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct, IConstruct } from 'constructs';
import { Finding, PodFacts, RenderedPod } from './validation/model';
import { runRules } from './validation/rules';
import { cached } from './_memo';

/**
 * Everything cdk8s-plus-27 cannot express lives here, and only here.
 *
 * cdk8s-plus-27 re-serializes a pod through the Kubernetes 1.27 schema *after* JSON patches,
 * which silently drops native-sidecar `restartPolicy`, GPU quantities given as strings and
 * other fields. The adapter therefore edits the object's final JSON, after that filter. A
 * move to a newer cdk8s-plus replaces this file, not the public API.
 *
 * The adapter also owns synth-time validation of the rendered pod: the rules see exactly
 * what will be applied, including anything the user changed through escape hatches.
 *
 * @internal
 */
export class PodSpecAdapter {
  /** The adapter of a workload, created on first use. */
  public static of(workload: kplus.AbstractPod): PodSpecAdapter {
    let adapter = ADAPTERS.get(workload);
    if (!adapter) {
      adapter = new PodSpecAdapter(workload);
      ADAPTERS.set(workload, adapter);
    }
    return adapter;
  }

  /** Facts about the pod that the rendered YAML alone does not tell (what the server is, budgets...). */
  public readonly facts: PodFacts;

  private readonly apiObject: ApiObject;
  private readonly containerPatches = new Map<string, Array<(container: any) => void>>();
  private readonly podPatches: Array<(spec: any) => void> = [];
  private readonly owners = new Map<string, IConstruct>();
  private primaryOwner?: IConstruct;
  private readonly renderUnpatched: () => any;
  /**
   * The last validation's rendering. The owners' validations share it (one render per pass:
   * a second report to the same owner starts a new pass), and the `toJson` that cdk8s calls
   * right after validation takes its JSON instead of rendering the pod again.
   */
  private evaluation?: Evaluation;

  private constructor(public readonly workload: kplus.AbstractPod) {
    this.facts = { modelVolumes: [], expectedLoadSeconds: [], proxies: [] };
    this.apiObject = ApiObject.of(workload);
    this.renderUnpatched = this.apiObject.toJson.bind(this.apiObject);
    this.apiObject.toJson = () => {
      // cdk8s validates, then serializes: reuse that rendering when nothing changed since.
      const evaluation = this.evaluation;
      this.evaluation = undefined;
      return (evaluation && this.isCurrent(evaluation) ? evaluation.json : undefined) ?? this.render();
    };
  }

  /** Whether the pod-wide security defaults were applied (once per workload). */
  public podSecurityApplied = false;

  /** Edits one container (regular, init or sidecar) of the final pod spec, found by name. */
  public patchContainer(name: string, patch: (container: any) => void): void {
    const patches = this.containerPatches.get(name) ?? [];
    patches.push(patch);
    this.containerPatches.set(name, patches);
  }

  /**
   * Sets the fields cdk8s-plus-27 renders wrongly or not at all on one of the library's
   * containers: exact resources, the restricted security context, probes (also on native
   * sidecars), restartPolicy, terminationMessagePolicy; and drops cdk8s-plus's forced
   * `imagePullPolicy: Always` unless the user chose one.
   */
  public finishContainer(name: string, settings: ContainerSettings): void {
    // keys in alphabetical order, as cdk8s writes them; values sorted once and shared
    const all: { [key: string]: any } = {
      livenessProbe: sortedShared(settings.probes?.livenessProbe),
      readinessProbe: sortedShared(settings.probes?.readinessProbe),
      resources: sortedShared(settings.resources),
      restartPolicy: settings.restartPolicy,
      securityContext: sortedShared(settings.securityContext),
      startupProbe: sortedShared(settings.probes?.startupProbe),
      terminationMessagePolicy: settings.terminationMessagePolicy,
    };
    const fields: { [key: string]: any } = {};
    for (const key in all) {
      if (all[key] !== undefined) {
        fields[key] = all[key];
      }
    }
    const remove: string[] = PROBE_KEYS.filter(key => !settings.probes?.[key]);
    if (!settings.keepImagePullPolicy) {
      remove.push('imagePullPolicy');
    }
    this.patchContainer(name, c => {
      for (const key of remove) {
        delete c[key];
      }
      for (const key of Object.keys(fields)) {
        // a copy per render: a caller editing one synthesized manifest must not change the next
        c[key] = cloneJson(fields[key]);
      }
    });
  }

  /** Edits the final pod spec. */
  public patchPodSpec(patch: (spec: any) => void): void {
    this.podPatches.push(patch);
  }

  /**
   * Makes `owner` answer for the findings on the named containers (the first owner also for
   * pod-level findings), so that errors name the construct the user wrote. `errors` are the
   * owner's own prop errors, filled during its construction; one validation reports both.
   */
  public registerOwner(owner: Construct, containerNames: string[], errors: string[] = []): void {
    for (const name of containerNames) {
      this.owners.set(name, owner);
    }
    this.primaryOwner = this.primaryOwner ?? owner;
    owner.node.addValidation({ validate: () => [...errors, ...this.report(owner)] });
  }

  /** The final JSON of the workload, as `cdk8s synth` writes it. */
  public render(): any {
    return this.patch(this.renderUnpatched());
  }

  private patch(json: any): any {
    const spec = podSpecOf(json);
    if (!spec) {
      return json;
    }
    for (const container of [...(spec.initContainers ?? []), ...(spec.containers ?? [])]) {
      const patches = this.containerPatches.get(container.name);
      if (patches) {
        patches.forEach(patch => patch(container));
        sortKeys(container);
      }
    }
    this.podPatches.forEach(patch => patch(spec));
    sortKeys(spec);
    if (spec.securityContext) {
      sortKeys(spec.securityContext);
    }
    return json;
  }

  private report(owner: IConstruct): string[] {
    if (!this.evaluation) {
      this.evaluation = this.evaluate();
    } else if (this.evaluation.reportedTo.has(owner)) {
      // a new pass: reuse the last one's rendering when it is still current
      this.evaluation = this.isCurrent(this.evaluation) ? { ...this.evaluation, reportedTo: new Set() } : this.evaluate();
    }
    this.evaluation.reportedTo.add(owner);
    return this.evaluation.findings
      .filter(f => (f.container && this.owners.get(f.container)) === owner
        || (!(f.container && this.owners.has(f.container)) && owner === this.primaryOwner))
      .filter(f => f.severity === 'error' || warningsAreErrors(owner))
      .map(formatFinding);
  }

  /**
   * `app.synth()` validates the app, then each chart's `toJson()` validates it again. A pass
   * may reuse the previous one when nothing can have changed in between: same synchronous
   * run (no `await` or callback in between) and the same shape of the pod (counts of
   * containers, env vars, mounts, ports, volumes, labels, patches — how cdk8s-plus objects
   * change after creation).
   */
  private isCurrent(evaluation: Evaluation): boolean {
    return evaluation.run === currentRun() && evaluation.shape === this.shape();
  }

  private shape(): string {
    const w = this.workload;
    const containers = [...w.initContainers, ...w.containers]
      .map(c => `${c.name}:${c.env.variables ? Object.keys(c.env.variables).length : 0}/${c.env.sources.length}/${c.mounts.length}/${c.ports.length}`);
    return `${containers.join(',')}|${w.volumes.length}|${JSON.stringify(ApiObject.of(w).metadata.toJson())}`
      + `|${this.podPatches.length}|${this.containerPatches.size}|${w.hostAliases.length}`;
  }

  private evaluate(): Evaluation {
    let json: any;
    try {
      json = this.render();
    } catch (e) {
      // cdk8s-plus throws while rendering some bad inputs (e.g. duplicate volume names);
      // report it as a finding rather than a stack trace from deep inside.
      const findings: Finding[] = [{ severity: 'error', field: 'spec', message: (e as Error).message, fix: 'correct the input named in the message' }];
      return { json: undefined, findings, reportedTo: new Set(), run: currentRun(), shape: this.shape() };
    }
    const pod: RenderedPod = { kind: json.kind, metadata: json.metadata ?? {}, spec: podSpecOf(json) ?? {}, specPath: podSpecPath(json.kind), facts: this.facts };
    const findings = runRules(pod);
    printWarnings(this.workload, findings);
    return { json, findings, reportedTo: new Set(), run: currentRun(), shape: this.shape() };
  }
}

/** One validation pass over a workload's rendered JSON. */
interface Evaluation {
  readonly json: any;
  readonly findings: Finding[];
  /** Owners that have pulled their findings from this pass. */
  readonly reportedTo: Set<IConstruct>;
  /** The synchronous run it was made in. */
  readonly run: number;
  /** The pod's shape then. */
  readonly shape: string;
}

let run = 0;
let runEndScheduled = false;

/**
 * A number that changes whenever the event loop has run anything else: a microtask bumps it
 * after the current synchronous run (and holds no reference to any construct).
 */
function currentRun(): number {
  if (!runEndScheduled) {
    runEndScheduled = true;
    queueMicrotask(() => {
      run++;
      runEndScheduled = false;
    });
  }
  return run;
}

const ADAPTERS = new WeakMap<kplus.AbstractPod, PodSpecAdapter>();
const WARNED = new WeakSet<IConstruct>();

/**
 * Context key that turns warnings (e.g. an `:latest` image) into synth errors.
 */
export const WARNINGS_AS_ERRORS_CONTEXT = 'cdk8s-ai-inference:warningsAsErrors';

function warningsAreErrors(scope: IConstruct): boolean {
  const value = scope.node.tryGetContext(WARNINGS_AS_ERRORS_CONTEXT);
  return value === true || value === 'true';
}

function printWarnings(workload: kplus.AbstractPod, findings: Finding[]): void {
  if (WARNED.has(workload) || warningsAreErrors(workload)) {
    return;
  }
  WARNED.add(workload);
  for (const f of findings.filter(x => x.severity === 'warning')) {
    process.stderr.write(`[warning] [${workload.node.path}] ${formatFinding(f)}\n`);
  }
}

function formatFinding(f: Finding): string {
  const where = f.container ? `container "${f.container}": ` : '';
  return `${where}${f.field}: ${f.message}. Fix: ${f.fix}`;
}

const PROBE_KEYS = ['startupProbe', 'readinessProbe', 'livenessProbe'] as const;

/** What `finishContainer` sets on a container. */
export interface ContainerSettings {
  readonly resources?: any;
  readonly securityContext?: any;
  readonly probes?: { startupProbe?: any; readinessProbe?: any; livenessProbe?: any };
  readonly restartPolicy?: string;
  readonly terminationMessagePolicy?: string;
  /** Keep the imagePullPolicy the user set. */
  readonly keepImagePullPolicy?: boolean;
}

/**
 * Sorts an object's own keys and drops `undefined` values, in place, as cdk8s does for the
 * rest of the manifest: patched fields read like the others and output stays deterministic.
 * Shallow on purpose: nested values the library sets are sorted once, by `sortedCopy`.
 */
function sortKeys(value: any): void {
  const keys = Object.keys(value);
  const entries = keys.sort().map(key => [key, value[key]] as const);
  for (const key of keys) {
    delete value[key];
  }
  for (const [key, child] of entries) {
    if (child !== undefined) {
      value[key] = child;
    }
  }
}

/** A deep copy of plain JSON data (several times faster than a JSON round trip). */
function cloneJson(value: any): any {
  if (Array.isArray(value)) {
    return value.map(cloneJson);
  }
  if (value === null || typeof value !== 'object') {
    return value;
  }
  const copy: any = {};
  for (const key in value) {
    copy[key] = cloneJson(value[key]);
  }
  return copy;
}

/**
 * `sortedCopy` of a value that many containers share (the same defaults object for thousands
 * of pods): sorted once. The values are never mutated; renders clone them.
 */
function sortedShared(value: any): any {
  if (value === null || typeof value !== 'object') {
    return value;
  }
  return cached(SORTED, value, () => sortedCopy(value));
}
const SORTED = new WeakMap<object, any>();

/** A deep copy with sorted keys and without `undefined` values. */
export function sortedCopy(value: any): any {
  if (Array.isArray(value)) {
    return value.map(sortedCopy);
  }
  if (value === null || typeof value !== 'object') {
    return value;
  }
  const copy: any = {};
  for (const key of Object.keys(value).sort()) {
    if (value[key] !== undefined) {
      copy[key] = sortedCopy(value[key]);
    }
  }
  return copy;
}

/** Where the pod spec sits inside a workload's JSON, as a dotted path. */
export function podSpecPath(kind: string): string {
  switch (kind) {
    case 'Pod':
      return 'spec';
    case 'CronJob':
      return 'spec.jobTemplate.spec.template.spec';
    default:
      return 'spec.template.spec';
  }
}

/** The pod spec inside a workload's JSON. */
export function podSpecOf(json: any): any {
  let node = json;
  for (const key of podSpecPath(json?.kind).split('.')) {
    node = node?.[key];
  }
  return node;
}
