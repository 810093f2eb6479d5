import { shell } from './_shell';
import { cached } from '../_memo';

/** Inputs of the generated nginx configuration. */
export interface NginxConfigInput {
  /** Port the proxy listens on. */
  readonly listenPort: number;
  /** Port of the model server on localhost. */
  readonly upstreamPort: number;
  /** Directory with `tls.crt` and `tls.key`, when TLS is on. */
  readonly tlsDir?: string;
  /** `bearer` (token maps included from runDir), `basic` (htpasswd in authDir) or none. */
  readonly auth?: 'bearer' | 'basic';
  /** Directory of the auth Secret. */
  readonly authDir: string;
  /** Writable directory: pid, temp paths, generated token maps. */
  readonly runDir: string;
  /**
   * Paths that pass without auth (health checks of probes and load balancers): each exactly as
   * written, without a query string. Checked by `proxySidecarPropErrors`.
   */
  readonly openPaths: string[];
  /** client_max_body_size. */
  readonly bodyLimit: string;
  /** Read/send timeout in seconds, for long generations. */
  readonly timeoutSeconds: number;
}

/**
 * nginx configuration of ProxySidecar: TLS termination, auth, and proxying to the model
 * server on localhost tuned for LLM traffic — no buffering in either direction (tokens
 * stream as they are generated, SSE works), long timeouts, keep-alive to the upstream, an
 * inference-sized body limit. Everything writable lives in `runDir` (read-only root fs).
 *
 * One `location /` forwards everything with the URI as the client sent it. Open paths are
 * decided on `$request_uri`, the raw URI, compared case-sensitively with the canonical path:
 * `location` matching normalizes (`//health`, `/x/../health`, `/%68ealth` all match
 * `location = /health`) while the upstream receives the raw form, so a normalized match would
 * let non-canonical URIs reach the server unauthenticated. Only the exact path, without a
 * query string, passes without auth; every other form needs credentials.
 */
export function nginxConfig(input: NginxConfigInput): string {
  return cached(CONFIGS, JSON.stringify(input), () => renderNginxConfig(input));
}

/** Rendered configs by input: pods with the same proxy settings share one string. */
const CONFIGS = new Map<string, string>();

/** Where the kubelet probes the model server through the proxy. */
export interface ProxyProbeTarget {
  /** The proxy's port. */
  readonly port: number;
  /** The path, exactly what the upstream receives. */
  readonly path: string;
  /** `HTTPS` when the proxy terminates TLS: the kubelet does not verify the certificate. */
  readonly scheme: 'HTTP' | 'HTTPS';
}

/**
 * How an HTTP probe of the server's `healthPath` goes through the proxy, so that it works
 * when the server binds 127.0.0.1: the proxy's port and scheme, and the path, which the
 * upstream receives unchanged. `undefined` when the proxy would ask the probe for credentials
 * (auth is on and the path is not one of the open paths).
 */
export function proxyProbeTarget(proxy: Pick<NginxConfigInput, 'listenPort' | 'tlsDir' | 'auth' | 'openPaths'>, healthPath: string): ProxyProbeTarget | undefined {
  if (proxy.auth && !proxy.openPaths.includes(healthPath)) {
    return undefined;
  }
  return { port: proxy.listenPort, path: healthPath, scheme: proxy.tlsDir ? 'HTTPS' : 'HTTP' };
}

/**
 * A `map` from the raw request URI: `openValue` for the open paths, `otherValue` otherwise.
 * Regex keys because plain `map` strings ignore case; `\Q...\E` because paths are literal.
 */
function openPathMap(variable: string, openPaths: string[], openValue: string, otherValue: string): string {
  const keys = openPaths.map(p => `        "~^\\Q${p}\\E$" ${openValue};`);
  return [`    map $request_uri ${variable} {`, `        default ${otherValue};`, ...keys, '    }', ''].join('\n');
}

function tlsListen(input: NginxConfigInput): string {
  return input.tlsDir
    ? `        listen ${input.listenPort} ssl;
        ssl_certificate ${input.tlsDir}/tls.crt;
        ssl_certificate_key ${input.tlsDir}/tls.key;
        ssl_protocols TLSv1.2 TLSv1.3;
        ssl_prefer_server_ciphers off;
        ssl_session_cache shared:SSL:10m;
        ssl_session_timeout 1h;`
    : `        listen ${input.listenPort};`;
}

