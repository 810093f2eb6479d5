import { ApiObject } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct, IConstruct } from 'constructs';
import { addRenderStep, containerFinisher, ContainerFields, podMetadataOf, podSpecOf, renderWithPatchesLast, setPodSpec, withSortedKeys, workloadSignature } from './_kplus-adapter';
import { KubernetesTarget, resolveTarget, ResolvedTarget } from './kubernetes-target';
import { liftClaimTemplates } from './pod-volume';
import { applyBaselinePodSecurity } from './security';
import { appClaimObjects, claimKey, EphemeralClaim, ephemeralClaims, sharedEphemeralClaim } from './validation/_ephemeral-claims';
import { show } from './validation/_helpers';
import { constructPath, hasUserPatches, readRenderedIdentity, refuseNameClashes, written } from './validation/_name-clashes';
import { currentRun, metadataFingerprint, PerRun, ReportedElsewhere, validateObjectOnSynth, ValidationReporter } from './validation/_reporter';
import { markLibraryObject } from './validation/front-door-bypass';
import { ClaimFact, EphemeralClaimClash, Finding, PodFacts } from './validation/model';
import { pinnedNode } from './validation/volume-rules';

/**
 * The composition of one workload: the model server and the add-ons that registered with it.
 *
 * Constructors only *declare*: each construct creates its own container and volumes and
 * registers what it provides and needs (writes the model volume, reads the log volume, fronts
 * port P). Every decision that involves two constructs — who mounts what, which port is public,
 * where probes go, the pod's security, the order of containers — is made here, once, when the
 * workload renders. Construction order therefore never changes the output.
 *
 * @internal
 */
export class WorkloadHost {
  /** The host of a workload, created on first use. */
  public static of(workload: kplus.AbstractPod): WorkloadHost {
    let host = HOSTS.get(workload);
    if (!host) {
      host = new WorkloadHost(workload);
      HOSTS.set(workload, host);
    }
    return host;
  }

  /** The model server, once registered. */
  public server?: ServerRegistration;
  private readonly addOns: AddOnRegistration[] = [];
  /** `addOns` in canonical order, until the next registration. */
  private sortedCache?: AddOnRegistration[];
  private readonly workloadSteps: Array<(json: any, wiring?: Wiring) => void> = [];
  private readonly containerSteps = new Map<string, Array<(container: any) => void>>();
  private readonly apiObject: ApiObject;
  /** Its place among the app's workloads, in the order they were created. */
  private readonly order: number;
  private readonly reporter: ValidationReporter;
  private lastRendering?: RenderedPod;
  private readonly renderFresh: () => any;
  private readonly claimed = new Map<string, string>();
  /** The PersistentVolumeClaims written next to the workload, and whose each is. */
  private readonly claims: Array<{ readonly owner: IConstruct; readonly obj: ApiObject }> = [];
  private readonly defaultedIds = new Map<string, ReadonlyArray<string>>();
  private problems: Finding[] = [];
  /** The variables library containers got from their `env`, `secretEnv` and `fieldEnv` props. */
  private readonly propEnv: Array<{ readonly owner: IConstruct; readonly container: string; readonly given: ReadonlyMap<string, PropEnvValue> }> = [];

  private constructor(public readonly workload: kplus.AbstractPod) {
    this.apiObject = ApiObject.of(workload);
    const root = workload.node.root;
    const hosts = HOSTS_BY_ROOT.get(root) ?? [];
    this.order = hosts.length;
    hosts.push(this);
    HOSTS_BY_ROOT.set(root, hosts);
    const kplusRender = this.apiObject.toJson.bind(this.apiObject);
    this.reporter = new ValidationReporter(workload, () => this.render(), () => [...this.takeProblems()], () => this.facts(), () => this.shape());
    this.apiObject.toJson = () => this.reporter.takeRendering() ?? this.render();
    this.renderFresh = () => renderWithPatchesLast(this.apiObject, kplusRender, [json => this.finish(json)]);
    readRenderedIdentity(this.apiObject, { patched: () => hasUserPatches(this.apiObject), metadata: () => this.renderedMetadata() });
  }

  /** The kind of the workload's object (`Pod`, `Deployment`, `StatefulSet`, ...). */
  public get kind(): string {
    return this.apiObject.kind;
  }

  /** Records which ids (`runAsUser`, `runAsGroup`) of a library container are its defaults, not given by props. */
  public idsByDefault(container: string, keys: ReadonlyArray<string>): void {
    this.defaultedIds.set(container, keys);
  }

  /** The ids of `container` the library wrote by default (none for a container of yours). */
  public defaultIds(container: string): ReadonlyArray<string> {
    return this.defaultedIds.get(container) ?? [];
  }

  /**
   * Records the variables container `container` of `owner` got from its variable props. A
   * variable added later through cdk8s-plus with the same name (`container.env.addVariable`)
   * replaces the prop's value: the escape hatch wins, and synth warns, naming both.
   */
  public watchPropEnv(owner: IConstruct, container: string, given: ReadonlyMap<string, PropEnvValue>): void {
    if (given.size) {
      this.propEnv.push({ owner, container, given });
    }
  }

  /** Registers the model server (one per workload). */
  public registerServer(server: ServerRegistration): void {
    if (this.server) {
      server.errors.push(`server: the workload already has a model server (${this.server.owner.node.path}). `
        + 'Fix: one InferenceServer per workload; add other containers with Sidecar');
    } else {
      this.server = server;
    }
    this.reporter.addOwner(server.owner, [server.name], server.errors, true);
    refuseNameClashes(server.owner, this.apiObject);
  }

