import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { Duration } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import * as YAML from 'yaml';
import { AiInferencePod, CacheAccessMode, DOWNLOADER_IMAGES, ModelCache, ModelCredentials, ModelPrepInit, ModelSource } from '../src';
import { pssRestrictedViolations } from './helpers/pss';
import { missingFields } from './helpers/subset';
import { container, manifestOf, newChart, podSpec, synth, synthError } from './helpers/synth';

function podWith(props: Partial<ConstructorParameters<typeof ModelPrepInit>[2]> = {}, podProps: any = {}) {
  const chart = newChart();
  const pod = new AiInferencePod(chart, 'llm', { server: { image: 'vllm/vllm-openai:v0.6.3' }, ...podProps });
  const init = new ModelPrepInit(pod, 'model-downloader', { source: ModelSource.s3('s3://my-models/claude.bin'), ...props });
  return { chart, pod, init };
}

test('defaults: snapshot, read-write only in the init container, read-only in the server, MODEL_PATH', () => {
  const { chart, init } = podWith();
  const manifests = synth(chart);
  expect(manifests).toMatchSnapshot();
  const pod = manifestOf(manifests, 'Pod');
  const init0 = podSpec(pod).initContainers[0];
  const server = container(pod, 'server');
  expect(init0.name).toBe('model-downloader');
  expect(init0.image).toBe(DOWNLOADER_IMAGES.awsCli);
  expect(init0.image).not.toMatch(/:latest$/);
  expect(init0.command.slice(0, 2)).toEqual(['/bin/sh', '-c']);
  expect(init0.volumeMounts).toContainEqual({ name: 'model-storage', mountPath: '/models' });
  expect(server.volumeMounts).toContainEqual({ name: 'model-storage', mountPath: '/models', readOnly: true });
  expect(server.env).toContainEqual({ name: 'MODEL_PATH', value: '/models/claude.bin' });
  expect(init.modelPath).toBe('/models/claude.bin');
  expect(podSpec(pod).volumes).toContainEqual({ name: 'model-storage', emptyDir: {} });
  // the AWS CLI image runs as root: it gets an explicit non-root user and a writable HOME
  expect(init0.securityContext).toMatchObject({ runAsUser: 1000, runAsNonRoot: true, readOnlyRootFilesystem: true });
  expect(init0.env).toContainEqual({ name: 'HOME', value: '/home/model-downloader' });
  expect(init0.volumeMounts).toContainEqual({ name: 'model-downloader-home', mountPath: '/home/model-downloader' });
  expect(init0.terminationMessagePolicy).toBe('FallbackToLogsOnError');
  expect(init0.resources).toEqual({ requests: { cpu: '1', memory: '1Gi' }, limits: { memory: '2Gi' } });
  expect(pssRestrictedViolations(pod)).toEqual([]);
});

test('the seed\'s init-container manifest is expressible: names, image, volume and mounts equal', () => {
  const seed = YAML.parse(fs.readFileSync(path.join(__dirname, 'fixtures/seed-init-container.yaml'), 'utf8'));
  const chart = newChart();
  const pod = new AiInferencePod(chart, 'seed', { server: { name: 'main-api', image: 'myrepo/fastapi-app' } });
  new ModelPrepInit(pod, 'model-downloader', { source: ModelSource.s3('s3://my-models/claude.bin'), image: 'amazon/aws-cli' });
  const manifest = manifestOf(synth(chart), 'Pod');
  // the library's script replaces the bare `aws s3 cp` (README: why); everything else is the seed's
  const { command, ...seedInit } = seed.spec.initContainers[0];
  expect(command).toEqual(['aws', 's3', 'cp', 's3://my-models/claude.bin', '/models/']);
  expect(missingFields({ ...seed.spec, initContainers: [seedInit] }, podSpec(manifest))).toEqual([
    // the seed mounts the model read-write into the server; the library mounts it read-only
  ]);
  expect(container(manifest, 'main-api').volumeMounts).toContainEqual({ name: 'model-storage', mountPath: '/models', readOnly: true });
  expect(container(manifest, 'model-downloader').env).toContainEqual({ name: 'MODEL_SOURCE', value: 's3://my-models/claude.bin' });
});

