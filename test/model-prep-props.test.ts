import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Chart, Duration } from 'cdk8s';
import { AiInferencePod, ModelCache, ModelCredentials, ModelPrepInit, ModelPrepInitProps, ModelSource } from '../src';
import { container, manifestOf, newChart, synth } from './helpers/synth';

/** Synthesizes one pod with a ModelPrepInit as `cdk8s synth` does: the error, and what was written. */
function attempt(props: Partial<ModelPrepInitProps>): { error?: string; written: string[] } {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'model-prep-props-'));
  const app = new App({ outdir });
  const pod = new AiInferencePod(new Chart(app, 'test'), 'llm', { server: { image: 'vllm/vllm-openai:v0.6.3' } });
  new ModelPrepInit(pod, 'model-downloader', { source: ModelSource.s3('s3://my-models/claude.bin'), ...props });
  try {
    app.synth();
    return { written: fs.readdirSync(outdir) };
  } catch (e) {
    return { error: (e as Error).message, written: fs.readdirSync(outdir) };
  }
}

const P = '[test/llm/model-downloader] ';
const hub = (repo: string, options: any) => ModelSource.huggingFace(repo, options);

// Every bad prop of ModelSource, ModelPrepInit and ModelCredentials: a structured synth error
// (construct path, field, value, fix), no YAML written, never a raw throw.
const CASES: Array<[string, () => Partial<ModelPrepInitProps>, string]> = [
  ['S3 URI without key', () => ({ source: ModelSource.s3('s3://bucket') }), 'uri: "s3://bucket" is not a s3://bucket/key URI. Fix:'],
  ['S3 URI without bucket', () => ({ source: ModelSource.s3('s3:///model.bin') }), 'uri: "s3:///model.bin" is not a s3://bucket/key URI'],
  ['S3 URI with another scheme', () => ({ source: ModelSource.s3('https://bucket/model.bin') }), 'uri: "https://bucket/model.bin" is not a s3://bucket/key URI'],
  ['S3 URI with ..', () => ({ source: ModelSource.s3('s3://bucket/a/../b') }), 'uri: "s3://bucket/a/../b" has an empty, \'.\' or \'..\' path segment or a newline'],
  ['S3 endpoint not a URL', () => ({ source: ModelSource.s3('s3://bkt/m', { endpoint: 'minio:9000' }) }), 'endpoint: "minio:9000" is not an http(s) URL'],
  ['S3 endpoint with userinfo', () => ({ source: ModelSource.s3('s3://bkt/m', { endpoint: 'http://key:secret@minio:9000' }) }), 'endpoint: "http://***:***@minio:9000/" has credentials in it (user:password@), which would land in plain env, logs and the marker. Fix: remove them and use ModelCredentials'],
  ['S3 region with a space', () => ({ source: ModelSource.s3('s3://bkt/m', { region: 'us east' }) }), 'region: "us east" is not an AWS region'],
  ['GCS URI without key', () => ({ source: ModelSource.gcs('gs://bucket') }), 'uri: "gs://bucket" is not a gs://bucket/key URI'],
  ['http source not a URL', () => ({ source: ModelSource.http('not a url') }), 'url: "not a url" is not a URL. Fix: write it as \'https://host/path\''],
  ['http source ftp', () => ({ source: ModelSource.http('ftp://host/m.bin') }), 'url: "ftp://host/m.bin" is not an http(s) URL'],
  ['http URL with user:pass@', () => ({ source: ModelSource.http('https://user:pass@cdn.example.com/m.bin') }), 'url: "https://***:***@cdn.example.com/m.bin" has credentials in it'],
  ['presigned X-Amz-Signature', () => ({ source: ModelSource.http('https://b.s3.amazonaws.com/m.bin?X-Amz-Credential=AKIA&X-Amz-Signature=abc') }), 'url: "https://b.s3.amazonaws.com/m.bin?X-Amz-Credential=***&X-Amz-Signature=***" carries a signature or credential in its query (X-Amz-Credential, X-Amz-Signature), which would land in plain env, logs and the marker. Fix: fetch with ModelCredentials'],
  ['GCS signed URL', () => ({ source: ModelSource.http('https://storage.googleapis.com/b/m?X-Goog-Signature=abc') }), 'url: "https://storage.googleapis.com/b/m?X-Goog-Signature=***" carries a signature or credential in its query (X-Goog-Signature)'],
  ['Azure SAS sig', () => ({ source: ModelSource.http('https://a.blob.core.windows.net/c/m?sv=1&sig=abc') }), 'url: "https://a.blob.core.windows.net/c/m?sv=1&sig=***" carries a signature or credential in its query (sig)'],
  ['api key in query', () => ({ source: ModelSource.http('https://e.com/m?api_key=abc') }), 'url: "https://e.com/m?api_key=***" carries a signature or credential in its query (api_key)'],
  ['http files with ..', () => ({ source: ModelSource.http('https://e.com/r', { files: ['../x'] }) }), 'files: "../x" is not a relative file path'],
  ['http files absolute', () => ({ source: ModelSource.http('https://e.com/r', { files: ['/etc/passwd'] }) }), 'files: "/etc/passwd" is not a relative file path'],
  ['http files empty', () => ({ source: ModelSource.http('https://e.com/r', { files: [''] }) }), 'files: "" is not a relative file path'],
  ['http files newline', () => ({ source: ModelSource.http('https://e.com/r', { files: ['a\nb'] }) }), 'files: "a\\nb" is not a relative file path'],
  ['http files twice', () => ({ source: ModelSource.http('https://e.com/r', { files: ['a', 'a'] }) }), 'files: "a" is listed twice'],
  ['S3 part size above 5GB', () => ({ s3MultipartChunkSize: '6GB' }), 's3MultipartChunkSize: "6GB" is not an AWS CLI size from 5MB to 5GB'],
  ['credential in PATH', () => ({ source: ModelSource.http('https://e.com/m.bin', { credentials: ModelCredentials.secretEnv('s', { PATH: 'k' }) }) }),
    'credentials: environment variable "PATH" is one the downloader sets or needs'],
  ['http file that is also a directory', () => ({ source: ModelSource.http('https://e.com/r', { files: ['a', 'a/b'] }) }), 'files: "a" is listed as a file and is the directory of "a/b". Fix: list one or the other'],
  ['emptyDir cache sizeLimit negative', () => ({ cache: ModelCache.emptyDir({ sizeLimit: '-1Gi' }) }), 'cache.sizeLimit: "-1Gi" is not a positive Kubernetes quantity'],
  ['emptyDir cache sizeLimit in GB', () => ({ cache: ModelCache.emptyDir({ sizeLimit: '100GB' }) }), 'cache.sizeLimit: "100GB" is not a positive Kubernetes quantity'],
  ['existing claim with a bad name', () => ({ cache: ModelCache.persistentVolumeClaim('Bad Claim') }), 'cache.claimName: "Bad Claim" is not a valid PersistentVolumeClaim name'],
  ['Hub repo a/b/c', () => ({ source: hub('a/b/c', { revision: 'main' }) }), 'repo: "a/b/c" is not a Hub repository id. Fix: write it as \'owner/name\''],
  ['Hub repo empty', () => ({ source: hub('', { revision: 'main' }) }), 'repo: "" is not a Hub repository id'],
  ['Hub repo ..', () => ({ source: hub('org/..', { revision: 'main' }) }), 'repo: "org/.." is not a Hub repository id'],
  ['Hub revision empty', () => ({ source: hub('org/llm', { revision: '' }) }), 'revision: "" is not a git revision. Fix: pin a commit sha'],
  ['Hub revision with a space', () => ({ source: hub('org/llm', { revision: 'my branch' }) }), 'revision: "my branch" is not a git revision'],
  ['Hub endpoint with userinfo', () => ({ source: hub('org/llm', { revision: 'main', endpoint: 'https://u:p@hub.local' }) }), 'endpoint: "https://***:***@hub.local/" has credentials in it'],
  ['Hub files with ..', () => ({ source: hub('org/llm', { revision: 'main', files: ['a/../../b'] }) }), 'files: "a/../../b" is not a relative file path'],
  ['sha256 too short', () => ({ source: ModelSource.s3('s3://bkt/m', { sha256: 'abc' }) }), 'sha256: "abc" is not a sha256. Fix: give the 64 hex digits'],
  ['sha256 not hex', () => ({ source: ModelSource.s3('s3://bkt/m', { sha256: 'z'.repeat(64) }) }), `sha256: "${'z'.repeat(64)}" is not a sha256`],
  ['sha256 65 digits', () => ({ source: ModelSource.s3('s3://bkt/m', { sha256: 'a'.repeat(65) }) }), `sha256: "${'a'.repeat(65)}" is not a sha256`],
  ['sha256 md5: prefix', () => ({ source: ModelSource.s3('s3://bkt/m', { sha256: `md5:${'a'.repeat(64)}` }) }), `sha256: "md5:${'a'.repeat(64)}" is not a sha256`],
  ['lockStaleAfter 0', () => ({ lockStaleAfter: Duration.seconds(0) }), 'lockStaleAfter: 0 s is less than 30 s'],
  ['lockStaleAfter 1 s', () => ({ lockStaleAfter: Duration.seconds(1) }), 'lockStaleAfter: 1 s is less than 30 s'],
  ['lockStaleAfter 29 s (under six heartbeats)', () => ({ lockStaleAfter: Duration.seconds(29) }), 'lockStaleAfter: 29 s is less than 30 s'],
  ['retryDelay 500 ms', () => ({ retryDelay: Duration.millis(500) }), 'retryDelay: 500 ms is not a whole number of seconds of at least 1'],
  ['retryDelay 1500 ms', () => ({ retryDelay: Duration.millis(1500) }), 'retryDelay: 1500 ms is not a whole number of seconds'],
  ['expectedLoadTime 500 ms', () => ({ expectedLoadTime: Duration.millis(500) }), 'expectedLoadTime: 500 ms is not a whole number of seconds'],
  ['attempts 0', () => ({ attempts: 0 }), 'attempts: 0 must be a whole number from 1 to 100'],
  ['attempts 1.5', () => ({ attempts: 1.5 }), 'attempts: 1.5 must be a whole number from 1 to 100'],
  ['attempts NaN', () => ({ attempts: NaN }), 'attempts: NaN must be a whole number'],
  ['s3MaxConcurrentRequests 0', () => ({ s3MaxConcurrentRequests: 0 }), 's3MaxConcurrentRequests: 0 must be a whole number from 1 to 1000'],
  ['s3MaxConcurrentRequests 2.5', () => ({ s3MaxConcurrentRequests: 2.5 }), 's3MaxConcurrentRequests: 2.5 must be a whole number'],
  ['s3MultipartChunkSize lots', () => ({ s3MultipartChunkSize: 'lots' }), 's3MultipartChunkSize: "lots" is not an AWS CLI size from 5MB to 5GB (S3\'s part limits). Fix: write it like \'64MB\''],
  ['s3MultipartChunkSize 1MB', () => ({ s3MultipartChunkSize: '1MB' }), 's3MultipartChunkSize: "1MB" is not an AWS CLI size from 5MB to 5GB (S3\'s part limits)'],
  ['modelSize negative', () => ({ modelSize: '-16Gi' }), 'modelSize: "-16Gi" is not a positive Kubernetes quantity'],
  ['modelSize malformed', () => ({ modelSize: '16GB' }), 'modelSize: "16GB" is not a positive Kubernetes quantity'],
  ['loadThroughput zero', () => ({ modelSize: '16Gi', loadThroughput: '0' }), 'loadThroughput: "0" is not a positive Kubernetes quantity'],
  ['mountPath /', () => ({ mountPath: '/' }), 'mountPath: "/" must be an absolute path without \'.\', \'..\', empty segments or newlines, and not \'/\''],
  ['mountPath relative', () => ({ mountPath: 'models' }), 'mountPath: "models" must be an absolute path'],
  ['mountPath with ..', () => ({ mountPath: '/models/../etc' }), 'mountPath: "/models/../etc" must be an absolute path'],
  ['name not a DNS label', () => ({ name: 'Model_Downloader' }), 'name: "Model_Downloader" is not a valid container name'],
  ['volumeName not a DNS label', () => ({ volumeName: 'model storage' }), 'volumeName: "model storage" is not a valid volume name'],
  ['modelPathEnv with a dash', () => ({ modelPathEnv: 'MODEL-PATH' }), 'modelPathEnv: "MODEL-PATH" is not an environment variable name'],
  ['token on S3', () => ({ source: ModelSource.s3('s3://bkt/m', { credentials: ModelCredentials.token('hf') }) }), 'credentials: a bearer token does not apply to this source. Fix: use ModelCredentials.awsAccessKey(...) for S3'],
  ['AWS key on http', () => ({ source: ModelSource.http('https://e.com/m', { credentials: ModelCredentials.awsAccessKey('aws') }) }), 'credentials: an AWS access key does not apply to this source (it is not S3)'],
  ['AWS key on the Hub', () => ({ source: hub('org/llm', { revision: 'main', credentials: ModelCredentials.awsAccessKey('aws') }) }), 'credentials: an AWS access key does not apply to this source'],
  ['Secret name with capitals', () => ({ source: ModelSource.s3('s3://bkt/m', { credentials: ModelCredentials.awsAccessKey('My_Secret') }) }), 'credentials.secretName: "My_Secret" is not a valid Secret name'],
  ['Secret name empty', () => ({ source: ModelSource.http('https://e.com/m', { credentials: ModelCredentials.token('') }) }), 'credentials.secretName: "" is not a valid Secret name'],
  ['Secret key with a slash', () => ({ source: ModelSource.http('https://e.com/m', { credentials: ModelCredentials.token('hf', 'a/b') }) }), 'credentials.key (MODEL_HTTP_TOKEN): "a/b" is not a valid Secret or ConfigMap key'],
  ['Secret key with a space', () => ({ source: ModelSource.s3('s3://bkt/m', { credentials: ModelCredentials.awsAccessKey('aws', { accessKeyIdKey: 'access key' }) }) }), 'credentials.key (AWS_ACCESS_KEY_ID): "access key" is not a valid Secret or ConfigMap key'],
  ['secretEnv with a bad variable', () => ({ source: ModelSource.gcs('gs://bkt/m/', { credentials: ModelCredentials.secretEnv('gcp', { '1TOKEN': 'token' }) }) }), 'credentials: environment variable "1TOKEN" is not a shell variable name'],
  ['target ..', () => ({ source: ModelSource.http('https://e.com/a/..') }), 'source: the model\'s name ".." (the last path segment of the source) cannot be a file name'],
];