/** The http-level maps and the location-level guard of each auth kind. */
function authParts(input: NginxConfigInput): { maps: string; guard: string } {
  if (input.auth === 'bearer') {
    return {
      // tokens.map.conf (written by the start script) defines $inference_token_ok
      maps: `    include ${input.runDir}/tokens.map.conf;\n${openPathMap('$inference_authorized', input.openPaths, '1', '$inference_token_ok')}`,
      guard: `            if ($inference_authorized = 0) {
                add_header WWW-Authenticate 'Bearer realm="inference"' always;
                return 401 '{"error":"unauthorized"}\\n';
            }\n`,
    };
  }
  if (input.auth === 'basic') {
    return {
      // a realm of "off" turns auth_basic off for the request
      maps: openPathMap('$inference_auth_realm', input.openPaths, 'off', '"inference"'),
      guard: `            auth_basic $inference_auth_realm;
            auth_basic_user_file ${input.authDir}/auth;\n`,
    };
  }
  return { maps: '', guard: '' };
}

function renderNginxConfig(input: NginxConfigInput): string {
  const auth = authParts(input);
  return `# Generated by cdk8s-ai-inference (ProxySidecar). Do not edit: change the construct's props.
worker_processes auto;
pid ${input.runDir}/nginx.pid;
error_log stderr warn;

events {
    worker_connections 4096;
}

http {
    access_log /dev/stdout;
    server_tokens off;
    client_body_temp_path ${input.runDir}/client_temp;
    proxy_temp_path ${input.runDir}/proxy_temp;
    fastcgi_temp_path ${input.runDir}/fastcgi_temp;
    uwsgi_temp_path ${input.runDir}/uwsgi_temp;
    scgi_temp_path ${input.runDir}/scgi_temp;
    default_type application/json;

${auth.maps}
    upstream model_server {
        server 127.0.0.1:${input.upstreamPort};
        keepalive 64;
    }

    server {
${tlsListen(input)}
        client_max_body_size ${input.bodyLimit};
        proxy_http_version 1.1;
        proxy_set_header Connection "";
        proxy_set_header Host $host;
        proxy_set_header X-Real-IP $remote_addr;
        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
        proxy_set_header X-Forwarded-Proto $scheme;
        proxy_buffering off;
        proxy_request_buffering off;
        proxy_cache off;
        proxy_connect_timeout 10s;
        proxy_read_timeout ${input.timeoutSeconds}s;
        proxy_send_timeout ${input.timeoutSeconds}s;
        send_timeout ${input.timeoutSeconds}s;

        location / {
${auth.guard}            proxy_pass http://model_server;
        }
    }
}
`.replace(/\n{3,}/g, '\n\n');
}

/** Longest token the proxy accepts: 4 KiB, well inside nginx's 8k request header buffers. */
const MAX_BEARER_TOKEN_LENGTH = 4096;

/**
 * Token characters: RFC 6750's b64token. None of them is special inside a `\Q...\E` regex
 * quote or an nginx quoted string, which is what makes the generated keys safe.
 */
const TOKEN_CHARS = '[-A-Za-z0-9._~+/=]';

/**
 * awk program that turns the token file into nginx maps, on stdin/stdout, with the file's
 * name in env PROXY_AUTH_FILE (for messages: tokens themselves are never printed).
 *
 * Plain `map` strings ignore case and a config parameter is at most 4096 bytes, so each token
 * is cut into chunks of 2048 characters and each chunk becomes a case-sensitive regex key
 * (`\Q...\E`, anchored at its offset after `Bearer `) of one map per chunk position; the chunk
 * maps yield ids, and a last map accepts exactly the id sequences of the listed tokens. At a
 * position, the keys of a token's last chunk (anchored with `$`) come before the others, so
 * a token that is a prefix of another is still recognised. Lines are trimmed, CR and empty
 * lines dropped, duplicates ignored; the scheme `Bearer` is case-insensitive (RFC 7235).
 */
