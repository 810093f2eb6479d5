import { isIPv6 } from 'net';
import { Duration } from 'cdk8s';
import type { ElasticsearchLogOptions, HttpLogOptions, LogEndpointOptions, LokiLogOptions } from './log-destination';
import type { LogSidecarProps } from './log-sidecar';
import type { ProxySidecarProps } from './proxy-sidecar';
import { show } from '../validation/_helpers';
import { absolutePath, dataKey, durationSeconds, objectName, portNumber, quantity, urlPathProblem } from '../validation/_prop-checks';

/*
 * Checks of ProxySidecar and LogSidecar props. Each function takes the props and returns the
 * error texts (`field: <what is wrong, with the value>. Fix: <how>`), which the sidecar reports
 * through its validation (cdk8s prefixes the construct path; no YAML is written). None throws.
 * Values reach nginx and Fluent Bit configs and shell scripts, so the character sets are
 * narrow: a newline or a `[` in a host must never become config syntax.
 */

/** Default proxy timeout: long generations stream for minutes. */
const DEFAULT_PROXY_TIMEOUT_SECONDS = 600;
/** Longest proxy timeout: nothing legitimate waits a day between two bytes. */
const MAX_PROXY_TIMEOUT_SECONDS = 86400;
/** nginx size: digits and an optional k/m/g suffix. */
const NGINX_SIZE = /^(\d+)([kKmMgG]?)$/;
/** A DNS name or IPv4 address (labels of letters, digits and inner dashes). */
const HOST_NAME = /^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*$/;
/** An IPv6 address, unbracketed. */
const IPV6 = /^[0-9A-Fa-f.]*:[0-9A-Fa-f:.]*:[0-9A-Fa-f.]*$/;
/** Characters of a log directory: Fluent Bit reads `,` as a list and `* ? [` as globs. */
const LOG_DIR_CHARS = /^[A-Za-z0-9._@+/-]+$/;
/** Directories an empty log volume must not hide (in the server and in the sidecar). */
const SYSTEM_DIRS = ['/bin', '/boot', '/dev', '/etc', '/lib', '/lib32', '/lib64', '/libx32', '/proc', '/run', '/sbin', '/sys', '/usr', '/var', '/var/run',
  '/var/run/secrets', '/var/run/secrets/kubernetes.io', '/var/run/secrets/kubernetes.io/serviceaccount', '/run/secrets'];
