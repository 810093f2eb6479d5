import { execSync } from 'child_process';
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Duration } from 'cdk8s';
import { deadHeartbeat } from './_pods';
import { etagOf, serveVersion } from './_serve';
import { AiInferencePod, ModelCredentials, ModelPrepInit, ModelPrepInitProps, ModelSource } from '../../src';
import { HttpFixture, serveBytes } from '../helpers/http-fixture';
import { requireTool, runContainer } from '../helpers/run-container';
import { container, manifestOf, newChart, synth } from '../helpers/synth';

// Real curl and /bin/sh against a real HTTP server on 127.0.0.1.
const MODEL = Buffer.alloc(3 * 1024 * 1024 + 18, 'weights!');
const SHA = createHash('sha256').update(MODEL).digest('hex');
const fixture = new HttpFixture();
let base = '';

beforeAll(async () => {
  requireTool('curl', 'apt-get install -y curl');
  requireTool('sha256sum', 'apt-get install -y coreutils');
  base = await fixture.start();
  fixture.routes.set('/models/model.bin', MODEL);
});
afterAll(() => fixture.stop());
beforeEach(() => { fixture.requests.length = 0; });

/** The init container exactly as synthesized for a source. */
function downloader(props: Partial<ModelPrepInitProps> & { source: ModelSource }): any {
  const chart = newChart();
  const pod = new AiInferencePod(chart, 'llm', { server: { image: 'vllm/vllm-openai:v0.6.3' } });
  new ModelPrepInit(pod, 'model-downloader', { retryDelay: Duration.seconds(1), ...props });
  return container(manifestOf(synth(chart), 'Pod'), 'model-downloader');
}

function volume(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'model-volume-'));
}

function run(c: any, dir: string, extra: Parameters<typeof runContainer>[1] = {}) {
  return runContainer(c, { ...extra, env: { MODEL_DIR: dir, HOME: path.join(dir, '..', `${path.basename(dir)}-home`), ...extra.env } });
}

test('fresh download: verified, renamed into place, marker records source and digest', async () => {
  const dir = volume();
  const c = downloader({ source: ModelSource.http(`${base}/models/model.bin`, { sha256: SHA }) });
  const result = await run(c, dir);
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  expect(fs.readFileSync(path.join(dir, 'model.bin')).equals(MODEL)).toBe(true);
  const marker = fs.readFileSync(path.join(dir, '.model.bin.ready'), 'utf8');
  expect(marker).toContain(`source=${base}/models/model.bin\nsha256=${SHA}\n`);
  // nothing left over: no partial dir, no lock
  expect(fs.readdirSync(dir).sort()).toEqual(['.model.bin.ready', 'model.bin']);
  expect(result.stdout).toContain(`done: ${dir}/model.bin sha256=${SHA}`);
});

test('second run hits the cache and transfers nothing', async () => {
  const dir = volume();
  const c = downloader({ source: ModelSource.http(`${base}/models/model.bin`) });
  expect((await run(c, dir)).code).toBe(0);
  expect(fixture.gets('/models/model.bin')).toBe(1);
  const again = await run(c, dir);
  expect(again.code).toBe(0);
  expect(again.stdout).toContain('cache hit');
  expect(fixture.gets('/models/model.bin')).toBe(1);
});

test('a changed source is downloaded again and replaces the old model', async () => {
  const dir = volume();
  fixture.routes.set('/models/v2.bin', 'version two');
  expect((await run(downloader({ source: ModelSource.http(`${base}/models/model.bin`) }), dir)).code).toBe(0);
  const c2 = downloader({ source: ModelSource.http(`${base}/models/v2.bin`), modelPathEnv: 'MODEL_PATH' });
  expect((await run({ ...c2, env: c2.env.map((e: any) => e.name === 'MODEL_TARGET' ? { ...e, value: 'model.bin' } : e) }, dir)).code).toBe(0);
  expect(fs.readFileSync(path.join(dir, 'model.bin'), 'utf8')).toBe('version two');
});

