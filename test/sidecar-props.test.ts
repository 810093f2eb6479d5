import * as fs from 'fs';
import * as path from 'path';
import { Chart, Duration } from 'cdk8s';
import {
  AiInferencePod, LogCredentials, LogDestination, LogSidecar, LogSidecarProps, ProxyAuth, ProxySidecar, ProxySidecarProps, ProxyTls,
} from '../src';
import { newChart, synth, synthError } from './helpers/synth';
import { logDestinationErrors, logSidecarPropErrors, proxySidecarPropErrors, proxyTimeoutSeconds } from '../src/sidecars/_sidecar-prop-checks';

// Every check of ProxySidecar's and LogSidecar's props, each with a bad value and the message
// synth prints for it: construct path, field, value, what is wrong, and a fix. Nothing throws
// at construction, and an invalid app writes no YAML (synth fails).

function pod(chart: Chart): AiInferencePod {
  return new AiInferencePod(chart, 'llm', { server: { image: 'vllm/vllm-openai:v0.6.3' } });
}

const proxy = (props: ProxySidecarProps) => (chart: Chart) => new ProxySidecar(pod(chart), 'p', { auth: ProxyAuth.bearerTokens('tokens'), ...props });
const logs = (props: LogSidecarProps) => (chart: Chart) => new LogSidecar(pod(chart), 'l', props);
const ship = (destination: () => LogDestination) => (chart: Chart) => new LogSidecar(pod(chart), 'l', { shipTo: destination() });

const PATH_FIX = 'Fix: write the path exactly as clients send it, e.g. "/health" (open paths match the raw request URI, case-sensitively, without a query string)';
const canonical = (openPath: string, problem: string) => `[test/llm/p] openPaths: ${JSON.stringify(openPath)} is not a URL path in canonical form: ${problem}. ${PATH_FIX}`;
const CHARS = 'it has whitespace, control characters or characters outside letters, digits and -._~!*+,=:@';
const SIZE_FIX = 'is not an nginx size (digits and an optional k, m or g suffix). Fix: write it like "64m" or "512k", or "0" for no limit';
const HOST_FIX = 'is not a host name or IP address. Fix: use e.g. \'loki.monitoring.svc\'';
const PATTERN_FIX = 'is not a file glob inside logDir (letters, digits, . _ @ + - and the wildcards * ? [ ] ! between single slashes; no \'..\', \',\' or whitespace). Fix: use e.g. \'*.log\'';