/** Trees no log volume may be mounted into. */
const SYSTEM_TREES = ['/proc/', '/sys/', '/var/run/secrets/', '/run/secrets/'];
/** One segment of a file glob: names and the wildcards `* ? [ ] !`; no `,` (a Fluent Bit path list) or whitespace. */
const GLOB_SEGMENT = /^[A-Za-z0-9._@+*?![\]-]+$/;
/** A Loki label name (Prometheus data model). */
const LOKI_LABEL_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** A Loki label value, as far as Fluent Bit's `Labels key=value, ...` line can carry it. */
const LOKI_LABEL_VALUE = /^[A-Za-z0-9._:/@+-]{1,1024}$/;
/** Labels the sidecar sets itself. */
const RESERVED_LOKI_LABELS = ['job', 'pod', 'namespace'];
/** A Loki tenant id (Loki's rules: these characters, at most 150). */
const LOKI_TENANT = /^[A-Za-z0-9!._*'()-]{1,150}$/;
/** An Elasticsearch index name (lowercase, no separators, not starting with - _ +). */
const ES_INDEX = /^[a-z0-9][a-z0-9._-]{0,254}$/;
/**
 * An HTTP request path and query for Fluent Bit's `URI`: RFC 3986 characters only (pchar, '/',
 * '?', and '%' before two hex digits). Not `{ }`: Fluent Bit expands `${VAR}` in any config value,
 * so `/in/${HTTP_PASSWD}` put a Secret into the request line; not `"`, `\`, `#`, `<`, `>`, `^`, `|`.
 */
const HTTP_URI = /^\/(?:[A-Za-z0-9\-._~!$&'()*+,;=:@/?]|%[0-9A-Fa-f]{2}){0,2047}$/;

/** Errors of ProxySidecar's props. */
export function proxySidecarPropErrors(props: ProxySidecarProps): string[] {
  const errors: string[] = [];
  portNumber('port', props.port, errors);
  portNumber('upstreamPort', props.upstreamPort, errors);
  if (props.tls !== undefined && props.tls !== null && !isFactoryValue(props.tls, ['secretName'])) {
    errors.push(`tls: ${factoryShown(props.tls)} is not a ProxyTls. Fix: use ProxyTls.fromSecret('llm-tls'), or leave tls out for plain HTTP`);
  } else if (props.tls) {
    objectName('tls.secretName', props.tls.secretName, errors, 'Secret');
  }
  if (props.auth !== undefined && props.auth !== null && !(isFactoryValue(props.auth, ['kind']) && PROXY_AUTH_KINDS.includes((props.auth as { kind: unknown }).kind as string))) {
    // a JavaScript caller: `auth: ProxyAuth.none` (not called) was taken as no auth, without the warning
    errors.push(`auth: ${factoryShown(props.auth)} is not a ProxyAuth. Fix: use ProxyAuth.bearerTokens('llm-api-tokens'), basicAuth('users') or none(), called`);
  } else if (props.auth?.secretName !== undefined) {
    objectName('auth.secretName', props.auth.secretName, errors, 'Secret');
    dataKey('auth.key', props.auth.key, errors);
  }
  errors.push(...openPathErrors(props.openPaths));
  errors.push(...timeoutErrors(props.timeout));
  errors.push(...bodyLimitErrors(props.requestBodyLimit));
  return errors;
}

const PROXY_AUTH_KINDS = ['bearer', 'basic', 'none'];

/** An object a factory made (not a string, a list, or the factory itself, not called). */
function isFactoryValue(value: unknown, keys: string[]): boolean {
  return value !== null && typeof value === 'object' && !Array.isArray(value) && keys.every(k => k in value);
}

/** A value that is not the factory's: a function is named by its name (`ProxyAuth.none`, not called). */
function factoryShown(value: unknown): string {
  return typeof value === 'function' && value.name ? `the function ${value.name} (not called)` : show(value);
}

/** The proxy timeout in whole seconds as nginx gets it; the default when invalid (then reported by `proxySidecarPropErrors`). */
export function proxyTimeoutSeconds(timeout: Duration | undefined): number {
  const seconds = durationSeconds('timeout', timeout, 1, []);
  return seconds !== undefined && seconds <= MAX_PROXY_TIMEOUT_SECONDS ? seconds : DEFAULT_PROXY_TIMEOUT_SECONDS;
}

function timeoutErrors(timeout: Duration | undefined): string[] {
  const errors: string[] = [];
  const seconds = durationSeconds('timeout', timeout, 1, errors);
  if (seconds !== undefined && seconds > MAX_PROXY_TIMEOUT_SECONDS) {
    errors.push(`timeout: ${seconds} s is longer than a day. Fix: use at most Duration.hours(24); the timeout is the longest wait between two bytes, not the length of a response`);
  }
  return errors;
}

function bodyLimitErrors(limit: string | undefined): string[] {
  if (limit === undefined) {
    return [];
  }
  const match = typeof limit === 'string' ? NGINX_SIZE.exec(limit) : null;
  if (!match) {
    return [`requestBodyLimit: ${show(limit)} is not an nginx size (digits and an optional k, m or g suffix). Fix: write it like "64m" or "512k", or "0" for no limit`];
  }
  // nginx reads a size into an off_t (ngx_parse_offset): up to 2^63 - 1 bytes, exactly
  const bytes = BigInt(match[1]) * BigInt(({ k: 2 ** 10, m: 2 ** 20, g: 2 ** 30 } as { [s: string]: number })[match[2].toLowerCase()] ?? 1);
  if (bytes > 2n ** 63n - 1n) {
    return [`requestBodyLimit: ${show(limit)} is 8 EiB or more, beyond what nginx reads as a size (its configuration test fails). Fix: write a real limit like "64g", or "0" for no limit`];
  }
  // 0: nginx checks no body size at all (client_max_body_size 0)
  return [];
}

/** Each open path is matched exactly against the raw request URI, so it must be written in canonical form. */
function openPathErrors(paths: string[] | undefined): string[] {
  if (paths === undefined) {
    return [];
  }
  if (!Array.isArray(paths)) {
    return [`openPaths: ${show(paths)} is not a list of paths. Fix: use e.g. ['/health']`];
  }
  const errors: string[] = [];
  const seen = new Set<string>();
  for (const path of paths) {
    const problem = urlPathProblem(path);
    if (problem) {
      errors.push(`openPaths: ${show(path)} is not a URL path in canonical form: ${problem}. `
        + 'Fix: write the path exactly as clients send it, e.g. "/health" (open paths match the raw request URI, case-sensitively, without a query string)');
    } else if (seen.has(path)) {
      errors.push(`openPaths: ${show(path)} is listed twice. Fix: list each path once`);
    }
    seen.add(path);
  }
  return errors;
}

/** Errors of LogSidecar's props, including its destination's. */
export function logSidecarPropErrors(props: LogSidecarProps): string[] {
  const errors = logDirErrors(props.logDir);
  errors.push(...filePatternErrors(props.filePattern));
  quantity('sizeLimit', props.sizeLimit, errors, true);
  if (props.shipTo !== undefined && typeof props.shipTo?._errors !== 'function') {
    errors.push(`shipTo: ${show(props.shipTo)} is not a LogDestination. Fix: use LogDestination.loki(), http() or elasticsearch()`);
  } else {
    errors.push(...(props.shipTo?._errors() ?? []));
  }
  return errors;
}

function logDirErrors(logDir: string | undefined): string[] {
  const errors: string[] = [];
  // trailing slashes are dropped by LogSidecar; '/' itself stays '/' and is refused
  const dir = typeof logDir === 'string' ? logDir.replace(/(.)\/+$/, '$1') : logDir;
  absolutePath('logDir', dir, errors, false, false, '/var/log/app');
  if (!errors.length && dir !== undefined && !LOG_DIR_CHARS.test(dir)) {
    errors.push(`logDir: ${show(dir)} may only have letters, digits and . _ @ + - between slashes (Fluent Bit reads ',' as a list and '* ? [' as wildcards). Fix: use e.g. '/var/log/app'`);
  }
  if (!errors.length && typeof dir === 'string' && (SYSTEM_DIRS.includes(dir) || SYSTEM_TREES.some(t => dir.startsWith(t)))) {
    errors.push(`logDir: ${show(dir)} is a system directory: the log volume mounted there (empty, read-only in the sidecar) hides the image's files `
      + `(/etc/passwd, /usr/bin, the devices of /dev, the service account token), and /proc and /sys take no mounts. Fix: use e.g. '/var/log/app'`);
  }
  return errors;
}

function filePatternErrors(pattern: string | undefined): string[] {
  if (pattern === undefined) {
    return [];
  }
  const segments = typeof pattern === 'string' && pattern.length <= 255 ? pattern.split('/') : [''];
  if (segments.some(s => s === '.' || s === '..' || !GLOB_SEGMENT.test(s))) {
    return [`filePattern: ${show(pattern)} is not a file glob inside logDir (letters, digits, . _ @ + - and the wildcards * ? [ ] ! between single slashes; no '..', ',' or whitespace). Fix: use e.g. '*.log'`];
  }
  return [];
}

/** The options of any LogDestination (each factory's own fields are optional here). */
export type LogDestinationOptions = LogEndpointOptions & Partial<Pick<HttpLogOptions, 'uri'> & Pick<LokiLogOptions, 'labels' | 'tenantId'> & Pick<ElasticsearchLogOptions, 'index'>>;

/** Errors of a LogDestination's options, as fields of LogSidecar's `shipTo`. */
export function logDestinationErrors(options: LogDestinationOptions): string[] {
  const errors: string[] = [];
  const host = options.host;
  if (typeof host !== 'string' || host.length > 253 || !(HOST_NAME.test(host) || (IPV6.test(host) && isIPv6(host)))) {
    errors.push(`shipTo.host: ${show(host)} is not a host name or IP address. Fix: use e.g. 'loki.monitoring.svc'`);
  }
  portNumber('shipTo.port', options.port, errors);
  if (options.uri !== undefined && !(typeof options.uri === 'string' && HTTP_URI.test(options.uri))) {
    errors.push(`shipTo.uri: ${show(options.uri)} is not a request path (a leading '/', then letters, digits and -._~!$&'()*+,;=:@/? or %XX escapes: no spaces, quotes, '{', '}' or '#'). Fix: use e.g. '/ingest'`);
  }
  for (const [name, value] of Object.entries(options.labels ?? {})) {
    if (!LOKI_LABEL_NAME.test(name) || RESERVED_LOKI_LABELS.includes(name)) {
      errors.push(`shipTo.labels: ${show(name)} is not a label name of your own (letters, digits and '_', not starting with a digit; ${RESERVED_LOKI_LABELS.join(', ')} are set by the sidecar). Fix: use e.g. 'app'`);
    } else if (typeof value !== 'string' || !LOKI_LABEL_VALUE.test(value)) {
      errors.push(`shipTo.labels[${show(name)}]: ${show(value)} is not a label value Fluent Bit can carry (1-1024 letters, digits and . _ : / @ + -). Fix: use e.g. 'llm'`);
    }
  }
  if (options.tenantId !== undefined && !(typeof options.tenantId === 'string' && LOKI_TENANT.test(options.tenantId) && !/^\.\.?$/.test(options.tenantId))) {
    errors.push(`shipTo.tenantId: ${show(options.tenantId)} is not a Loki tenant id (1-150 letters, digits and ! - _ . * ' ( )). Fix: use e.g. 'ml-team'`);
  }
  if (options.index !== undefined && !(typeof options.index === 'string' && ES_INDEX.test(options.index))) {
    errors.push(`shipTo.index: ${show(options.index)} is not an Elasticsearch index name (lowercase letters, digits, '.', '_', '-', not starting with '.', '_' or '-'). Fix: use e.g. 'inference-logs'`);
  }
  for (const s of options.credentials?._secretEnv ?? []) {
    objectName('shipTo.credentials.secretName', s.secretName, errors, 'Secret');
    dataKey('shipTo.credentials.key', s.key, errors);
  }
  return [...new Set(errors)];
}
