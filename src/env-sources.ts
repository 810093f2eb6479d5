import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import type { WorkloadHost } from './_workload-host';
import { SecretKeyRef } from './kubernetes-types';
import { isDivisorOf, isDnsLabel, isQualifiedName, RESOURCE_FIELDS, show } from './validation/_helpers';
import { dataKey, given, isPlainObject, knownProps, objectName, propKeys, quantity, snapshot, stringMap } from './validation/_prop-checks';

/**
 * Environment variables that Kubernetes fills in when the container starts: fields of the
 * running pod (the downward API) and whole ConfigMaps or Secrets. Servers need them for what is
 * only known on the node — vLLM and Ray advertise `status.podIP`, LeaderWorkerSet workers read
 * their labels, a production-stack engine loads its settings from a ConfigMap.
 */

/**
 * A field of the running pod or of the container's own resources, read into an environment
 * variable at start (the downward API).
 *
 * @example
 * // the pod's address is known only on the node: Kubernetes fills it in at start
 * server: { fieldEnv: { VLLM_HOST_IP: PodField.POD_IP, POD_NAME: PodField.POD_NAME } }
 */
export class PodField {
  /** The pod's name (`metadata.name`). */
  public static readonly POD_NAME = new PodField('metadata.name');
  /** The pod's namespace (`metadata.namespace`). */
  public static readonly POD_NAMESPACE = new PodField('metadata.namespace');
  /** The pod's UID (`metadata.uid`). */
  public static readonly POD_UID = new PodField('metadata.uid');
  /** The pod's IP address (`status.podIP`): what a distributed server advertises to its peers. */
  public static readonly POD_IP = new PodField('status.podIP');
  /** The pod's IP addresses, comma-separated (`status.podIPs`, dual-stack). */
  public static readonly POD_IPS = new PodField('status.podIPs');
  /** The node's IP address (`status.hostIP`). */
  public static readonly HOST_IP = new PodField('status.hostIP');
  /** The node's name (`spec.nodeName`). */
  public static readonly NODE_NAME = new PodField('spec.nodeName');
  /** The pod's service account (`spec.serviceAccountName`). */
  public static readonly SERVICE_ACCOUNT_NAME = new PodField('spec.serviceAccountName');

  /**
   * All of the pod's labels, one `key="value"` a line (`metadata.labels`): a file of a downwardAPI
   * volume only (`PodVolume.downwardApi`), not an environment variable.
   */
  public static readonly LABELS = new PodField('metadata.labels', undefined, undefined, true);
  /**
   * All of the pod's annotations, one `key="value"` a line (`metadata.annotations`): a file of a
   * downwardAPI volume only (`PodVolume.downwardApi`), as Seldon's `seldon-podinfo`.
   */
  public static readonly ANNOTATIONS = new PodField('metadata.annotations', undefined, undefined, true);

  /** The value of one of the pod's labels (e.g. `leaderworkerset.sigs.k8s.io/worker-index`). */
  public static label(key: string): PodField {
    return new PodField(`metadata.labels['${key}']`, key);
  }

  /** The value of one of the pod's annotations. */
  public static annotation(key: string): PodField {
    return new PodField(`metadata.annotations['${key}']`, key);
  }

  /**
   * One of the container's own requests or limits (`limits.memory`, `requests.cpu`), in units
   * of `divisor` (e.g. `'1Mi'`): GOMEMLIMIT or OMP_NUM_THREADS that follow the resources.
   */
  public static resource(resource: string, divisor?: string): PodField {
    return new PodField(undefined, undefined, { resource, divisor });
  }

  /**
   * One of the requests or limits of another container of the pod, by its name: Seldon's agent
   * reads MLServer's `requests.memory` this way. Synth fails when the pod has no container of
   * that name.
   *
   * @example
   * fieldEnv: { MEMORY_REQUEST: PodField.containerResource('mlserver', 'requests.memory') }
   */
  public static containerResource(containerName: string, resource: string, divisor?: string): PodField {
    return new PodField(undefined, undefined, { resource, divisor, containerName });
  }

