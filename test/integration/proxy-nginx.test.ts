import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as http from 'http';
import * as os from 'os';
import * as path from 'path';
import { curl, makeCertificate, materialize, nginxTest, ProxySecrets, requireProxyTools, runStart, serve, SHELLS, startUpstream, Upstream } from './_proxy-harness';
import { ProxyAuth, ProxySidecarProps, ProxyTls } from '../../src';

// The generated nginx configuration and start script, run with the real nginx (Debian
// package) on 127.0.0.1, in front of a real HTTP upstream; TLS certificates made by openssl.
const TOKENS = 'tok-alpha\n  tok-beta  \n\n';
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

const VARIANTS: Array<[string, ProxySidecarProps, ProxySecrets]> = [
  ['plain, no auth', {}, {}],
  ['plain, bearer', { auth: ProxyAuth.bearerTokens('tokens') }, { tokens: TOKENS }],
  ['plain, basic', { auth: ProxyAuth.basicAuth('users') }, { htpasswd: 'u:x\n' }],
  ['TLS, no auth', { tls: ProxyTls.fromSecret('tls') }, {}],
  ['TLS, bearer', { tls: ProxyTls.fromSecret('tls'), auth: ProxyAuth.bearerTokens('tokens') }, { tokens: TOKENS }],
  ['TLS, basic', { tls: ProxyTls.fromSecret('tls'), auth: ProxyAuth.basicAuth('users') }, { htpasswd: 'u:x\n' }],
];

const LONG_TOKEN = 'L'.repeat(4096);

describe.each(SHELLS.map(s => [s.name, s] as const))('start script run by %s', (_shell, shell) => {
  test.each([
    ...VARIANTS,
    ['plain, bearer, several open paths', { auth: ProxyAuth.bearerTokens('tokens'), openPaths: ['/health', '/v2/health/ready', '/metrics/'] }, { tokens: TOKENS }],
    ['TLS, basic, no open path', { tls: ProxyTls.fromSecret('tls'), auth: ProxyAuth.basicAuth('users'), openPaths: [] }, { htpasswd: 'u:x\n' }],
    ['plain, bearer, duplicate, case-variant and 4096-character tokens', { auth: ProxyAuth.bearerTokens('tokens') }, { tokens: `AbC\nabc\nAbC\n${LONG_TOKEN}\n${LONG_TOKEN.slice(0, 2048)}\n` }],
    ['plain, bearer, 3000 tokens', { auth: ProxyAuth.bearerTokens('tokens') }, { tokens: Array.from({ length: 3000 }, (_, i) => `token-${i}`).join('\n') }],
  ] as Array<[string, ProxySidecarProps, ProxySecrets]>)('nginx -t accepts the generated config: %s', async (_name, props, secrets) => {
    const m = await materialize(upstream, props, secrets, certDir);
    const result = await nginxTest(m, shell);
    expect(result.stderr).toContain('syntax is ok');
    expect(result.stderr).toContain('test is successful');
    expect(result.stderr).not.toContain('[warn]');
    expect(result.code).toBe(0);
  });
});

test('bearer auth: 401 without a token or with a wrong one, 200 with either token; health passes without auth', async () => {
  const { port, running } = await serve(upstream, { auth: ProxyAuth.bearerTokens('tokens') }, { tokens: TOKENS }, certDir);
  try {
    const url = `http://127.0.0.1:${port}`;
    expect((await curl([`${url}/v1/completions`])).status).toBe(401);
    expect((await curl(['-H', 'Authorization: Bearer nope', `${url}/v1/completions`])).status).toBe(401);
    const ok = await curl(['-H', 'Authorization: Bearer tok-alpha', '-d', '{"prompt":"hi"}', `${url}/v1/completions`]);
    expect(ok.status).toBe(200);
    expect(JSON.parse(ok.body)).toMatchObject({ url: '/v1/completions', bytes: 15, forwardedProto: 'http' });
    expect((await curl(['-H', 'Authorization: Bearer tok-beta', `${url}/v1/models`])).status).toBe(200);
    expect(await curl([`${url}/health`])).toEqual({ status: 200, body: 'ok' });
  } finally {
    running.kill();
  }
});

