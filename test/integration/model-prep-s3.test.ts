import { createHash } from 'crypto';
import * as fs from 'fs';
import * as http from 'http';
import { AddressInfo } from 'net';
import * as os from 'os';
import * as path from 'path';
import { Duration } from 'cdk8s';
import { AiInferencePod, ModelCredentials, ModelPrepInit, ModelSource, S3SourceOptions } from '../../src';
import { requireTool, runContainer } from '../helpers/run-container';
import { container, manifestOf, newChart, synth } from '../helpers/synth';

// The real AWS CLI and /bin/sh against s3rver (a local S3 endpoint) on 127.0.0.1, reached
// through a counting proxy that can also inject 503s.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const S3rver = require('s3rver');

const MODEL = Buffer.alloc(2 * 1024 * 1024 + 10, 'tensor');
const SHA = createHash('sha256').update(MODEL).digest('hex');
const KEYS = { 'aws/AWS_ACCESS_KEY_ID': 'S3RVER', 'aws/AWS_SECRET_ACCESS_KEY': 'S3RVER' };
let s3: any;
let proxy: http.Server;
let endpoint = '';
const seen: Array<{ method: string; url: string }> = [];
let inject503 = 0;

beforeAll(async () => {
  requireTool('aws', 'apt-get install -y awscli');
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), 's3rver-'));
  s3 = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory, configureBuckets: [{ name: 'models' }] });
  const { port } = await s3.run();
  proxy = http.createServer((req, res) => {
    seen.push({ method: req.method ?? '', url: req.url ?? '' });
    if (inject503 > 0) {
      inject503--;
      res.writeHead(503, { 'Content-Type': 'application/xml' }).end('<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>');
      return;
    }
    const upstream = http.request({ host: '127.0.0.1', port, method: req.method, path: req.url, headers: req.headers }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    });
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
  const src = fs.mkdtempSync(path.join(os.tmpdir(), 'upload-'));
  fs.writeFileSync(path.join(src, 'model.bin'), MODEL);
  fs.mkdirSync(path.join(src, 'llama', 'tokenizer'), { recursive: true });
  fs.writeFileSync(path.join(src, 'llama', 'config.json'), '{"layers":32}');
  fs.writeFileSync(path.join(src, 'llama', 'model.safetensors'), MODEL);
  fs.writeFileSync(path.join(src, 'llama', 'tokenizer', 'vocab.txt'), 'a\nb\n');
  // upload with the real CLI too
  const upload = await runContainer({ command: ['aws', '--endpoint-url', endpoint, 's3', 'cp', '--recursive', '--only-show-errors', src, 's3://models/'] },
    { env: { AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER', AWS_DEFAULT_REGION: 'us-east-1', HOME: src } });
  expect(upload.stderr).toBe('');
});

afterAll(async () => {
  proxy?.closeAllConnections();
  await new Promise<void>((resolve) => (proxy ? proxy.close(() => resolve()) : resolve()));
  await s3?.close();
});

beforeEach(() => { seen.length = 0; inject503 = 0; });

function downloader(uri: string, options: Partial<S3SourceOptions> = {}, attempts = 5): any {
  const chart = newChart();
  const pod = new AiInferencePod(chart, 'llm', { server: { image: 'vllm/vllm-openai:v0.6.3' } });
  new ModelPrepInit(pod, 'model-downloader', {
    source: ModelSource.s3(uri, { endpoint, region: 'us-east-1', credentials: ModelCredentials.awsAccessKey('aws'), ...options }),
    retryDelay: Duration.seconds(1),
    attempts,
  });
  return container(manifestOf(synth(chart), 'Pod'), 'model-downloader');
}

function run(c: any, dir: string, secrets: { [k: string]: string } = KEYS, env: { [k: string]: string } = {}) {
  return runContainer(c, { secrets, env: { MODEL_DIR: dir, HOME: `${dir}-home`, ...env } });
}

const volume = () => fs.mkdtempSync(path.join(os.tmpdir(), 'model-volume-'));
const objectGets = (key: string) => seen.filter(r => r.method === 'GET' && r.url.startsWith(`/models/${key}`)).length;

test('fresh download of an object with checksum, then a cache hit that sends no request', async () => {
  const dir = volume();
  const c = downloader('s3://models/model.bin', { sha256: SHA });
  const first = await run(c, dir);
  expect(first.stderr).toBe('');
  expect(first.code).toBe(0);
  expect(fs.readFileSync(path.join(dir, 'model.bin')).equals(MODEL)).toBe(true);
  expect(fs.readFileSync(path.join(dir, '.model.bin.ready'), 'utf8')).toContain(`source=s3://models/model.bin\nsha256=${SHA}\n`);
  // one GET; head-object runs beside it only to save the identity for a resume
  expect(objectGets('model.bin')).toBe(1);
  expect(seen.filter(r => r.method === 'HEAD').length).toBeLessThanOrEqual(1);
  expect(fs.readFileSync(path.join(dir, '.model.bin.ready'), 'utf8')).toMatch(new RegExp(`\nfile=${MODEL.length}\t"[0-9a-f]{32}"\t\n`));
  // the CLI got the tuned transfer settings
  expect(fs.readFileSync(path.join(`${dir}-home`, '.aws', 'config'), 'utf8')).toContain('max_concurrent_requests = 16');

  seen.length = 0;
  const second = await run(c, dir);
  expect(second.code).toBe(0);
  expect(second.stdout).toContain('cache hit');
  expect(seen).toEqual([]);
});

test('a prefix with several files becomes a directory', async () => {
  const dir = volume();
  const result = await run(downloader('s3://models/llama/'), dir);
  expect(result.stderr).toBe('');
  expect(fs.readFileSync(path.join(dir, 'llama', 'config.json'), 'utf8')).toBe('{"layers":32}');
  expect(fs.readFileSync(path.join(dir, 'llama', 'model.safetensors')).equals(MODEL)).toBe(true);
  expect(fs.readFileSync(path.join(dir, 'llama', 'tokenizer', 'vocab.txt'), 'utf8')).toBe('a\nb\n');
});

test('checksum mismatch fails and leaves nothing behind', async () => {
  const dir = volume();
  const result = await run(downloader('s3://models/model.bin', { sha256: 'f'.repeat(64) }), dir);
  expect(result.code).toBe(1);
  expect(result.stderr).toBe(`model-prep: FAILED: checksum mismatch: s3://models/model.bin has sha256 ${SHA}, expected ${'f'.repeat(64)}\n`);
  expect(fs.readdirSync(dir)).toEqual([]);
});

test('a missing object fails at once as not found (404)', async () => {
  const dir = volume();
  const result = await run(downloader('s3://models/nope.bin'), dir);
  expect(result.code).toBe(1);
  expect(result.stderr.trim().split('\n').pop()).toMatch(/^model-prep: FAILED: not found \(404\): s3:\/\/models\/nope\.bin: .*(404|NoSuchKey)/);
  expect(fs.readdirSync(dir)).toEqual([]);
});

test('an empty prefix fails as not found', async () => {
  const dir = volume();
  const result = await run(downloader('s3://models/nothing-here/'), dir);
  expect(result.code).toBe(1);
  expect(result.stderr.trim().split('\n').pop()).toBe('model-prep: FAILED: not found (404): s3://models/nothing-here/: s3://models/nothing-here/ matched no objects (404)');
});

test('missing credentials fail at once with a clear message', async () => {
  const dir = volume();
  const result = await run(downloader('s3://models/model.bin'), dir, {});
  expect(result.code).toBe(1);
  expect(result.stderr.trim().split('\n').pop()).toMatch(/^model-prep: FAILED: missing credentials: s3:\/\/models\/model\.bin: .*Unable to locate credentials/);
  expect(seen).toEqual([]);
});

test('wrong credentials fail at once as access denied', async () => {
  const dir = volume();
  const result = await run(downloader('s3://models/model.bin'), dir, { 'aws/AWS_ACCESS_KEY_ID': 'WRONG', 'aws/AWS_SECRET_ACCESS_KEY': 'WRONG' });
  expect(result.code).toBe(1);
  expect(result.stderr.trim().split('\n').pop()).toMatch(/^model-prep: FAILED: access denied \(401\/403\): s3:\/\/models\/model\.bin: .*InvalidAccessKeyId|403/);
});

test('transient 503s (SlowDown) are retried to success', async () => {
  const dir = volume();
  // more than the CLI's own retries of both requests of the first attempt (head-object runs beside the GET)
  inject503 = 8;
  const result = await run(downloader('s3://models/model.bin', { sha256: SHA }), dir);
  expect(result.code).toBe(0);
  expect(result.stdout).toMatch(/attempt 1\/5 failed .*; retrying in 1s/);
  expect(fs.readFileSync(path.join(dir, 'model.bin')).equals(MODEL)).toBe(true);
  expect(seen.filter(r => r.method !== 'PUT').length).toBeGreaterThan(4);
});

test('two pods on one cache: the object is fetched once, both succeed', async () => {
  const dir = volume();
  const c = downloader('s3://models/model.bin', { sha256: SHA });
  const [a, b] = await Promise.all([run(c, dir, KEYS, { HOSTNAME: 'pod-a' }), run(c, dir, KEYS, { HOSTNAME: 'pod-b' })]);
  expect([a.code, b.code]).toEqual([0, 0]);
  expect(objectGets('model.bin')).toBe(1);
  expect(a.stdout + b.stdout).toMatch(/cache hit: .*(completed by another pod|finished .* while this one waited)/);
});
