import { ApiObject, Duration } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { addRenderStep } from '../_kplus-adapter';
import { AddOnRegistration, appendTo, containerNamed, Rank, Wiring, WorkloadHost, workloadOf } from '../_workload-host';
import { KubernetesTarget } from '../kubernetes-target';
import { ContainerPortSpec, ImagePullPolicy, renderPorts } from '../kubernetes-types';
import { addPodVolumes, PodVolumeMount, renderPodVolumeMounts } from '../pod-volume';
import { RenderedProbes } from '../probes';
import { checkedResources, ContainerResources, renderResources } from '../resources';
import { containerSecurityContext, ContainerSecurityOptions, DEFAULT_ID, idsByDefault } from '../security';
import { error, show } from '../validation/_helpers';
import { containerPropKeys, knownProps, labelName, listOf, optionalList, portNumber, propKeys, pullPolicy } from '../validation/_prop-checks';
import { ReportedElsewhere } from '../validation/_reporter';
import { frontDoorBypasses } from '../validation/front-door-bypass';
import { Finding } from '../validation/model';

/** The error of `admitPorts` given with `networkPolicy: false` (under the prop `prefix`). @internal */
export const NO_POLICY_NO_ADMITTED_PORTS = (prefix: string) =>
  `${prefix}admitPorts: admits ports in a NetworkPolicy, and ${prefix}networkPolicy is false. Fix: drop admitPorts, or keep the NetworkPolicy`;

/**
 * How a sidecar runs.
 *
 * @see https://kubernetes.io/docs/concepts/workloads/pods/sidecar-containers/
 */
export enum SidecarMode {
  /**
   * A native sidecar: an init container with `restartPolicy: Always` (Kubernetes 1.29+, beta
   * and on by default). It starts before the server, stays up, stops after it, and does not
   * keep a finished `restartPolicy: Never` worker pod alive.
   */
  NATIVE = 'native',
  /**
   * An ordinary container, for clusters older than 1.29. It starts alongside the server and a
   * run-to-completion pod only completes when it exits too.
   */
  CLASSIC = 'classic',
}

/** Options every sidecar accepts. */
export interface SidecarOptions {
  /**
   * Container name.
   * @default - the sidecar's own default
   */
  readonly name?: string;
  /**
   * Native (init container with restartPolicy Always) or classic (ordinary container).
   * @default - native when the workload's Kubernetes target is 1.29 or later, classic below
   */
  readonly mode?: SidecarMode;
  /**
   * Resources. Sidecars get small explicit resources, never cdk8s-plus's 1 CPU / 512Mi defaults.
   * @default - the sidecar's own default
   */
  readonly resources?: ContainerResources;
  /**
   * Security settings.
   * @default - PSS restricted, as the server; user and group 1000
   */
  readonly security?: ContainerSecurityOptions;
  /**
   * Image override (a mirror in your registry).
   * @default - the sidecar's pinned default image
   */
  readonly image?: string;
  /**
   * Image pull policy.
   * @default - Kubernetes' default: IfNotPresent for a pinned tag, Always for `:latest` or no tag
   */
  readonly imagePullPolicy?: ImagePullPolicy;
}

/** A mount of a pod volume, referenced by name. */
export interface SidecarVolumeMount {
  /** Name of a volume of the pod (e.g. `model-storage`). */
  readonly volume: string;
  /** Mount path in the sidecar. */
  readonly path: string;
  /**
   * Mount read-only.
   * @default true
   */
  readonly readOnly?: boolean;
}

/** The keys of `SidecarOptions` as flags, for the props interfaces that extend it. @internal */
export const SIDECAR_OPTION_FLAGS: { readonly [K in keyof SidecarOptions]-?: true } = {
  name: true, mode: true, resources: true, security: true, image: true, imagePullPolicy: true,
};
propKeys<SidecarOptions>('SidecarOptions', SIDECAR_OPTION_FLAGS);

