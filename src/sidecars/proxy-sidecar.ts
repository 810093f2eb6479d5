import { ApiObject, Duration } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { addRenderStep } from '../_kplus-adapter';
import { withValidGeneratedNames } from '../_object-names';
import { derivedVolumeName } from '../_volume-names';
import { CompanionKind, Rank } from '../_workload-host';
import { HealthCheck } from '../probes';
import { ContainerResources } from '../resources';
import { configKeyKept, NO_POLICY_NO_ADMITTED_PORTS, SIDECAR_OPTION_FLAGS, SidecarBase, SidecarOptions } from './_sidecar-base';
import { proxySidecarPropErrors, proxyTimeoutSeconds } from './_sidecar-prop-checks';
import { nginxConfig, PROXY_START_SCRIPT } from '../scripts/nginx-config';
import { NGINX_ID } from '../security';
import { propKeys, snapshot, urlPathProblem } from '../validation/_prop-checks';
import { isPortNumber } from '../validation/port-rules';

/** Pinned default image of ProxySidecar: nginx built to run as a non-root user. */
export const PROXY_SIDECAR_IMAGE = 'nginxinc/nginx-unprivileged:1.27.2-alpine';

/** TLS termination settings. */
export class ProxyTls {
  /** A `kubernetes.io/tls` Secret (keys `tls.crt` and `tls.key`), e.g. issued by cert-manager. */
  public static fromSecret(secretName: string): ProxyTls {
    return new ProxyTls(secretName);
  }

  private constructor(
    /** Name of the TLS Secret. */
    public readonly secretName: string,
  ) {}
}

/** How the proxy authenticates requests. */
export class ProxyAuth {
  /**
   * `Authorization: Bearer <token>`, checked against the tokens in a Secret key (one per line;
   * several tokens allow rotation without downtime).
   */
  public static bearerTokens(secretName: string, key: string = 'tokens'): ProxyAuth {
    return new ProxyAuth('bearer', secretName, key);
  }

  /** HTTP basic auth against an htpasswd file in a Secret key (`htpasswd -B` or `openssl passwd -apr1`). */
  public static basicAuth(secretName: string, key: string = 'auth'): ProxyAuth {
    return new ProxyAuth('basic', secretName, key);
  }

  /** No authentication (TLS only, or a trusted network). */
  public static none(): ProxyAuth {
    return new ProxyAuth('none');
  }

  private constructor(
    /** bearer, basic or none. */
    public readonly kind: string,
    /** Secret holding the credentials. */
    public readonly secretName?: string,
    /** Key of the Secret. */
    public readonly key?: string,
  ) {}
}

/** Props of `ProxySidecar`. */
export interface ProxySidecarProps extends SidecarOptions {
  /**
   * Port the proxy listens on: the pod's public port.
   * @default 8443 with TLS, 8080 without
   */
  readonly port?: number;
  /**
   * Port of the model server on localhost.
   * @default - the AiInferencePod's server port, else 8000
   */
  readonly upstreamPort?: number;
  /**
   * TLS termination.
   * @default - plain HTTP
   */
  readonly tls?: ProxyTls;
  /**
   * Request authentication.
   * @default ProxyAuth.none()
   */
  readonly auth?: ProxyAuth;
  /**
   * Paths that pass without auth, so probes and load balancers reach them. Each is matched
   * exactly and case-sensitively against the URI the client sent, without a query string:
   * `/health` is open, `//health`, `/%68ealth`, `/x/../health` and `/health?x=1` need
   * credentials like any other path.
   * @default ['/health']
   */
  readonly openPaths?: string[];
  /**
   * Largest request body (prompts, images, batches): an nginx size, digits with an optional
   * k, m or g suffix; `'0'` checks no size (nginx's `client_max_body_size 0`).
   * @default '64m'
   */
  readonly requestBodyLimit?: string;
  /**
   * How long a response may take between two bytes (long generations): whole seconds, from
   * 1 s to 24 h, in any unit.
   * @default Duration.minutes(10)
   */
  readonly timeout?: Duration;
  /**
   * Close the bypass: a NetworkPolicy that admits traffic to the pod only on the proxy's port,
   * so nothing else in the cluster reaches the server port directly (the kubelet's probes are
   * always allowed). Needs a CNI that enforces NetworkPolicy (Calico, Cilium, ...).
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
  /**
   * Send the server's HTTP probes through the proxy (its port and scheme, without auth on
   * the probe paths), so the server may bind 127.0.0.1 only.
   * @default true
   */
  readonly routeServerProbes?: boolean;
}