  private constructor(
    private readonly fieldPath?: string,
    private readonly key?: string,
    private readonly containerResource?: { readonly resource: string; readonly divisor?: string; readonly containerName?: string },
    /** Whether only a downwardAPI volume file can hold it (all labels or annotations). */
    private readonly fileOnly = false,
  ) {}

  /**
   * What is wrong with this field for variable `field` (pushed to `errors`); `file` when it is
   * the file of a downwardAPI volume, which reads pod metadata and named containers' resources only.
   * @internal
   */
  public _check(field: string, errors: string[], file = false): void {
    if (this.fileOnly && !file) {
      errors.push(`${field}: ${this.fieldPath} (all of the pod's ${this.fieldPath?.split('.')[1]}) is a file of a downwardAPI volume only, not an environment variable. `
        + `Fix: read one key (PodField.${this.fieldPath === 'metadata.labels' ? 'label' : 'annotation'}('key')), or mount PodVolume.downwardApi`);
    }
    if (file && this.fieldPath !== undefined && !/^metadata\./.test(this.fieldPath)) {
      errors.push(`${field}: ${this.fieldPath} is for environment variables only: a downwardAPI volume file holds the pod's metadata or a container's resources. `
        + 'Fix: use PodField.POD_NAME, POD_NAMESPACE, POD_UID, LABELS, ANNOTATIONS, label(key), annotation(key) or containerResource(...), or read it with fieldEnv');
    }
    if (file && this.containerResource && !('containerName' in this.containerResource)) {
      errors.push(`${field}: PodField.resource(${show(this.containerResource.resource)}) names no container, and a volume file belongs to none. `
        + `Fix: use PodField.containerResource('server', ${show(this.containerResource.resource)})`);
    }
    if (this.key !== undefined && !(typeof this.key === 'string' && isQualifiedName(this.key))) {
      errors.push(`${field}: ${show(this.key)} is not a label or annotation key. Fix: give a key such as 'app' or 'example.com/role'`);
    }
    const resource = this.containerResource;
    if (resource && !(typeof resource.resource === 'string' && RESOURCE_FIELDS.test(resource.resource))) {
      errors.push(`${field}: ${show(resource.resource)} is not a container resource. Fix: use 'limits.memory', 'requests.cpu', `
        + "'limits.ephemeral-storage' or 'limits.hugepages-2Mi'");
    }
    if (resource && 'containerName' in resource && !isDnsLabel(resource.containerName)) {
      // whether the pod has the container is known at render: the envVars rule checks it there
      errors.push(`${field}.containerName: ${show(resource.containerName)} is not a container name. `
        + "Fix: give the name of a container of the pod (lower-case letters, digits and '-'), e.g. 'server'");
    }
    if (resource?.divisor !== undefined) {
      const before = errors.length;
      quantity(`${field}.divisor`, resource.divisor, errors, true);
      if (errors.length === before && typeof resource.resource === 'string' && !isDivisorOf(resource.resource, resource.divisor)) {
        const cpu = /\.cpu$/.test(resource.resource);
        errors.push(`${field}.divisor: ${show(resource.divisor)} is not a divisor of ${resource.resource} the API server accepts. `
          + `Fix: use ${cpu ? "'1m' or '1'" : "'1', '1Ki', '1Mi', '1Gi' (or '1k', '1M', '1G')"}, or leave it out`);
      }
    }
  }

  /** The field as a downwardAPI item's source (`fieldRef` or `resourceFieldRef`). @internal */
  public _fileSource(): any {
    const resource = this.containerResource;
    return resource
      ? { resourceFieldRef: { containerName: resource.containerName, resource: resource.resource, divisor: resource.divisor } }
      : { fieldRef: { fieldPath: this.fieldPath } };
  }

  /** The cdk8s-plus value (a new one each call: cdk8s-plus keeps what it is given). @internal */
  public _envValue(): kplus.EnvValue {
    if (this.fileOnly) {
      // refused by _check (all labels are no variable): an empty value meanwhile, as cdk8s-plus throws on the path
      return kplus.EnvValue.fromValue('');
    }
    const resource = this.containerResource;
    return resource
      ? kplus.EnvValue.fromResource(resource.resource as kplus.ResourceFieldPaths, {
        divisor: resource.divisor,
        // cdk8s-plus reads only the name; the container may be another construct's, known at render
        container: isDnsLabel(resource.containerName) ? { name: resource.containerName } as kplus.Container : undefined,
      })
      // a label or annotation path already names its key
      : kplus.EnvValue.fromFieldRef(this.fieldPath as kplus.EnvFieldPaths);
  }
}