test('S3 options: endpoint, region, tuning, credentials from a Secret, checksum', () => {
  const { chart } = podWith({
    source: ModelSource.s3('s3://bucket/llama/', { endpoint: 'http://minio.storage:9000', region: 'eu-west-1', sha256: 'a'.repeat(64), credentials: ModelCredentials.awsAccessKey('minio', { sessionTokenKey: 'token' }) }),
    s3MaxConcurrentRequests: 32,
    s3MultipartChunkSize: '128MB',
    attempts: 7,
  });
  const env = container(manifestOf(synth(chart), 'Pod'), 'model-downloader').env;
  const byName = Object.fromEntries(env.map((e: any) => [e.name, e.value ?? e.valueFrom]));
  expect(byName).toMatchObject({
    MODEL_TARGET: 'llama',
    MODEL_KIND: 'directory',
    MODEL_SHA256: 'a'.repeat(64),
    MODEL_ATTEMPTS: '7',
    S3_ENDPOINT_URL: 'http://minio.storage:9000',
    AWS_DEFAULT_REGION: 'eu-west-1',
    S3_MAX_CONCURRENT_REQUESTS: '32',
    S3_MULTIPART_CHUNKSIZE: '128MB',
    AWS_ACCESS_KEY_ID: { secretKeyRef: { name: 'minio', key: 'AWS_ACCESS_KEY_ID' } },
    AWS_SECRET_ACCESS_KEY: { secretKeyRef: { name: 'minio', key: 'AWS_SECRET_ACCESS_KEY' } },
    AWS_SESSION_TOKEN: { secretKeyRef: { name: 'minio', key: 'token' } },
  });
  // secrets are referenced, never inlined
  expect(JSON.stringify(env)).not.toMatch(/"value":"[A-Z0-9]{20}"/);
});

test('sources pick pinned images and targets', () => {
  const target = (source: ModelSource) => {
    const { chart } = podWith({ source });
    const init = container(manifestOf(synth(chart), 'Pod'), 'model-downloader');
    return [init.image, init.env.find((e: any) => e.name === 'MODEL_TARGET').value, init.env.find((e: any) => e.name === 'MODEL_SOURCE').value];
  };
  expect(target(ModelSource.gcs('gs://bucket/models/gemma/'))).toEqual([DOWNLOADER_IMAGES.gcloud, 'gemma', 'gs://bucket/models/gemma/']);
  expect(target(ModelSource.http('https://cdn.example.com/m/model.gguf?v=1'))).toEqual([DOWNLOADER_IMAGES.curl, 'model.gguf', 'https://cdn.example.com/m/model.gguf?v=1']);
  expect(target(ModelSource.huggingFace('meta-llama/Llama-3.1-8B', { revision: 'abc123', files: ['config.json'] })))
    .toEqual([DOWNLOADER_IMAGES.curl, 'Llama-3.1-8B', 'hf://meta-llama/Llama-3.1-8B@abc123:config.json']);
  for (const image of Object.values(DOWNLOADER_IMAGES)) {
    expect(image).toMatch(/:[0-9][\w.-]*$/);
  }
});

test('a PVC cache the construct creates, with size, class and access mode as typed', () => {
  const { chart } = podWith({ cache: ModelCache.newPersistentVolumeClaim({ size: '200Gi', storageClassName: 'fast-rwx', accessMode: CacheAccessMode.READ_WRITE_MANY, claimName: 'llama-cache' }) });
  const manifests = synth(chart);
  expect(manifestOf(manifests, 'PersistentVolumeClaim')).toEqual({
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: { name: 'llama-cache' },
    spec: { accessModes: ['ReadWriteMany'], storageClassName: 'fast-rwx', resources: { requests: { storage: '200Gi' } } },
  });
  expect(podSpec(manifestOf(manifests, 'Pod')).volumes).toContainEqual({ name: 'model-storage', persistentVolumeClaim: { claimName: 'llama-cache', readOnly: false } });
});

test('an existing claim, and an emptyDir with a size limit', () => {
  const existing = podSpec(manifestOf(synth(podWith({ cache: ModelCache.persistentVolumeClaim('model-cache') }).chart), 'Pod'));
  expect(existing.volumes).toContainEqual({ name: 'model-storage', persistentVolumeClaim: { claimName: 'model-cache', readOnly: false } });
  const sized = podSpec(manifestOf(synth(podWith({ cache: ModelCache.emptyDir({ sizeLimit: '50Gi' }) }).chart), 'Pod'));
  expect(sized.volumes).toContainEqual({ name: 'model-storage', emptyDir: { sizeLimit: '50Gi' } });
});

