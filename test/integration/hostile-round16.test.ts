import * as fs from 'fs';
import * as http from 'http';
import * as https from 'https';
import * as net from 'net';
import * as path from 'path';
import { Duration } from 'cdk8s';
import { makeCertificate, requireProxyTools, serve, Served, SHELLS, Upstream } from './_proxy-harness';
import { ProxyAuth, ProxyTls } from '../../src';

// Round 16: ProxySidecar as real LLM traffic uses it. The real nginx on 127.0.0.1 runs the
// generated config and start script in front of a Node upstream that behaves like vLLM:
// chat completions streamed as SSE tokens, request bodies counted, cancels recorded.

const sleep = (ms: number) => new Promise(r => setTimeout(r, ms));

/** What the upstream saw of one request. */
interface Seen { url: string; headers: http.IncomingHttpHeaders; bytes: number; cancelled: boolean }

interface Llm extends Upstream { readonly seen: Seen[]; readonly server: http.Server }

/**
 * A vLLM-like upstream: `/v1/stream?n=&every=&delay=` waits `delay` ms (prefill), then sends
 * `n` SSE tokens `every` ms and `[DONE]`; everything else answers with what it received.
 */
async function startLlm(port = 0): Promise<Llm> {
  const seen: Seen[] = [];
  const server = http.createServer((req, res) => {
    const s: Seen = { url: req.url ?? '', headers: req.headers, bytes: 0, cancelled: false };
    seen.push(s);
    res.on('close', () => { if (!res.writableFinished) s.cancelled = true; });
    req.on('data', (d: Buffer) => { s.bytes += d.length; });
    if (req.url?.startsWith('/v1/stream')) {
      const q = new URL(req.url, 'http://x').searchParams;
      const n = Number(q.get('n') ?? 5);
      const every = Number(q.get('every') ?? 500);
      req.resume();
      setTimeout(() => {
        if (res.destroyed) return;
        res.writeHead(200, { 'Content-Type': 'text/event-stream' });
        let i = 0;
        const timer = setInterval(() => {
          if (res.destroyed) return clearInterval(timer);
          res.write(`data: {"choices":[{"delta":{"content":"tok${++i}"}}]}\n\n`);
          if (i === n) { clearInterval(timer); res.end('data: [DONE]\n\n'); }
        }, every);
      }, Number(q.get('delay') ?? 0));
      return;
    }
    req.on('end', () => res.end(JSON.stringify({ url: req.url, bytes: s.bytes })));
  });
  await new Promise<void>(r => server.listen(port, '127.0.0.1', r));
  const close = async () => { server.closeAllConnections(); await new Promise<void>(r => server.close(() => r())); };
  return { port: (server.address() as net.AddressInfo).port, received: [], seen, server, close };
}

/** One request; `tls` for the HTTPS port. Resolves with the status, the body and when each chunk arrived (ms after sending). */
interface RequestOptions { headers?: http.OutgoingHttpHeaders; method?: string; body?: string; tls?: boolean; agent?: http.Agent }

function request(port: number, target: string, options: RequestOptions = {}) {
  return new Promise<{ status: number; body: string; arrivals: number[] }>((resolve, reject) => {
    const t0 = Date.now();
    const arrivals: number[] = [];
    const client = options.tls ? https : http;
    const req = client.request({ host: '127.0.0.1', port, path: target, method: options.method ?? 'GET', headers: options.headers, agent: options.agent, rejectUnauthorized: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => { arrivals.push(Date.now() - t0); body += d; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, arrivals }));
    });
    req.on('error', reject);
    if (options.body !== undefined) req.write(options.body);
    req.end();
  });
}

const BEARER = { auth: ProxyAuth.bearerTokens('tokens') };
const A = { Authorization: 'Bearer tok-a' };
let certDir = '';

beforeAll(() => {
  requireProxyTools();
  certDir = makeCertificate();
});