describe.each(CASES)('%s', (_name, props, message) => {
  test('is refused at synth with the construct path, field and fix; nothing is written', () => {
    let result: ReturnType<typeof attempt> | undefined;
    expect(() => { result = attempt(props()); }).not.toThrow();
    expect(result!.error).toContain(`${P}${message}`);
    expect(result!.error).toMatch(/Fix: /);
    expect(result!.written).toEqual([]);
  });
});

test('the table covers each class of issue 12 for the model download with at least 60 cases', () => {
  expect(CASES.length).toBeGreaterThanOrEqual(60);
  expect(new Set(CASES.map(c => c[0])).size).toBe(CASES.length);
});

test('a sha256 is normalized: any case, an optional sha256: prefix', () => {
  const hex = 'ABCDEF0123456789'.repeat(4);
  for (const given of [hex, `sha256:${hex}`, `SHA256:${hex.toLowerCase()}`, ` ${hex} `]) {
    const chart = newChart();
    const pod = new AiInferencePod(chart, 'llm', { server: { image: 'vllm/vllm-openai:v0.6.3' } });
    new ModelPrepInit(pod, 'model-downloader', { source: ModelSource.s3('s3://bkt/m', { sha256: given }) });
    const env = container(manifestOf(synth(chart), 'Pod'), 'model-downloader').env;
    expect(env).toContainEqual({ name: 'MODEL_SHA256', value: hex.toLowerCase() });
  }
});