  /** Registers an add-on; its wiring runs at render. */
  public registerAddOn(addOn: AddOnRegistration): void {
    this.addOns.push(addOn);
    this.sortedCache = undefined;
    this.reporter.addOwner(addOn.owner, addOn.containers, addOn.errors, false);
  }

  /** Sets the library's fields on one of its containers in the final JSON. */
  public finishContainer(name: string, fields: ContainerFields): void {
    this.patchContainer(name, containerFinisher(fields));
  }

  /**
   * Claims a container or volume name for `owner`; a name already taken — by another
   * construct of the library or by the workload itself — is an error naming both and the prop
   * that renames it (two ModelPrepInits need their own `name` and `volumeName`).
   */
  public claimName(kind: 'container' | 'volume', name: string, owner: IConstruct, prop: string, errors: string[]): void {
    const key = `${kind}/${name}`;
    const taken = this.claimed.get(key)
      ?? (kind === 'container'
        ? (hasNamed(this.workload.initContainers, name) || hasNamed(this.workload.containers, name)) && 'a container of the workload'
        : hasNamed(this.workload.volumes, name) && 'a volume of the workload');
    if (taken) {
      errors.push(`${prop}: ${kind} name ${JSON.stringify(name)} is already used by ${taken}. Fix: give this ${kind} its own ${prop}`);
    } else {
      this.claimed.set(key, owner.node.path);
    }
  }

  /**
   * Edits the workload's final JSON outside the pod spec (replicas, strategy); `wiring` (for
   * warnings) when the workload has a pod spec.
   */
  public addWorkloadStep(step: (json: any, wiring?: Wiring) => void): void {
    this.workloadSteps.push(step);
  }

  /** Edits one container (regular, init or sidecar) of the final pod spec, found by name. */
  public patchContainer(name: string, step: (container: any) => void): void {
    const steps = this.containerSteps.get(name) ?? [];
    steps.push(step);
    this.containerSteps.set(name, steps);
  }

  /**
   * The Kubernetes version the workload renders for: the server's `target` prop, else the
   * context key, else the default. Read at render, so construction order does not matter.
   */
  public target(): ResolvedTarget {
    return this.server?.target ?? resolveTarget(this.workload, undefined);
  }

  /** The final JSON of the workload, as `cdk8s synth` writes it (user JSON patches included). */
  public render(): any {
    const json = this.renderFresh();
    this.lastRendering = {
      labels: { ...podMetadataOf(json)?.labels },
      namespace: json?.metadata?.namespace,
      name: json?.metadata?.name,
      references: referencedObjects(podSpecOf(json)),
      portNames: declaredPortNames(podSpecOf(json)),
      mountedClaims: mountedClaims(podSpecOf(json)),
      ephemeralClaims: ephemeralClaims(json, podSpecOf(json)),
      node: pinnedNode(podSpecOf(json)),
      run: currentRun(),
      shape: this.shape(),
    };
    return json;
  }

  /**
   * The pod's labels as rendered (user JSON patches included). Objects that select the pod
   * (the proxy's NetworkPolicy) read them at synth, right after validation rendered the
   * workload: that rendering is reused while current (same synchronous run, same shape). A
   * workload that cannot be rendered throws `ReportedElsewhere`: its own validation says why.
   */
  public podLabels(): { readonly [key: string]: string } {
    return this.renderedPod().labels;
  }

  /** The pod's labels as rendered, like `podLabels`; undefined when the workload cannot be rendered (its own validation says why). */
  public renderedPodLabels(): { readonly [key: string]: string } | undefined {
    return (this.renderedMetadata() as RenderedPod | undefined)?.labels;
  }

  /** The workload's namespace as rendered (user JSON patches included), like `podLabels`. */
  public podNamespace(): string | undefined {
    return this.renderedPod().namespace;
  }

  /**
   * Whether the rendered pod refers to the object `name` of `kind` (a ConfigMap it mounts, a
   * claim, a ResourceClaimTemplate), like `podLabels`.
   */
  public podRefersTo(kind: CompanionKind, name: string): boolean {
    return this.renderedPod().references.has(`${kind}/${name}`);
  }

  /** The workload's rendered namespace and name, like `podLabels`; undefined when it cannot be rendered. */
  private renderedMetadata(): { namespace?: string; name?: unknown } | undefined {
    try {
      return this.renderedPod();
    } catch (e) {
      if (e instanceof ReportedElsewhere) {
        return undefined;
      }
      throw e;
    }
  }

  private renderedPod(): RenderedPod {
    const last = this.lastRendering;
    if (last && last.run === currentRun() && last.shape === this.shape()) {
      return last;
    }
    try {
      this.render();
    } catch (e) {
      throw new ReportedElsewhere(`the workload cannot be rendered: ${(e as Error).message}`);
    }
    return this.lastRendering as RenderedPod;
  }

  /**
   * Makes `obj`, an object the library writes next to the workload (a ConfigMap or claim it
   * mounts, a ResourceClaimTemplate, a NetworkPolicy), follow the pod: it renders in the pod's
   * rendered namespace, and synth refuses it (as an error of `owner`) when a JSON patch moves it
   * to another namespace or renames it away from the name the pod refers to (`kind`). A
   * ConfigMap in another namespace cannot be mounted; a NetworkPolicy there protects nothing.
   */
  public addCompanion(owner: IConstruct, obj: ApiObject, kind?: CompanionKind, related?: (json: any) => Finding[]): void {
    markLibraryObject(obj);
    if (kind === CompanionKind.CLAIM) {
      this.claims.push({ owner, obj });
    }
    addRenderStep(obj, json => {
      const namespace = this.podNamespace();
      json.metadata = { ...json.metadata, namespace };
      // a namespace that is not a string (a JSON patch on the pod) is the pod's to report, once: not copied here
      if (typeof namespace !== 'string') {
        delete json.metadata.namespace;
      }
    });
    validateObjectOnSynth(owner, obj, (json, own) => [...this.companionFindings(json, own, kind), ...(related?.(json) ?? [])]);
    refuseNameClashes(owner, obj);
    // it moves with the pod: a JSON patch on either may change where it is written
    readRenderedIdentity(obj, {
      patched: () => hasUserPatches(obj) || hasUserPatches(this.apiObject),
      metadata: () => {
        if (hasUserPatches(obj)) {
          return obj.toJson()?.metadata;
        }
        const pod = this.renderedMetadata();
        return pod && { namespace: pod.namespace, name: obj.name };
      },
    });
  }

