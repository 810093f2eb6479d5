import { execFile, execFileSync } from 'child_process';
import { promisify } from 'util';
import * as fs from 'fs';
import * as http from 'http';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { AiInferencePod, ProxyAuth, ProxySidecar, ProxySidecarProps, ProxyTls } from '../../src';
import { requireTool, runContainer, Running, startContainer } from '../helpers/run-container';
import { container, manifestOf, newChart, synth } from '../helpers/synth';

// The generated nginx configuration and start script, run with the real nginx (Debian
// package) on 127.0.0.1, in front of a real HTTP upstream; TLS certificates made by openssl.
const execFileAsync = promisify(execFile);
const NGINX = fs.existsSync('/usr/sbin/nginx') ? '/usr/sbin/nginx' : 'nginx';
const TOKENS = 'tok-alpha\n  tok-beta  \n\n';
const sleep = (ms: number) => new Promise(r => setTimeout(r, ms));
let upstream: http.Server;
let upstreamPort = 0;
let certDir = '';

beforeAll(async () => {
  requireTool('nginx', 'apt-get install -y nginx');
  requireTool('openssl', 'apt-get install -y openssl');
  requireTool('curl', 'apt-get install -y curl');
  certDir = fs.mkdtempSync(path.join(os.tmpdir(), 'certs-'));
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=localhost',
    '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost', '-keyout', path.join(certDir, 'tls.key'), '-out', path.join(certDir, 'tls.crt')], { stdio: 'pipe' });
  upstream = http.createServer((req, res) => {
    if (req.url === '/health') {
      res.end('ok');
    } else if (req.url === '/v1/stream') {
      res.writeHead(200, { 'Content-Type': 'text/event-stream' });
      let n = 0;
      const timer = setInterval(() => {
        res.write(`data: token-${++n} ${Date.now()}\n\n`);
        if (n === 4) {
          clearInterval(timer);
          res.end('data: [DONE]\n\n');
        }
      }, 400);
    } else {
      let body = '';
      req.on('data', (d) => { body += d; });
      req.on('end', () => res.end(JSON.stringify({ url: req.url, bytes: body.length, forwardedProto: req.headers['x-forwarded-proto'] })));
    }
  });
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  upstreamPort = (upstream.address() as net.AddressInfo).port;
});

afterAll(async () => {
  upstream.closeAllConnections();
  await new Promise<void>((resolve) => upstream.close(() => resolve()));
});

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** The proxy container and its files as synthesized, with every mount mapped to a temp dir. */
async function materialize(props: ProxySidecarProps, secrets: { tokens?: string; htpasswd?: string } = {}) {
  const port = await freePort();
  const chart = newChart();
  const pod = new AiInferencePod(chart, 'llm', { server: { image: 'vllm/vllm-openai:v0.6.3', port: upstreamPort } });
  new ProxySidecar(pod, 'auth-proxy', { port, ...props });
  const manifests = synth(chart);
  const proxy = container(manifestOf(manifests, 'Pod'), 'auth-proxy');
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'proxy-'));
  // Run as root here, nginx's workers drop to "nobody" (in the pod all run as one non-root
  // user), so they need to traverse the temp dirs to read the htpasswd file at request time.
  fs.chmodSync(root, 0o755);
  const mapping: Array<[string, string]> = proxy.volumeMounts.map((m: any) => [m.mountPath, path.join(root, m.name)]);
  // one pass, longest mount first, so a mapped path is never mapped again
  const pattern = new RegExp(`(${mapping.map(([from]) => from).sort((a, b) => b.length - a.length).map(f => f.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')).join('|')})(?=/)`, 'g');
  const remap = (text: string) => text.replace(pattern, (from) => mapping.find(([f]) => f === from)![1]);
  for (const [, dir] of mapping) fs.mkdirSync(dir, { recursive: true });
  const dirOf = (mountPath: string) => mapping.find(([from]) => from === mountPath)![1];
  fs.writeFileSync(path.join(dirOf('/etc/nginx/cdk8s'), 'nginx.conf'), remap(manifestOf(manifests, 'ConfigMap').data['nginx.conf']));
  if (props.tls) {
    fs.copyFileSync(path.join(certDir, 'tls.crt'), path.join(dirOf('/etc/nginx/tls'), 'tls.crt'));
    fs.copyFileSync(path.join(certDir, 'tls.key'), path.join(dirOf('/etc/nginx/tls'), 'tls.key'));
  }
  if (secrets.tokens !== undefined) fs.writeFileSync(path.join(dirOf('/etc/nginx/auth'), 'tokens'), secrets.tokens);
  if (secrets.htpasswd !== undefined) fs.writeFileSync(path.join(dirOf('/etc/nginx/auth'), 'auth'), secrets.htpasswd);
  const env = Object.fromEntries(proxy.env.map((e: any) => [e.name, remap(e.value)]));
  return { proxy, env, port, root };
}