test('durations in any unit are accepted when they are whole seconds', () => {
  const chart = newChart();
  const pod = new AiInferencePod(chart, 'llm', { server: { image: 'vllm/vllm-openai:v0.6.3' } });
  new ModelPrepInit(pod, 'model-downloader', { source: ModelSource.s3('s3://bkt/m'), retryDelay: Duration.millis(3000), lockStaleAfter: Duration.millis(90_000) });
  const env = container(manifestOf(synth(chart), 'Pod'), 'model-downloader').env;
  expect(env).toContainEqual({ name: 'MODEL_RETRY_DELAY_SECONDS', value: '3' });
  expect(env).toContainEqual({ name: 'MODEL_LOCK_STALE_SECONDS', value: '90' });
  expect(env).toContainEqual({ name: 'MODEL_LOCK_HEARTBEAT_SECONDS', value: '5' });
});

test('the pod UID, the files as lines, and verifyOnCacheHit reach the script', () => {
  const chart = newChart();
  const pod = new AiInferencePod(chart, 'llm', { server: { image: 'vllm/vllm-openai:v0.6.3' } });
  new ModelPrepInit(pod, 'model-downloader', {
    source: ModelSource.http('https://e.com/repo', { files: ['a b.bin', 'c*.json'] }),
    verifyOnCacheHit: true,
    cache: ModelCache.emptyDir(),
  });
  const env = container(manifestOf(synth(chart), 'Pod'), 'model-downloader').env;
  expect(env).toContainEqual({ name: 'MODEL_POD_UID', valueFrom: { fieldRef: { fieldPath: 'metadata.uid' } } });
  expect(env).toContainEqual({ name: 'MODEL_FILES', value: 'a b.bin\nc*.json' });
  expect(env).toContainEqual({ name: 'MODEL_VERIFY_ON_CACHE_HIT', value: 'true' });
});