/** What a concrete sidecar passes to the shared mechanism. @internal */
export interface SidecarSpec {
  readonly name: string;
  readonly image: string;
  readonly command?: string[];
  readonly args?: string[];
  readonly ports?: ContainerPortSpec[];
  readonly env?: { [name: string]: kplus.EnvValue };
  readonly namedMounts?: SidecarVolumeMount[];
  readonly podVolumeMounts?: PodVolumeMount[];
  readonly probes?: RenderedProbes;
  readonly resources: ContainerResources;
  readonly workingDir?: string;
  /** The container's lifecycle hooks (`lifecycle`). */
  readonly lifecycle?: any;
  /** Attach a stdin to the container (`stdin`). */
  readonly stdin?: boolean;
  /** Allocate a TTY (`tty`). */
  readonly tty?: boolean;
  /** Where the kubelet takes the reason of a crash from (`terminationMessagePolicy`). */
  readonly terminationMessagePolicy?: string;
  /** Canonical position among the pod's sidecars. */
  readonly rank: Rank;
  readonly wire?: AddOnRegistration['wire'];
  readonly declare?: AddOnRegistration['declare'];
  readonly fronts?: AddOnRegistration['fronts'];
}

/** Default startup budget of a sidecar's probes. @internal */
/**
 * A check of the ConfigMap a sidecar reads its configuration from, as rendered (JSON patches
 * included): the key it reads is still there and text. A patch that removes or empties it
 * leaves the sidecar without a configuration: it fails at start, after the pod is applied.
 */
export function configKeyKept(key: string, reader: string): (json: any) => Finding[] {
  return json => {
    const value = json?.data?.[key];
    return typeof value === 'string' && value.trim() !== '' ? [] : [error(`data[${show(key)}]`,
      `${value === undefined ? 'is missing' : `is ${show(value)}`}: ${reader} reads its configuration from this key and cannot start without it`,
      `patch the content of data[${show(key)}] instead of removing it (JsonPatch.replace('/data/${key.replace(/~/g, '~0').replace(/\//g, '~1')}', ...)), or leave it to the construct's props`)];
  };
}

export const SIDECAR_STARTUP_BUDGET = Duration.seconds(60);

/**
 * The one mechanism every sidecar of the library (log, proxy, your own) is built on: adds the
 * container as a native sidecar or a classic container, with small explicit resources, the
 * restricted security context and probes, and registers it with the workload's host, which
 * wires it to the other containers at render. Not exported from the package index: subclass
 * `Sidecar` or compose it. (Kept in the declarations: the public sidecars extend it, and theirs
 * need it.)
 */
export abstract class SidecarBase extends Construct {
  /** The cdk8s-plus workload the sidecar belongs to. */
  public readonly workload: kplus.AbstractPod;
  /** The mode given in the props; without one, the workload's target decides at render. */
  private readonly explicitMode?: SidecarMode;
  /** Errors found at construction, reported at synth with the rest. */
  protected readonly errors: string[] = [];
  /** The host that composes the workload. @internal */
  protected readonly host: WorkloadHost;
  /** The ports a front door's NetworkPolicy admits besides its own, and the prop that gave them. */
  private furtherAdmitted?: { readonly field: string; readonly ports: ReadonlyArray<number> };
  /** Every port a front door's NetworkPolicy admits; undefined without one. */
  private policyPorts?: ReadonlyArray<number>;
  private readonly options: SidecarOptions;

  /**
   * @param options the subclass's props, copied by it at construction
   * @param knownKeys the keys of the subclass's props interface; any other key is reported
   * @param defaultId the user and group id the container runs as unless its `security` gives them
   */
  protected constructor(
    scope: Construct, id: string, options: SidecarOptions, knownKeys: ReadonlyArray<string>, private readonly defaultId = DEFAULT_ID,
  ) {
    super(scope, id);
    knownProps('', options, knownKeys, this.errors);
    containerPropKeys('', options, this.errors);
    this.workload = workloadOf(scope);
    this.host = WorkloadHost.of(this.workload);
    this.explicitMode = options.mode;
    this.options = options;
    labelName('name', options.name, this.errors, 'container name');
  }

  /**
   * The workload's namespace, for the objects the sidecar writes next to it: a ConfigMap in
   * another namespace cannot be mounted, a NetworkPolicy there protects nothing. @internal
   */
  protected companionNamespace(): { namespace?: string } {
    const namespace = ApiObject.of(this.workload).metadata.namespace;
    return namespace === undefined ? {} : { namespace };
  }