/** Options of a ConfigMap or Secret whose keys all become environment variables. */
export interface EnvFromOptions {
  /**
   * Put in front of every key (`VLLM_` turns key `PORT` into `VLLM_PORT`).
   * @default - the keys as they are
   */
  readonly prefix?: string;
  /**
   * Start the container even when the object does not exist.
   * @default false (the pod waits for the object)
   */
  readonly optional?: boolean;
}

const ENV_FROM_OPTIONS_KEYS = propKeys<EnvFromOptions>('EnvFromOptions', { prefix: true, optional: true });

/** A ConfigMap or Secret whose keys all become environment variables of a container (`envFrom`). */
export class EnvFromSource {
  /** Every key of a ConfigMap, by name. */
  public static configMap(name: string, options: EnvFromOptions = {}): EnvFromSource {
    return new EnvFromSource('configMapRef', name, options);
  }

  /** Every key of a Secret, by name (its values never pass through synth). */
  public static secret(name: string, options: EnvFromOptions = {}): EnvFromSource {
    return new EnvFromSource('secretRef', name, options);
  }

  private readonly options: EnvFromOptions;

  private constructor(private readonly ref: 'configMapRef' | 'secretRef', private readonly name: string, options: EnvFromOptions) {
    // a copy: what the caller changes later does not reach the YAML
    this.options = snapshot(options);
  }

  /** What is wrong with this source at `field` (pushed to `errors`). @internal */
  public _check(field: string, errors: string[]): void {
    const what = this.ref === 'configMapRef' ? 'ConfigMap' : 'Secret';
    objectName(`${field}.name`, this.name, errors, what);
    if (this.options !== null && !isPlainObject(this.options)) {
      // a string (the prefix given in place of the options) would be silently ignored
      errors.push(`${field}: ${given(this.options)} is not the options of the ${what}. Fix: give { prefix: 'VLLM_', optional: true }, or leave them out`);
      return;
    }
    knownProps(field, this.options, ENV_FROM_OPTIONS_KEYS, errors);
    const { prefix, optional } = this.options ?? {};
    if (prefix !== undefined && !(typeof prefix === 'string' && /^[A-Za-z_][A-Za-z0-9_]*$/.test(prefix))) {
      errors.push(`${field}.prefix: ${show(prefix)} is not a variable name prefix (letters, digits, '_'; not a digit first). Fix: e.g. 'VLLM_'`);
    }
    if (optional !== undefined && typeof optional !== 'boolean') {
      errors.push(`${field}.optional: ${show(optional)} is not true or false. Fix: true to start without the ${what}, or leave it out`);
    }
  }

  /** The `envFrom` entry, a new object each call. @internal */
  public _render(): any {
    const { prefix, optional } = this.options ?? {};
    const ref = optional === undefined ? { name: this.name } : { name: this.name, optional };
    return prefix === undefined ? { [this.ref]: ref } : this.ref === 'configMapRef' ? { configMapRef: ref, prefix } : { prefix, secretRef: ref };
  }
}

/** The variable props of a container the library adds (server, init container, sidecar). @internal */
export interface ContainerEnvProps {
  readonly env?: { [name: string]: string };
  readonly secretEnv?: { [name: string]: SecretKeyRef };
  readonly fieldEnv?: { [name: string]: PodField };
  readonly envFrom?: EnvFromSource[];
}

/**
 * The cdk8s-plus env of container `name` from its variable props (plain variables after
 * `defaults`, then Secret keys, then pod fields, then the plain variables that refer to those),
 * checked into `errors`; `envFrom` is appended
 * to the container's final JSON by the workload's host. `prefix` is where the props sit
 * (`server.`). @internal
 */