const PROXY_SIDECAR_KEYS = propKeys<ProxySidecarProps>('ProxySidecarProps', {
  ...SIDECAR_OPTION_FLAGS, port: true, upstreamPort: true, tls: true, auth: true, openPaths: true, requestBodyLimit: true, timeout: true,
  networkPolicy: true, admitPorts: true, routeServerProbes: true,
});

/** Default proxy resources. */
const PROXY_RESOURCES: ContainerResources = { cpu: { request: '100m' }, memory: { request: '64Mi', limit: '256Mi' } };
/** The proxy is up when its port accepts connections (one instance: its probes are shared). */
const PROXY_HEALTH = HealthCheck.tcp();
/** nginx-unprivileged's user. */

/**
 * An nginx sidecar that becomes the pod's public port: TLS termination, bearer or basic
 * auth, and proxying to the model server on localhost tuned for streamed LLM responses. The
 * seed's "proxy sidecar".
 *
 * @example
 * new ProxySidecar(pod, 'auth-proxy', {
 *   tls: ProxyTls.fromSecret('llm-tls'),
 *   auth: ProxyAuth.bearerTokens('llm-api-tokens'),
 * });
 */
export class ProxySidecar extends SidecarBase {
  /** The sidecar container (escape hatch). */
  public readonly container: kplus.Container;
  /** The nginx configuration. */
  public readonly config: kplus.ConfigMap;
  /** The public port. */
  public readonly port: number;
  /** The NetworkPolicy that closes the bypass, unless `networkPolicy: false`. */
  public readonly networkPolicy?: ApiObject;

  private readonly props: ProxySidecarProps;