async function serve(props: ProxySidecarProps, secrets: { tokens?: string; htpasswd?: string } = {}) {
  const m = await materialize(props, secrets);
  const running: Running = startContainer(m.proxy, { env: { ...m.env, PATH: `/usr/sbin:${process.env.PATH}` } });
  for (let i = 0; i < 50; i++) {
    const open = await new Promise<boolean>((resolve) => {
      const s = net.connect(m.port, '127.0.0.1', () => { s.end(); resolve(true); });
      s.on('error', () => resolve(false));
    });
    if (open) return { ...m, running };
    await sleep(100);
  }
  running.kill();
  throw new Error(`nginx did not start: ${(await running.done).stderr}`);
}

/** Real curl, run asynchronously: the upstream lives in this process and must keep serving. */
async function curl(args: string[]): Promise<{ status: number; body: string }> {
  const { stdout } = await execFileAsync('curl', ['-s', '--max-time', '20', '-o', '-', '-w', '\n%{http_code}', ...args], { encoding: 'utf8' });
  const i = stdout.lastIndexOf('\n');
  return { status: Number(stdout.slice(i + 1)), body: stdout.slice(0, i) };
}

const VARIANTS: Array<[string, ProxySidecarProps, { tokens?: string; htpasswd?: string }]> = [
  ['plain, no auth', {}, {}],
  ['plain, bearer', { auth: ProxyAuth.bearerTokens('tokens') }, { tokens: TOKENS }],
  ['plain, basic', { auth: ProxyAuth.basicAuth('users') }, { htpasswd: 'u:x\n' }],
  ['TLS, no auth', { tls: ProxyTls.fromSecret('tls') }, {}],
  ['TLS, bearer', { tls: ProxyTls.fromSecret('tls'), auth: ProxyAuth.bearerTokens('tokens') }, { tokens: TOKENS }],
  ['TLS, basic', { tls: ProxyTls.fromSecret('tls'), auth: ProxyAuth.basicAuth('users') }, { htpasswd: 'u:x\n' }],
];

test.each(VARIANTS)('nginx -t accepts the generated config: %s', async (_name, props, secrets) => {
  const m = await materialize(props, secrets);
  // the real start script, with nginx asked to test the config instead of serving
  const shim = path.join(m.root, 'bin');
  fs.mkdirSync(shim);
  fs.writeFileSync(path.join(shim, 'nginx'), `#!/bin/sh\nexec ${NGINX} -t "$@"\n`, { mode: 0o755 });
  const result = await runContainer(m.proxy, { env: { ...m.env, PATH: `${shim}:${process.env.PATH}` } });
  expect(result.stderr).toContain('syntax is ok');
  expect(result.stderr).toContain('test is successful');
  expect(result.code).toBe(0);
});

test('bearer auth: 401 without a token or with a wrong one, 200 with either token; health passes without auth', async () => {
  const { port, running } = await serve({ auth: ProxyAuth.bearerTokens('tokens') }, { tokens: TOKENS });
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
  const { port, running } = await serve({ tls: ProxyTls.fromSecret('tls'), auth: ProxyAuth.bearerTokens('tokens') }, { tokens: TOKENS });
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
  const { port, running } = await serve({ auth: ProxyAuth.basicAuth('users') }, { htpasswd: `alice:${hash}\n` });
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
  const { port, running } = await serve({ auth: ProxyAuth.bearerTokens('tokens') }, { tokens: TOKENS });
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
  const { port, running } = await serve({ requestBodyLimit: '1k' });
  try {
    const big = 'x'.repeat(4096);
    expect((await curl(['-d', big, `http://127.0.0.1:${port}/v1/completions`])).status).toBe(413);
    expect((await curl(['-d', 'x'.repeat(512), `http://127.0.0.1:${port}/v1/completions`])).status).toBe(200);
  } finally {
    running.kill();
  }
});

test('the start script refuses an empty token file or a token that could break the config', async () => {
  for (const [tokens, message] of [['\n\n', 'holds no token'], ['good\nbad"; default 1;\n', 'has characters outside']]) {
    const m = await materialize({ auth: ProxyAuth.bearerTokens('tokens') }, { tokens });
    const result = await runContainer(m.proxy, { env: { ...m.env, PATH: `/usr/sbin:${process.env.PATH}` }, killAfterMs: 5000 });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(message);
  }
});