  /**
   * The names of the ports the rendered pod's containers declare (user JSON patches included),
   * like `podLabels`, with their numbers; undefined when the workload cannot be rendered (its own
   * validation says why).
   */
  public podPortNames(): ReadonlyMap<string, number> | undefined {
    try {
      return this.renderedPod().portNames;
    } catch (e) {
      if (e instanceof ReportedElsewhere) {
        return undefined;
      }
      throw e;
    }
  }

  /**
   * A companion's kind findings (`own`) and its checks against the pod: in the pod's namespace,
   * under the name the pod refers to. A namespace the companion only follows is the pod's to
   * report, once, not once more per object next to it.
   */
  private companionFindings(json: any, own: Finding[], kind?: CompanionKind): Finding[] {
    let namespace: string | undefined;
    try {
      namespace = this.podNamespace();
    } catch (e) {
      if (e instanceof ReportedElsewhere) {
        return own;
      }
      throw e;
    }
    if (namespace !== undefined && typeof namespace !== 'string') {
      // not a namespace (a JSON patch on the pod): the pod's to report, and the companion follows it as the default namespace
      namespace = undefined;
    }
    const findings = json.metadata?.namespace === namespace ? own.filter(f => f.field !== 'metadata.namespace') : [...own, {
      severity: 'error' as const, field: 'metadata.namespace',
      message: `${show(json.metadata?.namespace)} is not the namespace of the ${this.apiObject.kind} that uses it (${namespace === undefined ? 'the default namespace' : show(namespace)})`,
      fix: 'leave it out: the objects the library writes next to a pod follow the pod\'s namespace (a JSON patch changed it)',
    }];
    const name = json.metadata?.name;
    if (kind && !this.podRefersTo(kind, name)) {
      findings.push({
        severity: 'error', field: 'metadata.name', message: `${show(name)} is not a ${kind} the ${this.apiObject.kind} refers to`,
        fix: 'name it with the construct\'s prop (claimName, templateName) instead of a JSON patch, or patch the pod\'s reference to match',
      });
    }
    return findings;
  }

  /** Wiring problems found by the last render. */
  public takeProblems(): Finding[] {
    const problems = this.problems;
    this.problems = [];
    return problems;
  }

  /** What the add-ons resolved to for this workload: the input of every render-time decision. */
  public wiring(spec?: any): Wiring {
    const server = this.server
      ? {
        name: this.server.name, port: this.server.port, listens: this.server.listens, healthPaths: this.server.healthPaths,
        modelCacheSize: this.server.modelCacheSize,
      }
      : undefined;
    // the workload's own containers: a classic sidecar is a regular container but not a consumer
    const addOnContainers = new Set(this.addOns.flatMap(a => a.containers));
    const regular: string[] = (spec?.containers ?? this.workload.containers).map((c: any) => c.name).filter((n: string) => !addOnContainers.has(n));
    const proxies = this.sortedAddOns().filter(a => a.fronts !== undefined);
    const proxy = proxies[0]?.fronts;
    const policies = proxies.map(a => a.fronts?.admitted?.()).filter((ports): ports is ReadonlyArray<number> => ports !== undefined);
    return {
      problem: (owner, field, message, fix) => {
        if (spec) {
          this.problems.push({ severity: 'error', field, message, fix, owner });
        }
      },
      warning: (owner, field, message, fix) => {
        if (spec) {
          this.problems.push({ severity: 'warning', field, message, fix, owner });
        }
      },
      target: this.target().target,
      server,
      regularContainers: regular,
      publicPort: proxy?.port ?? (server?.listens ? server.port : undefined),
      proxy,
      admittedPorts: policies.length ? [...new Set(policies.flat())] : undefined,
      consumers: explicit => explicit ?? (server ? [server.name] : regular),
      upstreamPort: explicit => explicit ?? server?.port ?? DEFAULT_SERVER_PORT,
    };
  }

  /** Facts for validation: what the YAML alone does not tell. */
  public facts(): PodFacts {
    const wiring = this.wiring();
    const facts: PodFacts = {
      serverContainer: this.server?.name,
      serverPort: this.server?.listens ? this.server.port : undefined,
      startupBudgetDeclaredBy: this.server?.owner.node.path,
      publicPort: wiring.proxy?.port,
      proxies: [],
      modelVolumes: [],
      expectedLoadSeconds: [],
      securityLevel: this.server?.securityLevel,
      injectedEnv: this.server?.injectedEnv,
      target: targetFact(this.target()),
      gpuTaintNotTolerated: this.server?.gpuTaintNotTolerated,
      volumeOwnershipKept: this.server?.volumeOwnershipKept ? this.server.owner.node.path : undefined,
      claims: this.claims.length ? this.claimFacts() : undefined,
      ephemeralClaimClashes: this.ephemeralClaimClashes(),
    };
    const door = this.sortedAddOns().find(a => a.fronts?.admitted?.() !== undefined);
    if (door && wiring.admittedPorts) {
      facts.frontDoorPolicy = { ports: wiring.admittedPorts, declaredBy: door.owner.node.path };
    }
    for (const addOn of this.sortedAddOns()) {
      addOn.declare?.(facts, wiring);
    }
    return facts;
  }