  constructor(scope: Construct, id: string, props: ProxySidecarProps = {}) {
    // a copy: the upstream port and the open paths are read at synth, and must be the ones given here
    props = snapshot(props ?? {});
    super(scope, id, props, PROXY_SIDECAR_KEYS, NGINX_ID);
    this.props = props;
    const name = props.name ?? 'auth-proxy';
    // a port that is not one is reported by the prop checks and rendered as the default, so the
    // server's probes routed to it and the proxy's own container do not report it again
    this.port = validPort(props.port) ?? (props.tls ? 8443 : 8080);
    const auth = props.auth ?? ProxyAuth.none();
    const paths = { config: '/etc/nginx/cdk8s', tls: '/etc/nginx/tls', auth: '/etc/nginx/auth', run: '/tmp/nginx' };
    // a non-list (from untyped callers) is reported by the prop checks; render the default meanwhile
    const openPaths = Array.isArray(props.openPaths) ? props.openPaths : ['/health'];
    const routeServerProbes = props.routeServerProbes ?? true;
    this.errors.push(...proxySidecarPropErrors(props));
    const timeoutSeconds = proxyTimeoutSeconds(props.timeout);
    this.config = withValidGeneratedNames(this, () => new kplus.ConfigMap(this, 'config', { metadata: this.companionNamespace() }));
    this.host.addCompanion(this, ApiObject.of(this.config), CompanionKind.CONFIG_MAP, configKeyKept('nginx.conf', 'the proxy (nginx -c $PROXY_CONFIG)'));
    // the upstream port and the server's probe paths are known once every add-on registered
    addRenderStep(ApiObject.of(this.config), json => {
      const wiring = this.host.wiring();
      // a non-canonical probe path is the server's error; it must never become an open path
      const probePaths = routeServerProbes ? (wiring.server?.healthPaths ?? []).filter(p => !urlPathProblem(p)) : [];
      // keys added with the escape hatch (config.addData) stay, and win: as a JSON patch would
      json.data = {
        'nginx.conf': nginxConfig({
          listenPort: this.port,
          upstreamPort: wiring.upstreamPort(validPort(props.upstreamPort)),
          tlsDir: props.tls ? paths.tls : undefined,
          auth: auth.kind === 'none' ? undefined : auth.kind as 'bearer' | 'basic',
          authDir: paths.auth,
          runDir: paths.run,
          openPaths: [...new Set([...openPaths, ...probePaths])],
          bodyLimit: props.requestBodyLimit ?? '64m',
          timeoutSeconds,
        }),
        // cdk8s-plus writes no data when every added value is '' (addData('nginx.conf', '') was dropped silently)
        ...this.config.data,
        ...json.data,
      };
    });
    this.container = this.attach({
      name,
      image: PROXY_SIDECAR_IMAGE,
      command: ['/bin/sh', '-c', PROXY_START_SCRIPT],
      ports: [{ number: this.port, name: props.tls ? 'https' : 'http-proxy' }],
      env: {
        PROXY_CONFIG: kplus.EnvValue.fromValue(`${paths.config}/nginx.conf`),
        PROXY_RUN_DIR: kplus.EnvValue.fromValue(paths.run),
        PROXY_AUTH: kplus.EnvValue.fromValue(auth.kind),
        ...(auth.kind === 'bearer' ? { PROXY_TOKENS_FILE: kplus.EnvValue.fromValue(`${paths.auth}/${auth.key}`) } : {}),
        ...(auth.kind === 'basic' ? { PROXY_HTPASSWD_FILE: kplus.EnvValue.fromValue(`${paths.auth}/auth`) } : {}),
      },
      probes: PROXY_HEALTH._render({ startupBudget: Duration.seconds(30), defaultPort: this.port }),
      resources: PROXY_RESOURCES,
      rank: Rank.PROXY_SIDECAR,
      fronts: { container: name, port: this.port, https: !!props.tls, routeServerProbes, prop: 'scope', admitted: this.admittedByPolicy, nginx: true },
      declare: (facts, wiring) => {
        facts.proxies.push({ container: name, upstreamPort: wiring.upstreamPort(validPort(props.upstreamPort)), declaredBy: this.node.path });
      },
      wire: (_spec, wiring) => {
        if (!props.tls && !props.auth) {
          // a plain forwarding proxy is a valid choice (body limits, timeouts), but not one to make without knowing it
          wiring.warning(this, 'tls, auth', `neither is given, so the proxy on port ${this.port} forwards plain HTTP without checking who calls: `
            + 'it adds no protection (anyone who reaches the pod reaches the server through it)',
          "add tls: ProxyTls.fromSecret('llm-tls') and/or auth: ProxyAuth.bearerTokens('llm-api-tokens'); "
            + 'on a trusted network give auth: ProxyAuth.none() to say so (this warning then goes)');
        }
      },
    });
    this.container.mount(paths.config, kplus.Volume.fromConfigMap(this, 'config-volume', this.config, { name: derivedVolumeName(name, 'config') }), { readOnly: true });
    this.container.mount('/tmp', kplus.Volume.fromEmptyDir(this, 'run', derivedVolumeName(name, 'tmp')));
    if (props.tls) {
      const secret = kplus.Secret.fromSecretName(this, 'tls-secret', props.tls.secretName);
      this.container.mount(paths.tls, kplus.Volume.fromSecret(this, 'tls', secret, { name: derivedVolumeName(name, 'tls') }), { readOnly: true });
    }
    if (auth.secretName) {
      const secret = kplus.Secret.fromSecretName(this, 'auth-secret', auth.secretName);
      // only the one key, renamed for basic auth to the fixed file name nginx.conf expects
      const items = auth.kind === 'basic' ? { [auth.key as string]: { path: 'auth' } } : undefined;
      this.container.mount(paths.auth, kplus.Volume.fromSecret(this, 'auth', secret, { name: derivedVolumeName(name, 'auth'), items }), { readOnly: true });
    }
    if (props.networkPolicy ?? true) {
      this.networkPolicy = this.closeBypass(name, this.port, props.admitPorts);
    } else if (props.admitPorts !== undefined) {
      this.errors.push(NO_POLICY_NO_ADMITTED_PORTS(''));
    }
  }

  /** The server port the proxy forwards to, resolved when the app synthesizes. */
  public get upstreamPort(): number {
    return this.host.wiring().upstreamPort(validPort(this.props.upstreamPort));
  }
}

/** A port prop that is a port; `undefined` for anything else, which the prop checks report (once: it renders as the default). */
function validPort(port: number | undefined): number | undefined {
  return isPortNumber(port) ? port : undefined;
}
