import { ApiObject, App, Chart, YamlOutputType } from 'cdk8s';
import { IConstruct } from 'constructs';
import { currentRun } from './_reporter';

/*
 * Two objects of one kind with one name in one namespace: `kubectl apply` keeps only the last,
 * silently. Two pods named alike lose one pod; a second pod whose proxy's NetworkPolicy gets
 * the first one's generated name (`x` + `auth-proxy`, `x-auth` + `proxy`) replaces the policy
 * that closed the first pod's bypass, leaving the server open around its proxy.
 */

/**
 * Objects whose name the library derived from their construct path (a new model-cache claim):
 * two of them with one name come from two constructs whose ids became the same name once made
 * valid (`a_b` and `a-b`), not from one claim meant to be shared, so they clash even when written alike.
 */
const DERIVED = new WeakSet<ApiObject>();

/** Marks `obj`'s name as derived from its construct path, not given. @internal */
export function markDerivedName(obj: ApiObject): void {
  DERIVED.add(obj);
}

/** The objects the library checks: of two clashing ones, the later reports. */
const CHECKED = new WeakSet<ApiObject>();
/** Per app root and synth run: every object by identity, in tree order. */
const INDEX = new WeakMap<IConstruct, Index>();
/** App roots that mark the start of each validation pass, and those whose pass has started since their index. */
const PASSES_WATCHED = new WeakSet<IConstruct>();
const STARTED = new WeakSet<IConstruct>();
/** How many objects have been checked in the process: one more since an index means it misses one. */
let checkedCount = 0;
/** Apps inside their `synth()`, which writes the output files. */
const WRITING = new WeakSet<IConstruct>();

/** The app's objects by identity, and by the output file cdk8s writes them to when that is one per object. */
interface Index {
  readonly run: number;
  /** The objects checked when it was made, and their JSON patches then: what a later pass compares. */
  readonly checked: number;
  readonly patches: number;
  readonly objects: ApiObject[];
  readonly byIdentity: Map<string, ApiObject[]>;
  readonly byFile: Map<string, Array<{ obj: ApiObject; id: string }>>;
}

/**
 * How the name-clash check reads the rendered namespace and name of an object the library keeps
 * a rendering of (a workload, an object next to one), without rendering it again.
 *
 * @internal
 */
export interface RenderedIdentity {
  /** Whether a JSON patch may have moved or renamed it (on it, or on the pod it follows). */
  readonly patched: () => boolean;
  /** Its rendered `metadata` (namespace and name), or undefined when it cannot be rendered. */
  readonly metadata: () => { readonly namespace?: unknown; readonly name?: unknown } | undefined;
}

const RENDERED = new WeakMap<ApiObject, RenderedIdentity>();

/** Makes the name-clash check read `obj`'s rendered identity through `rendered`. @internal */
export function readRenderedIdentity(obj: ApiObject, rendered: RenderedIdentity): void {
  RENDERED.set(obj, rendered);
}

/** Whether the user added JSON patches to `obj` (they apply after the library's render). @internal */
export function hasUserPatches(obj: ApiObject): boolean {
  return ((obj as any).patches?.length ?? 0) > 0;
}

/**
 * Kind, namespace and name as written. Read from the construct while no JSON patch can have
 * changed them (rendering every object of the app again would double the synth time); from the
 * rendering when one may have: a patch that renames an object can make it clash too.
 */
function identity(obj: ApiObject): string | undefined {
  let namespace: unknown = obj.metadata.namespace;
  let name: unknown = obj.name;
  const rendered = RENDERED.get(obj);
  if (rendered ? rendered.patched() : hasUserPatches(obj)) {
    let metadata: { readonly namespace?: unknown; readonly name?: unknown } | undefined;
    try {
      metadata = rendered ? rendered.metadata() : obj.toJson()?.metadata;
    } catch {
      // the object cannot be rendered: its own validation says why
    }
    if (metadata === null || typeof metadata !== 'object') {
      return undefined;
    }
    ({ namespace, name } = metadata);
  }
  return typeof name === 'string' && (namespace === undefined || typeof namespace === 'string')
    ? JSON.stringify([obj.apiVersion, obj.kind, namespace ?? '', name]) : undefined;
}

