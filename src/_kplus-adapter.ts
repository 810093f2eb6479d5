import { ApiObject } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct, IConstruct } from 'constructs';
import { Finding, PodFacts, RenderedPod } from './validation/model';
import { runRules } from './validation/rules';

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
  private readonly done = new Set<string>();
  private readonly renderUnpatched: () => any;
  private memo?: { json: any; findings: Finding[] };

  private constructor(public readonly workload: kplus.AbstractPod) {
    this.facts = { modelVolumes: [], expectedLoadSeconds: [], proxies: [] };
    this.apiObject = ApiObject.of(workload);
    const render = this.apiObject.toJson.bind(this.apiObject);
    this.apiObject.toJson = () => {
      // Validation has just rendered this object during the same synchronous synth: reuse it.
      const memo = this.memo;
      this.memo = undefined;
      return memo ? memo.json : this.patch(render());
    };
    this.renderUnpatched = render;
  }

  /** True the first time it is called with `key` for this workload: for pod-wide setup done once. */
  public once(key: string): boolean {
    if (this.done.has(key)) {
      return false;
    }
    this.done.add(key);
    return true;
  }

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
    const fields = sortedCopy({
      resources: settings.resources,
      securityContext: settings.securityContext,
      restartPolicy: settings.restartPolicy,
      terminationMessagePolicy: settings.terminationMessagePolicy,
      ...settings.probes,
    });
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
        c[key] = JSON.parse(JSON.stringify(fields[key]));
      }
    });
  }

  /** Edits the final pod spec. */
  public patchPodSpec(patch: (spec: any) => void): void {
    this.podPatches.push(patch);
  }

  /**
   * Makes `owner` answer for the findings on the named containers (or, for the first owner,
   * for pod-level findings too), so that errors name the construct the user wrote.
   */
  public registerOwner(owner: Construct, containerNames: string[]): void {
    for (const name of containerNames) {
      this.owners.set(name, owner);
    }
    this.primaryOwner = this.primaryOwner ?? owner;
    if (!REGISTERED.has(owner)) {
      REGISTERED.add(owner);
      owner.node.addValidation({ validate: () => this.report(owner) });
    }
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
    const { findings } = this.evaluate();
    return findings
      .filter(f => (f.container && this.owners.get(f.container)) === owner
        || (!(f.container && this.owners.has(f.container)) && owner === this.primaryOwner))
      .filter(f => f.severity === 'error' || warningsAreErrors(owner))
      .map(formatFinding);
  }

  private evaluate(): { json: any; findings: Finding[] } {
    if (this.memo) {
      return this.memo;
    }
    let json: any;
    try {
      json = this.render();
    } catch (e) {
      // cdk8s-plus throws while rendering some bad inputs (e.g. duplicate volume names);
      // report it as a finding rather than a stack trace from deep inside.
      return { json: undefined, findings: [{ severity: 'error', field: 'spec', message: (e as Error).message, fix: 'correct the input named in the message' }] };
    }
    const pod: RenderedPod = { kind: json.kind, metadata: json.metadata ?? {}, spec: podSpecOf(json) ?? {}, specPath: podSpecPath(json.kind), facts: this.facts };
    const findings = runRules(pod);
    printWarnings(this.workload, findings);
    this.memo = { json, findings };
    // The memo only lives for the synchronous synth that asked for it.
    queueMicrotask(() => { this.memo = undefined; });
    return this.memo;
  }
}

const ADAPTERS = new WeakMap<kplus.AbstractPod, PodSpecAdapter>();
const REGISTERED = new WeakSet<IConstruct>();
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
