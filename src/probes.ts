import { Duration } from 'cdk8s';
import { BoundedCache, cachedByValue, exactKey } from './_memo';
import { show } from './validation/_helpers';
import { durationSeconds, knownProps, listOf, propKeys, snapshot, urlPath, wholeNumber } from './validation/_prop-checks';
import { isPortName } from './validation/port-rules';
import { HTTP_HEADER_NAME } from './validation/probe-rules';

/**
 * A header the kubelet sends with an HTTP probe (`httpGet.httpHeaders`): Knative's queue-proxy
 * is probed with `K-Network-Probe: queue`, servers behind a virtual host want `Host`, some an
 * `Authorization`. A list of these, as Kubernetes has it: a name may repeat.
 */
export interface HttpHeader {
  /** Header name: letters, digits and '-' (e.g. `'K-Network-Probe'`). */
  readonly name: string;
  /** Header value, as sent (may be empty). */
  readonly value: string;
}

/** Options of an HTTP health check. */
export interface HttpHealthCheckOptions {
  /**
   * Path the liveness probe calls. Point it at an endpoint that answers while the process is
   * alive even if the model is busy or reloading (e.g. Triton's `/v2/health/live`), so a
   * loaded-but-busy server is not restarted.
   * @default - the readiness path
   */
  readonly livenessPath?: string;
  /**
   * Port to probe.
   * @default - the server port
   */
  readonly port?: number;
  /**
   * Port to probe, by the name the container declares it under (`'http'`, `'metrics'`): the
   * probe follows the port when its number changes. Not with `port`.
   * @default - the server port, by number
   */
  readonly portName?: string;
  /**
   * Use HTTPS for the probe.
   * @default false
   */
  readonly https?: boolean;
  /**
   * Headers the kubelet sends with each of the three probes (`httpGet.httpHeaders`). Through a
   * ProxySidecar (`routeServerProbes`) they reach the server unchanged.
   * @default - none
   */
  readonly httpHeaders?: HttpHeader[];
}

/** Timing shared by the three probes derived from a health check. */
export interface ProbeTiming {
  /** How long the model may take to load before the kubelet restarts the container. */
  readonly startupBudget: Duration;
  /** Port of the server, used when the check names none. */
  readonly defaultPort: number;
}

/** The three probes a health check renders to, as Kubernetes JSON. */
export interface RenderedProbes {
  readonly startupProbe?: any;
  readonly readinessProbe?: any;
  readonly livenessProbe?: any;
}

/** Seconds between startup probes: short enough to route traffic soon after the model loads. */
const STARTUP_PERIOD_SECONDS = 10;

/** Timing of one probe; anything left out keeps the library's default for that probe. */
export interface ProbeOptions {
  /**
   * How often to probe.
   * @default - startup 10 s, readiness 5 s, liveness 10 s
   */
  readonly period?: Duration;
  /**
   * How long one probe may take.
   * @default Duration.seconds(5)
   */
  readonly timeout?: Duration;
  /**
   * Consecutive failures before the probe counts as failed.
   * @default - startup: the load budget divided by the period; readiness and liveness: 3
   */
  readonly failureThreshold?: number;
  /**
   * Consecutive successes before a failed readiness probe counts as passing again (1 for
   * startup and liveness probes: Kubernetes allows nothing else).
   * @default 1
   */
  readonly successThreshold?: number;
  /**
   * Wait before the first probe.
   * @default - none
   */
  readonly initialDelay?: Duration;
  /**
   * Time the container gets to stop after this probe fails, instead of the pod's
   * `terminationGracePeriod` (the probe's `terminationGracePeriodSeconds`): KAITO's distributed
   * liveness check gives 1 s. Whole seconds, at least one. Liveness and startup probes only: a
   * readiness probe never restarts the container, and the API server refuses it there.
   * @default - the pod's termination grace period
   */
  readonly terminationGracePeriod?: Duration;
}

