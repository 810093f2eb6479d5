import * as http from 'http';
import { AddressInfo } from 'net';

/** A route of the fixture server: a body, or a handler for special behaviour. */
export type Route = Buffer | string | ((req: http.IncomingMessage, res: http.ServerResponse) => void);

/**
 * A real HTTP server on 127.0.0.1 with an ephemeral port that serves files (with Range
 * support, as CDNs do) and records every request.
 */
export class HttpFixture {
  public readonly requests: Array<{ method: string; url: string; headers: http.IncomingHttpHeaders }> = [];
  public readonly routes = new Map<string, Route>();
  private server?: http.Server;

  public async start(): Promise<string> {
    this.server = http.createServer((req, res) => {
      this.requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
      const route = this.routes.get((req.url ?? '').split('?')[0]);
      if (route === undefined) {
        res.writeHead(404).end('Not Found');
      } else if (typeof route === 'function') {
        route(req, res);
      } else {
        serveBytes(req, res, Buffer.from(route));
      }
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}`;
  }

  /** GET requests made for a path. */
  public gets(path: string): number {
    return this.requests.filter(r => r.method === 'GET' && r.url.split('?')[0] === path).length;
  }

  public async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server ? this.server.close(() => resolve()) : resolve());
  }
}

/** Serves bytes honouring a `Range: bytes=N-` header (resume). */
export function serveBytes(req: http.IncomingMessage, res: http.ServerResponse, body: Buffer): void {
  const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
  if (range) {
    const start = Number(range[1]);
    if (start >= body.length) {
      res.writeHead(416, { 'Content-Range': `bytes */${body.length}` }).end();
      return;
    }
    res.writeHead(206, { 'Content-Length': body.length - start, 'Content-Range': `bytes ${start}-${body.length - 1}/${body.length}` }).end(body.subarray(start));
    return;
  }
  res.writeHead(200, { 'Content-Length': body.length }).end(body);
}