function index(root: IConstruct): Index {
  const run = currentRun();
  const cached = INDEX.get(root);
  if (cached && cached.run === run && (!STARTED.has(root) || stillCurrent(root, cached))) {
    return cached;
  }
  const objects: ApiObject[] = [];
  const byIdentity = new Map<string, ApiObject[]>();
  const byFile = new Map<string, Array<{ obj: ApiObject; id: string }>>();
  for (const c of root.node.findAll()) {
    if (c instanceof ApiObject) {
      objects.push(c);
      const id = identity(c);
      if (id !== undefined) {
        byIdentity.set(id, [...(byIdentity.get(id) ?? []), c]);
        const file = outputFile(c, id);
        if (file !== undefined) {
          byFile.set(file, [...(byFile.get(file) ?? []), { obj: c, id }]);
        }
      }
    }
  }
  const built = { run, checked: checkedCount, patches: patchCount(objects), objects, byIdentity, byFile };
  INDEX.set(root, built);
  STARTED.delete(root);
  return built;
}

/** The number of JSON patches on `objects`: a patch may rename or move one. */
function patchCount(objects: ReadonlyArray<ApiObject>): number {
  return objects.reduce((n, o) => n + ((o as any).patches?.length ?? 0), 0);
}

/**
 * Whether the index made earlier in the same synchronous run still holds at the start of a new
 * validation pass: no object checked since (a pod added after a synth), no object added since (a
 * plain ApiObject of the user's) and no JSON patch added since (a rename). Asked once per pass.
 */
function stillCurrent(root: IConstruct, cached: Index): boolean {
  STARTED.delete(root);
  return cached.checked === checkedCount && cached.patches === patchCount(cached.objects) && apiObjectCount(root) === cached.objects.length;
}

/** The number of ApiObjects under `root`: a plain ApiObject of the user added since an index is not checked by the library. */
function apiObjectCount(root: IConstruct): number {
  let count = 0;
  for (const c of root.node.findAll()) {
    if (c instanceof ApiObject) {
      count++;
    }
  }
  return count;
}

/**
 * The file cdk8s writes `obj` to when the app writes one file per object: named by kind and name
 * only (`Pod.llm.k8s.yaml`), so two objects that differ in namespace or API group share it, and
 * the one written last replaces the other. Undefined for the other output types.
 */
function outputFile(obj: ApiObject, id: string): string | undefined {
  const app = obj.node.root;
  if (!(app instanceof App)) {
    return undefined;
  }
  const perChart = app.yamlOutputType === YamlOutputType.FOLDER_PER_CHART_FILE_PER_RESOURCE;
  if (!perChart && app.yamlOutputType !== YamlOutputType.FILE_PER_RESOURCE) {
    return undefined;
  }
  const [, kind, , name] = JSON.parse(id);
  const file = `${kind}.${name}`.replace(/[^0-9a-zA-Z-_.]/g, '') + app.outputFileExtension;
  return perChart ? `${Chart.of(obj).node.path}/${file}` : file;
}

/**
 * Two renderings of one object (a claim that two pods create under the name they share, written
 * alike): applying both is applying it once.
 */
function identical(a: ApiObject, b: ApiObject): boolean {
  try {
    return JSON.stringify(a.toJson()) === JSON.stringify(b.toJson());
  } catch {
    return false; // the object cannot be rendered: its own validation says why
  }
}

/** The pod whose template `toPodTemplate()` is taking: the chart will not write it. */
let templating: ApiObject | undefined;

/**
 * Runs `validate` (the app's validation) for `pod`'s `toPodTemplate()`: the pod becomes a
 * template in a controller's object, which the chart does not write, so its name clashes with
 * nothing (a LeaderWorkerSet's leader and worker pods may share one).
 */
export function validatingTemplateOf<T>(pod: ApiObject, validate: () => T): T {
  const outer = templating;
  templating = pod;
  try {
    return validate();
  } finally {
    templating = outer;
  }
}