/** Options of an HTTP probe. */
export interface HttpProbeOptions extends ProbeOptions {
  /**
   * Port to probe.
   * @default - the container's port
   */
  readonly port?: number;
  /**
   * Port to probe, by the name the container declares it under (`'http'`); synth fails when
   * the probed container declares no port of that name. Not with `port`.
   * @default - the container's port, by number
   */
  readonly portName?: string;
  /**
   * Use HTTPS (the kubelet does not verify the certificate).
   * @default false
   */
  readonly https?: boolean;
  /**
   * Headers the kubelet sends with the request (`httpGet.httpHeaders`), e.g.
   * `[{ name: 'K-Network-Probe', value: 'queue' }]`. Through a ProxySidecar
   * (`routeServerProbes`) they reach the server unchanged.
   * @default - none
   */
  readonly httpHeaders?: HttpHeader[];
}

/** Options of a TCP or gRPC probe. */
export interface PortProbeOptions extends ProbeOptions {
  /**
   * Port to probe.
   * @default - the container's port
   */
  readonly port?: number;
}

/** Options of a TCP probe. */
export interface TcpProbeOptions extends PortProbeOptions {
  /**
   * Port to probe, by the name the container declares it under; synth fails when the probed
   * container declares no port of that name. Not with `port`. (gRPC probes take numbers only.)
   * @default - the container's port, by number
   */
  readonly portName?: string;
}

const PROBE_OPTION_FLAGS: { readonly [K in keyof ProbeOptions]-?: true } = {
  period: true, timeout: true, failureThreshold: true, successThreshold: true, initialDelay: true, terminationGracePeriod: true,
};
const PROBE_KEYS = propKeys<ProbeOptions>('ProbeOptions', PROBE_OPTION_FLAGS);
const HTTP_PROBE_KEYS = propKeys<HttpProbeOptions>('HttpProbeOptions', { ...PROBE_OPTION_FLAGS, port: true, portName: true, https: true, httpHeaders: true });
const PORT_PROBE_KEYS = propKeys<PortProbeOptions>('PortProbeOptions', { ...PROBE_OPTION_FLAGS, port: true });
const TCP_PROBE_KEYS = propKeys<TcpProbeOptions>('TcpProbeOptions', { ...PROBE_OPTION_FLAGS, port: true, portName: true });
const HTTP_HEALTH_CHECK_KEYS = propKeys<HttpHealthCheckOptions>('HttpHealthCheckOptions', { livenessPath: true, port: true, portName: true, https: true, httpHeaders: true });
const HTTP_HEADER_KEYS = propKeys<HttpHeader>('HttpHeader', { name: true, value: true });
const CUSTOM_HEALTH_CHECK_KEYS = propKeys<CustomHealthCheckProps>('CustomHealthCheckProps', { startup: true, readiness: true, liveness: true });

/** One probe: a handler and its timing. Used with `HealthCheck.custom(...)`. */
export class Probe {
  /** HTTP GET on `path`; 2xx and 3xx pass. */
  public static httpGet(path: string, options: HttpProbeOptions = {}): Probe {
    options = snapshot(options ?? {}); // null from JavaScript callers means no options
    const headers = renderedHeaders(options.httpHeaders);
    return new Probe(port => ({
      httpGet: {
        path, port: probedPort(options, port), ...(options.https ? { scheme: 'HTTPS' } : {}),
        ...(headers ? { httpHeaders: headers.map(h => ({ ...h })) } : {}),
      },
    }), options, HTTP_PROBE_KEYS, path, 'httpGet');
  }

  /** A TCP connect. */
  public static tcp(options: TcpProbeOptions = {}): Probe {
    options = snapshot(options ?? {}); // null from JavaScript callers means no options
    return new Probe(port => ({ tcpSocket: { port: probedPort(options, port) } }), options, TCP_PROBE_KEYS, undefined, 'tcpSocket');
  }

  /** The gRPC health checking protocol. */
  public static grpc(options: PortProbeOptions = {}): Probe {
    options = snapshot(options ?? {}); // null from JavaScript callers means no options
    return new Probe(port => ({ grpc: { port: options.port ?? port } }), options, PORT_PROBE_KEYS, undefined, 'grpc');
  }

