import { execFile, execFileSync } from 'child_process';
import * as fs from 'fs';
import * as http from 'http';
import * as https from 'https';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { promisify } from 'util';
import { AiInferencePod, InferenceServerProps, ProxySidecar, ProxySidecarProps } from '../../src';
import { requireTool, runContainer, RunResult, Running, startContainer } from '../helpers/run-container';
import { container, manifestOf, newChart, synth } from '../helpers/synth';

// Runs ProxySidecar's generated nginx configuration and start script, exactly as synthesized,
// with the real nginx (Debian package) on 127.0.0.1 in front of a real HTTP upstream that
// records the URI of every request it receives. Mount paths are mapped to temp dirs.

const execFileAsync = promisify(execFile);
const sleep = (ms: number) => new Promise(r => setTimeout(r, ms));

/** The real nginx binary. */
export const NGINX = fs.existsSync('/usr/sbin/nginx') ? '/usr/sbin/nginx' : 'nginx';

/** Fails loudly when a tool the proxy tests run is missing. */
export function requireProxyTools(): void {
  requireTool('nginx', 'apt-get install -y nginx');
  requireTool('openssl', 'apt-get install -y openssl');
  requireTool('curl', 'apt-get install -y curl');
  requireTool('busybox', 'apt-get install -y busybox');
}

/** The model server stand-in: `/health` answers `ok`, `/v1/stream` streams SSE, the rest echoes. */
export interface Upstream {
  readonly port: number;
  /** Request URIs as received, in order. */
  readonly received: string[];
  readonly close: () => Promise<void>;
}

/** Starts the upstream on 127.0.0.1 (the server may bind localhost only: the proxy fronts it). */
export async function startUpstream(): Promise<Upstream> {
  const received: string[] = [];
  const server = http.createServer((req, res) => {
    received.push(req.url ?? '');
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
  server.keepAliveTimeout = 30000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  const close = async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return { port, received, close };
}

/** A self-signed certificate for 127.0.0.1 made by openssl: the directory holding tls.crt and tls.key. */
export function makeCertificate(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'certs-'));
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=localhost',
    '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost', '-keyout', path.join(dir, 'tls.key'), '-out', path.join(dir, 'tls.crt')], { stdio: 'pipe' });
  return dir;
}

/** Contents of the auth Secret's key. */
export interface ProxySecrets {
  readonly tokens?: string;
  readonly htpasswd?: string;
}

/** The shell the start script runs with, and the tools first on PATH. */
export interface ProxyShell {
  readonly name: string;
  readonly shell: string[];
  readonly path: () => string;
}

/** dash with Debian's mawk (this machine), and busybox sh with busybox's awk and mkdir (the Alpine-based image). */
export const SHELLS: ProxyShell[] = [
  { name: 'dash + mawk', shell: ['/usr/bin/dash'], path: () => `/usr/sbin:${process.env.PATH}` },
  { name: 'busybox sh + awk', shell: ['/usr/bin/busybox', 'sh'], path: () => `${busyboxBin()}:/usr/sbin:${process.env.PATH}` },
];

function busyboxBin(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'busybox-bin-'));
  for (const applet of ['awk', 'mkdir']) fs.symlinkSync(fs.realpathSync('/usr/bin/busybox'), path.join(dir, applet));
  return dir;
}

/** A synthesized proxy container with its mounts mapped to temp dirs, ready to run. */
export interface Materialized {
  readonly proxy: any;
  readonly env: { [name: string]: string };
  readonly port: number;
  readonly root: string;
  /** The temp dir of a mount path. */
  readonly dirOf: (mountPath: string) => string;
  readonly sidecar: ProxySidecar;
  /** The server container as synthesized (its probes go through the proxy). */
  readonly server: any;
}