/**
 * Whether the chart writes `obj`: a pod taken as a template was removed from its parent (its
 * scope link stays, so walking up alone does not tell).
 *
 * @internal
 */
export function written(obj: IConstruct): boolean {
  for (let c: IConstruct = obj; c.node.scope; c = c.node.scope) {
    if (c.node.scope.node.tryFindChild(c.node.id) !== c) {
      return false;
    }
  }
  return true;
}

/**
 * The path of the construct a user made for `obj`: cdk8s-plus keeps a workload's ApiObject as its
 * child `Resource` (an AiInferencePod's at `<pod>/Resource/Resource`), an id nobody wrote.
 */
export function constructPath(obj: IConstruct): string {
  return obj.node.path.replace(/(?:\/Resource)+$/, '') || obj.node.path;
}

/**
 * Synth refuses `obj` (as an error of `owner`) when another object of the app has its kind,
 * namespace and name. Objects the chart does not write (pods taken as templates) clash with none.
 */
export function refuseNameClashes(owner: IConstruct, obj: ApiObject): void {
  CHECKED.add(obj);
  checkedCount++;
  const root = obj.node.root;
  if (!PASSES_WATCHED.has(root)) {
    // the root validates first in every pass (cdk8s walks the tree in pre-order): the first
    // index of a pass checks that an index of the same run still holds, so that an object added
    // or renamed after a synth in the same synchronous run is seen by the next one
    PASSES_WATCHED.add(root);
    root.node.addValidation({ validate: () => (STARTED.add(root), []) });
    if (root instanceof App) {
      // output files clash only in `app.synth()`: synthYaml, toManifests and Testing write none
      const synth = root.synth;
      root.synth = function (this: App): void {
        WRITING.add(root);
        try {
          synth.call(this);
        } finally {
          WRITING.delete(root);
        }
      };
    }
  }
  owner.node.addValidation({
    validate: () => {
      const id = identity(obj);
      if (id === undefined || obj === templating || !written(obj)) {
        return [];
      }
      const { byIdentity, byFile } = index(obj.node.root);
      const same = byIdentity.get(id) ?? [];
      const at = same.indexOf(obj);
      // one report per clash: by the later of two checked objects, by this one otherwise
      const shared = (o: ApiObject): boolean => identical(o, obj) && !DERIVED.has(o) && !DERIVED.has(obj);
      const others = same.filter((o, i) => o !== obj && o !== templating && written(o) && (i < at || !CHECKED.has(o)) && !shared(o));
      const [, , namespace, name] = JSON.parse(id);
      const ns = namespace || 'the default namespace';
      const where = `${obj.kind} ${JSON.stringify(name)} in ${ns === 'the default namespace' ? ns : `namespace ${JSON.stringify(ns)}`}`;
      if (others.length > 0) {
        return [`metadata.name: ${where} is also the name of ${others.map(o => constructPath(o)).join(', ')}: kubectl apply keeps only the last one written. `
          + `Fix: give one of them another name (metadata.name, ${obj.kind === 'PersistentVolumeClaim' ? 'the cache\'s claimName, ' : ''}or the name of the sidecar the object is named after)`];
      }
      const file = WRITING.has(obj.node.root) ? outputFile(obj, id) : undefined;
      const sharing = file === undefined ? [] : byFile.get(file) ?? [];
      const fileAt = sharing.findIndex(e => e.obj === obj);
      // objects of one identity are the clash above; here those that differ in namespace or API group
      const overwritten = sharing.filter((e, i) => e.obj !== obj && e.id !== id && e.obj !== templating && written(e.obj)
        && (i < fileAt || !CHECKED.has(e.obj)));
      if (overwritten.length === 0) {
        return [];
      }
      return [`metadata.name: ${where} goes to the same file as ${overwritten.map(e => constructPath(e.obj)).join(', ')} (${file}): with the app's `
        + `yamlOutputType ${YamlOutputType[(obj.node.root as App).yamlOutputType]}, cdk8s names each file by kind and name only, so the one written last `
        + 'replaces the other. Fix: give one of them another name (metadata.name), or use YamlOutputType.FILE_PER_CHART'];
    },
  });
}