export function containerEnv(scope: Construct, host: WorkloadHost, name: string, props: ContainerEnvProps, errors: string[],
  prefix = '', defaults: { [name: string]: string } = {}): { [name: string]: kplus.EnvValue } {
  repeatedEnvNames({ [`${prefix}env`]: props.env, [`${prefix}secretEnv`]: props.secretEnv, [`${prefix}fieldEnv`]: props.fieldEnv }, errors);
  // a map of another shape (a Map, a string, a list) is reported and left out: spread, it would
  // be silently empty or turn into variables named "0", "1", ...
  const plain = stringMap(`${prefix}env`, props.env, errors, "{ HF_HOME: '/data/huggingface' }") ? props.env : undefined;
  const values = { ...defaults, ...plain };
  const sourced = {
    ...secretEnvValues(scope, props.secretEnv, errors, `${prefix}secretEnv`, prefix ? 'secret-env' : 'secret'),
    ...fieldEnvValues(props.fieldEnv, errors, `${prefix}fieldEnv`),
  };
  const late = referringToSourced(values, Object.keys(sourced));
  const env: { [name: string]: kplus.EnvValue } = {};
  for (const [key, value] of Object.entries(values)) {
    if (!late.has(key)) {
      env[key] = kplus.EnvValue.fromValue(value);
    }
  }
  Object.assign(env, sourced);
  for (const key of late) {
    env[key] = kplus.EnvValue.fromValue(values[key]);
  }
  // what the props set, by name: an escape hatch (`container.env.addVariable`) that replaces one is reported at synth
  const fromProps = new Map<string, { field: string; value: kplus.EnvValue }>();
  for (const field of ['env', 'secretEnv', 'fieldEnv'] as const) {
    for (const key of isPlainObject(props[field]) ? Object.keys(props[field] as object) : []) {
      if (env[key] && !fromProps.has(key)) {
        fromProps.set(key, { field: `${prefix}${field}`, value: env[key] });
      }
    }
  }
  host.watchPropEnv(scope, name, fromProps);
  const step = envFromStep(props.envFrom, errors, `${prefix}envFrom`);
  if (step) {
    host.patchContainer(name, step);
  }
  return env;
}

/**
 * The plain variables whose value refers (`$(NAME)`, not the escaped `$$(NAME)`) to a Secret key
 * or pod field variable, or to a plain variable that does, in their order. Kubernetes expands a
 * reference in an env value only to a variable listed before it, so these are written after the
 * Secret keys and pod fields: `VLLM_HOST_IP: '$(POD_IP)'` with `fieldEnv: { POD_IP }` gets the
 * pod's IP, not the literal text.
 */
function referringToSourced(values: { [name: string]: string }, sourced: string[]): Set<string> {
  const late = new Set<string>();
  const refersTo = (value: string, names: Iterable<string>): boolean => {
    for (const name of names) {
      let at = value.indexOf(`$(${name})`);
      while (at !== -1) {
        // a reference after an even run of '$' ('$$' is one literal '$': `$$$(NAME)` is '$' and a reference)
        let run = 0;
        while (at - run > 0 && value[at - run - 1] === '$') {
          run++;
        }
        if (run % 2 === 0) {
          return true;
        }
        at = value.indexOf(`$(${name})`, at + 1);
      }
    }
    return false;
  };
  if (sourced.length === 0) {
    return late;
  }
  let grew = true;
  while (grew) {
    grew = false;
    for (const [key, value] of Object.entries(values)) {
      if (!late.has(key) && typeof value === 'string' && value.includes('$(') && (refersTo(value, sourced) || refersTo(value, late))) {
        late.add(key);
        grew = true;
      }
    }
  }
  return new Set(Object.keys(values).filter(key => late.has(key)));
}

/**
 * cdk8s-plus env values for `secretEnv` (Secrets referenced by name, never read); a reference
 * that is not one goes to `errors` under `field`. `idPrefix` names the references in the tree.
 */
