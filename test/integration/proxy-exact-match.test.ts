import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as http from 'http';
import * as path from 'path';
import {
  makeCertificate, materialize, nginxTest, ProxySecrets, rawRequest, requireProxyTools, runStart, serve, SHELLS, startUpstream, Upstream,
} from './_proxy-harness';
import { ProxyAuth, ProxySidecarProps, ProxyTls } from '../../src';

// What ProxySidecar lets through, with the real nginx on 127.0.0.1: bearer tokens compared
// exactly (case-sensitive, any length up to 4096), open paths only in their canonical form,
// probes routed through the proxy, and a bounded load of mixed requests.
let upstream: Upstream;
let certDir = '';

beforeAll(async () => {
  requireProxyTools();
  certDir = makeCertificate();
  upstream = await startUpstream();
});

afterAll(async () => {
  await upstream.close();
});

/** A reproducible token of RFC 6750 characters, including the regex metacharacters `.` and `+`. */
function token(length: number, seed: number): string {
  const chars = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~+/';
  let x = seed;
  return Array.from({ length }, () => {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    return chars[x % chars.length];
  }).join('');
}

const LONG = token(4096, 7);
const PREFIX = LONG.slice(0, 2048);
/** Duplicates, a case variant, CRLF, blank lines, padding whitespace, a 4096-character token and its 2048-character prefix. */
const TOKEN_FILE = `AbC-token\r\nabc-TOKEN\r\nAbC-token\n\n   \r\n  a.b+c/d~e_f=  \n\tspaced\t\n${LONG}\n${PREFIX}`;
const BEARER: ProxySidecarProps = { auth: ProxyAuth.bearerTokens('tokens') };

/** Changes the character at `i` to another token character. */
function mutate(text: string, i: number): string {
  return text.slice(0, i) + (text[i] === 'x' ? 'y' : 'x') + text.slice(i + 1);
}

/** The Authorization header of each request, and whether the proxy must let it through. */
const AUTHORIZATIONS: Array<[string, string | undefined, boolean]> = [
  ['a token', 'Bearer AbC-token', true],
  ['the token differing from it only in case', 'Bearer abc-TOKEN', true],
  ['the scheme in lower case (RFC 7235: schemes ignore case)', 'bearer AbC-token', true],
  ['the scheme in upper case', 'BEARER abc-TOKEN', true],
  ['several spaces after the scheme', 'Bearer   AbC-token', true],
  ['a token with . and + (regex metacharacters)', 'Bearer a.b+c/d~e_f=', true],
  ['a token written between tabs in the file', 'Bearer spaced', true],
  ['the 4096-character token', `Bearer ${LONG}`, true],
  ['its 2048-character prefix, itself a token', `Bearer ${PREFIX}`, true],
  ['a case variant that is not listed', 'Bearer abc-token', false],
  ['another case variant', 'Bearer ABC-TOKEN', false],
  ['a prefix of a token', 'Bearer AbC-toke', false],
  ['a token with a suffix', 'Bearer AbC-tokenX', false],
  ['a token after a prefix', 'Bearer xAbC-token', false],
  ['. matching any character', 'Bearer aXb+c/d~e_f=', false],
  ['+ as a repetition', 'Bearer a.bbc/d~e_f=', false],
  ['another scheme', 'Basic AbC-token', false],
  ['no scheme', 'AbC-token', false],
  ['no space after the scheme', 'BearerAbC-token', false],
  ['the long token with one character changed in its first half', `Bearer ${mutate(LONG, 100)}`, false],
  ['the long token with one character changed in its second half', `Bearer ${mutate(LONG, 3000)}`, false],
  ['the long token without its last character', `Bearer ${LONG.slice(0, -1)}`, false],
  ['the long token with one more character', `Bearer ${LONG}x`, false],
  ['the long token without its character 2049 (chunk boundary)', `Bearer ${PREFIX}${LONG.slice(2049)}`, false],
  ['the prefix token with one more character', `Bearer ${PREFIX}x`, false],
  ['the prefix token without its last character', `Bearer ${PREFIX.slice(0, -1)}`, false],
  ['no Authorization header', undefined, false],
  ['an empty Authorization header', '', false],
];