const CASES: Array<[string, (chart: Chart) => void, string]> = [
  // --- ProxySidecar: ports
  ['proxy port 0', proxy({ port: 0 }), '[test/llm/p] port: 0 must be a whole number from 1 to 65535. Fix: use e.g. 8080'],
  ['proxy port 70000', proxy({ port: 70000 }), '[test/llm/p] port: 70000 must be a whole number from 1 to 65535'],
  ['proxy port 80.5', proxy({ port: 80.5 }), '[test/llm/p] port: 80.5 must be a whole number from 1 to 65535'],
  ['proxy port NaN', proxy({ port: NaN }), '[test/llm/p] port: NaN must be a whole number from 1 to 65535'],
  ['upstream port -1', proxy({ upstreamPort: -1 }), '[test/llm/p] upstreamPort: -1 must be a whole number from 1 to 65535. Fix: use e.g. 8080'],
  ['upstream port 65536', proxy({ upstreamPort: 65536 }), '[test/llm/p] upstreamPort: 65536 must be a whole number from 1 to 65535'],
  ['admitted port 0', proxy({ admitPorts: [5600, 0] }), '[test/llm/p] admitPorts[1]: 0 must be a whole number from 1 to 65535'],
  ['admitted port repeats the proxy\'s', proxy({ admitPorts: [8080] }), '[test/llm/p] admitPorts[0]: port 8080 is the front door\'s port, admitted already. Fix: list each further port once'],
  ['admitted port twice', proxy({ admitPorts: [5600, 5600] }), '[test/llm/p] admitPorts[1]: port 5600 is listed twice'],
  ['admitted ports not a list', proxy({ admitPorts: 5600 as any }), '[test/llm/p] admitPorts: 5600 is not a list'],
  ['admitted port with a hole', proxy({ admitPorts: new Array(2).fill(5600, 1) as any }), '[test/llm/p] admitPorts[0]: undefined is not a port. Fix: give a port number (1-65535), or remove the empty entry'],
  ['admitted port is the server\'s (a bypass)', proxy({ admitPorts: [5600, 8000] }),
    '[test/llm/p] admitPorts[1]: port 8000 is the server\'s port: the NetworkPolicy would let clients reach the server around the front door. Fix: drop it'],
  ['admitted ports without the NetworkPolicy', proxy({ admitPorts: [5600], networkPolicy: false }),
    '[test/llm/p] admitPorts: admits ports in a NetworkPolicy, and networkPolicy is false. Fix: drop admitPorts, or keep the NetworkPolicy'],
  // --- ProxySidecar: open paths
  ['open path empty', proxy({ openPaths: [''] }), canonical('', 'it does not start with "/"')],
  ['open path without a leading slash', proxy({ openPaths: ['health'] }), canonical('health', 'it does not start with "/"')],
  ['open path //health', proxy({ openPaths: ['//health'] }), canonical('//health', 'it has an empty segment ("//")')],
  ['open path with an inner //', proxy({ openPaths: ['/v2//ready'] }), canonical('/v2//ready', 'it has an empty segment ("//")')],
  ['open path with ..', proxy({ openPaths: ['/v1/../health'] }), canonical('/v1/../health', 'it has a "." or ".." segment')],
  ['open path with .', proxy({ openPaths: ['/./health'] }), canonical('/./health', 'it has a "." or ".." segment')],
  ['open path ending in /..', proxy({ openPaths: ['/health/..'] }), canonical('/health/..', 'it has a "." or ".." segment')],
  ['open path %-encoded', proxy({ openPaths: ['/%68ealth'] }), canonical('/%68ealth', 'it has a %-encoding, a query or a fragment')],
  ['open path with a query', proxy({ openPaths: ['/health?full=1'] }), canonical('/health?full=1', 'it has a %-encoding, a query or a fragment')],
  ['open path with a fragment', proxy({ openPaths: ['/health#x'] }), canonical('/health#x', 'it has a %-encoding, a query or a fragment')],
  ['open path with a space', proxy({ openPaths: ['/he alth'] }), canonical('/he alth', CHARS)],
  ['open path with a newline', proxy({ openPaths: ['/health\n'] }), canonical('/health\n', CHARS)],
  ['open path with nginx syntax', proxy({ openPaths: ['/health; deny all'] }), canonical('/health; deny all', CHARS)],
  ['open path with a quote', proxy({ openPaths: ['/health"'] }), canonical('/health"', CHARS)],
  ['open path with a variable', proxy({ openPaths: ['/${x}'] }), canonical('/${x}', CHARS)],
  ['open path with \\E (regex quote end)', proxy({ openPaths: ['/a\\E.*'] }), canonical('/a\\E.*', CHARS)],
  ['open path over 1024 characters', proxy({ openPaths: ['/' + 'a'.repeat(1024)] }), 'is not a URL path in canonical form: it is longer than 1024 characters'],
  ['open path listed twice', proxy({ openPaths: ['/health', '/ready', '/health'] }), '[test/llm/p] openPaths: "/health" is listed twice. Fix: list each path once'],
  ['open paths not a list', proxy({ openPaths: '/health' as any }), '[test/llm/p] openPaths: "/health" is not a list of paths. Fix: use e.g. [\'/health\']'],
  // --- ProxySidecar: timeout (never a raw exception from Duration.toSeconds)
  ['proxy timeout 0', proxy({ timeout: Duration.seconds(0) }), '[test/llm/p] timeout: 0 s is less than 1 s. Fix: use e.g. Duration.seconds(1)'],
  ['proxy timeout 500 ms', proxy({ timeout: Duration.millis(500) }), '[test/llm/p] timeout: 500 ms is not a whole number of seconds of at least 1'],
  ['proxy timeout 1.5 s', proxy({ timeout: Duration.millis(1500) }), '[test/llm/p] timeout: 1500 ms is not a whole number of seconds of at least 1'],
  ['proxy timeout of two days', proxy({ timeout: Duration.days(2) }), '[test/llm/p] timeout: 172800 s is longer than a day. Fix: use at most Duration.hours(24)'],
  // --- ProxySidecar: body limit
  ['body limit with a space', proxy({ requestBodyLimit: '64 MB' }), `[test/llm/p] requestBodyLimit: "64 MB" ${SIZE_FIX}`],
  ['body limit negative', proxy({ requestBodyLimit: '-1m' }), `requestBodyLimit: "-1m" ${SIZE_FIX}`],
  ['body limit in terabytes', proxy({ requestBodyLimit: '1t' }), `requestBodyLimit: "1t" ${SIZE_FIX}`],
  ['body limit empty', proxy({ requestBodyLimit: '' }), `requestBodyLimit: "" ${SIZE_FIX}`],
  ['body limit mb', proxy({ requestBodyLimit: '64mb' }), `requestBodyLimit: "64mb" ${SIZE_FIX}`],
  ['body limit beyond any file', proxy({ requestBodyLimit: '99999999999999999999g' }),
    'requestBodyLimit: "99999999999999999999g" is 8 EiB or more, beyond what nginx reads as a size (its configuration test fails). Fix: write a real limit like "64g", or "0" for no limit'],
  ['body limit with a newline', proxy({ requestBodyLimit: '1m;\n' }), `requestBodyLimit: "1m;\\n" ${SIZE_FIX}`],
  // --- ProxySidecar: Secrets
  ['TLS Secret name empty', proxy({ tls: ProxyTls.fromSecret('') }), '[test/llm/p] tls.secretName: "" is not a valid Secret name. Fix: use lower-case letters, digits, \'-\' and \'.\', starting and ending with a letter or digit (max 253)'],
  ['TLS Secret name with uppercase', proxy({ tls: ProxyTls.fromSecret('Bad_TLS') }), '[test/llm/p] tls.secretName: "Bad_TLS" is not a valid Secret name'],
  ['token Secret name invalid', proxy({ auth: ProxyAuth.bearerTokens('API Tokens') }), '[test/llm/p] auth.secretName: "API Tokens" is not a valid Secret name'],
  ['token Secret key with a space', proxy({ auth: ProxyAuth.bearerTokens('tokens', 'bad key') }), '[test/llm/p] auth.key: "bad key" is not a valid Secret or ConfigMap key. Fix: use letters, digits, \'-\', \'_\' and \'.\' (max 253)'],
  ['token Secret key ..', proxy({ auth: ProxyAuth.bearerTokens('tokens', '..') }), '[test/llm/p] auth.key: ".." is not a valid Secret or ConfigMap key'],
  ['htpasswd Secret name empty', proxy({ auth: ProxyAuth.basicAuth('') }), '[test/llm/p] auth.secretName: "" is not a valid Secret name'],
  ['htpasswd Secret key with a slash', proxy({ auth: ProxyAuth.basicAuth('users', 'a/b') }), '[test/llm/p] auth.key: "a/b" is not a valid Secret or ConfigMap key'],
  // --- LogSidecar: directory and files
  ['log dir /', logs({ logDir: '/' }), '[test/llm/l] logDir: "/" must be an absolute path without \'.\', \'..\', empty segments or newlines, and not \'/\'. Fix: use e.g. \'/var/log/app\''],
  ['log dir relative', logs({ logDir: 'var/log/app' }), '[test/llm/l] logDir: "var/log/app" must be an absolute path'],
  ['log dir with ..', logs({ logDir: '/var/log/../../etc' }), '[test/llm/l] logDir: "/var/log/../../etc" must be an absolute path'],
  ['log dir with a newline', logs({ logDir: '/var/log/app\n[OUTPUT]' }), '[test/llm/l] logDir: "/var/log/app\\n[OUTPUT]" must be an absolute path'],
  ['log dir with a space', logs({ logDir: '/var/log/my app' }), '[test/llm/l] logDir: "/var/log/my app" may only have letters, digits and . _ @ + - between slashes (Fluent Bit reads \',\' as a list and \'* ? [\' as wildcards). Fix: use e.g. \'/var/log/app\''],
  ['log dir with a comma', logs({ logDir: '/var/log/a,/etc' }), '[test/llm/l] logDir: "/var/log/a,/etc" may only have letters, digits'],
  ['log dir with a wildcard', logs({ logDir: '/var/log/*' }), '[test/llm/l] logDir: "/var/log/*" may only have letters, digits'],
  ['file pattern empty', logs({ filePattern: '' }), `[test/llm/l] filePattern: "" ${PATTERN_FIX}`],
  ['file pattern list with a space', logs({ filePattern: '*.log, /etc/*' }), `[test/llm/l] filePattern: "*.log, /etc/*" ${PATTERN_FIX}`],
  ['file pattern going up', logs({ filePattern: '../*.log' }), `[test/llm/l] filePattern: "../*.log" ${PATTERN_FIX}`],
  ['file pattern absolute', logs({ filePattern: '/etc/*.log' }), `[test/llm/l] filePattern: "/etc/*.log" ${PATTERN_FIX}`],
  ['file pattern with //', logs({ filePattern: 'a//b.log' }), `[test/llm/l] filePattern: "a//b.log" ${PATTERN_FIX}`],
  ['file pattern with a newline', logs({ filePattern: '*.log\n' }), `[test/llm/l] filePattern: "*.log\\n" ${PATTERN_FIX}`],
  ['file pattern with a command substitution', logs({ filePattern: '$(id).log' }), `[test/llm/l] filePattern: "$(id).log" ${PATTERN_FIX}`],
  ['log volume size 1GB', logs({ sizeLimit: '1GB' }), '[test/llm/l] sizeLimit: "1GB" is not a positive Kubernetes quantity'],
  // --- LogSidecar: destination
  ['Loki host empty', ship(() => LogDestination.loki({ host: '' })), `[test/llm/l] shipTo.host: "" ${HOST_FIX}`],
  ['Loki host injecting an [OUTPUT] section', ship(() => LogDestination.loki({ host: 'loki\n[OUTPUT]\n    Name stdout' })), `[test/llm/l] shipTo.host: "loki\\n[OUTPUT]\\n    Name stdout" ${HOST_FIX}`],
  ['HTTP host with a space', ship(() => LogDestination.http({ host: 'logs example.com' })), `[test/llm/l] shipTo.host: "logs example.com" ${HOST_FIX}`],
  ['Elasticsearch host with [', ship(() => LogDestination.elasticsearch({ host: '[es]' })), `[test/llm/l] shipTo.host: "[es]" ${HOST_FIX}`],
  ['host with a trailing dash label', ship(() => LogDestination.loki({ host: 'loki-.svc' })), `[test/llm/l] shipTo.host: "loki-.svc" ${HOST_FIX}`],
  ['host over 253 characters', ship(() => LogDestination.loki({ host: 'a.'.repeat(127) + 'a' })), `${HOST_FIX}`],
  ['Loki port 70000', ship(() => LogDestination.loki({ host: 'loki', port: 70000 })), '[test/llm/l] shipTo.port: 70000 must be a whole number from 1 to 65535. Fix: use e.g. 8080'],
  ['HTTP port 0', ship(() => LogDestination.http({ host: 'logs', port: 0 })), '[test/llm/l] shipTo.port: 0 must be a whole number from 1 to 65535'],
  ['HTTP uri without a slash', ship(() => LogDestination.http({ host: 'logs', uri: 'ingest' })), '[test/llm/l] shipTo.uri: "ingest" is not a request path (a leading \'/\', then letters, digits and -._~!$&\'()*+,;=:@/? or %XX escapes: no spaces, quotes, \'{\', \'}\' or \'#\'). Fix: use e.g. \'/ingest\''],
  ['HTTP uri with a newline', ship(() => LogDestination.http({ host: 'logs', uri: '/ingest\n[OUTPUT]' })), '[test/llm/l] shipTo.uri: "/ingest\\n[OUTPUT]" is not a request path'],
  ['Loki label name with a dash', ship(() => LogDestination.loki({ host: 'loki', labels: { 'my-app': 'x' } })), '[test/llm/l] shipTo.labels: "my-app" is not a label name of your own (letters, digits and \'_\', not starting with a digit; job, pod, namespace are set by the sidecar). Fix: use e.g. \'app\''],
  ['Loki label the sidecar sets', ship(() => LogDestination.loki({ host: 'loki', labels: { pod: 'x' } })), '[test/llm/l] shipTo.labels: "pod" is not a label name of your own'],
  ['Loki label value with a comma', ship(() => LogDestination.loki({ host: 'loki', labels: { app: 'llm, env=prod' } })), '[test/llm/l] shipTo.labels["app"]: "llm, env=prod" is not a label value Fluent Bit can carry (1-1024 letters, digits and . _ : / @ + -). Fix: use e.g. \'llm\''],
  ['Loki label value empty', ship(() => LogDestination.loki({ host: 'loki', labels: { app: '' } })), '[test/llm/l] shipTo.labels["app"]: "" is not a label value Fluent Bit can carry'],
  ['Loki tenant with a space', ship(() => LogDestination.loki({ host: 'loki', tenantId: 'team a' })), '[test/llm/l] shipTo.tenantId: "team a" is not a Loki tenant id (1-150 letters, digits and ! - _ . * \' ( )). Fix: use e.g. \'ml-team\''],
  ['Loki tenant ..', ship(() => LogDestination.loki({ host: 'loki', tenantId: '..' })), '[test/llm/l] shipTo.tenantId: ".." is not a Loki tenant id'],
  ['Elasticsearch index with uppercase', ship(() => LogDestination.elasticsearch({ host: 'es', index: 'Logs' })), '[test/llm/l] shipTo.index: "Logs" is not an Elasticsearch index name (lowercase letters, digits, \'.\', \'_\', \'-\', not starting with \'.\', \'_\' or \'-\'). Fix: use e.g. \'inference-logs\''],
  ['Elasticsearch index starting with _', ship(() => LogDestination.elasticsearch({ host: 'es', index: '_all' })), '[test/llm/l] shipTo.index: "_all" is not an Elasticsearch index name'],
  ['log credentials Secret name invalid', ship(() => LogDestination.loki({ host: 'loki', credentials: LogCredentials.basicAuth('Loki_Auth') })), '[test/llm/l] shipTo.credentials.secretName: "Loki_Auth" is not a valid Secret name'],
  ['log credentials key invalid', ship(() => LogDestination.http({ host: 'logs', credentials: LogCredentials.bearerToken('sink', 'the token') })), '[test/llm/l] shipTo.credentials.key: "the token" is not a valid Secret or ConfigMap key'],
];

