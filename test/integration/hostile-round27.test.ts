import * as fs from 'fs';
import * as http from 'http';
import { AddressInfo } from 'net';
import * as os from 'os';
import * as path from 'path';
import { downloaderFor, filesBelow, invariantViolations, ServedVersion, Shell, startPod, volume, within } from './_pods';
import { etagOf, serveVersion } from './_serve';
import { ModelSource } from '../../src';

const SHELLS: Shell[] = ['dash', 'busybox'];
const routes = new Map<string, (req: http.IncomingMessage, res: http.ServerResponse) => void>();
let server: http.Server;
let base = '';

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const route = routes.get(decodeURIComponent((req.url ?? '').split('?')[0]));
    if (route) route(req, res); else res.writeHead(404).end('Not Found');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

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
    expect(await invariantViolations(dir, `names-${shell}`, 'directory', [versionOf(files)], `${base}/names-${shell}:${Object.keys(files).join(",")}`)).toEqual([]);
  }, 30_000);
});
