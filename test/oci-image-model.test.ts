import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ApiObject, Duration, JsonPatch } from 'cdk8s';
import { AiInferencePod, ImagePullPolicy, KubernetesTarget, ModelCache, ModelPrepInit, ModelSource, WARNINGS_AS_ERRORS_CONTEXT } from '../src';
import { pssRestrictedViolations } from './helpers/pss';
import { requireTool, runContainer } from './helpers/run-container';
import { container, expectApiValid, manifestOf, newChart, podSpec, synth, synthError } from './helpers/synth';

const DIGEST = 'a'.repeat(64);
const REF = `registry.example.com/models/llama-3.1-8b@sha256:${DIGEST}`;
const SERVER = { image: 'vllm/vllm-openai:v0.6.3' };

function pod(target: KubernetesTarget, source = ModelSource.ociImage(REF), extra: object = {}, chart = newChart()) {
  const llm = new AiInferencePod(chart, 'llm', { server: SERVER, target });
  // retryDelay is the copier's: refused where an image volume replaces it
  new ModelPrepInit(llm, 'model', { source, ...(target.imageVolumes ? {} : { retryDelay: Duration.seconds(1) }), ...extra });
  return chart;
}

describe('ModelSource.ociImage', () => {
  test('1.35+: an image volume mounted read-only at the model path; no init container, no cache', () => {
    const manifest = manifestOf(synth(pod(KubernetesTarget.V1_35)), 'Pod');
    const spec = podSpec(manifest);
    expect(spec.initContainers).toBeUndefined();
    expect(spec.volumes.find((v: any) => v.name === 'model-storage')).toEqual({ image: { reference: REF }, name: 'model-storage' });
    expect(spec.volumes.map((v: any) => v.name)).toEqual(['model-storage', 'server-tmp']);
    const server = container(manifest, 'server');
    expect(server.volumeMounts).toContainEqual({ mountPath: '/models/llama-3.1-8b', name: 'model-storage', readOnly: true, subPath: 'models' });
    expect(server.env).toContainEqual({ name: 'MODEL_PATH', value: '/models/llama-3.1-8b' });
    expect(pssRestrictedViolations(manifest)).toEqual([]);
    expectApiValid([manifest]);
  });

  test('1.33 with imageVolumes: true mounts too; 1.36 with imageVolumes: false copies', () => {
    expect(podSpec(synth(pod(KubernetesTarget.of('1.33', { imageVolumes: true })))[0]).volumes[0].image).toEqual({ reference: REF });
    expect(podSpec(synth(pod(KubernetesTarget.of('1.36', { imageVolumes: false })))[0]).initContainers[0].image).toBe(REF);
  });

  test('below: the image itself copies the weights into the cache; same MODEL_PATH', () => {
    const source = ModelSource.ociImage(REF, { path: '/weights/', pullPolicy: ImagePullPolicy.IF_NOT_PRESENT, name: 'llama' });
    const manifest = manifestOf(synth(pod(KubernetesTarget.V1_31, source)), 'Pod');
    const copier = container(manifest, 'model-downloader');
    expect(copier.image).toBe(REF);
    expect(copier.imagePullPolicy).toBe('IfNotPresent');
    expect(copier.command.slice(0, 2)).toEqual(['/bin/sh', '-c']);
    expect(copier.volumeMounts).toContainEqual({ mountPath: '/mnt/model-cache', name: 'model-storage' });
    expect(copier.env).toEqual(expect.arrayContaining([
      { name: 'MODEL_DIR', value: '/mnt/model-cache' }, { name: 'MODEL_IMAGE_DIR', value: '/weights' }, { name: 'MODEL_SOURCE', value: `oci://${REF}` },
    ]));
    const server = container(manifest, 'server');
    expect(server.volumeMounts).toContainEqual({ mountPath: '/models', name: 'model-storage', readOnly: true });
    expect(server.env).toContainEqual({ name: 'MODEL_PATH', value: '/models/llama' });
    expect(pssRestrictedViolations(manifest)).toEqual([]);
    expectApiValid([manifest]);
  });

  test('a tag-only reference is a warning (an error with warningsAsErrors)', () => {
    const writes: string[] = [];
    const spy = jest.spyOn(process.stderr, 'write').mockImplementation((chunk: any) => { writes.push(String(chunk)); return true; });
    try {
      synth(pod(KubernetesTarget.V1_35, ModelSource.ociImage('registry.example.com/models/llama:v1')));
    } finally {
      spy.mockRestore();
    }
    expect(writes.join('')).toContain('source: "registry.example.com/models/llama:v1" names the model by tag only');
    const strict = newChart();
    strict.node.setContext(WARNINGS_AS_ERRORS_CONTEXT, true);
    pod(KubernetesTarget.V1_31, ModelSource.ociImage('registry.example.com/models/llama:v1'), {}, strict);
    expect(synthError(strict)).toContain('[test/llm/model] source: "registry.example.com/models/llama:v1" names the model by tag only');
  });

  test('bad input fails synth with the field and a fix', () => {
    expect(synthError(pod(KubernetesTarget.V1_35, ModelSource.ociImage('Registry/Bad Ref')))).toContain('[test/llm/model] source: "Registry/Bad Ref" is not an image reference. Fix:');
    expect(synthError(pod(KubernetesTarget.V1_35, ModelSource.ociImage(REF, { path: 'models' })))).toContain('source.path: "models" is not an absolute directory');
    expect(synthError(pod(KubernetesTarget.V1_35, ModelSource.ociImage(REF, { path: '/mnt' })))).toContain('source.path: "/mnt" overlaps /mnt/model-cache');
    expect(synthError(pod(KubernetesTarget.V1_35, ModelSource.ociImage(REF, { name: '../x' })))).toContain('source.name: "../x" is not a directory name');
    expect(synthError(pod(KubernetesTarget.V1_35, undefined, { cache: ModelCache.persistentVolumeClaim('c') })))
      .toContain('[test/llm/model] cache: the model image is mounted as an image volume on Kubernetes 1.35 and never copied, so the cache is unused. Fix:');
  });

  test('a user JSON patch that adds an image volume on 1.33 without the gate fails', () => {
    const chart = pod(KubernetesTarget.V1_33);
    const llm = chart.node.findChild('llm') as AiInferencePod;
    ApiObject.of(llm.pod).addJsonPatch(JsonPatch.add('/spec/volumes/-', { name: 'extra', image: { reference: REF } }));
    expect(synthError(chart)).toContain('uses image volumes (volumes[].image), which needs Kubernetes 1.35 (or 1.33–1.34 with the ImageVolume gate on); the target is 1.33');
  });
});

