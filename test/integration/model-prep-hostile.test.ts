import { execFile, execFileSync } from 'child_process';
import * as fs from 'fs';
import * as http from 'http';
import { AddressInfo } from 'net';
import * as os from 'os';
import * as path from 'path';
import { promisify } from 'util';
import * as zlib from 'zlib';
import { deadHeartbeat, downloaderFor, filesBelow, sha, startPod, volume } from './_pods';
import { etagOf, serveVersion } from './_serve';
import { ModelCredentials, ModelSource } from '../../src';

// A hostile source and a hostile cache volume: servers that misbehave, odd S3 listings, odd
// things at the paths the script owns. Real curl, AWS CLI + s3rver and dash, on 127.0.0.1.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const S3rver = require('s3rver');

const MODEL = Buffer.alloc(2 ** 20 + 7, 'hostile!');
const routes = new Map<string, (req: http.IncomingMessage, res: http.ServerResponse) => void>();
const seen: http.IncomingMessage[] = [];
let base = '';
let server: http.Server;
let other: http.Server;
let otherBase = '';
const otherSeen: http.IncomingMessage[] = [];
let s3: any;
let s3Endpoint = '';
let s3Front: http.Server;
let s3FrontUrl = '';
/** Runs before the front proxy forwards a request to s3rver; may answer it instead (returns true). */
let s3Hook: (req: http.IncomingMessage, res: http.ServerResponse) => Promise<boolean> = async () => false;
const AWS = { AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER' };

beforeAll(async () => {
  server = http.createServer((req, res) => {
    seen.push(req);
    const route = routes.get(decodeURIComponent((req.url ?? '').split('?')[0]));
    if (route) route(req, res); else res.writeHead(404).end('Not Found');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  other = http.createServer((req, res) => {
    otherSeen.push(req);
    serveVersion(req, res, MODEL);
  });
  await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
  otherBase = `http://127.0.0.1:${(other.address() as AddressInfo).port}`;
  s3 = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: fs.mkdtempSync(path.join(os.tmpdir(), 's3rver-hostile-')), configureBuckets: [{ name: 'hostile' }] });
  s3Endpoint = `http://127.0.0.1:${(await s3.run()).port}`;
  const to = new URL(s3Endpoint);
  s3Front = http.createServer(async (req, res) => {
    req.pause();
    if (await s3Hook(req, res)) return;
    req.resume();
    const up = http.request({ host: to.hostname, port: to.port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    req.pipe(up);
  });
  await new Promise<void>((resolve) => s3Front.listen(0, '127.0.0.1', resolve));
  s3FrontUrl = `http://127.0.0.1:${(s3Front.address() as AddressInfo).port}`;
});

afterAll(async () => {
  for (const s of [server, other, s3Front]) {
    s?.closeAllConnections();
    await new Promise<void>((resolve) => (s ? s.close(() => resolve()) : resolve()));
  }
  await s3?.close();
});

async function aws(...args: string[]): Promise<void> {
  await promisify(execFile)('/usr/bin/aws', ['--endpoint-url', s3Endpoint, ...args], { env: { ...process.env, ...AWS, AWS_DEFAULT_REGION: 'us-east-1', AWS_EC2_METADATA_DISABLED: 'true' } });
}

function httpPod(url: string, extra: object = {}) {
  return downloaderFor({ source: ModelSource.http(url), attempts: 3, ...extra }, 'dash');
}
function s3Pod(uri: string, endpoint = s3Endpoint) {
  return downloaderFor({ source: ModelSource.s3(uri, { endpoint, region: 'us-east-1', credentials: ModelCredentials.awsAccessKey('aws') }), attempts: 3 }, 'dash');
}
/** The first response stalls after half the body (the pod is killed meanwhile); later ones go to `then`. */
function stallOnce(then: (req: http.IncomingMessage, res: http.ServerResponse) => void, headers: http.OutgoingHttpHeaders) {
  let first = true;
  return (req: http.IncomingMessage, res: http.ServerResponse) => {
    if (!first) return then(req, res);
    first = false;
    res.writeHead(200, { 'Content-Length': MODEL.length, ...headers });
    res.write(MODEL.subarray(0, MODEL.length / 2));
  };
}
async function killedThenRerun(name: string, route: (req: http.IncomingMessage, res: http.ServerResponse) => void) {
  routes.set(`/${name}`, route);
  const dir = volume();
  const c = httpPod(`${base}/${name}`);
  const pod = startPod(c, dir, 'dash', 'uid1');
  setTimeout(pod.kill, 1200);
  await pod.done;
  const rerun = await startPod(c, dir, 'dash', 'uid1').done;
  return { dir, rerun };
}

describe('HTTP servers that misbehave', () => {
  test('a server that ignores Range on resume (200, whole body): the model lands whole', async () => {
    const { dir, rerun } = await killedThenRerun('norange.bin', stallOnce((_req, res) => res.writeHead(200, { 'Content-Length': MODEL.length, 'ETag': etagOf(MODEL) }).end(MODEL), { ETag: etagOf(MODEL) }));
    expect(rerun.code).toBe(0);
    expect(fs.readFileSync(path.join(dir, 'norange.bin')).equals(MODEL)).toBe(true);
  }, 120_000);

  test('a 206 with another range than asked: never appended, the model lands whole', async () => {
    const { dir, rerun } = await killedThenRerun('otherrange.bin', stallOnce((req, res) => {
      if (!req.headers.range) return serveVersion(req, res, MODEL);
      res.writeHead(206, { 'Content-Length': MODEL.length, 'Content-Range': `bytes 0-${MODEL.length - 1}/${MODEL.length}`, 'ETag': etagOf(MODEL) }).end(MODEL);
    }, { ETag: etagOf(MODEL) }));
    expect(rerun.code).toBe(0);
    expect(fs.readFileSync(path.join(dir, 'otherrange.bin')).equals(MODEL)).toBe(true);
  }, 120_000);

  test('weak ETag only, or no validator at all: the partial is not resumed blindly', async () => {
    for (const headers of [{ ETag: 'W/"weak"' }, {}]) {
      const name = `weak${Object.keys(headers).length}.bin`;
      const { dir, rerun } = await killedThenRerun(name, stallOnce((req, res) => {
        // a server that would honour any range: a blind resume would append
        if (req.headers.range) return serveVersion({ ...req, headers: { range: req.headers.range } } as any, res, MODEL);
        res.writeHead(200, { 'Content-Length': MODEL.length, ...headers }).end(MODEL);
      }, headers));
      expect(rerun.code).toBe(0);
      expect(fs.readFileSync(path.join(dir, name)).equals(MODEL)).toBe(true);
    }
  }, 120_000);

  test('a body shorter than its Content-Length, then a 416 with the right total on resume: whole model, never the short one', async () => {
    let n = 0;
    routes.set('/short.bin', (req, res) => {
      n++;
      if (n === 1) {
        res.writeHead(200, { 'Content-Length': MODEL.length, 'ETag': etagOf(MODEL) });
        res.write(MODEL.subarray(0, 1000), () => res.destroy());
        return;
      }
      if (n === 2) {
        res.writeHead(416, { 'Content-Range': `bytes */${MODEL.length}` }).end();
        return;
      }
      serveVersion(req, res, MODEL);
    });
    const dir = volume();
    const result = await startPod(httpPod(`${base}/short.bin`), dir, 'dash', 'p').done;
    expect(result.code).toBe(0);
    expect(fs.readFileSync(path.join(dir, 'short.bin')).equals(MODEL)).toBe(true);
  }, 120_000);

  test('chunked without length, cut before the last chunk: retried, never landed short', async () => {
    let n = 0;
    routes.set('/chunked.bin', (_req, res) => {
      n++;
      res.writeHead(200, { 'Transfer-Encoding': 'chunked' });
      if (n === 1) {
        res.write(MODEL.subarray(0, 5000), () => res.destroy());
        return;
      }
      res.end(MODEL);
    });
    const dir = volume();
    const result = await startPod(httpPod(`${base}/chunked.bin`), dir, 'dash', 'p').done;
    expect(result.code).toBe(0);
    expect(fs.readFileSync(path.join(dir, 'chunked.bin')).equals(MODEL)).toBe(true);
  }, 120_000);

  test('a redirect to another host: followed, and the bearer token is not sent there', async () => {
    routes.set('/away.bin', (_req, res) => res.writeHead(302, { Location: `${otherBase}/cdn/away.bin` }).end());
    const dir = volume();
    otherSeen.length = 0;
    const c = downloaderFor({ source: ModelSource.http(`${base}/away.bin`, { credentials: ModelCredentials.token('hf') }) }, 'dash');
    const result = await startPod(c, dir, 'dash', 'p', { MODEL_HTTP_TOKEN: 'secret-token' }).done;
    expect(result.code).toBe(0);
    expect(fs.readFileSync(path.join(dir, 'away.bin')).equals(MODEL)).toBe(true);
    expect(otherSeen.map(r => r.headers.authorization)).toEqual([undefined]);
  }, 120_000);

  test('a redirect to a file:// URL fails at once with one line, nothing lands', async () => {
    routes.set('/file.bin', (_req, res) => res.writeHead(302, { Location: 'file:///etc/passwd' }).end());
    const dir = volume();
    const result = await startPod(httpPod(`${base}/file.bin`), dir, 'dash', 'p').done;
    expect(result.code).toBe(1);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    // at once: a permanent error, not retried (the time it takes is the machine's)
    expect(result.stdout).not.toContain('retrying');
    expect(fs.existsSync(path.join(dir, 'file.bin'))).toBe(false);
  }, 120_000);

  test('a 3xx without Location (an HTML page) is not the model', async () => {
    routes.set('/moved.bin', (_req, res) => res.writeHead(302, { 'Content-Type': 'text/html' }).end('<html>moved</html>'));
    const dir = volume();
    const result = await startPod(httpPod(`${base}/moved.bin`), dir, 'dash', 'p').done;
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(`model-prep: FAILED: unexpected response: ${base}/moved.bin: ${base}/moved.bin answered HTTP 302, not 200 with the file\n`);
    expect(fs.existsSync(path.join(dir, 'moved.bin'))).toBe(false);
  }, 120_000);

  test('a gzip Content-Encoding: asked for identity; compressed bytes never land as the model', async () => {
    const gz = zlib.gzipSync(MODEL);
    let asked: string | string[] | undefined;
    routes.set('/gz.bin', (req, res) => {
      asked = req.headers['accept-encoding'];
      res.writeHead(200, { 'Content-Encoding': 'gzip', 'Content-Length': gz.length }).end(gz);
    });
    const dir = volume();
    const result = await startPod(httpPod(`${base}/gz.bin`), dir, 'dash', 'p').done;
    expect(asked).toBe('identity');
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(`model-prep: FAILED: unexpected response: ${base}/gz.bin: ${base}/gz.bin answered HTTP 200 with Content-Encoding gzip, not 200 with the file\n`);
    expect(fs.readdirSync(dir)).toEqual([]);
  }, 120_000);

  test('500 files in `files` (1,000 took 21 s here): every one lands, the second start is a cache hit', async () => {
    const names = [...Array(500).keys()].map(i => `shard ${i}/part-${i}.bin`);
    for (const n of names) routes.set(`/many/${n}`, (req, res) => serveVersion(req, res, Buffer.from(n)));
    const dir = volume();
    const c = downloaderFor({ source: ModelSource.http(`${base}/many/`, { files: names }) }, 'dash');
    const result = await startPod(c, dir, 'dash', 'p').done;
    expect(result.stderr).toBe('');
    expect(filesBelow(path.join(dir, 'many')).size).toBe(500);
    const again = await startPod(c, dir, 'dash', 'p2').done;
    expect(again.stdout).toContain('cache hit');
  }, 120_000);
});

describe('the cache volume', () => {
  routes.set('/plain.bin', (req, res) => serveVersion(req, res, MODEL));
  test('a marker path that is a directory: the model lands and the next start is a cache hit', async () => {
    const dir = volume();
    fs.mkdirSync(path.join(dir, '.plain.bin.ready'));
    const c = httpPod(`${base}/plain.bin`);
    expect((await startPod(c, dir, 'dash', 'p').done).code).toBe(0);
    const again = await startPod(c, dir, 'dash', 'p2').done;
    expect(again.stdout).toContain('cache hit');
  }, 120_000);

  test('a marker that is a symlink to a directory elsewhere: nothing is written there', async () => {
    const dir = volume();
    const elsewhere = fs.mkdtempSync(path.join(os.tmpdir(), 'elsewhere-'));
    fs.symlinkSync(elsewhere, path.join(dir, '.plain.bin.ready'));
    const c = httpPod(`${base}/plain.bin`);
    expect((await startPod(c, dir, 'dash', 'p').done).code).toBe(0);
    expect(fs.readdirSync(elsewhere)).toEqual([]);
  }, 120_000);

  test('a final path that is a symlink to a directory elsewhere: replaced, nothing written there', async () => {
    const dir = volume();
    const elsewhere = fs.mkdtempSync(path.join(os.tmpdir(), 'elsewhere-'));
    fs.symlinkSync(elsewhere, path.join(dir, 'plain.bin'));
    expect((await startPod(httpPod(`${base}/plain.bin`), dir, 'dash', 'p').done).code).toBe(0);
    expect(fs.readdirSync(elsewhere)).toEqual([]);
    expect(fs.lstatSync(path.join(dir, 'plain.bin')).isFile()).toBe(true);
  }, 120_000);

  test('a lock directory with garbage and a heartbeat from the far future is not waited on forever', async () => {
    const dir = volume();
    fs.mkdirSync(path.join(dir, '.plain.bin.lock', 'junk', 'deeper'), { recursive: true });
    fs.writeFileSync(path.join(dir, '.plain.bin.lock', 'heartbeat'), '99999999999\n');
    const c = downloaderFor({ source: ModelSource.http(`${base}/plain.bin`), lockStaleAfter: undefined }, 'dash');
    const pod = startPod(c, dir, 'dash', 'p', { MODEL_LOCK_STALE_SECONDS: '2' });
    const timer = setTimeout(pod.kill, 8000);
    const result = await pod.done;
    clearTimeout(timer);
    expect(result.code).toBe(0);
    expect(fs.readFileSync(path.join(dir, 'plain.bin')).equals(MODEL)).toBe(true);
  }, 120_000);

  test('a model name with spaces and glob characters', async () => {
    const dir = volume();
    const c = httpPod(`${base}/plain.bin`);
    const env = { MODEL_TARGET: 'my model [v1] *.bin' };
    expect((await startPod(c, dir, 'dash', 'p', env).done).code).toBe(0);
    expect(fs.readFileSync(path.join(dir, 'my model [v1] *.bin')).equals(MODEL)).toBe(true);
    expect((await startPod(c, dir, 'dash', 'p2', env).done).stdout).toContain('cache hit');
  }, 120_000);

  test('a very long model name is refused at synth; the longest accepted one lands', async () => {
    expect(() => httpPod(`${base}/${'m'.repeat(177)}.bin`)).toThrow(/is too long \(181 bytes; at most 180\)/);
    const long = `${'m'.repeat(176)}.bin`;
    routes.set(`/${long}`, (req, res) => serveVersion(req, res, MODEL));
    const dir = volume();
    const c = httpPod(`${base}/${long}`);
    const result = await startPod(c, dir, 'dash', '0b8f8a3e-9f0e-4c38-b7a1-5f3f6c0a0d11', { HOSTNAME: 'x'.repeat(63) }).done;
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(fs.readFileSync(path.join(dir, long)).equals(MODEL)).toBe(true);
  }, 120_000);
});

describe('another uid', () => {
  /** The pod as uid 1000 (setpriv, when these tests run as root). */
  function asUser(c: any): any {
    return { ...c, command: process.getuid?.() === 0 ? ['/usr/bin/setpriv', '--reuid=1000', '--regid=1000', '--clear-groups', ...c.command] : c.command };
  }

  test('a partial left by another uid, read-only to this one: downloaded afresh, not a failure naming a writable cache', async () => {
    const dir = volume();
    const partial = path.join(dir, '.plain.bin.partial');
    fs.mkdirSync(path.join(partial, 'meta'), { recursive: true });
    fs.writeFileSync(path.join(partial, 'model'), MODEL.subarray(0, 1000));
    fs.chmodSync(partial, 0o555);
    if (process.getuid?.() === 0) fs.chownSync(dir, 1000, 1000);
    const result = await startPod(asUser(httpPod(`${base}/plain.bin`)), dir, 'dash', 'p', { HOME: '/tmp' }).done;
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(fs.readFileSync(path.join(dir, 'plain.bin')).equals(MODEL)).toBe(true);
    expect(result.stdout).toContain('belongs to another user; starting over');
  }, 120_000);

  test('a model file this uid cannot write fails with one line, never a silent exit 2', async () => {
    const dir = volume();
    // a dead holder's staging (same uid) whose model file another uid made read-only
    const stage = path.join(dir, '.plain.bin.stage.dead.1.x');
    fs.mkdirSync(path.join(stage, 'meta'), { recursive: true });
    fs.writeFileSync(path.join(stage, 'model'), 'x');
    // the staging of this source (one of another source is started over)
    fs.writeFileSync(path.join(stage, 'origin'), `${base}/plain.bin\n`);
    fs.symlinkSync('dead.1.x', path.join(dir, '.plain.bin.lock'));
    deadHeartbeat(path.join(dir, '.plain.bin.beat.dead.1.x'));
    fs.chmodSync(path.join(stage, 'model'), 0o444);
    if (process.getuid?.() === 0) execFileSync('chown', ['-R', '1000:1000', dir]);
    const result = await startPod(asUser(httpPod(`${base}/plain.bin`)), dir, 'dash', 'p', { HOME: '/tmp' }).done;
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^model-prep: FAILED: cannot write in the model cache: http:.*plain\.bin: .*model: Permission denied\n$/);
  }, 120_000);
});

describe('SIGTERM outside the transfer', () => {
  /** ms from SIGTERM to the pod's exit. */
  async function termAfter(pod: ReturnType<typeof startPod>, ms: number): Promise<{ took: number; code: number | null; stdout: string }> {
    await new Promise((r) => setTimeout(r, ms));
    const t0 = Date.now();
    pod.term();
    const result = await pod.done;
    return { took: Date.now() - t0, code: result.code, stdout: result.stdout };
  }

  test('while re-checking a large cached model (verifyOnCacheHit): stops within a second', async () => {
    const dir = volume();
    const big = 3 * 2 ** 30;
    // a sparse file: the hash reads 3 GiB of zeros without a disk
    fs.closeSync(fs.openSync(path.join(dir, 'plain.bin'), 'w'));
    fs.truncateSync(path.join(dir, 'plain.bin'), big);
    fs.writeFileSync(path.join(dir, '.plain.bin.ready'), `format=2\nsource=${base}/plain.bin\nsha256=${'0'.repeat(64)}\nfiles=1\nfile=${big}\t-\t\n`);
    const c = downloaderFor({ source: ModelSource.http(`${base}/plain.bin`) }, 'busybox');
    const { took, code } = await termAfter(startPod(c, dir, 'busybox', 'p', { MODEL_VERIFY_ON_CACHE_HIT: 'true' }), 700);
    expect(code).not.toBe(0);
    expect(took).toBeLessThan(1000);
  }, 120_000);

  test('while waiting for another pod\'s lock: stops within a second', async () => {
    const dir = volume();
    fs.symlinkSync('other.1.x', path.join(dir, '.plain.bin.lock'));
    fs.writeFileSync(path.join(dir, '.plain.bin.beat.other.1.x'), `${Math.floor(Date.now() / 1000) + 30}\n`);
    const { took, stdout } = await termAfter(startPod(httpPod(`${base}/plain.bin`), dir, 'dash', 'p'), 1500);
    expect(stdout).toContain('waiting: other.1.x');
    expect(took).toBeLessThan(1000);
  }, 120_000);
});

describe('S3 listings', () => {
  beforeAll(async () => {
    const src = fs.mkdtempSync(path.join(os.tmpdir(), 'hostile-up-'));
    const put = async (key: string, body: string | Buffer) => {
      const f = path.join(src, sha(key));
      fs.writeFileSync(f, body);
      await aws('s3api', 'put-object', '--bucket', 'hostile', '--key', key, '--body', f);
    };
    // at once: each put is a start of the AWS CLI (1-3 s of CPU on a busy machine)
    await Promise.all([
      put('odd/a+b c%20d.bin', 'plus'), put('odd/ünï/☃ x.bin', 'snow'), put('odd/empty.bin', ''), put('odd/', ''), put('odd/folder/', ''),
      put('both/dir', 'file'), put('both/dir/x', 'inside'), ...['a', 'b', 'c'].map(k => put(`gone/${k}`, k)), put('flaky/x', 'x'),
    ]);
  }, 120_000);

  test('folder placeholders, zero-byte objects, keys with +, %, spaces and unicode land exactly', async () => {
    const dir = volume();
    const result = await startPod(s3Pod('s3://hostile/odd/'), dir, 'dash', 'p', AWS).done;
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const files = filesBelow(path.join(dir, 'odd'));
    expect([...files.keys()].sort()).toEqual(['a+b c%20d.bin', 'empty.bin', 'ünï/☃ x.bin']);
    expect(files.get('a+b c%20d.bin')?.toString()).toBe('plus');
  }, 120_000);

  test('an object deleted between the listing and its GET: a changed source, retried; the model lands without it', async () => {
    let deleted = false;
    s3Hook = async (req) => {
      if (!deleted && req.method === 'GET' && (req.url ?? '').startsWith('/hostile/gone/b')) {
        deleted = true;
        await aws('s3api', 'delete-object', '--bucket', 'hostile', '--key', 'gone/b');
      }
      return false;
    };
    const dir = volume();
    const result = await startPod(s3Pod('s3://hostile/gone/', s3FrontUrl), dir, 'dash', 'p', AWS).done;
    s3Hook = async () => false;
    expect(deleted).toBe(true);
    expect(result.stdout).toContain('changed during the download');
    expect(result.stderr).toBe('');
    expect([...filesBelow(path.join(dir, 'gone')).keys()].sort()).toEqual(['a', 'c']);
  }, 120_000);

  test('a listing that fails (500) is retried, never taken for an empty prefix', async () => {
    let failed = 0;
    s3Hook = async (req, res) => {
      if (failed < 1 && req.method === 'GET' && /[?&]list-type=2/.test(req.url ?? '')) {
        failed++;
        res.writeHead(500, { 'Content-Type': 'application/xml' }).end('<Error><Code>InternalError</Code><Message>We encountered an internal error.</Message></Error>');
        return true;
      }
      return false;
    };
    const dir = volume();
    const result = await startPod(s3Pod('s3://hostile/flaky/', s3FrontUrl), dir, 'dash', 'p', { ...AWS, AWS_MAX_ATTEMPTS: '1' }).done;
    s3Hook = async () => false;
    expect(failed).toBe(1);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(fs.readFileSync(path.join(dir, 'flaky', 'x'), 'utf8')).toBe('x');
  }, 120_000);

  test('a key that is both an object and a prefix fails at once with one clear line', async () => {
    const dir = volume();
    const result = await startPod(s3Pod('s3://hostile/both/'), dir, 'dash', 'p', AWS).done;
    expect(result.code).toBe(1);
    expect(result.stderr).toBe("model-prep: FAILED: invalid name: s3://hostile/both/: invalid name: 'dir' is both a file and the directory of 'dir/x'\n");
    expect(result.stdout).not.toContain('retrying');
    expect(fs.existsSync(path.join(dir, 'both'))).toBe(false);
  }, 120_000);
});
