import { execFile } from 'child_process';
import * as fs from 'fs';
import * as http from 'http';
import { AddressInfo } from 'net';
import * as os from 'os';
import * as path from 'path';
import { promisify } from 'util';
import { downloaderFor, invariantViolations, ServedVersion, Shell, startPod, until, volume, within } from './_pods';
import { etagOf, serveVersion } from './_serve';
import { ModelCredentials, ModelSource } from '../../src';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const S3rver = require('s3rver');

// Hostile round 27: the download under faults the chaos suite does not draw. Model names that
// were the script's own bookkeeping names, a server that honours Range but ignores If-Range,
// junk or a symlink at the partial's name, a volume that fills up after the last byte arrived.
// The real generated script under dash and BusyBox, real curl, AWS CLI + s3rver on 127.0.0.1.

const SHELLS: Shell[] = ['dash', 'busybox'];
const routes = new Map<string, (req: http.IncomingMessage, res: http.ServerResponse) => void>();
let server: http.Server;
let base = '';
let s3: any;
let s3Endpoint = '';
const AWS = { AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER' };

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const route = routes.get(decodeURIComponent((req.url ?? '').split('?')[0]));
    if (route) route(req, res); else res.writeHead(404).end('Not Found');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  s3 = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: fs.mkdtempSync(path.join(os.tmpdir(), 's3rver-r27-')), configureBuckets: [{ name: 'r27' }] });
  s3Endpoint = `http://127.0.0.1:${(await s3.run()).port}`;
  await upload('names', S3_FILES);
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await s3?.close();
});

/** S3 keys that are the script's own names, and a key beside a prefix with a record's suffix ("a", "a.sum/x"). */
const S3_FILES: { [rel: string]: Buffer } = Object.fromEntries(['files/x', 'listing/y', 'mtimes/z', 'found/f', 'a', 'a.sum/x', 'r/r', '-rf', 'ü'].map(n => [n, Buffer.from(`s3 body of ${n}`)]));

/** Uploads a tree under the prefix with one CLI call (a CLI start costs a second or two). */
async function upload(prefix: string, files: { [rel: string]: Buffer }): Promise<void> {
  const src = fs.mkdtempSync(path.join(os.tmpdir(), 's3-up-'));
  for (const [rel, body] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(src, rel)), { recursive: true });
    fs.writeFileSync(path.join(src, rel), body);
  }
  await promisify(execFile)('/usr/bin/aws', ['--endpoint-url', s3Endpoint, 's3', 'cp', '--recursive', '--only-show-errors', src, `s3://r27/${prefix}/`],
    { env: { ...process.env, ...AWS, AWS_DEFAULT_REGION: 'us-east-1', AWS_EC2_METADATA_DISABLED: 'true', HOME: src } });
}
function s3Pod(uri: string, shell: Shell): any {
  return downloaderFor({ source: ModelSource.s3(uri, { endpoint: s3Endpoint, region: 'us-east-1', credentials: ModelCredentials.awsAccessKey('aws') }), attempts: 2 }, shell);
}

const versionOf = (files: { [rel: string]: Buffer }): ServedVersion => ({
  files: new Map(Object.entries(files)), etags: new Map(Object.entries(files).map(([k, v]) => [k, etagOf(v)])),
});