  /**
   * How the sidecar runs: the `mode` prop, else native when the workload's Kubernetes target
   * (its server's `target`, the context key, or the default) has native sidecars.
   */
  public get mode(): SidecarMode {
    return this.explicitMode ?? modeFor(this.host.target().target);
  }

  /** Adds the container described by `spec` to the workload. @internal */
  protected attach(spec: SidecarSpec): kplus.Container {
    const options = this.options;
    this.host.claimName('container', spec.name, this, 'name', this.errors);
    // a bad policy is reported here, by prop, and not written (the rule would report it again)
    const imagePullPolicy = pullPolicy('imagePullPolicy', options.imagePullPolicy, this.errors);
    const containerProps = {
      name: spec.name,
      image: options.image ?? spec.image,
      command: optionalList('command', spec.command, this.errors),
      args: optionalList('args', spec.args, this.errors),
      envVariables: spec.env,
      workingDir: spec.workingDir,
      imagePullPolicy: imagePullPolicy as unknown as kplus.ImagePullPolicy,
      // Keeps cdk8s-plus's default resources and TCP startup probe out; the host writes ours.
      resources: {},
    };
    // cdk8s-plus-27 has no container restartPolicy and refuses probes on init containers: a
    // native sidecar is added as a plain init container and finished at render. Without an
    // explicit mode it is created as one too, and `place` moves it once the target is known.
    const container = this.explicitMode === SidecarMode.CLASSIC
      ? this.workload.addContainer(containerProps)
      : this.workload.addInitContainer(containerProps);
    const resources = renderResources(checkedResources('resources', options.resources, this.errors) ?? spec.resources);
    const securityContext = containerSecurityContext({ runAsUser: this.defaultId, runAsGroup: this.defaultId, ...options.security });
    this.host.idsByDefault(spec.name, idsByDefault(options.security));
    this.host.finishContainer(spec.name, {
      probes: spec.probes ?? {}, resources, securityContext, lifecycle: spec.lifecycle, keepImagePullPolicy: imagePullPolicy !== undefined,
      stdin: spec.stdin, tty: spec.tty, terminationMessagePolicy: spec.terminationMessagePolicy,
    });
    const ports = renderPorts(listOf('ports', spec.ports, this.errors));
    const named = (spec.namedMounts ?? []).map(m => ({ mountPath: m.path, name: m.volume, readOnly: m.readOnly ?? true }));
    const own = renderPodVolumeMounts(spec.podVolumeMounts ?? [], this.errors, this.host.kind);
    const name = spec.name;
    this.host.registerAddOn({
      owner: this,
      rank: spec.rank,
      containers: [name],
      errors: this.errors,
      fronts: spec.fronts,
      declare: spec.declare,
      place: (podSpec, target) => placeSidecar(podSpec, name, this.explicitMode ?? modeFor(target)),
      wire: (podSpec, wiring) => {
        const c = containerNamed(podSpec, name);
        if (c) {
          // ports as given (cdk8s-plus refuses duplicates eagerly; the portFields rule reports them)
          appendTo(c, 'ports', ports.map(p => ({ ...p })));
          // mounts by volume name: a name the pod lacks is reported by the volumeMounts rule
          appendTo(c, 'volumeMounts', [...named, ...own.volumeMounts].map(m => ({ ...m })));
          addPodVolumes(podSpec, own.volumes);
        }
        this.checkAdmittedPorts(wiring);
        spec.wire?.(podSpec, wiring);
      },
    });
    return container;
  }

  /**
   * A further admitted port that is the server's own would let clients reach the server around
   * the front door: the one thing the NetworkPolicy is for. Known at render, when the server is.
   */
  private checkAdmittedPorts(wiring: Wiring): void {
    const serverPort = wiring.server?.port;
    const at = this.furtherAdmitted?.ports.indexOf(serverPort as number) ?? -1;
    if (this.furtherAdmitted && at >= 0) {
      wiring.problem(this, `${this.furtherAdmitted.field}[${at}]`,
        `port ${serverPort} is the server's port: the NetworkPolicy would let clients reach the server around the front door`,
        'drop it (the front door is the way in), or set networkPolicy: false if the server must be reachable directly');
    }
  }