/** Synthesizes a pod with the proxy in front of `upstream` and lays out its files. */
export async function materialize(
  upstream: Upstream | { port: number }, props: ProxySidecarProps, secrets: ProxySecrets = {}, certDir?: string,
  server: Partial<InferenceServerProps> = {},
): Promise<Materialized> {
  const port = await freePort();
  const chart = newChart();
  const pod = new AiInferencePod(chart, 'llm', { server: { image: 'vllm/vllm-openai:v0.6.3', port: upstream.port, ...server } });
  const sidecar = new ProxySidecar(pod, 'auth-proxy', { port, ...props });
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
  if (props.tls && certDir) {
    fs.copyFileSync(path.join(certDir, 'tls.crt'), path.join(dirOf('/etc/nginx/tls'), 'tls.crt'));
    fs.copyFileSync(path.join(certDir, 'tls.key'), path.join(dirOf('/etc/nginx/tls'), 'tls.key'));
  }
  if (secrets.tokens !== undefined) fs.writeFileSync(path.join(dirOf('/etc/nginx/auth'), 'tokens'), secrets.tokens);
  if (secrets.htpasswd !== undefined) fs.writeFileSync(path.join(dirOf('/etc/nginx/auth'), 'auth'), secrets.htpasswd);
  const env = Object.fromEntries(proxy.env.map((e: any) => [e.name, remap(e.value)]));
  return { proxy, env, port, root, dirOf, sidecar, server: container(manifestOf(manifests, 'Pod'), 'server') };
}

/** The container as synthesized, its `/bin/sh` replaced by `shell`. */
function withShell(m: Materialized, shell: ProxyShell): any {
  expect(m.proxy.command.slice(0, 2)).toEqual(['/bin/sh', '-c']);
  return { ...m.proxy, command: [...shell.shell, ...m.proxy.command.slice(1)] };
}

/** Runs the start script with `nginx -t` in place of nginx: checks the config it would serve. */
export async function nginxTest(m: Materialized, shell: ProxyShell = SHELLS[0]): Promise<RunResult> {
  const shim = fs.mkdtempSync(path.join(os.tmpdir(), 'nginx-t-'));
  fs.writeFileSync(path.join(shim, 'nginx'), `#!/bin/sh\nexec ${NGINX} -t "$@"\n`, { mode: 0o755 });
  return runContainer(withShell(m, shell), { env: { ...m.env, PATH: `${shim}:${shell.path()}` }, killAfterMs: 20000 });
}

/** Runs the start script until it exits (it should fail) and returns what it printed. */
export function runStart(m: Materialized, shell: ProxyShell = SHELLS[0]): Promise<RunResult> {
  return runContainer(withShell(m, shell), { env: { ...m.env, PATH: shell.path() }, killAfterMs: 5000 });
}

/** A running proxy. */
export interface Served extends Materialized {
  readonly running: Running;
}

/** Runs the start script (the real nginx, in the foreground) and waits for the port. */
export async function serve(
  upstream: Upstream | { port: number }, props: ProxySidecarProps, secrets: ProxySecrets = {}, certDir?: string,
  options: { env?: { [name: string]: string }; shell?: ProxyShell; server?: Partial<InferenceServerProps> } = {},
): Promise<Served> {
  const m = await materialize(upstream, props, secrets, certDir, options.server);
  const shell = options.shell ?? SHELLS[0];
  const running = startContainer(withShell(m, shell), { env: { ...m.env, ...options.env, PATH: shell.path() } });
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
export async function curl(args: string[]): Promise<{ status: number; body: string }> {
  const { stdout } = await execFileAsync('curl', ['-s', '--max-time', '20', '-o', '-', '-w', '\n%{http_code}', ...args], {
    encoding: 'utf8', maxBuffer: 16 * 1024 * 1024,
  });
  const i = stdout.lastIndexOf('\n');
  return { status: Number(stdout.slice(i + 1)), body: stdout.slice(0, i) };
}

/**
 * One request with Node's client, which sends the request target exactly as given (no dot
 * segment removal, no slash merging, no decoding): what a hostile client can send.
 */
export function rawRequest(
  port: number, target: string, headers: { [name: string]: string } = {}, options: { tls?: boolean; agent?: http.Agent } = {},
): Promise<{ status: number; body: string }> {
  const client = options.tls ? https : http;
  return new Promise((resolve, reject) => {
    const req = client.request({ host: '127.0.0.1', port, path: target, headers, agent: options.agent, rejectUnauthorized: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => { body += d; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** A port nothing listens on (free when asked). */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
