import { Duration } from 'cdk8s';
import { cached } from './_memo';

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
   * Use HTTPS for the probe.
   * @default false
   */
  readonly https?: boolean;
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
 * @see https://kubernetes.io/docs/concepts/configuration/liveness-readiness-startup-probes/
 */
export class HealthCheck {
  /**
   * HTTP GET on `path`, which must answer 2xx/3xx only once the model is loaded.
   */
  public static http(path: string, options: HttpHealthCheckOptions = {}): HealthCheck {
    const handler = (probePath: string) => (port: number) => ({
      httpGet: options.https ? { path: probePath, port: options.port ?? port, scheme: 'HTTPS' } : { path: probePath, port: options.port ?? port },
    });
    return new HealthCheck(handler(path), handler(options.livenessPath ?? path));
  }

  /** TCP connect to the server port (or `port`): ready as soon as the port accepts connections. */
  public static tcp(port?: number): HealthCheck {
    const handler = (p: number) => ({ tcpSocket: { port: port ?? p } });
    return new HealthCheck(handler, handler);
  }

  /** A command run in the server container; exit code 0 means healthy and loaded. */
  public static command(command: string[]): HealthCheck {
    const handler = () => ({ exec: { command: [...command] } });
    return new HealthCheck(handler, handler);
  }

  /** vLLM's OpenAI-compatible server: `/health` answers 200 once the engine has loaded the model. */
  public static vllm(): HealthCheck {
    PRESETS.vllm = PRESETS.vllm ?? HealthCheck.http('/health');
    return PRESETS.vllm;
  }

  /** Hugging Face TGI: `/health` (the port opens only after the shards are ready). */
  public static textGenerationInference(): HealthCheck {
    PRESETS.textGenerationInference = PRESETS.textGenerationInference ?? HealthCheck.http('/health');
    return PRESETS.textGenerationInference;
  }

  /** NVIDIA NIM: `/v1/health/ready` for startup and readiness, `/v1/health/live` for liveness. */
  public static nim(): HealthCheck {
    PRESETS.nim = PRESETS.nim ?? HealthCheck.http('/v1/health/ready', { livenessPath: '/v1/health/live' });
    return PRESETS.nim;
  }

  /** Triton: `/v2/health/ready` for startup and readiness, `/v2/health/live` for liveness. */
  public static triton(): HealthCheck {
    PRESETS.triton = PRESETS.triton ?? HealthCheck.http('/v2/health/ready', { livenessPath: '/v2/health/live' });
    return PRESETS.triton;
  }

  /** No probes at all (batch workers that exit when done). */
  public static none(): HealthCheck {
    return new HealthCheck(undefined, undefined);
  }

  private constructor(
    private readonly ready: ((port: number) => any) | undefined,
    private readonly live: ((port: number) => any) | undefined,
  ) {}

  /**
   * The startup, readiness and liveness probes.
   * @internal
   */
  public _render(timing: ProbeTiming): RenderedProbes {
    if (!this.ready || !this.live) {
      return {};
    }
    // Shared by every container with the same check and timing (thousands of pods, one object).
    return cached(this.rendered, `${timing.startupBudget.toMilliseconds()}|${timing.defaultPort}`, () => this.renderProbes(timing));
  }

  private readonly rendered = new Map<string, RenderedProbes>();

  private renderProbes(timing: ProbeTiming): RenderedProbes {
    if (!this.ready || !this.live) {
      return {};
    }
    const budget = Math.max(timing.startupBudget.toSeconds(), STARTUP_PERIOD_SECONDS);
    return {
      startupProbe: {
        ...this.ready(timing.defaultPort),
        periodSeconds: STARTUP_PERIOD_SECONDS,
        timeoutSeconds: 5,
        failureThreshold: Math.ceil(budget / STARTUP_PERIOD_SECONDS),
      },
      readinessProbe: {
        ...this.ready(timing.defaultPort),
        periodSeconds: 5,
        timeoutSeconds: 5,
        failureThreshold: 3,
      },
      livenessProbe: {
        ...this.live(timing.defaultPort),
        periodSeconds: 10,
        timeoutSeconds: 5,
        failureThreshold: 3,
      },
    };
  }
}

/** The preset checks are immutable: one instance each, so their rendered probes are shared too. */
const PRESETS: { [name: string]: HealthCheck } = {};