function secretEnvValues(scope: Construct, secrets: { [name: string]: SecretKeyRef } | undefined, errors: string[], field: string,
  idPrefix: string): { [name: string]: kplus.EnvValue } {
  const env: { [name: string]: kplus.EnvValue } = {};
  if (secrets === undefined) {
    return env;
  }
  if (!isPlainObject(secrets)) {
    errors.push(`${field}: ${given(secrets)} is not a map of variable names to Secret keys. Fix: e.g. { HF_TOKEN: { secretName: 'hf-token', key: 'token' } }`);
    return env;
  }
  for (const [key, ref] of Object.entries(secrets)) {
    if (ref === null || typeof ref !== 'object') {
      errors.push(`${field}.${key}: ${show(ref)} is not a Secret key reference. Fix: give { secretName: 'my-secret', key: 'token' }`);
      continue;
    }
    objectName(`${field}.${key}.secretName`, ref.secretName, errors, 'Secret');
    dataKey(`${field}.${key}.key`, ref.key, errors);
    if (ref.optional !== undefined && typeof ref.optional !== 'boolean') {
      errors.push(`${field}.${key}.optional: ${show(ref.optional)} is not true or false. Fix: true to start the container without the Secret, or leave it out`);
    }
    const secretValue = { secret: kplus.Secret.fromSecretName(scope, `${idPrefix}-${key}`, ref.secretName), key: ref.key };
    env[key] = typeof ref.optional === 'boolean'
      ? kplus.EnvValue.fromSecretValue(secretValue, { optional: ref.optional })
      : kplus.EnvValue.fromSecretValue(secretValue);
  }
  return env;
}

/** cdk8s-plus env values for `fieldEnv`; a value that is not a PodField goes to `errors`. */
function fieldEnvValues(fieldEnv: { [name: string]: PodField } | undefined, errors: string[], field = 'fieldEnv'): { [name: string]: kplus.EnvValue } {
  const env: { [name: string]: kplus.EnvValue } = {};
  if (fieldEnv === undefined) {
    return env;
  }
  if (!isPlainObject(fieldEnv)) {
    errors.push(`${field}: ${given(fieldEnv)} is not a map of variable names to PodFields. Fix: e.g. { POD_IP: PodField.POD_IP }`);
    return env;
  }
  for (const [name, value] of Object.entries(fieldEnv)) {
    if (!(value instanceof PodField)) {
      errors.push(`${field}.${name}: ${show(value)} is not a PodField. Fix: use PodField.POD_IP, PodField.label('app') or PodField.resource('limits.memory')`);
      continue;
    }
    value._check(`${field}.${name}`, errors);
    env[name] = value._envValue();
  }
  return env;
}

/**
 * A step that appends `envFrom` sources to a container's final JSON, after what the
 * cdk8s-plus escape hatch may have added; checks them into `errors` now.
 */
function envFromStep(sources: ReadonlyArray<EnvFromSource> | undefined, errors: string[], field = 'envFrom'): ((container: any) => void) | undefined {
  if (sources === undefined) {
    return undefined;
  }
  if (!Array.isArray(sources)) {
    errors.push(`${field}: ${show(sources)} is not a list. Fix: e.g. [EnvFromSource.configMap('engine-settings')]`);
    return undefined;
  }
  // Array.from: a hole is reported by its index like any other entry (filter would skip it)
  const valid = Array.from(sources).filter((s, i) => {
    if (!(s instanceof EnvFromSource)) {
      errors.push(`${field}[${i}]: ${show(s) ?? 'undefined'} is not an EnvFromSource. Fix: use EnvFromSource.configMap(name) or EnvFromSource.secret(name)`);
      return false;
    }
    s._check(`${field}[${i}]`, errors);
    return true;
  });
  return valid.length ? c => { c.envFrom = [...(c.envFrom ?? []), ...valid.map(s => s._render())]; } : undefined;
}

/**
 * The names given twice across a container's variable props (`env`, `secretEnv`, `fieldEnv`):
 * one would silently replace the other.
 */
function repeatedEnvNames(fields: { [field: string]: object | undefined }, errors: string[]): void {
  const owner = new Map<string, string>();
  for (const [field, vars] of Object.entries(fields)) {
    if (vars === null || typeof vars !== 'object') {
      continue;
    }
    for (const name of Object.keys(vars)) {
      const first = owner.get(name);
      if (first) {
        errors.push(`${field}.${name}: the variable is also set in ${first}. Fix: set it in one of them`);
      } else {
        owner.set(name, field);
      }
    }
  }
}