  /** The claims next to the workload as they render (JSON patches included); one that cannot render is its own validation's to report. */
  private claimFacts(): ClaimFact[] {
    const facts: ClaimFact[] = [];
    for (const { owner, obj } of this.claims) {
      let json: any;
      try {
        json = obj.toJson();
      } catch {
        continue;
      }
      const modes: unknown = json?.spec?.accessModes;
      if (typeof json?.metadata?.name === 'string' && Array.isArray(modes)) {
        const accessModes = modes.filter((m): m is string => typeof m === 'string');
        facts.push({
          claimName: json.metadata.name, accessModes, declaredBy: owner.node.path,
          alsoWrittenBy: this.otherUsers(json.metadata.name, accessModes),
        });
      }
    }
    return facts;
  }

  /**
   * The other workloads of the app, in this one's namespace, whose pods mount the claim `name`
   * too (a claim of theirs of that name, or a mount of it, read-only or not: Kubernetes attaches
   * a ReadWriteOnce volume to one node whatever the mount says); undefined when there are none,
   * or when a workload created earlier mounts it too and its library claim reports them all. A
   * ReadWriteOnce claim's users pinned to one node with this one (nodeName, or the node's
   * hostname label) share it: not counted.
   */
  private otherUsers(name: string, accessModes: ReadonlyArray<string>): ReadonlyArray<string> | undefined {
    const rendered = this.renderedMetadata() as RenderedPod | undefined;
    const node = accessModes.includes('ReadWriteOncePod') ? undefined : rendered?.node;
    const all = (claimUsers(this.workload.node.root).get(claimKey(rendered?.namespace, name)) ?? []).filter(u => u.host !== this);
    // the first workload with the claim reports, even when it shares this one's node: one line for all
    if (all.some(u => u.host && u.host.order < this.order && u.host.claims.some(c => c.obj.name === name))) {
      return undefined;
    }
    const users = all.filter(u => node === undefined || u.node !== node);
    return users.length ? users.map(u => u.path) : undefined;
  }

  /**
   * The claims of the app named as a claim of one of this pod's generic ephemeral volumes
   * (`<pod>-<volume>`), in its namespace: a PersistentVolumeClaim object (a cache's, one of the
   * user's), or the ephemeral claim of a workload created earlier (which leaves the report to
   * this one). Undefined when there are none.
   */
  private ephemeralClaimClashes(): EphemeralClaimClash[] | undefined {
    const rendered = this.writtenRendering();
    if (!rendered?.ephemeralClaims.length) {
      return undefined;
    }
    const namespace = claimKey(rendered.namespace, '');
    const objects = [...appClaimObjects(this.workload.node.root)].filter(([key]) => key.startsWith(namespace))
      .map(([key, paths]) => ({ claim: key.slice(namespace.length), paths }));
    const earlier = ephemeralClaimHolders(this.workload.node.root).filter(h => h.order < this.order && h.namespace === rendered.namespace);
    const clashes: EphemeralClaimClash[] = [];
    for (const mine of rendered.ephemeralClaims) {
      const others = [
        ...objects.filter(o => mine.names(o.claim)).flatMap(o => o.paths.map(path => ({ claim: o.claim, by: `the PersistentVolumeClaim of ${path}` }))),
        ...earlier.flatMap(h => h.claims.flatMap((t: EphemeralClaim) => {
          const claim = sharedEphemeralClaim(mine, t);
          return claim === undefined ? [] : [{ claim, by: `the claim of ${h.path}'s ephemeral volume ${show(t.volume)}` }];
        })),
      ];
      if (others.length) {
        clashes.push({ volume: mine.volume, index: mine.index, claim: others[0].claim, others: others.map(o => o.by) });
      }
    }
    return clashes.length ? clashes : undefined;
  }

  /** The rendering of a workload the chart writes; undefined for one it does not (a pod taken as a template) or that cannot be rendered. */
  private writtenRendering(): RenderedPod | undefined {
    return written(this.apiObject) ? this.renderedMetadata() as RenderedPod | undefined : undefined;
  }

  /** The claims the rendered pod mounts (read-only or not), by `claimKey`; none when it is not written or cannot be rendered. */
  public mountedClaimKeys(): string[] {
    const rendered = this.writtenRendering();
    return rendered ? [...rendered.mountedClaims].map(claim => claimKey(rendered.namespace, claim)) : [];
  }

  /** This workload as a holder of generic ephemeral claims of known names; undefined when it has none (or is not written). */
  public ephemeralClaimHolder(): EphemeralClaimHolder | undefined {
    const rendered = this.writtenRendering();
    return rendered?.ephemeralClaims.length
      ? { order: this.order, path: constructPath(this.apiObject), namespace: rendered.namespace, claims: rendered.ephemeralClaims } : undefined;
  }

  /** This workload as a user of the claims it mounts. */
  public claimUser(): ClaimUser {
    return { host: this, path: constructPath(this.apiObject), node: (this.renderedMetadata() as RenderedPod | undefined)?.node };
  }

