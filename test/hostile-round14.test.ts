/**
 * Hostile review 14: the README's "ModelPrepInit" section at synth time (odd URIs, bucket names at
 * the stores' limits, Hub revisions, `files` lists, credentials, tuning) and the sentences about
 * the script's behaviour, run with real curl under dash and BusyBox ash. Each test is a break
 * found, kept as a regression test.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as http from 'http';
import { AddressInfo } from 'net';
import * as path from 'path';
import { Chart } from 'cdk8s';
import { AiInferencePod, ModelCredentials, ModelPrepInit, ModelPrepInitProps, ModelSource } from '../src';
import { plainEnvAsStarted } from './helpers/kubelet-env';
import { expectRefused } from './helpers/refusal';
import { container, expectApiValid, manifestOf, newChart, synth } from './helpers/synth';
import { downloaderFor, startPod, volume } from './integration/_pods';

const SERVER = { image: 'vllm/vllm-openai:v0.6.3' };

function prep(props: Partial<ModelPrepInitProps>): (chart: Chart) => void {
  return chart => {
    const pod = new AiInferencePod(chart, 'llm', { server: SERVER });
    new ModelPrepInit(pod, 'model-downloader', { source: ModelSource.s3('s3://my-models/claude.bin'), ...props });
  };
}

/** The downloader's plain env of a synthesized app (valid by the schema and the API's rules). */
function downloaderEnv(props: Partial<ModelPrepInitProps>): { [name: string]: string } {
  const chart = newChart();
  prep(props)(chart);
  const manifests = synth(chart);
  expectApiValid(manifests);
  const c = container(manifestOf(manifests, 'Pod'), 'model-downloader');
  return Object.fromEntries((c.env ?? []).filter((e: any) => e.value !== undefined).map((e: any) => [e.name, e.value]));
}

describe('"$" in a source reaches the script as written (the kubelet expands $(VAR) and $$ in env values)', () => {
  test.each([
    ['S3 key', ModelSource.s3('s3://models/run$(MODEL_DIR)/a$$b/'), 'MODEL_SOURCE', 's3://models/run$(MODEL_DIR)/a$$b/'],
    ['HTTP URL', ModelSource.http('https://models.example.com/m$(HOME)$$.gguf'), 'MODEL_URL', 'https://models.example.com/m$(HOME)$$.gguf'],
    ['listed file', ModelSource.http('https://models.example.com/llama', { files: ['w$(MODEL_DIR).bin', 'x$$y.bin'] }), 'MODEL_FILES', 'w$(MODEL_DIR).bin\nx$$y.bin'],
    ['OCI path below 1.35', ModelSource.ociImage('registry.example.com/models/llama:1', { path: '/models/$(MODEL_DIR)$$' }), 'MODEL_IMAGE_DIR', '/models/$(MODEL_DIR)$$'],
  ])('%s', (_what, source, name, expected) => {
    const chart = newChart();
    const pod = new AiInferencePod(chart, 'llm', { server: { image: 'vllm/vllm-openai:v0.6.3' } });
    new ModelPrepInit(pod, 'model-downloader', { source });
    const manifests = synth(chart);
    expectApiValid(manifests);
    expect(plainEnvAsStarted(container(manifestOf(manifests, 'Pod'), 'model-downloader').env)[name]).toBe(expected);
  });
});