test('bearer tokens match exactly: case-sensitive, duplicates tolerated, 4096 characters, nothing but the listed tokens', async () => {
  const { port, running } = await serve(upstream, BEARER, { tokens: TOKEN_FILE });
  try {
    const before = upstream.received.length;
    const results: Array<[string, number]> = [];
    for (const [name, authorization] of AUTHORIZATIONS) {
      const { status } = await rawRequest(port, '/v1/models', authorization === undefined ? {} : { Authorization: authorization });
      results.push([name, status]);
    }
    expect(results).toEqual(AUTHORIZATIONS.map(([name, , ok]) => [name, ok ? 200 : 401]));
    expect(upstream.received.slice(before)).toEqual(AUTHORIZATIONS.filter(([, , ok]) => ok).map(() => '/v1/models'));
  } finally {
    running.kill();
  }
});

test('mawk and busybox awk generate the same token maps, which nginx accepts', async () => {
  const maps: string[] = [];
  for (const shell of SHELLS) {
    const m = await materialize(upstream, BEARER, { tokens: TOKEN_FILE });
    const result = await nginxTest(m, shell);
    expect(result.stderr).toContain('test is successful');
    maps.push(fs.readFileSync(path.join(m.dirOf('/tmp'), 'nginx', 'tokens.map.conf'), 'utf8').split(m.root).join('<root>'));
  }
  expect(maps[1]).toEqual(maps[0]);
  // tokens are listed once, and the map sits in the run dir, not in the ConfigMap
  expect(maps[0]).toContain('6 tokens');
  expect(maps[0].match(/\\QAbC-token\\E\$/g)).toHaveLength(1);
});

const BAD_SECRETS: Array<[string, ProxySidecarProps, ProxySecrets, string]> = [
  ['a token file with only blank and CRLF lines', BEARER, { tokens: '\r\n   \r\n\t\n' }, 'holds no token: write one token per line'],
  ['an empty token file', BEARER, { tokens: '' }, 'holds no token'],
  ['a token longer than 4096 characters', BEARER, { tokens: `ok\n${token(4097, 3)}\n` }, 'line 2 of '],
  ['a token with a quote and a semicolon', BEARER, { tokens: 'ok\n\nsecret"; default 1;\n' }, 'line 3 of '],
  ['no token file', BEARER, {}, 'cannot read'],
  ['an empty htpasswd file', { auth: ProxyAuth.basicAuth('users') }, { htpasswd: '' }, 'holds no user: write user:hash lines'],
  ['an htpasswd file with only comments and blank lines', { auth: ProxyAuth.basicAuth('users') }, { htpasswd: '# nobody\r\n\n' }, 'holds no user'],
];

describe.each(SHELLS.map(s => [s.name, s] as const))('start script run by %s', (_shell, shell) => {
  test.each(BAD_SECRETS)('stops with one line on stderr for %s', async (_name, props, secrets, message) => {
    const m = await materialize(upstream, props, secrets);
    const result = await runStart(m, shell);
    expect(result.code).toBe(1);
    const lines = result.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^proxy: /);
    expect(lines[0]).toContain(message);
    // the offending token is never printed
    expect(result.stderr).not.toContain('secret');
    expect(result.stderr).not.toContain(token(4097, 3).slice(0, 50));
  });
});

test('basic auth accepts an htpasswd file with CRLF line ends and comments', async () => {
  const hash = execFileSync('openssl', ['passwd', '-apr1', 's3cret'], { encoding: 'utf8' }).trim();
  const { port, running } = await serve(upstream, { auth: ProxyAuth.basicAuth('users') }, { htpasswd: `# team\r\nalice:${hash}\r\n` });
  try {
    const basic = (user: string) => ({ Authorization: `Basic ${Buffer.from(user).toString('base64')}` });
    expect((await rawRequest(port, '/v1/models', basic('alice:s3cret'))).status).toBe(200);
    expect((await rawRequest(port, '/v1/models', basic('alice:wrong'))).status).toBe(401);
  } finally {
    running.kill();
  }
});

/**
 * Request targets that nginx's location matching normalizes to an open path (or that differ
 * from it only in case, query or trailing slash): without credentials none may reach the
 * upstream, whose routing would see the raw form.
 */