describe.each(SHELLS.map(s => [s.name, s] as const))('token rotation under %s (the Secret updated in place by the kubelet)', (_name, shell) => {
  let llm: Llm;
  let served: Served;
  beforeAll(async () => {
    llm = await startLlm();
    served = await serve(llm, BEARER, { tokens: 'tok-a\n' }, undefined, { shell, env: { PROXY_TOKENS_POLL_SECONDS: '1' } });
  });
  afterAll(async () => {
    served.running.kill();
    await llm.close();
  });
  const write = (tokens: string) => {
    // as the kubelet does: a new file swapped in, never a half-written one
    const file = path.join(served.dirOf('/etc/nginx/auth'), 'tokens');
    fs.writeFileSync(`${file}.new`, tokens);
    fs.renameSync(`${file}.new`, file);
  };
  const status = async (token: string) => (await request(served.port, '/v1/models', { headers: { Authorization: `Bearer ${token}` } })).status;

  test('an added token works and a removed one is refused without a restart; a stream in flight finishes', async () => {
    expect(await status('tok-a')).toBe(200);
    expect(await status('tok-b')).toBe(401);
    const inFlight = request(served.port, '/v1/stream?n=8&every=500', { headers: A });
    write('tok-a\ntok-b\n');
    await sleep(2500);
    expect(await status('tok-b')).toBe(200);
    expect(await status('tok-a')).toBe(200);
    write('tok-b\n'); // tok-a leaked: revoke it
    await sleep(2500);
    expect(await status('tok-a')).toBe(401);
    expect(await status('tok-b')).toBe(200);
    const stream = await inFlight;
    expect(stream.status).toBe(200);
    expect(stream.body).toContain('tok8');
    expect(stream.body).toContain('[DONE]');
  });

  test('a token file that becomes unusable keeps the previous tokens (no outage)', async () => {
    write('\n\n');
    await sleep(2500);
    expect(await status('tok-b')).toBe(200);
    write('tok-c\nbad"token\n');
    await sleep(2500);
    expect(await status('tok-b')).toBe(200);
    expect(await status('tok-c')).toBe(401);
    write('tok-c\n');
    await sleep(2500);
    expect(await status('tok-c')).toBe(200);
    expect(await status('tok-b')).toBe(401);
  });
});

test('SIGTERM to the start script stops nginx at once, and nginx dying ends the container', async () => {
  for (const signal of ['SIGTERM', 'SIGKILL-nginx'] as const) {
    const llm = await startLlm();
    const served = await serve(llm, BEARER, { tokens: 'tok-a\n' }, undefined, { env: { PROXY_TOKENS_POLL_SECONDS: '30' } });
    try {
      const nginxPid = Number(fs.readFileSync(path.join(served.dirOf('/tmp'), 'nginx', 'nginx.pid'), 'utf8'));
      const parent = Number(fs.readFileSync(`/proc/${nginxPid}/stat`, 'utf8').split(') ')[1].split(' ')[1]);
      // the container's first process: the script, or nginx when the script exec'd it
      const scriptPid = parent === process.pid ? nginxPid : parent;
      const t0 = Date.now();
      if (signal === 'SIGTERM') process.kill(scriptPid, 'SIGTERM'); else process.kill(nginxPid, 'SIGKILL');
      const result = await Promise.race([served.running.done, sleep(8000).then(() => undefined)]);
      expect(result).toBeDefined();
      expect(Date.now() - t0).toBeLessThan(3000);
      if (signal === 'SIGTERM') expect(result!.code).toBe(0); else expect(result!.code).not.toBe(0);
    } finally {
      served.running.kill();
      await llm.close();
    }
  }
}, 120_000);