test('an interrupted transfer leaves nothing at the final path and no marker; a rerun resumes and completes', async () => {
  const dir = volume();
  let stall = true;
  fixture.routes.set('/models/slow.bin', (req, res) => {
    if (!stall) {
      serveVersion(req, res, MODEL);
      return;
    }
    // half the model, then the connection hangs (the pod is killed meanwhile)
    res.writeHead(200, { 'Content-Length': MODEL.length, 'ETag': etagOf(MODEL) });
    res.write(MODEL.subarray(0, MODEL.length / 2));
  });
  const c = downloader({ source: ModelSource.http(`${base}/models/slow.bin`, { sha256: SHA }) });
  const killed = await run(c, dir, { killAfterMs: 1500, env: { MODEL_POD_UID: 'llm-pod-uid' } });
  expect(killed.signal).toBe('SIGKILL');
  expect(fs.existsSync(path.join(dir, 'slow.bin'))).toBe(false);
  expect(fs.existsSync(path.join(dir, '.slow.bin.ready'))).toBe(false);
  const stage = fs.readdirSync(dir).filter(f => f.startsWith('.slow.bin.stage.llm-pod-uid.'));
  expect(stage).toHaveLength(1);
  const kept = fs.statSync(path.join(dir, stage[0], 'model')).size;
  expect(kept).toBeGreaterThan(0);
  expect(kept).toBeLessThanOrEqual(MODEL.length / 2);

  stall = false;
  // the restarted init container of the same pod breaks its predecessor's lock at once
  const rerun = await run(c, dir, { env: { MODEL_POD_UID: 'llm-pod-uid' } });
  expect(rerun.stderr).toBe('');
  expect(rerun.stdout).toContain('breaking the lock of this pod\'s previous run: llm-pod-uid.');
  expect(rerun.code).toBe(0);
  expect(fs.readFileSync(path.join(dir, 'slow.bin')).equals(MODEL)).toBe(true);
  // the rerun asked only for the missing half
  const resumed = fixture.requests.filter(r => r.url === '/models/slow.bin').pop();
  expect(resumed?.headers.range).toBe(`bytes=${kept}-`);
  expect(resumed?.headers['if-range']).toBe(etagOf(MODEL));
});

test('checksum mismatch fails with one line and leaves nothing behind', async () => {
  const dir = volume();
  const wrong = '0'.repeat(64);
  const result = await run(downloader({ source: ModelSource.http(`${base}/models/model.bin`, { sha256: wrong }) }), dir);
  expect(result.code).toBe(1);
  expect(result.stderr).toBe(`model-prep: FAILED: checksum mismatch: ${base}/models/model.bin has sha256 ${SHA}, expected ${wrong}\n`);
  expect(fs.readdirSync(dir)).toEqual([]);
});

test('404 fails at once with a clear message, no retries', async () => {
  const dir = volume();
  const result = await run(downloader({ source: ModelSource.http(`${base}/models/missing.bin`) }), dir);
  expect(result.code).toBe(1);
  expect(result.stderr).toMatch(/model-prep: FAILED: not found \(404\): http:\/\/127\.0\.0\.1:\d+\/models\/missing\.bin: curl: \(22\) The requested URL returned error: 404/);
  expect(fixture.gets('/models/missing.bin')).toBe(1);
  expect(fs.readdirSync(dir)).toEqual([]);
});

test('transient 503s are retried with backoff until the download succeeds', async () => {
  const dir = volume();
  let failures = 2;
  fixture.routes.set('/models/flaky.bin', (req, res) => {
    if (failures-- > 0) {
      res.writeHead(503).end('Service Unavailable');
    } else {
      serveBytes(req, res, MODEL);
    }
  });
  const result = await run(downloader({ source: ModelSource.http(`${base}/models/flaky.bin`) }), dir);
  expect(result.code).toBe(0);
  expect(result.stdout).toContain('attempt 1/5 failed (exit code 22: curl: (22) The requested URL returned error: 503); retrying in 1s');
  expect(result.stdout).toContain('attempt 2/5 failed');
  expect(result.stdout).toContain('after 3 attempt(s)');
  expect(fs.readFileSync(path.join(dir, 'flaky.bin')).equals(MODEL)).toBe(true);
});

