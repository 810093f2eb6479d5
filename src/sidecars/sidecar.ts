import { ApiObject, Duration } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { lifecycleHooks } from '../_lifecycle';
import { Rank } from '../_workload-host';
import { containerEnv, EnvFromSource, PodField } from '../env-sources';
import { ContainerPortSpec, HttpHook, SecretKeyRef, TerminationMessagePolicy } from '../kubernetes-types';
import { PodVolumeMount } from '../pod-volume';
import { HealthCheck } from '../probes';
import { ContainerResources } from '../resources';
import { NO_POLICY_NO_ADMITTED_PORTS, SIDECAR_OPTION_FLAGS, SIDECAR_STARTUP_BUDGET, SidecarBase, SidecarOptions, SidecarVolumeMount } from './_sidecar-base';
import { show } from '../validation/_helpers';
import { knownProps, labelName, propKeys, snapshot, terminalFields } from '../validation/_prop-checks';
import { isPortNumber } from '../validation/port-rules';

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
  readonly ports?: ContainerPortSpec[];
  /**
   * Environment variables.
   * @default - none
   */
  readonly env?: { [name: string]: string };
  /**
   * Environment variables read from Secret keys (an exporter's API key): never inline secrets.
   * @default - none
   */
  readonly secretEnv?: { [name: string]: SecretKeyRef };
  /**
   * Environment variables from fields of the running pod (`PodField.POD_NAME`, `PodField.NODE_NAME`).
   * @default - none
   */
  readonly fieldEnv?: { [name: string]: PodField };
  /**
   * ConfigMaps and Secrets whose keys all become variables.
   * @default - none
   */
  readonly envFrom?: EnvFromSource[];
  /**
   * Mounts of the pod's volumes by name (e.g. the model volume `model-storage`). A name the
   * pod does not define fails synth.
   * @default - none
   */
  readonly volumeMounts?: SidecarVolumeMount[];
  /**
   * Mounts of your own volumes (ConfigMaps, Secrets, PVCs, scratch space).
   * @default - none
   */
  readonly podVolumeMounts?: PodVolumeMount[];
  /**
   * Health of the sidecar. `HealthCheck.http/tcp/command` yield startup, readiness and
   * liveness probes (a native sidecar's startup probe holds the server back until the sidecar
   * is up); `HealthCheck.custom({ readiness })` gives readiness only — for a sidecar whose
   * health follows the server, which may be loading its model for many minutes.
   * @default - no probes
   */
  readonly health?: HealthCheck;
  /**
   * Startup budget of the sidecar's startup probe.
   * @default Duration.seconds(60)
   */
  readonly startupTimeout?: Duration;
  /**
   * Make this sidecar the pod's front door (an auth proxy of your own): the public port of the
   * workload's Service, the only port its NetworkPolicy admits.
   * @default - not a front door
   */
  readonly frontDoor?: FrontDoorOptions;
  /**
   * Command run right after the sidecar starts (`lifecycle.postStart`, an exec hook). The
   * container is not Running until it returns; a failing command restarts it.
   * @default - none
   */
  readonly postStartCommand?: string[];
  /**
   * Command run before the sidecar gets SIGTERM (an exec hook). Not with `preStopSleep`.
   * @default - none
   */
  readonly preStopCommand?: string[];
  /**
   * Wait this long before the sidecar gets SIGTERM (`lifecycle.preStop.sleep`, Kubernetes
   * 1.30+; the kubelet sleeps, so the image needs no `sleep` binary): a proxy or exporter keeps
   * serving while the endpoints update. Whole seconds, at least one, within the pod's
   * termination grace period. Not with `preStopCommand`.
   * @default - none
   */
  readonly preStopSleep?: Duration;
  /**
   * An HTTP GET the kubelet sends before the sidecar gets SIGTERM (`lifecycle.preStop.httpGet`),
   * as ModelMesh's adapter is called on `{ path: '/prestop', port: 8090 }`. Not with
   * `preStopCommand` or `preStopSleep`.
   * @default - none
   */
  readonly preStopHttpGet?: HttpHook;
  /**
   * Where `kubectl describe` takes the reason of a crash from: `FALLBACK_TO_LOGS_ON_ERROR` shows
   * the log's tail when the container wrote no termination message (KServe's modelcar sets it).
   * @default - the kubelet's (`File`)
   */
  readonly terminationMessagePolicy?: TerminationMessagePolicy;
  /**
   * Keep the container's stdin open (`stdin: true`): for a tool that reads commands from it, or
   * one that exits at end of input (lora-adapter-syncer sets it with `tty`).
   * @default false
   */
  readonly stdin?: boolean;
  /**
   * Give the container a TTY (`tty: true`); usually with `stdin`.
   * @default false
   */
  readonly tty?: boolean;
}