describe.each(SHELLS)('under %s', (shell) => {
  test('names the script itself uses for its records', async () => {
    const files: { [rel: string]: Buffer } = {};
    for (const name of ['files/x', 'lines/y', 'sizes/z', '.journal/j', 'listing.json/k', 'a', 'a.rec/x', '-rf', 'a\tb', 'ü', '.m.ready']) files[name] = Buffer.from(`body of ${name}`);
    for (const [name, body] of Object.entries(files)) routes.set(`/names-${shell}/${name}`, (req, res) => serveVersion(req, res, body));
    const dir = volume();
    const c = downloaderFor({ source: ModelSource.http(`${base}/names-${shell}`, { files: Object.keys(files) }), attempts: 2 }, shell);
    const result = await within(startPod(c, dir, shell, 'p'), 20_000);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(await invariantViolations(dir, `names-${shell}`, 'directory', [versionOf(files)], `${base}/names-${shell}:${Object.keys(files).join(',')}`)).toEqual([]);
  }, 120_000);

  test('the same names, killed mid-batch: the partial file resumes from its record beside them', async () => {
    const big = Buffer.alloc(2 * 2 ** 20, 'big');
    const files: { [rel: string]: Buffer } = { 'a': Buffer.from('a'), 'a.hdr/x': Buffer.from('x'), 'files/y': Buffer.from('y'), 'r/z': Buffer.from('z'), 'lines/big': big };
    const ranges: string[] = [];
    let first = true;
    for (const [name, body] of Object.entries(files)) {
      routes.set(`/resume-${shell}/${name}`, (req, res) => {
        if (name !== 'lines/big') return serveVersion(req, res, body);
        ranges.push(String(req.headers.range ?? ''));
        if (!first) return serveVersion(req, res, body);
        first = false;
        res.writeHead(200, { 'Content-Length': body.length, 'ETag': etagOf(body) });
        res.write(body.subarray(0, 2 ** 20));
      });
    }
    const dir = volume();
    const source = ModelSource.http(`${base}/resume-${shell}`, { files: Object.keys(files) });
    const c = downloaderFor({ source, attempts: 2 }, shell);
    const killed = startPod(c, dir, shell, 'p');
    await halfThere(dir, 'model/lines/big');
    killed.kill();
    await killed.done;
    const rerun = await within(startPod(c, dir, shell, 'p'), 20_000);
    expect(rerun.stderr).toBe('');
    expect(rerun.code).toBe(0);
    expect(ranges).toHaveLength(2);
    expect(ranges[1]).toMatch(/^bytes=[1-9]\d*-$/);
    expect(await invariantViolations(dir, `resume-${shell}`, 'directory', [versionOf(files)], `${base}/resume-${shell}:${Object.keys(files).join(',')}`)).toEqual([]);
  }, 120_000);

  test('a server that ignores If-Range but honours Range: a changed file (same size) is started over, never spliced', async () => {
    const v1 = Buffer.alloc(2 * 2 ** 20, 'one');
    const v2 = Buffer.alloc(2 * 2 ** 20, 'two');
    const name = `/no-if-range-${shell}.bin`;
    let first = true;
    routes.set(name, (req, res) => {
      if (first) {
        first = false;
        res.writeHead(200, { 'Content-Length': v1.length, 'ETag': etagOf(v1) });
        res.write(v1.subarray(0, 2 ** 20));
        return;
      }
      // v2 now; the range is served whatever If-Range says
      const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
      const start = range ? Number(range[1]) : 0;
      res.writeHead(range ? 206 : 200, { 'Content-Length': v2.length - start, 'ETag': etagOf(v2), ...(range ? { 'Content-Range': `bytes ${start}-${v2.length - 1}/${v2.length}` } : {}) });
      res.end(v2.subarray(start));
    });
    const dir = volume();
    const c = downloaderFor({ source: ModelSource.http(`${base}${name}`), attempts: 2 }, shell);
    const killed = startPod(c, dir, shell, 'p');
    await halfThere(dir);
    killed.kill();
    await killed.done;
    const rerun = await within(startPod(c, dir, shell, 'p'), 20_000);
    expect(rerun.stderr).toBe('');
    expect(rerun.code).toBe(0);
    const served = [v1, v2].map(b => versionOf({ '': b }));
    expect(await invariantViolations(dir, name.slice(1), 'file', served, `${base}${name}`)).toEqual([]);
    expect(fs.readFileSync(path.join(dir, name.slice(1))).equals(v2)).toBe(true);
  }, 120_000);

  test('a symlink at the partial\'s name, to a directory elsewhere: nothing there is written or removed', async () => {
    const name = `/plain-${shell}.bin`;
    const body = Buffer.alloc(2 ** 16, 'plain');
    routes.set(name, (req, res) => serveVersion(req, res, body));
    const dir = volume();
    const elsewhere = fs.mkdtempSync(path.join(os.tmpdir(), 'elsewhere-'));
    fs.mkdirSync(path.join(elsewhere, 'old'));
    fs.writeFileSync(path.join(elsewhere, 'old', 'precious'), 'keep me');
    fs.writeFileSync(path.join(elsewhere, 'marker'), 'keep me too');
    fs.writeFileSync(path.join(elsewhere, 'origin'), `${base}${name}\n`);
    fs.symlinkSync(elsewhere, path.join(dir, `.${name.slice(1)}.partial`));
    const result = await within(startPod(downloaderFor({ source: ModelSource.http(`${base}${name}`) }, shell), dir, shell, 'p'), 20_000);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(fs.readdirSync(elsewhere).sort()).toEqual(['marker', 'old', 'origin']);
    expect(fs.readdirSync(path.join(elsewhere, 'old'))).toEqual(['precious']);
    expect(await invariantViolations(dir, name.slice(1), 'file', [versionOf({ '': body })], `${base}${name}`)).toEqual([]);
  }, 120_000);

  test('junk (a file) at the partial\'s name does not cost the next pod its resume after a SIGTERM', async () => {
    const name = `/junk-partial-${shell}.bin`;
    const body = Buffer.alloc(2 * 2 ** 20, 'resume me');
    const ranges: string[] = [];
    let first = true;
    routes.set(name, (req, res) => {
      ranges.push(String(req.headers.range ?? ''));
      if (!first) return serveVersion(req, res, body);
      first = false;
      res.writeHead(200, { 'Content-Length': body.length, 'ETag': etagOf(body) });
      res.write(body.subarray(0, 2 ** 20));
    });
    const dir = volume();
    fs.writeFileSync(path.join(dir, `.${name.slice(1)}.partial`), 'junk');
    const c = downloaderFor({ source: ModelSource.http(`${base}${name}`) }, shell);
    const termed = startPod(c, dir, shell, 'p1');
    await halfThere(dir);
    termed.term();
    expect((await within(termed, 5_000)).code).toBe(143);
    const next = await within(startPod(c, dir, shell, 'p2'), 20_000);
    expect(next.stderr).toBe('');
    expect(next.code).toBe(0);
    expect(ranges).toHaveLength(2);
    expect(ranges[1]).toMatch(/^bytes=[1-9]\d*-$/);
    expect(next.stdout).not.toContain('starting');
    expect(await invariantViolations(dir, name.slice(1), 'file', [versionOf({ '': body })], `${base}${name}`)).toEqual([]);
  }, 120_000);
});