test('a server that stays down exhausts the attempts and says so', async () => {
  const dir = volume();
  fixture.routes.set('/models/down.bin', (_req, res) => { res.writeHead(503).end(); });
  const result = await run(downloader({ source: ModelSource.http(`${base}/models/down.bin`), attempts: 2 }), dir);
  expect(result.code).toBe(1);
  expect(result.stderr).toContain('model-prep: FAILED: gave up after 2 attempts:');
  expect(fixture.gets('/models/down.bin')).toBe(2);
});

test('two pods sharing one cache download once and both succeed', async () => {
  const dir = volume();
  fixture.routes.set('/models/shared.bin', (req, res) => setTimeout(() => serveBytes(req, res, MODEL), 1500));
  const c = downloader({ source: ModelSource.http(`${base}/models/shared.bin`, { sha256: SHA }) });
  const [a, b] = await Promise.all([run(c, dir, { env: { HOSTNAME: 'pod-a' } }), run(c, dir, { env: { HOSTNAME: 'pod-b' } })]);
  expect([a.code, b.code]).toEqual([0, 0]);
  expect(fixture.gets('/models/shared.bin')).toBe(1);
  expect(a.stdout + b.stdout).toMatch(/waiting: pod-[ab]\.\d+\.[0-9a-f]{12} is downloading shared.bin/);
  expect(a.stdout + b.stdout).toContain('was completed by another pod');
  expect(fs.readFileSync(path.join(dir, 'shared.bin')).equals(MODEL)).toBe(true);
});

test('a lock abandoned by a dead pod is broken after its heartbeat goes stale; its staging is resumed', async () => {
  const dir = volume();
  fs.symlinkSync('dead-pod.1.abc', path.join(dir, '.model.bin.lock'));
  deadHeartbeat(path.join(dir, '.model.bin.beat.dead-pod.1.abc'));
  fs.mkdirSync(path.join(dir, '.model.bin.stage.dead-pod.1.abc', 'meta'), { recursive: true });
  const result = await run(downloader({ source: ModelSource.http(`${base}/models/model.bin`) }), dir);
  expect(result.code).toBe(0);
  expect(result.stdout).toMatch(/breaking the lock of a dead holder \(no heartbeat for \d+s\): dead-pod\.1\.abc/);
  expect(fs.readdirSync(dir).sort()).toEqual(['.model.bin.ready', 'model.bin']);
});

test('a lock directory left by an older version of the script is broken when its heartbeat is stale', async () => {
  const dir = volume();
  fs.mkdirSync(path.join(dir, '.model.bin.lock'));
  deadHeartbeat(path.join(dir, '.model.bin.lock', 'heartbeat'));
  const result = await run(downloader({ source: ModelSource.http(`${base}/models/model.bin`) }), dir);
  expect(result.code).toBe(0);
  expect(result.stdout).toMatch(/breaking the lock of a dead holder \(no heartbeat for \d+s\): legacy/);
  expect(fs.readdirSync(dir).sort()).toEqual(['.model.bin.ready', 'model.bin']);
});