describe('valid production values are not refused', () => {
  // Break: GCS bucket names were checked with S3's rule, so a bucket with '_' (GCS allows it) or
  // a dotted (domain-named) bucket longer than 63 characters (GCS allows 222) was refused.
  test.each([
    'gs://my_models/llama-3-8b/',
    `gs://${'a'.repeat(60)}.${'b'.repeat(60)}.example.com/model.gguf`,
  ])('ModelSource.gcs(%j)', (uri) => {
    expect(downloaderEnv({ source: ModelSource.gcs(uri) }).MODEL_SOURCE).toBe(uri);
  });

  // Break: the AWS CLI reads a size's unit in any case ('64mb'); the check took only upper case.
  test.each(['64mb', '128mib', '1gb', '8 MB'])('s3MultipartChunkSize %j, as the AWS CLI reads it', (size) => {
    expect(downloaderEnv({ s3MultipartChunkSize: size }).S3_MULTIPART_CHUNKSIZE).toBe(size);
  });

  test.each(['main', 'v1.0', 'refs/pr/1', 'a'.repeat(40), 'release/2024_05', 'feature-x'])('Hub revision %j', (revision) => {
    expect(downloaderEnv({ source: ModelSource.huggingFace('my_org.x/Llama-3.1_8B.v2', { revision }) }).MODEL_URL)
      .toBe(`https://huggingface.co/my_org.x/Llama-3.1_8B.v2/resolve/${encodeURIComponent(revision)}`);
  });
});

describe('bad input is refused at synth', () => {
  // Break: only a file listed with its direct child was refused; ['a', 'a/b/c'] passed and failed at run time.
  test('a listed file that is an ancestor directory of another', () => {
    expectRefused(prep({ source: ModelSource.http('https://e.com/d/', { files: ['a', 'a/b/c'] }) }),
      /files: "a" is listed as a file and is the directory of "a\/b\/c"\. Fix:/);
    expectRefused(prep({ source: ModelSource.huggingFace('org/m', { revision: 'main', files: ['x/y', 'x/y/z/w.bin'] }) }),
      /files: "x\/y" is listed as a file and is the directory of "x\/y\/z\/w\.bin"/);
  });

  test('a listed file whose name is longer than a file name can be', () => {
    expectRefused(prep({ source: ModelSource.http('https://e.com/d/', { files: [`w/${'x'.repeat(256)}`] }) }),
      /files: "w\/x+" has a path segment of 256 bytes; a file name has at most 255\. Fix:/);
  });

  // Break: an empty sessionTokenKey was dropped without a word (the others are checked as keys).
  test('awsAccessKey with an empty sessionTokenKey', () => {
    expectRefused(prep({ source: ModelSource.s3('s3://bkt/m', { credentials: ModelCredentials.awsAccessKey('s3-creds', { sessionTokenKey: '' }) }) }),
      /credentials\.key \(AWS_SESSION_TOKEN\): "" is not a valid Secret or ConfigMap key/);
  });

  // Break: secretEnv with no variables rendered nothing and its Secret's name was never checked.
  test('secretEnv that names no variable', () => {
    expectRefused(prep({ source: ModelSource.gcs('gs://bkt/m', { credentials: ModelCredentials.secretEnv('Bad_Name', {}) }) }),
      /credentials: secretEnv\("Bad_Name", \{\}\) names no environment variable/);
    expectRefused(prep({ source: ModelSource.gcs('gs://bkt/m', { credentials: ModelCredentials.secretEnv('Bad_Name', {}) }) }),
      /credentials\.secretName: "Bad_Name"/);
  });

  // Break: a revision git itself refuses ('..' made the URL /resolve/.., which curl squashes away).
  test.each(['..', 'a..b', 'main~1', 'v1^', 'a:b', 'x.lock', '/main', 'main/', '.hidden', 'a//b'])('Hub revision %j', (revision) => {
    expectRefused(prep({ source: ModelSource.huggingFace('org/m', { revision }) }), /revision: ".*" is not a git revision\. Fix:/);
  });

  // Break: the repository path is appended to the endpoint, so a query made a broken URL.
  test('Hub endpoint with a query', () => {
    expectRefused(prep({ source: ModelSource.huggingFace('org/m', { revision: 'main', endpoint: 'https://mirror.local/?a=b' }) }),
      /endpoint: "https:\/\/mirror\.local\/\?a=b" has a query or fragment/);
  });

  // Break: S3 bucket names S3 never accepts passed (two adjacent periods, an IP address).
  test.each(['s3://a..b/m.bin', 's3://192.168.1.1/m.bin'])('S3 URI %j', (uri) => {
    expectRefused(prep({ source: ModelSource.s3(uri) }), /uri: ".*": the bucket ".*" is not a valid bucket name \(.*\)\. Fix:/);
  });

  // Break: a string was taken as true.
  test('verifyOnCacheHit that is not a boolean', () => {
    expectRefused(prep({ verifyOnCacheHit: 'yes' as any }), /verifyOnCacheHit: "yes" is not a boolean\. Fix:/);
  });
});