test.each(CASES)('%s', (_name, build, message) => {
  const chart = newChart();
  build(chart);
  const error = synthError(chart);
  expect(error).toContain(message);
  // every error line names a fix
  for (const line of error.split('\n').filter(l => l.trim().startsWith('['))) {
    expect(line).toContain('Fix: ');
  }
});

test('the table has a distinct case per check, as many as the README says', () => {
  expect(new Set(CASES.map(c => c[0])).size).toBe(CASES.length);
  expect(new Set(CASES.map(c => c[2])).size).toBe(CASES.length);
  const readme = fs.readFileSync(path.join(__dirname, '..', 'README.md'), 'utf8').replace(/\s+/g, ' ');
  expect(readme).toContain(`\`test/sidecar-props.test.ts\` ${CASES.length} more for the sidecars' props`);
});

// The checks must not refuse what users legitimately write.
const VALID: Array<[string, (chart: Chart) => void]> = [
  ['several canonical open paths, one with a trailing slash, root', proxy({ openPaths: ['/health', '/v2/health/ready', '/metrics/', '/', '/api/v1:check@x'] })],
  ['no open path', proxy({ openPaths: [] })],
  ['further admitted ports (a KV-cache side channel, metrics)', proxy({ admitPorts: [5600, 9090] })],
  ['timeouts from 1 s to 24 h, in any unit', (chart) => {
    const p = pod(chart);
    new ProxySidecar(p, 'a', { port: 8081, timeout: Duration.millis(1000) });
    new ProxySidecar(p, 'b', { name: 'b', port: 8082, timeout: Duration.hours(24) });
  }],
  ['body limits 0 (no limit), in bytes, k, M and g', (chart) => {
    const p = pod(chart);
    ['0', '4096', '512k', '64M', '1g'].forEach((limit, i) => new ProxySidecar(p, `p${i}`, { name: `p${i}`, port: 8081 + i, requestBodyLimit: limit }));
  }],
  ['TLS and basic auth with dotted Secret names and keys', proxy({ tls: ProxyTls.fromSecret('llm.tls'), auth: ProxyAuth.basicAuth('users.v2', '.htpasswd') })],
  ['log dir with a trailing slash and @ + _', logs({ logDir: '/var/log/app_1@x+y/' })],
  ['file patterns with wildcards and a subdirectory', logs({ filePattern: 'requests/[a-z]*-?.log' })],
  ['Loki on an IPv6 address with labels and a tenant', ship(() => LogDestination.loki({ host: 'fd00::1', port: 3100, labels: { app: 'llm', model_name: 'llama-3.1:8b' }, tenantId: "team-a.(ml)'" }))],
  ['HTTP on an IPv4 address with a query in the uri', ship(() => LogDestination.http({ host: '10.0.0.7', uri: '/ingest?source=llm&x=1', credentials: LogCredentials.bearerToken('sink.token', 'token_v2') }))],
  ['Elasticsearch with an upper-case host name and an index with dots', ship(() => LogDestination.elasticsearch({ host: 'ES.Example.com', index: 'llm.logs-2026', credentials: LogCredentials.basicAuth('es', 'user', 'pass') }))],
];

