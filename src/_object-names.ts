import { ApiObject, Chart, Names } from 'cdk8s';
import { IConstruct } from 'constructs';
import { suggestName } from './validation/metadata-rules';

/**
 * The name cdk8s gives an object of `scope` by default: its path as a DNS label, with the path's
 * hash unless its chart was made with `disableResourceNameHashes: true` (as `Chart.generateObjectName`
 * does for every object cdk8s names itself). cdk8s keeps '_' and '.' of an id as they are
 * (`Model_V2` → `model_v2`, `a._b` → `a.-b`), which no object name may hold: those are made
 * valid the way the name rules suggest (a valid name is unchanged).
 *
 * @internal
 */
export function defaultObjectName(scope: IConstruct, extra?: string[]): string {
  const hashless = (Chart.of(scope) as unknown as { _disableResourceNameHashes?: boolean })._disableResourceNameHashes === true;
  return suggestName(Names.toDnsLabel(scope, { ...(extra ? { extra } : {}), includeHash: !hashless }));
}

/**
 * The default name of a workload the library creates at `scope` (an AiInferencePod, an
 * AiInferenceDeployment): the one its chart gives any object it names, `Chart.generateObjectName`,
 * asked about the construct (its path, not the path of cdk8s-plus's inner object) — so a chart
 * that overrides it (a team prefix) names the pod as it names the pod's ConfigMaps — made valid
 * like `defaultObjectName`. An override that cannot name it (it reads more than the path and the
 * kind) leaves the default.
 *
 * @internal
 */
export function defaultWorkloadName(scope: IConstruct, apiVersion: string, kind: string): string {
  let name: unknown;
  try {
    name = Chart.of(scope).generateObjectName(Object.assign(Object.create(scope), { apiVersion, kind }));
  } catch {
    name = undefined;
  }
  return typeof name === 'string' && name !== '' ? suggestName(name) : defaultObjectName(scope);
}

/** The wrappers `withValidGeneratedNames` puts on a chart for a moment: not an override of the chart's own. */
const WRAPPERS = new WeakSet<(obj: ApiObject) => string>();

/**
 * Whether the chart of `scope` names objects its own way: a `generateObjectName` other than
 * cdk8s's (a subclass's method or an own property), not the library's passing wrapper.
 */
function overridesGenerateObjectName(scope: IConstruct): boolean {
  const generate = Chart.of(scope).generateObjectName;
  return generate !== Chart.prototype.generateObjectName && !WRAPPERS.has(generate);
}

/**
 * Creates an object the library names itself with `fallback` (a model cache's new claim,
 * `<path>-model-cache-<hash>`): with `fallback` when its chart names objects cdk8s's way, so that
 * the names of existing objects stay; else with the name the chart's `generateObjectName` override
 * gives it (`create` gets undefined, and cdk8s asks the chart about the object itself), made valid
 * like `defaultObjectName`. An override that throws, or names nothing (''), leaves `fallback`; one
 * that returns no text is left to the name checks.
 *
 * @internal
 */
export function namedLikeTheChart<T>(scope: IConstruct, fallback: string, create: (name: string | undefined) => T): T {
  if (!overridesGenerateObjectName(scope)) {
    return create(fallback);
  }
  return withGeneratedNames(scope, (generate, obj) => {
    let name: unknown;
    try {
      name = generate(obj);
    } catch {
      return fallback;
    }
    return name === '' ? fallback : typeof name === 'string' ? suggestName(name) : name as string;
  }, () => create(undefined));
}

/**
 * Runs `create` with the chart of `scope` naming new objects validly: the objects cdk8s and
 * cdk8s-plus name themselves (`Chart.generateObjectName`, the chart's own override included) get
 * that name made valid as `defaultObjectName` does; a valid name is unchanged.
 *
 * @internal
 */
export function withValidGeneratedNames<T>(scope: IConstruct, create: () => T): T {
  return withGeneratedNames(scope, (generate, obj) => {
    const name: unknown = generate(obj);
    // an override that names nothing ('') leaves cdk8s's default (suggestName would make it "my-pod");
    // one that returns no text at all (a JavaScript chart) is left to the name checks
    return name === '' ? defaultObjectName(obj) : typeof name === 'string' ? suggestName(name) : name as string;
  }, create);
}

/** Runs `create` with the chart of `scope` naming new objects through `name`, given the chart's own `generateObjectName`. */
function withGeneratedNames<T>(scope: IConstruct, name: (generate: (obj: ApiObject) => unknown, obj: ApiObject) => string, create: () => T): T {
  const chart = Chart.of(scope);
  const own = Object.getOwnPropertyDescriptor(chart, 'generateObjectName');
  const generate = chart.generateObjectName;
  const wrapper = (obj: ApiObject) => name(o => generate.call(chart, o), obj);
  WRAPPERS.add(wrapper);
  chart.generateObjectName = wrapper;
  try {
    return create();
  } finally {
    if (own) {
      Object.defineProperty(chart, 'generateObjectName', own);
    } else {
      delete (chart as { generateObjectName?: unknown }).generateObjectName;
    }
  }
}
