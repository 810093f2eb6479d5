import { Duration } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { PodSpecAdapter } from '../_kplus-adapter';
import { workloadOf } from '../_workload';
import { applyPodSecurity } from '../inference-server';
import { HealthCheck } from '../probes';
import { ContainerResources, renderResources } from '../resources';
import { containerSecurityContext, ContainerSecurityOptions } from '../security';

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
   * @default SidecarMode.NATIVE
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

/** Props of a generic `Sidecar` running the user's own image. */
export interface SidecarProps extends SidecarOptions {
  /** Container name. */
  readonly name: string;
  /** Image (pinned). */
  readonly image: string;
  /**
   * Entrypoint override.
   * @default - the image's
   */
  readonly command?: string[];
  /**
   * Arguments.
   * @default - the image's
   */
  readonly args?: string[];
  /**
   * Ports the sidecar listens on; they share the pod's network namespace with the server.
   * @default - none
   */
  readonly ports?: kplus.ContainerPort[];
  /**
   * Environment variables.
   * @default - none
   */
  readonly env?: { [name: string]: string };
  /**
   * Mounts of pod volumes by name. A name the pod does not define fails synth.
   * @default - none
   */
  readonly volumeMounts?: SidecarVolumeMount[];
  /**
   * Health of the sidecar; yields its startup, readiness and liveness probes (a native
   * sidecar's startup probe holds the server back until the sidecar is up).
   * @default - no probes
   */
  readonly health?: HealthCheck;
  /**
   * Startup budget of the sidecar's probes.
   * @default Duration.seconds(60)
   */
  readonly startupTimeout?: Duration;
}

/** Default sidecar resources: small, explicit. */
export const DEFAULT_SIDECAR_RESOURCES: ContainerResources = {
  cpu: { request: '50m' },
  memory: { request: '64Mi', limit: '128Mi' },
};

/** What a concrete sidecar passes to the shared mechanism. @internal */
export interface SidecarSpec {
  readonly name: string;
  readonly image: string;
  readonly command?: string[];
  readonly args?: string[];
  readonly ports?: kplus.ContainerPort[];
  readonly env?: { [name: string]: kplus.EnvValue };
  readonly namedMounts?: SidecarVolumeMount[];
  readonly probes?: { startupProbe?: any; readinessProbe?: any; livenessProbe?: any };
  readonly resources: ContainerResources;
  readonly workingDir?: string;
}

/**
 * The one mechanism every sidecar of the library (log, proxy, adapter) is built on: adds the
 * container as a native sidecar or a classic container, with small explicit resources, the
 * restricted security context and probes, and reports its errors at synth.
 */
export abstract class SidecarBase extends Construct {
  /** The cdk8s-plus workload the sidecar belongs to. */
  public readonly workload: kplus.AbstractPod;
  /** How the sidecar runs. */
  public readonly mode: SidecarMode;
  /** Errors found at construction, reported at synth with the rest. */
  protected readonly errors: string[] = [];
  /** The adapter that renders what cdk8s-plus-27 cannot. @internal */
  protected readonly adapter: PodSpecAdapter;
  private readonly options: SidecarOptions;

  protected constructor(scope: Construct, id: string, options: SidecarOptions) {
    super(scope, id);
    this.workload = workloadOf(scope);
    this.adapter = PodSpecAdapter.of(this.workload);
    this.mode = options.mode ?? SidecarMode.NATIVE;
    this.options = options;
  }

  /** Adds the container described by `spec` to the workload. @internal */
  protected attach(spec: SidecarSpec): kplus.Container {
    const options = this.options;
    const containerProps = {
      name: spec.name,
      image: options.image ?? spec.image,
      command: spec.command,
      args: spec.args,
      ports: spec.ports,
      envVariables: spec.env,
      workingDir: spec.workingDir,
      // Keeps cdk8s-plus's default resources and TCP startup probe out; the adapter writes ours.
      resources: {},
    };
    const native = this.mode === SidecarMode.NATIVE;
    // cdk8s-plus-27 has no container restartPolicy and refuses probes on init containers: a
    // native sidecar is added as a plain init container and finished by the adapter.
    const container = native ? this.workload.addInitContainer(containerProps) : this.workload.addContainer(containerProps);
    const resources = renderResources(options.resources ?? spec.resources);
    const securityContext = containerSecurityContext({ runAsUser: 1000, runAsGroup: 1000, ...options.security });
    const probes = spec.probes ?? {};
    const mounts = (spec.namedMounts ?? []).map(m => ({ mountPath: m.path, name: m.volume, readOnly: m.readOnly ?? true }));
    this.adapter.finishContainer(spec.name, { restartPolicy: native ? 'Always' : undefined, probes, resources, securityContext });
    if (mounts.length) {
      // mounts by volume name: a name the pod lacks is reported by the volumeMounts rule
      this.adapter.patchContainer(spec.name, c => { c.volumeMounts = [...(c.volumeMounts ?? []), ...mounts]; });
    }
    applyPodSecurity(this.adapter);
    this.adapter.registerOwner(this, [spec.name], this.errors);
    return container;
  }

  /** The containers in the server role: the AiInferencePod's server, or every regular container. */
  protected serverContainers(): kplus.Container[] {
    const server = this.adapter.facts.serverContainer;
    return this.workload.containers.filter(c => (server ? c.name === server : true));
  }
}

/**
 * A sidecar running the user's own image: the seed's adapter sidecar, or a local Redis on
 * `localhost:6379`. Works on an AiInferencePod and on any cdk8s-plus workload.
 *
 * @example
 * new Sidecar(pod, 'redis', { name: 'redis', image: 'redis:7.4.1', ports: [{ number: 6379 }] });
 */
export class Sidecar extends SidecarBase {
  /** The sidecar container (escape hatch). */
  public readonly container: kplus.Container;

  constructor(scope: Construct, id: string, props: SidecarProps) {
    super(scope, id, props);
    const env: { [name: string]: kplus.EnvValue } = {};
    for (const [key, value] of Object.entries(props.env ?? {})) {
      env[key] = kplus.EnvValue.fromValue(value);
    }
    this.container = this.attach({
      name: props.name,
      image: props.image,
      command: props.command,
      args: props.args,
      ports: props.ports,
      env,
      namedMounts: props.volumeMounts,
      probes: props.health?._render({ startupBudget: props.startupTimeout ?? Duration.seconds(60), defaultPort: props.ports?.[0]?.number ?? 0 }),
      resources: DEFAULT_SIDECAR_RESOURCES,
    });
  }
}
