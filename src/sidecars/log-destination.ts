import { logDestinationErrors } from './_sidecar-prop-checks';
import { knownProps, propKeys, snapshot } from '../validation/_prop-checks';

/** Credentials for a log endpoint, from a Secret. */
export class LogCredentials {
  /** HTTP basic auth: user and password keys of a Secret. */
  public static basicAuth(secretName: string, userKey: string = 'username', passwordKey: string = 'password'): LogCredentials {
    return new LogCredentials([
      { env: 'LOG_SINK_USER', secretName, key: userKey },
      { env: 'LOG_SINK_PASSWORD', secretName, key: passwordKey },
    ], { http_User: '${LOG_SINK_USER}', http_Passwd: '${LOG_SINK_PASSWORD}' });
  }

  /** A bearer token from a Secret key, sent as `Authorization: Bearer <token>`. */
  public static bearerToken(secretName: string, key: string = 'token'): LogCredentials {
    return new LogCredentials([{ env: 'LOG_SINK_TOKEN', secretName, key }], { Header: 'Authorization Bearer ${LOG_SINK_TOKEN}' });
  }

  private constructor(
    /** @internal */
    public readonly _secretEnv: Array<{ env: string; secretName: string; key: string }>,
    /** @internal */
    public readonly _settings: { [key: string]: string },
  ) {}
}

/** Where shipped logs go: host, port, TLS. */
export interface LogEndpointOptions {
  /** Host name of the endpoint. */
  readonly host: string;
  /**
   * Port.
   * @default 443 with TLS, else the output's usual port
   */
  readonly port?: number;
  /**
   * Use TLS (verifying the server certificate).
   * @default true
   */
  readonly tls?: boolean;
  /**
   * Credentials.
   * @default - none
   */
  readonly credentials?: LogCredentials;
}

/** Options of a generic HTTP log endpoint. */
export interface HttpLogOptions extends LogEndpointOptions {
  /**
   * Path records are POSTed to.
   * @default '/'
   */
  readonly uri?: string;
}

/** Options of a Loki endpoint. */
export interface LokiLogOptions extends LogEndpointOptions {
  /**
   * Stream labels (`key=value`), besides `job=<sidecar name>`, `pod` and `namespace`.
   * @default - none
   */
  readonly labels?: { [key: string]: string };
  /**
   * Tenant (`X-Scope-OrgID`) of a multi-tenant Loki.
   * @default - none
   */
  readonly tenantId?: string;
}

/** Options of an Elasticsearch / OpenSearch endpoint. */
export interface ElasticsearchLogOptions extends LogEndpointOptions {
  /**
   * Index name.
   * @default 'inference-logs'
   */
  readonly index?: string;
}

const ENDPOINT_FLAGS: { readonly [K in keyof LogEndpointOptions]-?: true } = { host: true, port: true, tls: true, credentials: true };
propKeys<LogEndpointOptions>('LogEndpointOptions', ENDPOINT_FLAGS);
const HTTP_LOG_KEYS = propKeys<HttpLogOptions>('HttpLogOptions', { ...ENDPOINT_FLAGS, uri: true });
const LOKI_LOG_KEYS = propKeys<LokiLogOptions>('LokiLogOptions', { ...ENDPOINT_FLAGS, labels: true, tenantId: true });
const ELASTICSEARCH_LOG_KEYS = propKeys<ElasticsearchLogOptions>('ElasticsearchLogOptions', { ...ENDPOINT_FLAGS, index: true });

/**
 * Where LogSidecar ships logs in shipping mode (Fluent Bit).
 */
export class LogDestination {
  /** JSON records POSTed to an HTTP endpoint. */
  public static http(options: HttpLogOptions): LogDestination {
    options = snapshot(options ?? ({} as HttpLogOptions)); // null from JavaScript callers: the missing host is reported
    return new LogDestination('http', options, HTTP_LOG_KEYS, { URI: options.uri ?? '/', Format: 'json', Json_Date_Key: 'timestamp', Json_Date_Format: 'iso8601' }, 80);
  }

  /** Grafana Loki. */
  public static loki(options: LokiLogOptions): LogDestination {
    options = snapshot(options ?? ({} as LokiLogOptions)); // null from JavaScript callers: the missing host is reported
    const labels = ['job=${LOG_SINK_JOB}', 'pod=${POD_NAME}', 'namespace=${POD_NAMESPACE}', ...Object.entries(options.labels ?? {}).map(([k, v]) => `${k}=${v}`)];
    return new LogDestination('loki', options, LOKI_LOG_KEYS, {
      Labels: labels.join(', '),
      Line_Format: 'json',
      ...(options.tenantId ? { Tenant_ID: options.tenantId } : {}),
    }, 3100);
  }

  /** Elasticsearch or OpenSearch (bulk API). */
  public static elasticsearch(options: ElasticsearchLogOptions): LogDestination {
    options = snapshot(options ?? ({} as ElasticsearchLogOptions)); // null from JavaScript callers: the missing host is reported
    return new LogDestination('es', options, ELASTICSEARCH_LOG_KEYS, { Index: options.index ?? 'inference-logs', Suppress_Type_Name: 'On', Replace_Dots: 'On' }, 9200);
  }

  private constructor(
    /** Fluent Bit output plugin name. */
    public readonly plugin: string,
    private readonly endpoint: LogEndpointOptions,
    /** The keys of the factory's options interface. */
    private readonly knownKeys: ReadonlyArray<string>,
    private readonly settings: { [key: string]: string },
    private readonly plainPort: number,
  ) {}

  /**
   * Errors of the options, reported by LogSidecar as fields of `shipTo`.
   * @internal
   */
  public _errors(): string[] {
    const errors: string[] = [];
    knownProps('shipTo', this.endpoint, this.knownKeys, errors);
    return [...errors, ...logDestinationErrors(this.endpoint)];
  }

  /**
   * The `[OUTPUT]` settings and the Secret keys they read from env.
   * @internal
   */
  public _render(): { settings: Array<[string, string]>; secretEnv: Array<{ env: string; secretName: string; key: string }> } {
    const tls = this.endpoint.tls ?? true;
    return {
      settings: [
        ['Name', this.plugin],
        ['Match', 'app.*'],
        ['Host', this.endpoint.host],
        ['Port', String(this.endpoint.port ?? (tls ? 443 : this.plainPort))],
        ['tls', tls ? 'On' : 'Off'],
        ...(tls ? [['tls.verify', 'On'] as [string, string]] : []),
        ...Object.entries(this.settings),
        ...Object.entries(this.endpoint.credentials?._settings ?? {}),
        ['Retry_Limit', 'no_limits'],
      ],
      secretEnv: this.endpoint.credentials?._secretEnv ?? [],
    };
  }
}