  /** A command run in the container; exit code 0 passes. */
  public static exec(command: string[], options: ProbeOptions = {}): Probe {
    options = snapshot(options ?? {}); // null from JavaScript callers means no options
    // a non-list (JavaScript callers) renders as is; the probeShape rule reports it at synth
    const copy = Array.isArray(command) ? [...command] : command;
    return new Probe(() => ({ exec: { command: Array.isArray(copy) ? [...copy] : copy } }), options, PROBE_KEYS);
  }

  private constructor(
    private readonly handler: (port: number) => any,
    private readonly options: ProbeOptions,
    /** The keys the factory's options interface has. */
    private readonly knownKeys: ReadonlyArray<string>,
    /** The HTTP path, for routing through a proxy. */
    private readonly httpPath?: string,
    /** The handler's field when it targets a port (`httpGet`, `tcpSocket`, `grpc`); none for `exec`. */
    private readonly portHandler?: string,
  ) {}

  /**
   * The handler (`httpGet`, `tcpSocket`, `grpc`) when the probe targets the container's own
   * port, by default: no `port` and no `portName` given. Undefined for a command or an explicit port.
   * @internal
   */
  public get _probesDefaultPort(): string | undefined {
    const o = this.options as TcpProbeOptions;
    return this.portHandler !== undefined && o.port === undefined && o.portName === undefined ? this.portHandler : undefined;
  }

  /** The probe as Kubernetes JSON, with the role's defaults for what the options leave out. @internal */
  public _render(port: number, defaults: RoleDefaults, field: string, errors: string[]): any {
    const o = this.options;
    knownProps(field, o, this.knownKeys, errors);
    // the path reaches the kubelet as is and, through a proxy, an nginx map: canonical only
    urlPath(`${field}.path`, this.httpPath, errors);
    portNameErrors(field, o as TcpProbeOptions, errors);
    headerErrors(field, (o as HttpProbeOptions).httpHeaders, errors);
    const period = durationSeconds(`${field}.period`, o.period, 1, errors) ?? defaults.period;
    wholeNumber(`${field}.failureThreshold`, o.failureThreshold, 1, 1_000_000, errors, 3);
    wholeNumber(`${field}.successThreshold`, o.successThreshold, 1, defaults.successIsOne ? 1 : 1_000_000, errors, 1);
    return {
      ...this.handler(port),
      initialDelaySeconds: durationSeconds(`${field}.initialDelay`, o.initialDelay, 0, errors),
      periodSeconds: period,
      timeoutSeconds: durationSeconds(`${field}.timeout`, o.timeout, 1, errors) ?? 5,
      failureThreshold: o.failureThreshold ?? defaults.failureThreshold(period),
      successThreshold: o.successThreshold,
      terminationGracePeriodSeconds: probeGrace(field, o.terminationGracePeriod, defaults.restarts, errors),
    };
  }

  /** The HTTP path this probe calls, if it is an HTTP probe. @internal */
  public get _httpPath(): string | undefined {
    return this.httpPath;
  }
}

/** A probe's own grace period in seconds: liveness and startup probes only (the ones that restart the container). */
function probeGrace(field: string, grace: Duration | undefined, restarts: boolean, errors: string[]): number | undefined {
  if (grace !== undefined && !restarts) {
    errors.push(`${field}.terminationGracePeriod: is set on a readiness probe, which never restarts the container (the API server refuses it). `
      + 'Fix: set it on the liveness or startup probe, or leave it out');
    return undefined;
  }
  return durationSeconds(`${field}.terminationGracePeriod`, grace, 1, errors);
}

/**
 * The port a probe targets: the name when one is given, else the number, else the container's
 * port. A name refused by `portNameErrors` is not rendered: the prop error says it once.
 */
function probedPort(options: TcpProbeOptions, port: number): number | string {
  const name = options.portName;
  return name !== undefined && isPortName(name) && options.port === undefined ? name : options.port ?? port;
}

