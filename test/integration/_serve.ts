import { createHash } from 'crypto';
import * as http from 'http';

/** The strong ETag of a body, as a CDN would send it. */
export function etagOf(body: Buffer): string {
  return `"${createHash('md5').update(body).digest('hex')}"`;
}

/**
 * Serves one version of a file as CDNs and the Hub do: `ETag`, `Range: bytes=N-` and
 * `If-Range` (a range only while the validator still matches, else the whole file with 200).
 */
export function serveVersion(req: http.IncomingMessage, res: http.ServerResponse, body: Buffer): void {
  const etag = etagOf(body);
  const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
  const ifRange = req.headers['if-range'];
  if (range && (ifRange === undefined || ifRange === etag)) {
    const start = Number(range[1]);
    if (start >= body.length) {
      res.writeHead(416, { 'Content-Range': `bytes */${body.length}`, 'ETag': etag }).end();
      return;
    }
    res.writeHead(206, { 'Content-Length': body.length - start, 'Content-Range': `bytes ${start}-${body.length - 1}/${body.length}`, 'ETag': etag });
    res.end(body.subarray(start));
    return;
  }
  res.writeHead(200, { 'Content-Length': body.length, 'ETag': etag }).end(body);
}