test('works on a plain cdk8s-plus Deployment: every regular container reads the model', () => {
  const chart = newChart();
  const deployment = new kplus.Deployment(chart, 'dep', { containers: [{ name: 'app', image: 'x/app:1', portNumber: 8080 }] });
  new ModelPrepInit(deployment, 'model', { source: ModelSource.http('https://example.com/m.bin') });
  const manifest = manifestOf(synth(chart), 'Deployment');
  expect(podSpec(manifest).initContainers[0].name).toBe('model-downloader');
  expect(container(manifest, 'app').volumeMounts).toContainEqual({ name: 'model-storage', mountPath: '/models', readOnly: true });
  expect(podSpec(manifest).securityContext.seccompProfile).toEqual({ type: 'RuntimeDefault' });
});

test('fails when the startup budget cannot cover the declared model load time, with the numbers', () => {
  const { chart } = podWith({ modelSize: '64Gi', loadThroughput: '50Mi' }, { modelLoadTimeout: Duration.minutes(10) });
  expect(synthError(chart)).toContain('[test/llm] container "server": spec.containers[0].startupProbe: the startup budget is 600s, but test/llm/model-downloader (64Gi at 50Mi/s) needs 1311s to load the model. Fix: give the startup probe at least 1311s (initialDelay + periodSeconds × failureThreshold is 600s now): with its derived failureThreshold, set modelLoadTimeout to at least 22 minutes');
  const ok = podWith({ expectedLoadTime: Duration.minutes(5) }, { modelLoadTimeout: Duration.minutes(10) });
  expect(() => synth(ok.chart)).not.toThrow();
});

test('fails on bad props with the construct path and field', () => {
  const { chart } = podWith({ attempts: 0, consumers: ['nope'], source: ModelSource.s3('s3://bkt/m', { credentials: ModelCredentials.token('t') }) });
  const message = synthError(chart);
  expect(message).toContain('[test/llm/model-downloader] attempts: 0 must be a whole number from 1 to 100');
  expect(message).toContain('[test/llm/model-downloader] consumers: container "nope" is neither a regular container nor a native sidecar of the workload (have: server)');
  expect(message).toContain('[test/llm/model-downloader] credentials: a bearer token does not apply to this source. Fix:');
});

test('fails when the server mounts the model volume read-write through an escape hatch', () => {
  const { chart, pod, init } = podWith();
  pod.server.mount('/weights', init.volume);
  expect(synthError(chart)).toContain('container "server": spec.containers[0].volumeMounts[1].readOnly: model volume "model-storage" is mounted read-write; only "model-downloader" may write it');
});

test('fails with a clear message when the scope is not a workload', () => {
  expect(() => new ModelPrepInit(newChart(), 'x', { source: ModelSource.http('https://e.com/m') })).toThrow('[test] scope: is not a workload. Fix: create the add-on with an AiInferencePod');
});

test('every generated downloader script is valid POSIX sh (dash -n)', () => {
  const sources = [ModelSource.s3('s3://bkt/m'), ModelSource.gcs('gs://bkt/m/'), ModelSource.http('https://e.com/m'), ModelSource.huggingFace('o/r', { revision: 'main' })];
  for (const source of sources) {
    const { chart } = podWith({ source });
    const script = container(manifestOf(synth(chart), 'Pod'), 'model-downloader').command[2];
    const check = spawnSync('sh', ['-n'], { input: script, encoding: 'utf8' });
    expect({ source: source.kind, stderr: check.stderr, status: check.status }).toEqual({ source: source.kind, stderr: '', status: 0 });
    expect(script).not.toContain('\\${');
  }
});

test('the gcloud downloader uses gcloud storage cp with a writable config dir', () => {
  const { chart } = podWith({ source: ModelSource.gcs('gs://bucket/gemma/') });
  const script = container(manifestOf(synth(chart), 'Pod'), 'model-downloader').command[2];
  expect(script).toContain('gcloud storage cp --recursive "${MODEL_SOURCE%/}/*" "$model/"');
  expect(script).toContain('export CLOUDSDK_CONFIG="$HOME/.gcloud"');
});