/** A port name that Kubernetes accepts (an IANA service name), and not given with a number too. */
function portNameErrors(field: string, options: TcpProbeOptions, errors: string[]): void {
  const name = options.portName;
  if (name === undefined) {
    return;
  }
  if (!isPortName(name)) {
    errors.push(`${field}.portName: ${show(name)} is not a port name (an IANA service name: at most 15 lower-case letters, digits and '-', `
      + 'with a letter, no \'-\' at either end or twice in a row). Fix: give the name of a port the container declares, e.g. \'http\'');
  } else if (options.port !== undefined) {
    errors.push(`${field}.portName: ${show(name)} is given with port ${show(options.port)}: a probe has one port. Fix: keep one of port and portName`);
  }
}

/**
 * The headers of a probe as Kubernetes JSON: those a name and a text value make (the others are
 * reported by `headerErrors`, once, as props); undefined for none.
 */
function renderedHeaders(headers: ReadonlyArray<HttpHeader> | undefined): HttpHeader[] | undefined {
  if (!Array.isArray(headers) || headers.length === 0) {
    return undefined;
  }
  const kept = headers.filter(h => isHttpHeader(h)).map(h => ({ name: h.name, value: h.value }));
  return kept.length ? kept : undefined;
}

function isHttpHeader(h: unknown): h is HttpHeader {
  const header = h as HttpHeader;
  return header !== null && typeof header === 'object' && typeof header.name === 'string' && HTTP_HEADER_NAME.test(header.name)
    && typeof header.value === 'string' && !/[\0\r\n]/.test(header.value);
}

/** A probe's headers: a list of `{ name, value }`, names as the `httpHeaderNames` rule accepts them, values one line of text. */
function headerErrors(field: string, headers: ReadonlyArray<HttpHeader> | undefined, errors: string[]): void {
  listOf(`${field}.httpHeaders`, headers, errors, "[{ name: 'K-Network-Probe', value: 'queue' }] (a list: a name may repeat)").forEach((h, i) => {
    const at = `${field}.httpHeaders[${i}]`;
    if (h === null || typeof h !== 'object' || Array.isArray(h)) {
      errors.push(`${at}: ${show(h)} is not a header. Fix: give { name: 'K-Network-Probe', value: 'queue' }`);
      return;
    }
    knownProps(at, h, HTTP_HEADER_KEYS, errors);
    if (typeof h.name !== 'string' || !HTTP_HEADER_NAME.test(h.name)) {
      errors.push(`${at}.name: ${show(h.name)} is not an HTTP header name (letters, digits and '-' only). Fix: use a name such as 'Authorization' or 'K-Network-Probe'`);
    }
    if (typeof h.value !== 'string' || /[\0\r\n]/.test(h.value)) {
      errors.push(`${at}.value: ${show(h.value)} is not a header value (one line of text). Fix: write the value as a string, e.g. 'queue'`);
    }
  });
}

/** Defaults of one probe role. */
interface RoleDefaults {
  readonly period: number;
  readonly failureThreshold: (period: number) => number;
  readonly successIsOne: boolean;
  /** Whether a failure restarts the container (liveness, startup): only those take a grace period. */
  readonly restarts: boolean;
}

/** The probes of each role, for `HealthCheck.custom`. */
export interface CustomHealthCheckProps {
  /**
   * Startup probe: holds readiness and liveness back until it passes (model loaded).
   * @default - none
   */
  readonly startup?: Probe;
  /**
   * Readiness probe: traffic only while it passes.
   * @default - none
   */
  readonly readiness?: Probe;
  /**
   * Liveness probe: the kubelet restarts the container when it fails.
   * @default - none
   */
  readonly liveness?: Probe;
}

/**
 * How to tell that the model server is alive and that the model is loaded.
 *
 * One health check yields three probes:
 * - **startup**: the readiness endpoint, polled every 10 s until the model is loaded, with a
 *   budget (`modelLoadTimeout`) that covers the slowest expected load;
 * - **readiness**: the same endpoint every 5 s, so traffic only reaches a pod whose model is loaded;
 * - **liveness**: the liveness endpoint every 10 s, 3 failures. Kubernetes runs it only after
 *   the startup probe has succeeded, so it can never kill a pod that is still loading.
 *
 * `HealthCheck.custom(...)` sets each probe's handler and timing separately (a TCP startup with
 * an HTTP liveness, readiness only, ...).
 *
 * @see https://kubernetes.io/docs/concepts/configuration/liveness-readiness-startup-probes/
 */
