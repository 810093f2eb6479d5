import * as http from 'http';
import * as net from 'net';
import { Duration } from 'cdk8s';
import { curl, freePort, requireProxyTools, serve, startUpstream, Upstream } from './_proxy-harness';
import { ProxyAuth } from '../../src';

// What the clients of an OpenAI-compatible server parse: the errors the proxy answers itself —
// an unauthenticated request, a body over the limit, a server not listening yet, a timeout —
// come from the real nginx as JSON in OpenAI's error shape, not as nginx's
// HTML pages; the server's own error responses pass unchanged.

let upstream: Upstream;

beforeAll(async () => {
  requireProxyTools();
  upstream = await startUpstream();
});

afterAll(async () => {
  await upstream.close();
});

/** The status and the parsed body, which must be an OpenAI API error with that code. */
async function openAiError(args: string[]): Promise<{ status: number; error: any }> {
  const { status, body } = await curl(args);
  const error = JSON.parse(body).error;
  expect(error).toEqual({ message: expect.any(String), type: expect.stringMatching(/^(invalid_request_error|authentication_error|server_error)$/), code: status });
  return { status, error };
}

/** A raw HTTP/1.1 exchange: the answer's text. */
function raw(port: number, request: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let answer = '';
    const socket = net.connect(port, '127.0.0.1', () => socket.end(request));
    socket.on('data', (d) => { answer += d; });
    socket.on('end', () => resolve(answer));
    socket.on('error', reject);
  });
}

test('401 without a token and 413 over the body limit are JSON; a malformed request keeps nginx\'s 400', async () => {
  const { port, running } = await serve(upstream, { auth: ProxyAuth.bearerTokens('tokens'), requestBodyLimit: '1k' }, { tokens: 'tok\n' });
  try {
    const url = `http://127.0.0.1:${port}/v1/chat/completions`;
    const unauthorized = await openAiError([url]);
    expect(unauthorized).toEqual({ status: 401, error: expect.objectContaining({ type: 'authentication_error' }) });
    const tooLarge = await openAiError(['-H', 'Authorization: Bearer tok', '-d', 'x'.repeat(4096), url]);
    expect(tooLarge.status).toBe(413);
    expect(tooLarge.error.message).toContain('requestBodyLimit 1k');
    // a request nginx cannot parse keeps nginx's own 400 (an error page for it would end as a 500)
    expect(await raw(port, 'GET /%2e%2e/health HTTP/1.1\r\nHost: a\r\n\r\n')).toMatch(/^HTTP\/1\.1 400 /);
    expect(await raw(port, 'GET /v1/models HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n')).toMatch(/^HTTP\/1\.1 400 /);
    expect(upstream.received).not.toContain('/v1/models');
  } finally {
    running.kill();
  }
});

test('502 while the server does not listen, as JSON', async () => {
  const down: Upstream = { port: await freePort(), received: [], close: async () => undefined };
  const { port, running } = await serve(down, {});
  try {
    const { status, error } = await openAiError([`http://127.0.0.1:${port}/v1/completions`]);
    expect(status).toBe(502);
    expect(error.type).toBe('server_error');
  } finally {
    running.kill();
  }
});

test('504 when the server does not answer within the timeout; the server\'s own 503 and its body pass unchanged', async () => {
  const server = http.createServer((req, res) => {
    if (req.url === '/v1/busy') {
      res.writeHead(503, { 'Content-Type': 'application/json' });
      res.end('{"object":"error","message":"engine overloaded"}');
    }
    // any other path: never answered
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const silent: Upstream = { port: (server.address() as net.AddressInfo).port, received: [], close: async () => undefined };
  const { port, running } = await serve(silent, { timeout: Duration.seconds(1) });
  try {
    const { status, error } = await openAiError([`http://127.0.0.1:${port}/v1/completions`]);
    expect(status).toBe(504);
    expect(error.message).toContain('1 s');
    expect(await curl([`http://127.0.0.1:${port}/v1/busy`])).toEqual({ status: 503, body: '{"object":"error","message":"engine overloaded"}' });
  } finally {
    running.kill();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});
