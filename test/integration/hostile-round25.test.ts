import * as http from 'http';
import * as net from 'net';
import { Duration } from 'cdk8s';
import { curl, makeCertificate, requireProxyTools, serve } from './_proxy-harness';
import { HealthCheck, HttpHeader, Probe, ProxyAuth, ProxySidecarProps, ProxyTls } from '../../src';

// Hostile round 25: a probe's httpHeaders, sent as the kubelet sends them to the ProxySidecar
// in front of the server (real nginx on 127.0.0.1), must reach the server as written.

interface HeaderServer {
  readonly port: number;
  readonly seen: http.IncomingHttpHeaders[];
  readonly raw: string[][];
  readonly close: () => Promise<void>;
}

/** A server whose readiness path answers 200 only when every wanted header arrives with its value. */
async function headerServer(wanted: HttpHeader[]): Promise<HeaderServer> {
  const seen: http.IncomingHttpHeaders[] = [];
  const raw: string[][] = [];
  const server = http.createServer((req, res) => {
    seen.push(req.headers);
    raw.push(req.rawHeaders);
    const pairs: Array<[string, string]> = [];
    for (let i = 0; i < req.rawHeaders.length; i += 2) pairs.push([req.rawHeaders[i].toLowerCase(), req.rawHeaders[i + 1]]);
    // host names compare without case, as servers' virtual hosts do
    const same = (w: HttpHeader, v: string) => (w.name.toLowerCase() === 'host' ? v.toLowerCase() === w.value.toLowerCase() : v === w.value);
    const missing = wanted.filter(w => !pairs.some(([n, v]) => n === w.name.toLowerCase() && same(w, v)));
    res.statusCode = missing.length ? 503 : 200;
    res.end(JSON.stringify({ missing }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port, seen, raw,
    close: async () => { server.closeAllConnections(); await new Promise<void>((r) => server.close(() => r())); },
  };
}

/** The request the kubelet makes for a rendered httpGet probe (Go's client, pkg/probe/http). */
async function kubeletProbe(httpGet: any): Promise<{ status: number; body: string }> {
  const scheme = (httpGet.scheme ?? 'HTTP').toLowerCase();
  const args = ['-k', '-H', 'User-Agent: kube-probe/1.33', '-H', 'Accept: */*'];
  // curl drops `Name:` (no value); `Name;` sends it empty, as Go's client does
  for (const h of httpGet.httpHeaders ?? []) args.push('-H', h.value === '' ? `${h.name};` : `${h.name}: ${h.value}`);
  return curl([...args, `${scheme}://127.0.0.1:${httpGet.port}${httpGet.path}`]);
}

let certDir = '';
beforeAll(() => {
  requireProxyTools();
  certDir = makeCertificate();
});

const PROXIES: Array<[string, ProxySidecarProps]> = [
  ['TLS + bearer', { tls: ProxyTls.fromSecret('tls'), auth: ProxyAuth.bearerTokens('tokens') }],
  ['plain, no auth', {}],
];

const HEADER_SETS: Array<[string, HttpHeader[]]> = [
  ['Knative K-Network-Probe', [{ name: 'K-Network-Probe', value: 'queue' }]],
  ['Authorization', [{ name: 'Authorization', value: 'Bearer probe-secret' }]],
  ['Host of a virtual host', [{ name: 'Host', value: 'x' }]],
  ['Host with a port', [{ name: 'Host', value: 'models.internal:8080' }]],
  ['Host in capitals', [{ name: 'Host', value: 'Models.Internal' }]],
  ['X-Forwarded-Host', [{ name: 'X-Forwarded-Host', value: 'models.example.com' }]],
  ['a repeated name', [{ name: 'X-Probe', value: 'a' }, { name: 'X-Probe', value: 'b' }]],
  ['a 6000-character value', [{ name: 'X-Long', value: 'v'.repeat(6000) }]],
  ['a value of 8180 characters', [{ name: 'X-Long', value: 'v'.repeat(8180) }]],
  ['an empty value', [{ name: 'X-Empty', value: '' }]],
  ['a value with inner spaces and quotes', [{ name: 'X-Q', value: 'a  "b" \'c\'' }]],
];

describe.each(PROXIES)('probe headers through the proxy (%s)', (_proxyName, proxy) => {
  test.each(HEADER_SETS)('%s reaches the server', async (_name, headers) => {
    const server = await headerServer(headers);
    const served = await serve(server, proxy, proxy.auth ? { tokens: 'tok-a\n' } : {}, certDir, {
      server: { health: HealthCheck.custom({ readiness: Probe.httpGet('/ready', { httpHeaders: headers, period: Duration.seconds(1) }) }) },
    });
    try {
      const httpGet = served.server.readinessProbe.httpGet;
      expect(httpGet.port).toBe(served.port);
      const result = await kubeletProbe(httpGet);
      expect({ status: result.status, body: result.body, seen: server.raw }).toEqual({ status: 200, body: '{"missing":[]}', seen: expect.anything() });
    } finally {
      served.running.kill();
      await served.running.done;
      await server.close();
    }
  });
});