test.each(VALID)('accepted: %s', (_name, build) => {
  const chart = newChart();
  build(chart);
  expect(synth(chart).length).toBeGreaterThan(0);
});

test('the check functions are pure: same props, same errors; nothing throws on garbage', () => {
  const garbage: any = { port: 'x', upstreamPort: {}, openPaths: [1, null], timeout: { toMilliseconds: () => { throw new Error('boom'); } }, requestBodyLimit: 5 };
  expect(proxySidecarPropErrors(garbage)).toEqual(proxySidecarPropErrors(garbage));
  expect(proxySidecarPropErrors(garbage)).toEqual([
    'port: "x" must be a whole number from 1 to 65535. Fix: use e.g. 8080',
    'upstreamPort: {} must be a whole number from 1 to 65535. Fix: use e.g. 8080',
    'openPaths: 1 is not a URL path in canonical form: it does not start with "/". ' + PATH_FIX,
    'openPaths: null is not a URL path in canonical form: it does not start with "/". ' + PATH_FIX,
    'timeout: "NaN" is not a whole number of seconds of at least 1. Fix: use e.g. Duration.seconds(1); Kubernetes counts these in whole seconds',
    `requestBodyLimit: 5 ${SIZE_FIX}`,
  ]);
  expect(logSidecarPropErrors({ logDir: 7 as any, filePattern: null as any })).toHaveLength(2);
  expect(logDestinationErrors({ host: undefined as any, labels: 'x' as any })).toContain(`shipTo.host: undefined ${HOST_FIX}`);
  expect(proxySidecarPropErrors({})).toEqual([]);
  expect(logSidecarPropErrors({})).toEqual([]);
});

test('the proxy timeout nginx gets: whole seconds, the 10-minute default when absent or invalid', () => {
  expect(proxyTimeoutSeconds(undefined)).toBe(600);
  expect(proxyTimeoutSeconds(Duration.minutes(30))).toBe(1800);
  expect(proxyTimeoutSeconds(Duration.millis(500))).toBe(600);
  expect(proxyTimeoutSeconds(Duration.days(3))).toBe(600);
});