describe('a files list the container can start with', () => {
  // Break: 10,000 listed files synthesized (the object is under 1.5 MiB), but MODEL_FILES and
  // MODEL_SOURCE were each one environment entry of ~400 KB, over the kernel's 128 KiB limit for
  // one entry: the runtime's exec of /bin/sh fails (argument list too long), the pod never starts.
  const files = (n: number) => Array.from({ length: n }, (_, i) => `shard/model-${String(i).padStart(5, '0')}-of-10000.safetensors`);

  test('the kernel refuses one environment entry over 131072 bytes with its NUL, and takes one of exactly that', () => {
    const exec = (bytes: number) => spawnSync('/bin/sh', ['-c', 'true'], { env: { PATH: '/usr/bin:/bin', BIG: 'a'.repeat(bytes - 'BIG='.length - 1) } });
    expect(exec(131072).status).toBe(0);
    expect((exec(131073).error as NodeJS.ErrnoException | undefined)?.code).toBe('E2BIG');
  });

  test('10,000 listed files are refused at synth, naming the variable and the limit', () => {
    expectRefused(prep({ source: ModelSource.http('https://e.com/d/', { files: files(10000) }) }),
      /env\[\d+\]\.value: "MODEL_FILES"="shard\/model-00000.*"\.\.\. is \d+ bytes, over the kernel's limit of 131072 for one environment entry/);
    expectRefused(prep({ source: ModelSource.huggingFace('org/m', { revision: 'main', files: files(10000) }) }), /"MODEL_SOURCE"=/);
  });

  test('2,000 listed files synthesize, and a plain env value or argument at the limit is refused by the rules', () => {
    expect(downloaderEnv({ source: ModelSource.http('https://e.com/d/', { files: files(2000) }) }).MODEL_FILES.split('\n')).toHaveLength(2000);
    expectRefused(chart => new AiInferencePod(chart, 'p', { server: { ...SERVER, env: { BIG: 'é'.repeat(70000) } } }),
      /env\[\d+\]\.value: "BIG"="é+"\.\.\. is 140005 bytes, over the kernel's limit/);
    expectRefused(chart => new AiInferencePod(chart, 'p', { server: { ...SERVER, args: ['--chat-template', 'x'.repeat(131072)] } }),
      /args\[1\]: "x+"\.\.\. is 131073 bytes, over the kernel's limit of 131072 for one argument/);
    const chart = newChart();
    new AiInferencePod(chart, 'p', { server: { ...SERVER, env: { BIG: 'a'.repeat(131072 - 'BIG='.length - 1) } } });
    expectApiValid(synth(chart));
  });
});

describe('the marker records exactly the model', () => {
  // Break: the listed files went into the source identity joined by ',', so files ['a,b'] and
  // ['a', 'b'] had one identity: the second found the first's marker and took it as a cache hit.
  test('files [\'a,b\'] and [\'a\', \'b\'] are two sources', () => {
    const one = downloaderEnv({ source: ModelSource.http('https://e.com/d/', { files: ['a,b'] }) }).MODEL_SOURCE;
    const two = downloaderEnv({ source: ModelSource.http('https://e.com/d/', { files: ['a', 'b'] }) }).MODEL_SOURCE;
    expect(one).not.toBe(two);
    expect(two).toBe('https://e.com/d/:a,b'); // unchanged for names without ',' or '%': no re-download after an upgrade
    const hub = (files: string[]) => downloaderEnv({ source: ModelSource.huggingFace('org/m', { revision: 'main', files }) }).MODEL_SOURCE;
    expect(hub(['a,b'])).not.toBe(hub(['a', 'b']));
    expect(hub(['a%2Cb'])).not.toBe(hub(['a,b']));
  });
});

describe('the script, run by dash and BusyBox ash against real curl', () => {
  let server: http.Server;
  let base = '';
  const requests: string[] = [];
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      requests.push(req.url as string);
      const body = Buffer.from(`body of ${decodeURIComponent(req.url as string)}\n`);
      res.writeHead(200, { 'Content-Length': body.length, 'ETag': '"x"' });
      res.end(body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  beforeEach(() => {
    requests.length = 0;
  });

  // Break: a URL with a space passed synth (the URL parser takes it) and curl refused it at run
  // time (exit 3, "FAILED: invalid URL"); the URL given to curl is now percent-encoded.
  test.each(['dash', 'busybox'] as const)('an http URL with a space and unicode (%s)', async (shell) => {
    const file = volume();
    const one = await startPod(downloaderFor({ source: ModelSource.http(`${base}/my modèl.gguf`), attempts: 1 }, shell), file, shell, 'u1').done;
    expect(one.stderr).not.toMatch(/FAILED/);
    expect(one.code).toBe(0);
    expect(fs.readFileSync(path.join(file, 'my modèl.gguf'), 'utf8')).toBe('body of /my modèl.gguf\n');
    const dir = volume();
    const two = await startPod(downloaderFor({ source: ModelSource.http(`${base}/dir with space/`, { files: ['a b.json'] }), attempts: 1 }, shell), dir, shell, 'u2').done;
    expect(two.stderr).not.toMatch(/FAILED/);
    expect(two.code).toBe(0);
    expect(fs.readFileSync(path.join(dir, 'dir with space', 'a b.json'), 'utf8')).toBe('body of /dir with space/a b.json\n');
    expect(requests).toEqual(['/my%20mod%C3%A8l.gguf', '/dir%20with%20space/a%20b.json']);
  }, 60000);

  // The cache hit the shared identity gave: ['a', 'b'] started after ['a,b'] on one cache found
  // the marker and served the directory with the one file 'a,b'.
  test('files [\'a,b\'] then [\'a\', \'b\'] on one cache: the second downloads its own files', async () => {
    const dir = volume();
    const first = await startPod(downloaderFor({ source: ModelSource.http(`${base}/d/`, { files: ['a,b'] }), attempts: 1 }), dir, 'dash', 'u1').done;
    expect(first.code).toBe(0);
    const second = await startPod(downloaderFor({ source: ModelSource.http(`${base}/d/`, { files: ['a', 'b'] }), attempts: 1 }), dir, 'dash', 'u2').done;
    expect(second.code).toBe(0);
    expect(fs.readdirSync(path.join(dir, 'd')).sort()).toEqual(['a', 'b']);
  }, 60000);
});

describe('What gets checked: argsReferenceDefinedEnv reads `$` runs as Kubernetes does', () => {
  // Break: `$$$(NAME)` is an escaped `$` and then a reference (Kubernetes reads `$$` as one `$`),
  // and `$(A)$(B)` holds two references; both undefined references passed unflagged.
  test.each([['$$$(UNDEFINED_X)'], ['--a=$(A)$(UNDEFINED_X)']])('%j refers to UNDEFINED_X', (arg) => {
    expectRefused(chart => new AiInferencePod(chart, 'p', { server: { ...SERVER, args: [arg], env: { A: '1' } } }),
      /refers to \$\(UNDEFINED_X\), which the container's env does not set/);
  });

  test.each([['$$(UNDEFINED_X)'], ['$$$$(UNDEFINED_X)'], ['$(A)$$(UNDEFINED_X)']])('%j is literal text', (arg) => {
    const chart = newChart();
    new AiInferencePod(chart, 'p', { server: { ...SERVER, args: [arg], env: { A: '1' } } });
    expectApiValid(synth(chart));
  });
});