/**
 * A sidecar that is the pod's way in (kube-rbac-proxy, oauth2-proxy, an Envoy): the Service
 * targets its port, a NetworkPolicy admits only that port, and the server's probes may go
 * through it.
 */
export interface FrontDoorOptions {
  /** The port clients reach it on: one of the sidecar's `ports`. */
  readonly port: number;
  /**
   * It serves HTTPS on that port.
   * @default false
   */
  readonly https?: boolean;
  /**
   * Send the server's HTTP probes through this port. Only when the sidecar passes the probe
   * paths without authentication (kube-rbac-proxy's `--ignore-paths`, for instance).
   * @default false
   */
  readonly routeServerProbes?: boolean;
  /**
   * Write a NetworkPolicy that admits traffic to the pod only on this port.
   * @default true
   */
  readonly networkPolicy?: boolean;
  /**
   * More ports the NetworkPolicy admits besides the front door's: ports other pods must reach
   * directly, such as llm-d's NIXL side channel (5600) on decode pods or a metrics port a
   * Prometheus outside the pod scrapes. Traffic on them does not pass the proxy (no auth):
   * list only ports meant to be reached that way.
   * @default - none (only the front door's port)
   */
  readonly admitPorts?: number[];
}

const SIDECAR_KEYS = propKeys<SidecarProps>('SidecarProps', {
  ...SIDECAR_OPTION_FLAGS, command: true, args: true, ports: true, env: true, secretEnv: true, fieldEnv: true, envFrom: true, volumeMounts: true,
  podVolumeMounts: true, health: true, startupTimeout: true, frontDoor: true, stdin: true, tty: true,
  postStartCommand: true, preStopCommand: true, preStopSleep: true, preStopHttpGet: true, terminationMessagePolicy: true,
});
const FRONT_DOOR_KEYS = propKeys<FrontDoorOptions>('FrontDoorOptions', { port: true, https: true, routeServerProbes: true, networkPolicy: true, admitPorts: true });
const SIDECAR_VOLUME_MOUNT_KEYS = propKeys<SidecarVolumeMount>('SidecarVolumeMount', { volume: true, path: true, readOnly: true });

/** Default sidecar resources: small, explicit. */
const DEFAULT_SIDECAR_RESOURCES: ContainerResources = Object.freeze({
  cpu: Object.freeze({ request: '50m' }),
  memory: Object.freeze({ request: '64Mi', limit: '128Mi' }),
});

/**
 * A sidecar running your own image: the seed's adapter sidecar, an OpenTelemetry collector,
 * kube-rbac-proxy, or a local Redis on `localhost:6379`. Works on an AiInferencePod and on any
 * cdk8s-plus-27 workload; subclass it for a reusable sidecar of your platform.
 *
 * @example
 * new Sidecar(pod, 'redis', { name: 'redis', image: 'redis:7.4.1', ports: [{ number: 6379 }] });
 */
export class Sidecar extends SidecarBase {
  /** The sidecar container (escape hatch). */
  public readonly container: kplus.Container;
  /** The NetworkPolicy of a front door, unless `frontDoor.networkPolicy` is false. */
  public readonly networkPolicy?: ApiObject;