export class HealthCheck {
  /**
   * HTTP GET on `path`, which must answer 2xx/3xx only once the model is loaded.
   */
  public static http(path: string, options: HttpHealthCheckOptions = {}): HealthCheck {
    options = snapshot(options ?? {}); // null from JavaScript callers means no options
    const create = () => {
      const probe = (p: string) => Probe.httpGet(p, {
        port: options.port, portName: options.portName, https: options.https, httpHeaders: options.httpHeaders,
      });
      const probes = { startup: probe(path), readiness: probe(path), liveness: probe(options.livenessPath ?? path) };
      return new HealthCheck(probes, options, HTTP_HEALTH_CHECK_KEYS, options.livenessPath === undefined ? 'path' : 'livenessPath');
    };
    // options with an unknown key get a check of their own, which reports the key
    return knownProps('', options, HTTP_HEALTH_CHECK_KEYS, [])
      // headers (a list) make a check of its own
      ? sharedCheck(['http', path, options.livenessPath, options.port, options.portName, options.https, options.httpHeaders], create)
      : create();
  }

  /** TCP connect to the server port (or `port`): ready as soon as the port accepts connections. */
  public static tcp(port?: number): HealthCheck {
    return sharedCheck(['tcp', port], () => {
      const probe = Probe.tcp({ port });
      return new HealthCheck({ startup: probe, readiness: probe, liveness: probe });
    });
  }

  /** A command run in the server container; exit code 0 means healthy and loaded. */
  public static command(command: string[]): HealthCheck {
    const probe = Probe.exec(command);
    return new HealthCheck({ startup: probe, readiness: probe, liveness: probe });
  }

  /** Each probe set separately; a role left out gets no probe. */
  public static custom(props: CustomHealthCheckProps): HealthCheck {
    // a copy: the probes are rendered when a container uses the check, maybe after the caller changed its object
    const copy = snapshot(props ?? {});
    return new HealthCheck(copy, copy, CUSTOM_HEALTH_CHECK_KEYS);
  }

  /** vLLM's OpenAI-compatible server: `/health` answers 200 once the engine has loaded the model. */
  public static vllm(): HealthCheck {
    return HealthCheck.http('/health');
  }

  /**
   * Hugging Face TGI: `/health` (the port opens only after the shards are ready).
   * @deprecated TGI is in maintenance mode upstream since 2025-12; prefer vLLM or SGLang.
   */
  public static textGenerationInference(): HealthCheck {
    return HealthCheck.http('/health');
  }

  /** NVIDIA NIM: `/v1/health/ready` for startup and readiness, `/v1/health/live` for liveness. */
  public static nim(): HealthCheck {
    return HealthCheck.http('/v1/health/ready', { livenessPath: '/v1/health/live' });
  }

  /** Triton: `/v2/health/ready` for startup and readiness, `/v2/health/live` for liveness. */
  public static triton(): HealthCheck {
    return HealthCheck.http('/v2/health/ready', { livenessPath: '/v2/health/live' });
  }

  /** No probes at all (batch workers that exit when done). */
  public static none(): HealthCheck {
    return NO_HEALTH_CHECK;
  }

  private readonly rendered = new BoundedCache<RenderedProbes>(32);

  private constructor(
    private readonly probes: CustomHealthCheckProps,
    /** The factory's options, whose keys `_render` checks against `knownKeys`. */
    private readonly options: object = {},
    private readonly knownKeys: ReadonlyArray<string> = [],
    /**
     * For `HealthCheck.http`: its three probes share the factory's options, so an error in one
     * is reported once, under the option (`health.httpHeaders`, not `health.startup.httpHeaders`
     * and twice more); the liveness probe's path is this option.
     */
    private readonly sharedOptionsLivenessPath?: string,
  ) {}