const TOKEN_MAP_AWK = String.raw`
function fail(message) { print "proxy: " message > "/dev/stderr"; failed = 1; exit 1 }
BEGIN { K = 2048; file = ENVIRON["PROXY_AUTH_FILE"] }
{
  sub(/^[ \t]+/, ""); sub(/[ \t\r]+$/, "")
  if ($0 == "") next
  if ($0 ~ /[^-A-Za-z0-9._~+\/=]/) fail("line " NR " of " file " has characters outside ${TOKEN_CHARS}: tokens are RFC 6750 b64tokens")
  if (length($0) > ${MAX_BEARER_TOKEN_LENGTH}) fail("line " NR " of " file " is longer than ${MAX_BEARER_TOKEN_LENGTH} characters")
  if (!($0 in seen)) { seen[$0] = 1; tokens[++n] = $0 }
}
END {
  if (failed) exit 1
  if (n == 0) fail(file " holds no token: write one token per line")
  levels = 1
  for (i = 1; i <= n; i++) { c = int((length(tokens[i]) + K - 1) / K); if (c > levels) levels = c }
  for (i = 1; i <= n; i++) {
    t = tokens[i]; c = int((length(t) + K - 1) / K); key = ""
    for (j = 0; j < levels; j++) {
      if (j > 0) key = key "/"
      if (j >= c) continue
      part = substr(t, j * K + 1, K); last = (j == c - 1); k = j SUBSEP last SUBSEP part
      if (!(k in id)) {
        id[k] = "c" (++ids)
        line = "    \"~^(?i:bearer) +" (j ? "[^ ]{" (j * K) "}" : "") "\\Q" part "\\E" (last ? "$" : "") "\" " id[k] ";\n"
        if (last) anchored[j] = anchored[j] line; else prefixes[j] = prefixes[j] line
      }
      key = key id[k]
    }
    accept = accept "    \"" key "\" 1;\n"
  }
  printf "# Generated at start from %s: %d tokens. Do not edit.\nmap_hash_max_size %d;\n", file, n, (n * 2 > 2048 ? n * 2 : 2048)
  source = ""
  for (j = 0; j < levels; j++) {
    printf "map $http_authorization $inference_token_c%d {\n    default \"\";\n%s%s}\n", j, anchored[j], prefixes[j]
    source = source (j ? "/" : "") "$inference_token_c" j
  }
  printf "map \"%s\" $inference_token_ok {\n    default 0;\n%s}\n", source, accept
}
`;

/** awk program that fails unless the htpasswd file (env PROXY_AUTH_FILE) has a `user:hash` line. */
const HTPASSWD_CHECK_AWK = String.raw`
/^[^#:][^:]*:[^ \t\r]/ { users++ }
END { if (!users) { print "proxy: " ENVIRON["PROXY_AUTH_FILE"] " holds no user: write user:hash lines (htpasswd -B, or openssl passwd -apr1)" > "/dev/stderr"; exit 1 } }
`;

/**
 * Startup script of the proxy: with bearer auth, builds the token maps from the Secret file
 * (so tokens never appear in the ConfigMap); with basic auth, checks the htpasswd file has a
 * user. An unusable file stops the container with one line on stderr instead of a proxy that
 * is Ready and refuses every request. Then runs nginx in the foreground. Env: PROXY_CONFIG,
 * PROXY_RUN_DIR, PROXY_AUTH (bearer|basic|none), PROXY_TOKENS_FILE, PROXY_HTPASSWD_FILE.
 */
export const PROXY_START_SCRIPT = shell(String.raw`set -eu
mkdir -p "$PROXY_RUN_DIR"
readable() { [ -r "$1" ] || { echo "proxy: cannot read $1" >&2; exit 1; }; }
case "\${PROXY_AUTH:-none}" in
  bearer)
    readable "$PROXY_TOKENS_FILE"
    PROXY_AUTH_FILE=$PROXY_TOKENS_FILE LC_ALL=C awk '${TOKEN_MAP_AWK}' < "$PROXY_TOKENS_FILE" > "$PROXY_RUN_DIR/tokens.map.conf" ;;
  basic)
    readable "$PROXY_HTPASSWD_FILE"
    PROXY_AUTH_FILE=$PROXY_HTPASSWD_FILE LC_ALL=C awk '${HTPASSWD_CHECK_AWK}' < "$PROXY_HTPASSWD_FILE" ;;
esac
exec nginx -c "$PROXY_CONFIG" -e stderr -g 'daemon off;'
`);