  constructor(scope: Construct, id: string, props: SidecarProps) {
    // JavaScript callers may pass nothing: the missing name and image are then reported at synth.
    // A copy: nothing the caller changes in its objects after construction reaches the YAML.
    props = snapshot(props ?? ({} as SidecarProps));
    super(scope, id, props, SIDECAR_KEYS);
    knownProps('frontDoor', props.frontDoor, FRONT_DOOR_KEYS, this.errors);
    if (Array.isArray(props.volumeMounts)) {
      props.volumeMounts.forEach((m, i) => knownProps(`volumeMounts[${i}]`, m, SIDECAR_VOLUME_MOUNT_KEYS, this.errors));
    }
    if (props.name === undefined) {
      // required here (LogSidecar and ProxySidecar have defaults): cdk8s-plus would invent one
      labelName('name', '', this.errors, 'container name');
    }
    const env = containerEnv(this, this.host, props.name, props, this.errors);
    this.container = this.attach({
      name: props.name,
      image: props.image,
      command: props.command,
      args: props.args,
      ports: props.ports,
      env,
      namedMounts: props.volumeMounts,
      podVolumeMounts: props.podVolumeMounts,
      probes: props.health?._render(
        { startupBudget: props.startupTimeout ?? SIDECAR_STARTUP_BUDGET, defaultPort: props.ports?.[0]?.number ?? 0 },
        this.errors,
      ),
      resources: DEFAULT_SIDECAR_RESOURCES,
      lifecycle: lifecycleHooks(props, '', this.errors),
      terminationMessagePolicy: props.terminationMessagePolicy ?? undefined, // null (a JavaScript caller) is left out, as for the server
      ...terminalFields('', props, 'container', this.errors),
      rank: props.frontDoor ? Rank.PROXY_SIDECAR : Rank.SIDECAR,
      // a front door whose port is not one is refused (frontDoor.port): the Service and the probes do not take it
      fronts: props.frontDoor && isPortNumber(props.frontDoor.port) ? {
        container: props.name,
        port: props.frontDoor.port,
        https: !!props.frontDoor.https,
        routeServerProbes: !!props.frontDoor.routeServerProbes,
        prop: 'frontDoor',
        admitted: this.admittedByPolicy,
      } : undefined,
    });
    if (props.startupTimeout !== undefined && !hasStartupProbe(props.health)) {
      this.errors.push('startupTimeout: the startup probe\'s budget is given, and the sidecar has no startup probe (no health, or a HealthCheck without startup). '
        + 'Fix: remove startupTimeout, or give health: HealthCheck.tcp() or HealthCheck.custom({ startup: ... })');
    }
    const door = props.frontDoor;
    if (door) {
      // Object.is: a NaN listed in ports is listed (its rendered containerPort reports it, once)
      if (!(props.ports ?? []).some(p => Object.is(p.number, door.port))) {
        this.errors.push(`frontDoor.port: ${show(door.port)} is not one of the sidecar's ports `
          + `(${(props.ports ?? []).map(p => show(p.number)).join(', ') || 'none'}). Fix: list it in ports`);
      }
      if ((door.networkPolicy ?? true) && isPortNumber(door.port)) {
        // a port that is not one is refused above (or as one of ports): no policy that would report it again
        this.networkPolicy = this.closeBypass(props.name, door.port, door.admitPorts, 'frontDoor.admitPorts');
      } else if (door.networkPolicy === false && door.admitPorts !== undefined) {
        this.errors.push(NO_POLICY_NO_ADMITTED_PORTS('frontDoor.'));
      }
    }
  }
}

/** Whether a health check renders a startup probe (the one `startupTimeout` budgets). */
function hasStartupProbe(health: HealthCheck | undefined): boolean {
  return health instanceof HealthCheck && health._render({ startupBudget: SIDECAR_STARTUP_BUDGET, defaultPort: 1 }, []).startupProbe !== undefined;
}

export { SidecarMode } from './_sidecar-base';
export type { SidecarOptions, SidecarVolumeMount } from './_sidecar-base';