/** Waits until a staging directory in the volume holds half a MiB of its file `file` (the model itself by default). */
async function halfThere(dir: string, file = 'model'): Promise<void> {
  const size = (f: string) => {
    try {
      return fs.statSync(f).size;
    } catch {
      return 0;
    }
  };
  await until('half a MiB in a staging directory', () => fs.readdirSync(dir).some(n => n.includes('.stage.') && size(path.join(dir, n, file)) >= 2 ** 19), 10_000).catch((e) => {
    throw new Error(`${e.message}: ${JSON.stringify(fs.readdirSync(dir))}`);
  });
}

// The slower cases run their pods of both shells at once (each pod on its own volume).

test('an S3 prefix whose keys are the script\'s own names, and a key beside a prefix with a record\'s suffix (dash and BusyBox)', async () => {
  await Promise.all(SHELLS.map(async (shell) => {
    const dir = volume();
    const result = await within(startPod(s3Pod('s3://r27/names/', shell), dir, shell, 'p', AWS), 40_000);
    expect({ shell, code: result.code, stderr: result.stderr }).toEqual({ shell, code: 0, stderr: '' });
    const marker = fs.readFileSync(path.join(dir, '.names.ready'), 'utf8');
    // S3 ETags are the store's: the bytes and the names are what this checks
    const etag = (k: string) => /file=\d+\t([^\t]*)\t/.exec(marker.split('\n').find(l => l.endsWith(`\t${k}`)) ?? '')?.[1] ?? '?';
    const served: ServedVersion = { files: new Map(Object.entries(S3_FILES)), etags: new Map(Object.keys(S3_FILES).map(k => [k, etag(k)])) };
    expect(await invariantViolations(dir, 'names', 'directory', [served], 's3://r27/names/')).toEqual([]);
  }));
}, 120_000);

test('the volume fills up while the journal, the records or the marker are written: one line, disk full, at once (dash and BusyBox)', async () => {
  // 1 MiB of tmpfs and a few hundred small files: as the count grows, the volume fills up at the
  // marker, the records, then the journal (4 KiB pages); which of them a count reaches depends on
  // the tmpfs's accounting (196 files reached the journal on one machine, the records on another),
  // so each run must end with the one disk-full line at whichever write the volume refused
  const runs = SHELLS.flatMap(shell => [196, 400].map(async (n) => {
    const names = Array.from({ length: n }, (_, i) => `file-number-${String(i).padStart(4, '0')}-with-a-longish-name.json`);
    for (const name of names) routes.set(`/full-${shell}/${name}`, (req, res) => serveVersion(req, res, Buffer.from(`/full-${shell}/${name}`)));
    const c = downloaderFor({ source: ModelSource.http(`${base}/full-${shell}`, { files: names }), attempts: 3 }, shell);
    const inTmpfs = ['/usr/bin/unshare', '-rm', '--', '/bin/sh', '-c', '/bin/mount -t tmpfs -o size=1m tmpfs "$MODEL_DIR" && exec "$@"', 'sh', ...c.command];
    const result = await within(startPod({ ...c, command: inTmpfs }, volume(), shell, 'p'), 30_000);
    expect({ shell, n, code: result.code }).toEqual({ shell, n, code: 1 });
    // one line, disk full, with the space left: the words before it are the failing write's (the script's, or a tool's such as awk's)
    expect(result.stderr).toMatch(/^model-prep: FAILED: disk full: [^\n]*; \d+ KiB free on [^\n]*\n$/);
  }));
  await Promise.all(runs);
}, 120_000);