  /** The HTTP paths the probes call (for a proxy's open paths). @internal */
  public get _httpPaths(): string[] {
    return [this.probes.startup, this.probes.readiness, this.probes.liveness]
      .map(p => p?._httpPath).filter((p): p is string => p !== undefined);
  }

  /**
   * The roles (`startup`, `readiness`, `liveness`) whose probe targets the server port by
   * default, each with its handler (`startup (httpGet)`): none with `HealthCheck.none()`, a
   * command, or probes on an explicit port.
   * @internal
   */
  public get _probesDefaultPort(): string[] {
    return (['startup', 'readiness', 'liveness'] as const)
      .map(role => {
        const probe = this.probes[role];
        const handler = probe instanceof Probe ? probe._probesDefaultPort : undefined;
        return handler && `${role} (${handler})`;
      })
      .filter((p): p is string => p !== undefined);
  }

  /**
   * The startup, readiness and liveness probes. Errors in the probes' options go to `errors`
   * under `field`.
   * @internal
   */
  public _render(timing: ProbeTiming, errors: string[] = [], field = 'health'): RenderedProbes {
    const local: string[] = [];
    knownProps(field, this.options, this.knownKeys, local);
    const budget = durationSeconds(`${field} budget`, timing.startupBudget, 1, local) ?? STARTUP_PERIOD_SECONDS;
    const key = exactKey([budget, timing.defaultPort]);
    // Shared by every container with the same check and timing (thousands of pods, one object).
    let rendered = key === undefined ? undefined : this.rendered.get(key);
    if (!rendered) {
      rendered = this.renderProbes(budget, timing.defaultPort, local, field);
      if (this.sharedOptionsLivenessPath !== undefined && local.length) {
        this.reportOnce(local, field);
      }
      if (!local.length && key !== undefined) {
        this.rendered.set(key, rendered);
      }
    }
    errors.push(...local);
    return rendered;
  }

  /** The errors of the three probes of `HealthCheck.http` under the option the user gave, each once. */
  private reportOnce(errors: string[], field: string): void {
    const once = new Set(errors.map(e => {
      const liveness = `${field}.liveness.path`;
      if (e.startsWith(liveness) && /^[:[.]/.test(e.slice(liveness.length))) {
        return `${field}.${this.sharedOptionsLivenessPath}${e.slice(liveness.length)}`;
      }
      for (const role of ['startup', 'readiness', 'liveness']) {
        if (e.startsWith(`${field}.${role}.`)) {
          return `${field}.${e.slice(field.length + role.length + 2)}`;
        }
      }
      return e;
    }));
    errors.splice(0, errors.length, ...once);
  }

  private renderProbes(budget: number, port: number, errors: string[], field: string): RenderedProbes {
    const p = this.probes;
    return {
      startupProbe: p.startup?._render(port, {
        period: STARTUP_PERIOD_SECONDS,
        failureThreshold: period => Math.max(1, Math.ceil(budget / period)),
        successIsOne: true,
        restarts: true,
      }, `${field}.startup`, errors),
      readinessProbe: p.readiness?._render(port, { period: 5, failureThreshold: () => 3, successIsOne: false, restarts: false }, `${field}.readiness`, errors),
      livenessProbe: p.liveness?._render(port, { period: 10, failureThreshold: () => 3, successIsOne: true, restarts: true }, `${field}.liveness`, errors),
    };
  }
}

/**
 * Health checks are immutable: the same factory arguments give the same instance, so its
 * rendered probes (and their sorted copies) are computed once for a whole fleet of pods.
 */
const SHARED_CHECKS = new BoundedCache<HealthCheck>(64);

/** The shared check for these factory arguments; a fresh one when an argument is not a plain value. */
function sharedCheck(args: unknown[], create: () => HealthCheck): HealthCheck {
  const plain = args.every(a => a === undefined || typeof a === 'string' || typeof a === 'number' || typeof a === 'boolean');
  return plain ? cachedByValue(SHARED_CHECKS, args, create) : create();
}
const NO_HEALTH_CHECK = HealthCheck.custom({});