  private finish(json: any): any {
    this.problems = [];
    const spec = podSpecOf(json);
    if (!spec) {
      this.workloadSteps.forEach(step => step(json));
      return json;
    }
    for (const container of [...(spec.initContainers ?? []), ...(spec.containers ?? [])]) {
      this.containerSteps.get(container.name)?.forEach(step => step(container));
    }
    const target = this.target();
    for (const addOn of this.sortedAddOns()) {
      addOn.place?.(spec, target.target);
    }
    const wiring = this.wiring(spec);
    this.warnAboutReplacedEnv(wiring);
    warnAboutFrontDoors(this.sortedAddOns(), wiring);
    refuseFrontDoorsOfSilentServer(this.server, this.sortedAddOns(), wiring);
    const firstOwner = this.server ? undefined : this.sortedAddOns()[0]?.owner;
    if (firstOwner) {
      // with a server, its own prop errors carry these
      target.errors.forEach(e => wiring.problem(firstOwner, ...splitError(e)));
    }
    if (this.server) {
      this.server.wire(spec, wiring);
    } else {
      applyBaselinePodSecurity(spec);
    }
    for (const addOn of this.sortedAddOns()) {
      addOn.wire?.(spec, wiring);
    }
    liftClaimTemplates(json, spec);
    this.orderCanonically(spec);
    this.workloadSteps.forEach(step => step(json, wiring));
    for (const list of ['initContainers', 'containers']) {
      if (spec[list]) {
        spec[list] = spec[list].map(withSortedKeys);
      }
    }
    if (spec.securityContext) {
      spec.securityContext = withSortedKeys(spec.securityContext);
    }
    setPodSpec(json, withSortedKeys(spec));
    return json;
  }

  /**
   * A variable of a library container's props that cdk8s-plus's `env.addVariable` replaced
   * afterwards: the escape hatch wins (as everywhere), with a warning that names both sources,
   * where the same clash between two props is an error.
   */
  private warnAboutReplacedEnv(wiring: Wiring): void {
    if (!this.propEnv.length) {
      return;
    }
    const w = this.workload as any;
    const containers: kplus.Container[] = [...(w._initContainers ?? this.workload.initContainers), ...(w._containers ?? this.workload.containers)];
    for (const { owner, container, given } of this.propEnv) {
      const variables = (containers.find(c => c.name === container)?.env as any)?._variables;
      for (const [name, { field, value }] of given) {
        const now = variables?.[name];
        if (now !== undefined && !sameEnvValue(now, value)) {
          wiring.warning(owner, `${field}.${name}`, `${describeEnvValue(value)} is replaced by ${describeEnvValue(now)}, set with cdk8s-plus's `
            + `env.addVariable(${show(name)}, ...) on container ${show(container)}: the escape hatch wins and the prop's value is not written`,
          `set ${name} in one place: remove it from ${field}, or drop the addVariable call`);
        }
      }
    }
  }

  /** Add-ons in their canonical order: by role, then in the order they were added. */
  private sortedAddOns(): AddOnRegistration[] {
    if (!this.sortedCache) {
      this.sortedCache = stableSort(this.addOns, a => a.rank);
    }
    return this.sortedCache;
  }