describe('LLM traffic through the proxy', () => {
  let llm: Llm;
  beforeAll(async () => { llm = await startLlm(); });
  afterAll(async () => { await llm.close(); });

  test('50 concurrent streamed chat completions over TLS: each token arrives as generated, a stream longer than the timeout survives', async () => {
    const served = await serve(llm, { ...BEARER, tls: ProxyTls.fromSecret('tls'), timeout: Duration.seconds(2) }, { tokens: 'tok-a\n' }, certDir);
    const agent = new https.Agent({ keepAlive: true, maxSockets: 100 });
    try {
      const streams = await Promise.all(Array.from({ length: 50 }, () => request(served.port, '/v1/stream?n=6&every=700', { headers: A, tls: true, agent })));
      for (const s of streams) {
        expect(s.status).toBe(200);
        expect(s.body).toContain('[DONE]');
        // one chunk per token, the first long before the last (4.2 s of tokens, timeout 2 s); when
        // the first arrives depends on 50 TLS handshakes on a busy machine, not on the proxy
        expect(s.arrivals.length).toBeGreaterThanOrEqual(6);
        expect(s.arrivals[s.arrivals.length - 1] - s.arrivals[0]).toBeGreaterThan(3000);
      }
    } finally {
      agent.destroy();
      served.running.kill();
    }
  }, 120_000);

  test('a client that goes away mid-stream or during prefill cancels the upstream request', async () => {
    const served = await serve(llm, BEARER, { tokens: 'tok-a\n' });
    try {
      for (const target of ['/v1/stream?n=100&every=200', '/v1/stream?n=3&every=200&delay=5000']) {
        const req = http.get({ host: '127.0.0.1', port: served.port, path: target, headers: A });
        req.on('error', () => undefined);
        await sleep(800);
        req.destroy();
        await sleep(700);
        expect(llm.seen[llm.seen.length - 1]).toMatchObject({ url: target, cancelled: true });
      }
    } finally {
      served.running.kill();
    }
  });

  test('bodies at and around requestBodyLimit, chunked or not, with Expect: 100-continue: 413 above, the upstream sees nothing of a refused body', async () => {
    const served = await serve(llm, { ...BEARER, requestBodyLimit: '1k' }, { tokens: 'tok-a\n' });
    try {
      for (const chunked of [false, true]) {
        for (const [bytes, expected] of [[1023, 200], [1024, 200], [1025, 413], [100000, 413]]) {
          const before = llm.seen.length;
          const headers = { ...A, ...(chunked ? { 'Transfer-Encoding': 'chunked' } : {}), ...(bytes === 1024 ? { Expect: '100-continue' } : {}) };
          const r = await request(served.port, '/v1/completions', { method: 'POST', headers, body: 'x'.repeat(bytes) });
          expect([chunked, bytes, r.status]).toEqual([chunked, bytes, expected]);
          expect(llm.seen.slice(before).map(s => s.bytes)).toEqual(expected === 200 ? [bytes] : []);
        }
      }
    } finally {
      served.running.kill();
    }
  });

  test('a server still loading: probes through the proxy get 502, then 200 as soon as it listens', async () => {
    const late = await startLlm();
    const port = late.port;
    await late.close();
    const served = await serve({ port, received: [], close: async () => undefined }, BEARER, { tokens: 'tok-a\n' });
    try {
      expect((await request(served.port, '/health')).status).toBe(502);
      const up = await startLlm(port);
      try {
        expect((await request(served.port, '/health')).status).toBe(200);
      } finally {
        await up.close();
      }
    } finally {
      served.running.kill();
    }
  });

  test('open path tricks need credentials and never reach the server unauthenticated', async () => {
    const served = await serve(llm, BEARER, { tokens: 'tok-a\n' });
    try {
      const before = llm.seen.length;
      for (const method of ['GET', 'HEAD', 'OPTIONS']) expect((await request(served.port, '/health', { method })).status).toBe(200);
      for (const target of ['//health', '/health/../v1/models', '/health/%2e%2e/v1/models', '/%2e%2e/health', '/HEALTH', '/health?x=1', '/health;x', '/health/', '/./health', '/health%00', '/health%20', '/v1/models/../../health']) {
        expect([target, (await request(served.port, target)).status]).toEqual([target, target.includes('%2e%2e/health') || target.includes('%00') ? 400 : 401]);
      }
      expect(llm.seen.slice(before).map(s => s.url)).toEqual(['/health', '/health', '/health']);
    } finally {
      served.running.kill();
    }
  });
});