const NON_CANONICAL = [
  '/v1/x/../../health', '/x/../health', '/./health', '//health', '/%68ealth', '/health%2F', '/%2Fhealth', '/health/', '/HEALTH',
  '/health?x=1', '/health?', '/health;x', '/health#x', '/health/..', '/v2//health/ready', '/v2/health/./ready', '/v2/%68ealth/ready',
];
const CREDENTIALS: Array<[string, ProxySidecarProps, ProxySecrets, { [name: string]: string }]> = [
  ['bearer', BEARER, { tokens: 'tok\n' }, { Authorization: 'Bearer tok' }],
  ['basic', { auth: ProxyAuth.basicAuth('users') }, { htpasswd: `u:${execFileSync('openssl', ['passwd', '-apr1', 'pw'], { encoding: 'utf8' }).trim()}\n` }, { Authorization: `Basic ${Buffer.from('u:pw').toString('base64')}` }],
];

describe.each(CREDENTIALS)('open paths with %s auth', (_name, auth, secrets, credentials) => {
  const openPaths = ['/health', '/v2/health/ready'];

  test('only the canonical forms pass without credentials, and the upstream receives exactly them', async () => {
    const { port, running } = await serve(upstream, { ...auth, openPaths }, secrets);
    try {
      const before = upstream.received.length;
      expect(await rawRequest(port, '/health')).toEqual({ status: 200, body: 'ok' });
      expect((await rawRequest(port, '/v2/health/ready')).status).toBe(200);
      // an absolute-form target is the canonical path too: the upstream gets the path alone
      expect((await rawRequest(port, 'http://evil.example/health')).status).toBe(200);
      expect(upstream.received.slice(before)).toEqual(['/health', '/v2/health/ready', '/health']);
      const refused: Array<[string, number]> = [];
      for (const target of NON_CANONICAL) refused.push([target, (await rawRequest(port, target)).status]);
      expect(refused).toEqual(NON_CANONICAL.map(target => [target, 401]));
      expect(upstream.received.slice(before + 3)).toEqual([]);
      // with credentials a non-canonical form is an ordinary request, forwarded as sent
      expect((await rawRequest(port, '//health', credentials)).status).toBe(200);
      expect(upstream.received.slice(before + 3)).toEqual(['//health']);
    } finally {
      running.kill();
    }
  });
});

test('probes through the proxy: an HTTPS probe without certificate check reaches the upstream\'s /health on 127.0.0.1', async () => {
  const { port, running, server } = await serve(upstream, { tls: ProxyTls.fromSecret('tls'), ...BEARER }, { tokens: 'tok\n' }, certDir);
  try {
    // the probes the library rendered for the server: through the proxy's port, over HTTPS
    for (const probe of ['startupProbe', 'readinessProbe', 'livenessProbe']) {
      expect(server[probe].httpGet).toEqual({ path: '/health', port, scheme: 'HTTPS' });
    }
    const target = server.readinessProbe.httpGet;
    const before = upstream.received.length;
    // what the kubelet sends: no credentials, its own user agent, no certificate verification
    const probe = await rawRequest(target!.port, target!.path, { 'User-Agent': 'kube-probe/1.31' }, { tls: true });
    expect(probe).toEqual({ status: 200, body: 'ok' });
    expect(upstream.received.slice(before)).toEqual(['/health']);
  } finally {
    running.kill();
  }
});

test('load: 5,000 keep-alive requests with mixed valid and invalid tokens get exactly the expected 200/401 split and no errors', async () => {
  const { port, running } = await serve(upstream, BEARER, { tokens: TOKEN_FILE });
  const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
  try {
    // every fifth request of each kind: 3 valid (one 4096 characters long), 2 invalid (a case variant, none)
    const kinds: Array<[{ [name: string]: string }, number]> = [
      [{ Authorization: 'Bearer AbC-token' }, 200],
      [{ Authorization: `Bearer ${LONG}` }, 200],
      [{ Authorization: 'Bearer abc-token' }, 401],
      [{}, 401],
      [{ Authorization: 'Bearer abc-TOKEN' }, 200],
    ];
    const total = 5000;
    const before = upstream.received.length;
    const counts: { [key: string]: number } = {};
    let next = 0;
    const worker = async () => {
      while (next < total) {
        const [headers, expected] = kinds[next++ % kinds.length];
        const key = await rawRequest(port, '/v1/completions', headers, { agent })
          .then(r => (r.status === expected ? String(r.status) : `unexpected ${r.status} (wanted ${expected})`), (e: Error) => `error ${e.message}`);
        counts[key] = (counts[key] ?? 0) + 1;
      }
    };
    await Promise.all(Array.from({ length: 16 }, worker));
    expect(counts).toEqual({ 200: 3000, 401: 2000 });
    expect(upstream.received.length - before).toBe(3000);
  } finally {
    agent.destroy();
    running.kill();
  }
});