  /**
   * Init containers, containers and volumes in an order that depends on roles, not on the
   * order constructs were created: model downloads, then other init steps, then native
   * sidecars (logs, others, proxy); the server first among regular containers; volumes by name.
   */
  private orderCanonically(spec: any): void {
    const rank = new Map<string, number>();
    if (this.server) {
      rank.set(this.server.name, 0);
    }
    for (const addOn of this.addOns) {
      for (const name of addOn.containers) {
        rank.set(name, addOn.rank);
      }
    }
    const byRank = (containers: any[] | undefined, unknown: number) => containers && stableSort(containers, c => rank.get(c.name) ?? unknown);
    spec.initContainers = byRank(spec.initContainers, Rank.INIT_STEP);
    spec.containers = byRank(spec.containers, Rank.USER_CONTAINER);
    if (spec.volumes) {
      spec.volumes = [...spec.volumes].sort((a: any, b: any) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    }
  }

  /** Shape of the workload's cdk8s-plus objects, to tell whether a rendering is still current. */
  private shape(): string {
    const w = this.workload;
    const podMetadata = (w as Partial<kplus.Workload>).podMetadata;
    // a Pod's pod metadata is its own metadata: one fingerprint
    const template = podMetadata && podMetadata !== this.apiObject.metadata ? metadataFingerprint(podMetadata) : '';
    return `${workloadSignature(w)}|${metadataFingerprint(this.apiObject.metadata)}|${template}`
      + `|${(this.apiObject as any).patches.length}|${this.containerSteps.size}|${this.addOns.length}`;
  }
}

/** What objects next to the pod read of one rendering of it, and when it was made. */
interface RenderedPod {
  readonly labels: { readonly [key: string]: string };
  readonly namespace?: string;
  /** `metadata.name` as rendered (a JSON patch may have written anything there). */
  readonly name?: unknown;
  /** `kind/name` of every object the pod spec refers to by name. */
  readonly references: ReadonlySet<string>;
  /** Names of the ports the pod's containers declare, with their numbers. */
  readonly portNames: ReadonlyMap<string, number>;
  /** The claims the pod mounts (read-only or not). */
  readonly mountedClaims: ReadonlySet<string>;
  /** The claims of its generic ephemeral volumes, where the pods' names are known. */
  readonly ephemeralClaims: ReadonlyArray<EphemeralClaim>;
  /** The one node the pod is pinned to (`pinnedNode`), if any. */
  readonly node?: string;
  readonly run: number;
  readonly shape: string;
}

/** Kinds of the objects the library writes next to a pod, which the pod refers to by name. */
export enum CompanionKind {
  CONFIG_MAP = 'ConfigMap',
  CLAIM = 'PersistentVolumeClaim',
  CLAIM_TEMPLATE = 'ResourceClaimTemplate',
}

/** The port names the containers (init containers and native sidecars too) of a rendered pod spec declare. */
function declaredPortNames(spec: any): Map<string, number> {
  const names = new Map<string, number>();
  for (const list of [spec?.initContainers, spec?.containers]) {
    for (const c of Array.isArray(list) ? list : []) {
      for (const p of Array.isArray(c?.ports) ? c.ports : []) {
        if (typeof p?.name === 'string') {
          names.set(p.name, p.containerPort);
        }
      }
    }
  }
  return names;
}

/**
 * The claims a rendered pod spec mounts: a volume of the claim that a container (init or
 * regular) mounts, read-only or not. The attach-detach controller attaches a ReadWriteOnce
 * volume to one node whatever the mount says (only the volume's access modes allow more), and
 * the scheduler gives a ReadWriteOncePod claim to one pod; a volume no container mounts is left
 * alone by the kubelet.
 */
function mountedClaims(spec: any): Set<string> {
  const mounted = new Set<unknown>();
  for (const list of [spec?.initContainers, spec?.containers]) {
    for (const c of Array.isArray(list) ? list : []) {
      for (const m of Array.isArray(c?.volumeMounts) ? c.volumeMounts : []) {
        mounted.add(m?.name);
      }
    }
  }
  const claims = new Set<string>();
  for (const volume of Array.isArray(spec?.volumes) ? spec.volumes : []) {
    const claim = volume?.persistentVolumeClaim;
    if (typeof claim?.claimName === 'string' && mounted.has(volume.name)) {
      claims.add(claim.claimName);
    }
  }
  return claims;
}

/** `kind/name` of the ConfigMaps, claims and claim templates a rendered pod spec refers to. */
function referencedObjects(spec: any): Set<string> {
  const references = new Set<string>();
  for (const volume of Array.isArray(spec?.volumes) ? spec.volumes : []) {
    if (typeof volume?.configMap?.name === 'string') {
      references.add(`${CompanionKind.CONFIG_MAP}/${volume.configMap.name}`);
    }
    if (typeof volume?.persistentVolumeClaim?.claimName === 'string') {
      references.add(`${CompanionKind.CLAIM}/${volume.persistentVolumeClaim.claimName}`);
    }
  }
  for (const claim of Array.isArray(spec?.resourceClaims) ? spec.resourceClaims : []) {
    if (typeof claim?.resourceClaimTemplateName === 'string') {
      references.add(`${CompanionKind.CLAIM_TEMPLATE}/${claim.resourceClaimTemplateName}`);
    }
  }
  return references;
}

/** Default port of a model server when nothing names one. */
const DEFAULT_SERVER_PORT = 8000;

/** Canonical order of the roles in the pod spec. */
export enum Rank {
  SERVER = 0,
  USER_CONTAINER = 5,
  MODEL_PREP = 10,
  INIT_STEP = 20,
  LOG_SIDECAR = 30,
  SIDECAR = 40,
  PROXY_SIDECAR = 50,
}

/** The model server of a workload. */
export interface ServerRegistration {
  readonly owner: Construct;
  readonly name: string;
  readonly port: number;
  /** Whether the server listens on `port` (`server.listens`); false for a batch worker without one. */
  readonly listens: boolean;
  readonly errors: string[];
  /** HTTP paths of the server's probes (a proxy forwards them without auth). */
  readonly healthPaths: ReadonlyArray<string>;
  /** The PSS level the pod is declared to meet. */
  readonly securityLevel: string;
  /** Variables a controller or webhook sets in every container (`injectedEnv`). */
  readonly injectedEnv?: ReadonlyArray<string>;
  /** The Kubernetes version the workload renders for. */
  readonly target?: ResolvedTarget;
  /** Size limit for an emptyDir model cache, derived from the model's size (GPU-fit plan). */
  readonly modelCacheSize?: string;
  /** The pod writes no fsGroup (`security.keepVolumeOwnership`). */
  readonly volumeOwnershipKept?: boolean;
  /** The server requests GPUs and says their taint is not to be tolerated (`gpu.tolerate: false`). */
  readonly gpuTaintNotTolerated?: boolean;
  /** Render-time edits of the pod spec that belong to the server (security, GPU, knobs, probes). */
  readonly wire: (spec: any, wiring: Wiring) => void;
}

/** An add-on of a workload: what it owns and what it does to the pod at render. */
export interface AddOnRegistration {
  readonly owner: IConstruct;
  /** Canonical position of its containers. */
  readonly rank: Rank;
  /** Names of the containers it owns (findings on them are its findings). */
  readonly containers: ReadonlyArray<string>;
  /** Its prop errors, reported at synth with the rest. */
  readonly errors: string[];
  /** The public port it fronts, for a proxy. */
  readonly fronts?: ProxyWiring;
  /**
   * Moves its containers where the target wants them (e.g. a sidecar between init and regular
   * containers), before anything is wired.
   */
  readonly place?: (spec: any, target: KubernetesTarget) => void;
  /** Render-time edits of the pod spec (mounts and env in other containers). */
  readonly wire?: (spec: any, wiring: Wiring) => void;
  /** Facts it contributes to validation. */
  readonly declare?: (facts: PodFacts, wiring: Wiring) => void;
}

/** A proxy in front of the server. */
export interface ProxyWiring {
  readonly container: string;
  readonly port: number;
  readonly https: boolean;
  /** Whether the server's HTTP probes go through the proxy (which then opens their paths). */
  readonly routeServerProbes: boolean;
  /** The prop a refusal of the front door names (`frontDoor` of a Sidecar, `scope` of a ProxySidecar). */
  readonly prop: string;
  /** Set by ProxySidecar: the generated nginx sets the X-Real-IP/X-Forwarded-* headers and drops hop-by-hop ones. */
  readonly nginx?: boolean;
  /** The ports its NetworkPolicy admits (its own and admitPorts), read at render; undefined without one. */
  readonly admitted?: () => ReadonlyArray<number> | undefined;
}

/** The render-time answers add-ons need about each other. */
export interface Wiring {
  /** The Kubernetes version the workload renders for. */
  readonly target: KubernetesTarget;
  readonly server?: {
    readonly name: string;
    readonly port: number;
    /** Whether the server listens on `port`; without, no front door or Service can reach it. */
    readonly listens: boolean;
    readonly healthPaths: ReadonlyArray<string>;
    /** Size limit for an emptyDir model cache derived from the model's size, when planned. */
    readonly modelCacheSize?: string;
  };
  readonly regularContainers: ReadonlyArray<string>;
  /** The port clients use: the proxy's when there is one, else the server's. */
  readonly publicPort?: number;
  readonly proxy?: ProxyWiring;
  /**
   * The ports the front doors' NetworkPolicies admit together (policies add up); undefined when
   * no front door has one (every port of the pod is reachable).
   */
  readonly admittedPorts?: ReadonlyArray<number>;
  /** Reports a wiring problem of `owner` (e.g. a consumer that does not exist) as a synth error. */
  problem(owner: IConstruct, field: string, message: string, fix: string): void;
  /** Reports a render-time warning of `owner` (printed; an error with warningsAsErrors). */
  warning(owner: IConstruct, field: string, message: string, fix: string): void;
  /** The containers that read a shared volume: the explicit list, else the server, else all. */
  consumers(explicit?: ReadonlyArray<string>): ReadonlyArray<string>;
  /** The port a proxy forwards to: the explicit one, else the server's, else 8000. */
  upstreamPort(explicit?: number): number;
}

/**
 * Several front doors (ProxySidecars, Sidecars with `frontDoor`) make a pod that works — each
 * NetworkPolicy admits its own port, and policies add up — but only the first in canonical
 * order is the Service's port and routes the server's probes: a warning names them all.
 */
function warnAboutFrontDoors(addOns: ReadonlyArray<AddOnRegistration>, wiring: Wiring): void {
  const doors = addOns.filter(a => a.fronts !== undefined);
  if (doors.length < 2) {
    return;
  }
  const describe = (a: AddOnRegistration) => `${a.owner.node.path} (container ${JSON.stringify(a.fronts?.container)}, port ${a.fronts?.port})`;
  const [winner, ...others] = doors;
  for (const other of others) {
    wiring.warning(other.owner, 'frontDoor', `the workload has ${doors.length} front doors, ${doors.map(describe).join(' and ')}: `
      + `the public port (the one a Service targets) and the server's probe routing are ${describe(winner)}'s only, while the NetworkPolicies admit every front door's port`,
    'keep one front door: drop frontDoor from a Sidecar, or chain the proxies (point one\'s upstream at the other\'s port) and give the inner one networkPolicy: false');
  }
}

/**
 * A server that listens on no port (`server.listens: false`) has nothing a front door could
 * forward to: each ProxySidecar and Sidecar `frontDoor` of the pod is refused, as its own error.
 */
function refuseFrontDoorsOfSilentServer(server: ServerRegistration | undefined, addOns: ReadonlyArray<AddOnRegistration>, wiring: Wiring): void {
  if (!server || server.listens) {
    return;
  }
  for (const door of addOns.filter(a => a.fronts !== undefined)) {
    const what = door.fronts?.prop === 'frontDoor' ? `a front door on port ${door.fronts.port}` : 'a proxy in front of the model server';
    wiring.problem(door.owner, door.fronts?.prop ?? 'frontDoor',
      `${what}, and the model server ${server.owner.node.path} listens on no port (server.listens: false): there is nothing to front`,
      `remove the ${door.fronts?.prop === 'frontDoor' ? 'frontDoor' : 'proxy'}, or let the server listen (remove listens: false and give its port)`);
  }
}

/** The target as a validation fact. */
function targetFact(resolved: ResolvedTarget): PodFacts['target'] {
  const t = resolved.target;
  return { version: t.toString(), minor: t.minor, imageVolumes: t.imageVolumes, source: resolved.source };
}

/** `field: message. Fix: fix` split into its three parts. */
export function splitError(text: string): [string, string, string] {
  const colon = text.indexOf(': ');
  const fix = text.lastIndexOf('. Fix: ');
  if (colon < 0 || fix < colon) {
    return ['spec', text, 'correct the input named in the message'];
  }
  return [text.slice(0, colon), text.slice(colon + 2, fix), text.slice(fix + 7)];
}

/** Adds `entries` to a container's list field (env, volumeMounts), keeping what is there. */
export function appendTo(container: any, field: string, entries: any[]): void {
  if (entries.length) {
    container[field] = [...(container[field] ?? []), ...entries];
  }
}

/** The container of the spec with this name. */
export function containerNamed(spec: any, name: string): any {
  return [...(spec.containers ?? []), ...(spec.initContainers ?? [])].find((c: any) => c.name === name);
}

/** Sets an emptyDir's sizeLimit to the quantity the user typed. */
export function setVolumeSizeLimit(spec: any, volume: string, size: string | undefined): void {
  const v = (spec.volumes ?? []).find((x: any) => x.name === volume);
  if (v?.emptyDir && size !== undefined) {
    v.emptyDir.sizeLimit = size;
  }
}

/** The workload an add-on attaches to: the scope itself, or an inference construct's workload. */
export function workloadOf(scope: IConstruct): kplus.AbstractPod {
  if (scope instanceof kplus.AbstractPod) {
    return scope;
  }
  const workload = (scope as { workload?: unknown }).workload;
  if (workload instanceof kplus.AbstractPod) {
    return workload;
  }
  throw new Error(`[${scope.node.path}] scope: is not a workload. Fix: create the add-on with an AiInferencePod, `
    + 'AiInferenceDeployment or a cdk8s-plus-27 Pod, Deployment, StatefulSet or Job as its scope');
}

function hasNamed(items: ReadonlyArray<{ readonly name: string }>, name: string): boolean {
  return items.some(item => item.name === name);
}

function stableSort<T>(items: ReadonlyArray<T>, key: (item: T) => number): T[] {
  return items.map((item, i) => ({ item, i, k: key(item) }))
    .sort((a, b) => a.k - b.k || a.i - b.i)
    .map(x => x.item);
}

const HOSTS = new WeakMap<kplus.AbstractPod, WorkloadHost>();
/** Per app root: its workloads' hosts, in the order they were created. */
const HOSTS_BY_ROOT = new WeakMap<IConstruct, WorkloadHost[]>();
/**
 * Per app root, for one synth run: the workloads that mount each claim, by `claimKey`. Built
 * once a run, so that every claim of thousands of workloads does not read every other workload.
 */
const USERS_BY_ROOT = new PerRun<IConstruct, ReadonlyMap<string, ClaimUser[]>>();

/** A workload that mounts a claim: the library's (its host), or one of the app's own (a cdk8s-plus Job, an included Pod). */
interface ClaimUser {
  readonly host?: WorkloadHost;
  /** Construct path of the workload. */
  readonly path: string;
  /** The one node its pods are pinned to, if any. */
  readonly node?: string;
}

/** A workload whose pods have generic ephemeral volumes with claims of known names. */
interface EphemeralClaimHolder {
  readonly order: number;
  readonly path: string;
  readonly namespace?: string;
  readonly claims: ReadonlyArray<EphemeralClaim>;
}

/** Per app root, for one synth run: the workloads with ephemeral claims of known names, read once a run (not once per pod). */
const EPHEMERAL_BY_ROOT = new PerRun<IConstruct, ReadonlyArray<EphemeralClaimHolder>>();

function ephemeralClaimHolders(root: IConstruct): ReadonlyArray<EphemeralClaimHolder> {
  return EPHEMERAL_BY_ROOT.get(root, () => (HOSTS_BY_ROOT.get(root) ?? []).map(h => h.ephemeralClaimHolder())
    .filter((h): h is EphemeralClaimHolder => h !== undefined));
}

/** Kinds whose JSON holds a pod spec (`podSpecOf`). */
const POD_KINDS = new Set(['Pod', 'Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job', 'CronJob']);

function claimUsers(root: IConstruct): ReadonlyMap<string, ClaimUser[]> {
  return USERS_BY_ROOT.get(root, () => indexClaimUsers(root));
}

function indexClaimUsers(root: IConstruct): ReadonlyMap<string, ClaimUser[]> {
  const users = new Map<string, ClaimUser[]>();
  const add = (key: string, user: ClaimUser) => users.set(key, [...users.get(key) ?? [], user]);
  const hosts = HOSTS_BY_ROOT.get(root) ?? [];
  for (const host of hosts) {
    const keys = host.mountedClaimKeys();
    if (keys.length) {
      const user = host.claimUser();
      keys.forEach(key => add(key, user));
    }
  }
  // the app's own workloads (a cdk8s-plus Job that fills the cache, an included Pod) attach the claim too
  const libraryObjects = new Set<IConstruct>(hosts.map(h => ApiObject.of(h.workload)));
  for (const obj of root.node.findAll()) {
    if (obj instanceof ApiObject && POD_KINDS.has(obj.kind) && !libraryObjects.has(obj) && written(obj)) {
      otherWorkloadClaims(obj, add);
    }
  }
  return users;
}

/** The claims a workload the library does not host mounts, passed to `add`; one that cannot render is its own to report. */
function otherWorkloadClaims(obj: ApiObject, add: (key: string, user: ClaimUser) => void): void {
  let json: any;
  try {
    json = obj.toJson();
  } catch {
    return;
  }
  const spec = podSpecOf(json);
  const user = { path: constructPath(obj), node: pinnedNode(spec) };
  for (const claim of mountedClaims(spec)) {
    add(claimKey(json?.metadata?.namespace, claim), user);
  }
}

/** A variable a library container got from its props, and the prop. @internal */
export interface PropEnvValue {
  /** `server.secretEnv`, `env`, ... */
  readonly field: string;
  readonly value: kplus.EnvValue;
}

/** Whether two variables' values are the same (an escape hatch that sets the prop's own value again replaces nothing). */
function sameEnvValue(a: kplus.EnvValue, b: kplus.EnvValue): boolean {
  return a === b || (a.value === b.value && JSON.stringify(a.valueFrom) === JSON.stringify(b.valueFrom));
}

/** A cdk8s-plus variable's value for a message: the text, or where it is read from. */
function describeEnvValue(value: kplus.EnvValue): string {
  if (value.value !== undefined) {
    return show(value.value);
  }
  const from = value.valueFrom ?? {};
  if (from.secretKeyRef) {
    return `Secret ${show(from.secretKeyRef.name)} key ${show(from.secretKeyRef.key)}`;
  }
  if (from.configMapKeyRef) {
    return `ConfigMap ${show(from.configMapKeyRef.name)} key ${show(from.configMapKeyRef.key)}`;
  }
  if (from.fieldRef) {
    return `pod field ${show(from.fieldRef.fieldPath)}`;
  }
  if (from.resourceFieldRef) {
    return `resource ${show(from.resourceFieldRef.resource)}`;
  }
  return 'a reference (valueFrom)';
}