test('TLS: handshake with the certificate from the Secret, verified by curl', async () => {
  const { port, running } = await serve(upstream, { tls: ProxyTls.fromSecret('tls'), auth: ProxyAuth.bearerTokens('tokens') }, { tokens: TOKENS }, certDir);
  try {
    const url = `https://127.0.0.1:${port}`;
    const ok = await curl(['--cacert', path.join(certDir, 'tls.crt'), '-H', 'Authorization: Bearer tok-alpha', `${url}/v1/models`]);
    expect(ok.status).toBe(200);
    expect(JSON.parse(ok.body).forwardedProto).toBe('https');
    expect((await curl(['--cacert', path.join(certDir, 'tls.crt'), `${url}/health`])).status).toBe(200);
    // plain HTTP on the TLS port is refused
    expect((await curl([`http://127.0.0.1:${port}/health`])).status).toBe(400);
  } finally {
    running.kill();
  }
});

test('basic auth with an htpasswd made by openssl', async () => {
  const hash = execFileSync('openssl', ['passwd', '-apr1', 's3cret'], { encoding: 'utf8' }).trim();
  const { port, running } = await serve(upstream, { auth: ProxyAuth.basicAuth('users') }, { htpasswd: `alice:${hash}\n` });
  try {
    const url = `http://127.0.0.1:${port}/v1/models`;
    expect((await curl([url])).status).toBe(401);
    expect((await curl(['-u', 'alice:wrong', url])).status).toBe(401);
    expect((await curl(['-u', 'alice:s3cret', url])).status).toBe(200);
  } finally {
    running.kill();
  }
});

test('a streamed (SSE) response arrives in chunks, not buffered until the end', async () => {
  const { port, running } = await serve(upstream, { auth: ProxyAuth.bearerTokens('tokens') }, { tokens: TOKENS }, certDir);
  try {
    const arrivals: Array<{ at: number; text: string }> = [];
    await new Promise<void>((resolve, reject) => {
      http.get({ host: '127.0.0.1', port, path: '/v1/stream', headers: { Authorization: 'Bearer tok-alpha' } }, (res) => {
        res.on('data', (d) => arrivals.push({ at: Date.now(), text: String(d) }));
        res.on('end', () => resolve());
      }).on('error', reject);
    });
    const text = arrivals.map(a => a.text).join('');
    expect(text).toContain('data: token-1');
    expect(text).toContain('data: [DONE]');
    expect(arrivals.length).toBeGreaterThanOrEqual(4);
    // the first token reached the client long before the last one was generated
    expect(arrivals[arrivals.length - 1].at - arrivals[0].at).toBeGreaterThan(1000);
  } finally {
    running.kill();
  }
});

test('a body above the limit is refused with 413', async () => {
  const { port, running } = await serve(upstream, { requestBodyLimit: '1k' });
  try {
    const big = 'x'.repeat(4096);
    expect((await curl(['-d', big, `http://127.0.0.1:${port}/v1/completions`])).status).toBe(413);
    expect((await curl(['-d', 'x'.repeat(512), `http://127.0.0.1:${port}/v1/completions`])).status).toBe(200);
  } finally {
    running.kill();
  }
});

test('requestBodyLimit "0" checks no size (nginx\'s client_max_body_size 0): a body far above the default 64m passes', async () => {
  const { port, running } = await serve(upstream, { requestBodyLimit: '0' });
  try {
    const big = path.join(os.tmpdir(), `body-${process.pid}.bin`);
    fs.writeFileSync(big, Buffer.alloc(65 * 1024 * 1024 + 1));
    try {
      expect((await curl(['--data-binary', `@${big}`, `http://127.0.0.1:${port}/v1/completions`])).status).toBe(200);
    } finally {
      fs.rmSync(big, { force: true });
    }
  } finally {
    running.kill();
  }
});

test('the start script refuses an empty token file or a token that could break the config', async () => {
  for (const [tokens, message] of [['\n\n', 'holds no token'], ['good\nbad"; default 1;\n', 'has characters outside']]) {
    const m = await materialize(upstream, { auth: ProxyAuth.bearerTokens('tokens') }, { tokens });
    const result = await runStart(m);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(message);
  }
});