  /** The ports this front door's NetworkPolicy admits (read at render), undefined without one. @internal */
  protected readonly admittedByPolicy = (): ReadonlyArray<number> | undefined => this.policyPorts;

  /** The valid, distinct ports of `admitPorts` other than the front door's; errors for the rest. */
  private admittedPorts(field: string, port: number, admitPorts: number[] | undefined): number[] {
    const admitted: number[] = [];
    // Array.from: a hole in the list (`[, 5600]`) is reported, not skipped as forEach would
    Array.from(listOf(field, admitPorts, this.errors)).forEach((p, i) => {
      const before = this.errors.length;
      if (p === undefined || p === null) {
        this.errors.push(`${field}[${i}]: ${show(p)} is not a port. Fix: give a port number (1-65535), or remove the empty entry`);
      }
      portNumber(`${field}[${i}]`, p, this.errors);
      if (this.errors.length > before) {
        return;
      }
      if (p === port || admitted.includes(p)) {
        this.errors.push(`${field}[${i}]: port ${p} is ${p === port ? 'the front door\'s port, admitted already' : 'listed twice'}. Fix: list each further port once`);
      } else {
        admitted.push(p);
      }
    });
    return admitted;
  }

  /**
   * A NetworkPolicy that admits traffic to the pod(s) only on `port`: nothing else in the
   * cluster reaches the server around this sidecar (the kubelet's probes are always allowed).
   * It selects the pods by their rendered labels. @internal
   */
  protected closeBypass(name: string, port: number, admitPorts?: number[], field = 'admitPorts'): ApiObject {
    const further = this.admittedPorts(field, port, admitPorts);
    this.furtherAdmitted = { field, ports: further };
    this.policyPorts = [port, ...further];
    const admitted = [port, ...further];
    const policy = new ApiObject(this, 'network-policy', {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: `${ApiObject.of(this.workload).name}-${name}`.slice(0, 253).replace(/[-.]+$/, ''), ...this.companionNamespace() },
    });
    addRenderStep(policy, json => {
      const labels = this.host.podLabels();
      json.spec = {
        ingress: [{ ports: admitted.map(p => ({ port: p, protocol: 'TCP' })) }],
        podSelector: { matchLabels: { ...labels } },
        policyTypes: ['Ingress'],
      };
    });
    this.host.addCompanion(this, policy);
    this.node.addValidation({ validate: () => this.bypasses(port) });
    return policy;
  }

  /** Services and NetworkPolicies of the app that reach the server around this front door (when it is the pod's public one). */
  private bypasses(doorPort: number): string[] {
    return frontDoorBypasses(this.node.root, () => {
      const wiring = this.host.wiring();
      if (!wiring.server?.listens || !wiring.admittedPorts || wiring.publicPort !== doorPort) {
        return undefined;
      }
      try {
        const namespace: unknown = this.host.podNamespace();
        return {
          labels: this.host.podLabels(), namespace: typeof namespace === 'string' ? namespace : undefined, serverPort: wiring.server.port,
          admitted: wiring.admittedPorts, portNames: this.host.podPortNames() ?? new Map(), door: this.node.path, doorPort,
        };
      } catch (e) {
        if (e instanceof ReportedElsewhere) {
          return undefined;
        }
        throw e;
      }
    });
  }
}

function modeFor(target: KubernetesTarget): SidecarMode {
  return target.nativeSidecars ? SidecarMode.NATIVE : SidecarMode.CLASSIC;
}

/**
 * Puts the sidecar where its mode wants it in the final pod spec: an init container with
 * `restartPolicy: Always` (native) or a regular container (classic).
 */
function placeSidecar(spec: any, name: string, mode: SidecarMode): void {
  const init: any[] = spec.initContainers ?? [];
  const index = init.findIndex(c => c.name === name);
  if (mode === SidecarMode.NATIVE) {
    if (index >= 0) {
      init[index].restartPolicy = 'Always';
    }
    return;
  }
  if (index >= 0) {
    const [container] = init.splice(index, 1);
    spec.containers = [...(spec.containers ?? []), container];
    if (init.length === 0) {
      delete spec.initContainers;
    }
  }
}