test('a directory of files under a base URL', async () => {
  const dir = volume();
  fixture.routes.set('/repo/config.json', '{"a":1}');
  fixture.routes.set('/repo/weights/part-1.safetensors', MODEL);
  const c = downloader({ source: ModelSource.http(`${base}/repo`, { files: ['config.json', 'weights/part-1.safetensors'] }) });
  // the real curl behind a wrapper that counts its starts: all files of a fresh directory in one curl
  const bin = fs.mkdtempSync(path.join(os.tmpdir(), 'count-curl-'));
  fs.writeFileSync(path.join(bin, 'curl'), `#!/bin/sh\necho started >> ${bin}/starts\nexec ${execSync('command -v curl', { encoding: 'utf8' }).trim()} "$@"\n`, { mode: 0o755 });
  const result = await run(c, dir, { env: { PATH: `${bin}:${process.env.PATH}` } });
  expect(result.stderr).toBe('');
  expect(fs.readFileSync(path.join(bin, 'starts'), 'utf8')).toBe('started\n');
  expect(fixture.gets('/repo/config.json') + fixture.gets('/repo/weights/part-1.safetensors')).toBe(2);
  expect(fs.readFileSync(path.join(dir, 'repo', 'config.json'), 'utf8')).toBe('{"a":1}');
  expect(fs.readFileSync(path.join(dir, 'repo', 'weights', 'part-1.safetensors')).equals(MODEL)).toBe(true);
  expect(fs.readdirSync(path.join(dir, 'repo')).sort()).toEqual(['config.json', 'weights']);
  const digest = createHash('sha256').update(['config.json', 'weights/part-1.safetensors']
    .map(n => `${createHash('sha256').update(fs.readFileSync(path.join(dir, 'repo', n))).digest('hex')}  ${n}\n`).join('')).digest('hex');
  expect(fs.readFileSync(path.join(dir, '.repo.ready'), 'utf8')).toContain(`sha256=${digest}\n`);
});

describe('Hugging Face Hub (a local Hub on 127.0.0.1)', () => {
  beforeAll(() => {
    const authorized = (handler: (req: any, res: any) => void) => (req: any, res: any) => {
      if (req.headers.authorization !== 'Bearer hf_secret') {
        res.writeHead(401).end('Unauthorized');
      } else {
        handler(req, res);
      }
    };
    fixture.routes.set('/api/models/org/llm/revision/0123abc', authorized((_req, res) => res.end(JSON.stringify({
      siblings: [{ rfilename: 'config.json' }, { rfilename: 'model-00001.safetensors' }, { rfilename: 'tokenizer/tokenizer.json' }],
    }))));
    fixture.routes.set('/org/llm/resolve/0123abc/config.json', authorized((req, res) => serveBytes(req, res, Buffer.from('{}'))));
    fixture.routes.set('/org/llm/resolve/0123abc/model-00001.safetensors', authorized((req, res) => serveBytes(req, res, MODEL)));
    fixture.routes.set('/org/llm/resolve/0123abc/tokenizer/tokenizer.json', authorized((req, res) => serveBytes(req, res, Buffer.from('tok'))));
  });

  const hub = () => ModelSource.huggingFace('org/llm', { revision: '0123abc', endpoint: base, credentials: ModelCredentials.token('hf', 'token') });

  test('lists the revision and fetches every file with the token from the Secret', async () => {
    const dir = volume();
    const result = await run(downloader({ source: hub() }), dir, { secrets: { 'hf/token': 'hf_secret' } });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(fs.readFileSync(path.join(dir, 'llm', 'model-00001.safetensors')).equals(MODEL)).toBe(true);
    expect(fs.readFileSync(path.join(dir, 'llm', 'tokenizer', 'tokenizer.json'), 'utf8')).toBe('tok');
    // the directory digest is the sha256 of the `sha256sum`-style listing, sorted by path
    const listing = [['config.json', '{}'], ['model-00001.safetensors', MODEL], ['tokenizer/tokenizer.json', 'tok']]
      .map(([f, body]) => `${createHash('sha256').update(body).digest('hex')}  ${f}\n`).join('');
    expect(fs.readFileSync(path.join(dir, '.llm.ready'), 'utf8')).toContain(`sha256=${createHash('sha256').update(listing).digest('hex')}`);
  });

  test('missing token: access denied, in one line', async () => {
    const dir = volume();
    const result = await run(downloader({ source: hub() }), dir);
    expect(result.code).toBe(1);
    expect(result.stderr.trim().split('\n').pop()).toMatch(/^model-prep: FAILED: access denied \(401\/403\): hf:\/\/org\/llm@0123abc: curl: \(22\) The requested URL returned error: 401/);
  });
});