describe('the copying init container, run by real shells', () => {
  beforeAll(() => {
    requireTool('dash', 'apt-get install -y dash');
    requireTool('busybox', 'apt-get install -y busybox');
    requireTool('sha256sum', 'apt-get install -y coreutils');
  });

  function copier(): any {
    return container(manifestOf(synth(pod(KubernetesTarget.V1_31)), 'Pod'), 'model-downloader');
  }

  function dirs() {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'oci-model-'));
    const image = path.join(root, 'image-models');
    fs.mkdirSync(path.join(image, 'tokenizer'), { recursive: true });
    fs.writeFileSync(path.join(image, 'model.safetensors'), Buffer.alloc(1024 * 1024, 'w'));
    fs.writeFileSync(path.join(image, 'tokenizer', 'tokenizer.json'), '{}');
    fs.mkdirSync(path.join(root, 'home'));
    return { root, image, cache: path.join(root, 'cache') };
  }

  for (const shell of [['dash'], ['busybox', 'sh']]) {
    test(`${shell.join(' ')}: copy lands atomically with a marker; a second start is a cache hit`, async () => {
      const c = copier();
      const { root, image, cache } = dirs();
      const run = () => runContainer({ ...c, command: [...shell, '-c', c.command[2]] }, { env: { MODEL_DIR: cache, MODEL_IMAGE_DIR: image, HOME: path.join(root, 'home') } });
      const first = await run();
      expect(first.stderr).toBe('');
      expect(first.code).toBe(0);
      expect(fs.readFileSync(path.join(cache, 'llama-3.1-8b', 'model.safetensors')).length).toBe(1024 * 1024);
      expect(fs.existsSync(path.join(cache, 'llama-3.1-8b', 'tokenizer', 'tokenizer.json'))).toBe(true);
      expect(fs.readFileSync(path.join(cache, '.llama-3.1-8b.ready'), 'utf8')).toContain(`source=oci://${REF}\n`);
      expect(fs.existsSync(path.join(cache, '.llama-3.1-8b.partial'))).toBe(false);
      const second = await run();
      expect(second.code).toBe(0);
      expect(second.stdout).toContain('cache hit');
    });
  }

  test('a path missing from the image fails at once with one line, leaving nothing at the model path', async () => {
    const c = copier();
    const { root, cache } = dirs();
    const result = await runContainer(c, { env: { MODEL_DIR: cache, MODEL_IMAGE_DIR: path.join(root, 'absent'), HOME: path.join(root, 'home') } });
    expect(result.code).toBe(1);
    expect(result.stderr.trim().split('\n').pop()).toMatch(/^model-prep: FAILED: not found \(404\): oci:\/\/.*does not exist in the image/);
    expect(fs.existsSync(path.join(cache, 'llama-3.1-8b'))).toBe(false);
  });
});
