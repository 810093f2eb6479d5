/**
 * Hostile review 9: cluster-aware synth (targets, engines, the GPU-fit plan), the OCI model
 * copy against `model-digest`, and the recipes used in loops. Each test is a break found (a
 * false refusal or a miss), kept as a regression test.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Duration } from 'cdk8s';
import { Accelerator, AiInferencePod, InferenceEngine, KubernetesTarget, ModelPrepInit, ModelProfile, ModelSource } from '../src';
import { expectRefused, run } from './helpers/refusal';
import { requireTool, runContainer } from './helpers/run-container';
import { container, expectApiValid, manifestOf, newChart, synth } from './helpers/synth';
import { modelDigest } from '../src/cli/model-digest';

const ENV = { MODEL_PATH: '/models/llama' };

describe('KubernetesTarget: the version as `kubectl version` prints it on managed clusters', () => {
  test.each(['v1.33.0-eks-4d3f8a1', 'v1.33.2-gke.1111000', 'v1.33.1+k3s1', '1.34.1-rc.1', 'v1.35.0+rke2r1'])(
    '%j is accepted (the vendor suffix after the patch was refused)', version => {
      const target = KubernetesTarget.of(version);
      expect(target._errors('target')).toEqual([]);
      expect(target.toString()).toBe(`1.${version.split('.')[1]}`);
      const { manifests, error } = run(c => new AiInferencePod(c, 'p', { target, server: { image: 'vllm/vllm-openai:v0.9.1' } }));
      expect(error).toBeUndefined();
      expectApiValid(manifests!);
    });

  test.each(['1.33-eks', 'v1.33+', '1.33.0-', '1.33.0+', '1.33.0 -eks', '1.9', '2.0', '1.33.0-eks\n'])('%j is still refused', version => {
    expectRefused(c => new AiInferencePod(c, 'p', { target: KubernetesTarget.of(version), server: { image: 'vllm/vllm-openai:v0.9.1' } }),
      /target: .* is not a Kubernetes version from 1\.27 to 1\.36.*Fix: /);
  });
});

describe('engine extraArgs', () => {
  test.each([
    [['--tensor_parallel_size', '4'], /tensor parallelism follows the GPU count/],
    [['--tensor_parallel_size=4'], /tensor parallelism follows the GPU count/],
    [['--max_model_len=4096'], /set maxModelLength/],
    [['--gpu_memory_utilization', '0.5'], /set gpuMemoryUtilization/],
    [['--served_model_name', 'x'], /set servedModelName/],
  ])('vLLM reads %j as the flag the options render (it turns "_" into "-"); it was not refused', (args, fix) => {
    expectRefused(c => new AiInferencePod(c, 'p', {
      server: { engine: InferenceEngine.vllm({ extraArgs: args }), env: ENV }, gpu: { count: 2 },
    }), new RegExp(`server\\.engine\\.extraArgs: "${args[0]}" repeats a flag the engine options render\\. Fix: .*${fix.source}`));
  });

  test('an underscore in a flag\'s value is not a flag name: --chat-template=/t/my_template.jinja is accepted', () => {
    const { manifests, error } = run(c => new AiInferencePod(c, 'p', {
      server: { engine: InferenceEngine.vllm({ extraArgs: ['--chat-template=/t/my_template.jinja', '--tool-call-parser', 'llama3_json'] }), env: ENV },
      gpu: { count: 1 },
    }));
    expect(error).toBeUndefined();
    expectApiValid(manifests!);
  });

  test('servedModelName starting with "-" is refused: argparse reads `--served-model-name --port` as a flag with no value', () => {
    expectRefused(c => new AiInferencePod(c, 'p', {
      server: { engine: InferenceEngine.vllm({ servedModelName: '--port' }), env: ENV }, gpu: { count: 1 },
    }), /server\.engine\.servedModelName: "--port" starts with '-'.*Fix: /);
  });
});

describe('the GPU-fit plan\'s findings about the accelerator', () => {
  test('an accelerator error is reported once (it came twice: from the workload and from the plan)', () => {
    const lines = expectRefused(c => new AiInferencePod(c, 'p', {
      server: { engine: InferenceEngine.vllm(), env: ENV },
      gpu: { count: 1, accelerator: Accelerator.custom({ name: 'x', memory: '0' }) },
      model: { profile: ModelProfile.QWEN_2_5_7B },
    }), /gpu\.accelerator\.memory: "0"/);
    expect(lines.filter(l => l.includes('gpu.accelerator.memory'))).toHaveLength(1);
  });

  test('memory with a suffix below 1Gi gets a fix that is a quantity ("0.5GiGi" was suggested)', () => {
    const lines = expectRefused(c => new AiInferencePod(c, 'p', {
      server: { engine: InferenceEngine.vllm(), env: ENV },
      gpu: { count: 1, accelerator: Accelerator.custom({ name: 'x', memory: '512Mi' }) },
    }), /gpu\.accelerator\.memory: "512Mi" is 536870912 bytes, less than any GPU\. Fix: give the device memory as the driver reports it/);
    expect(lines.join('\n')).not.toMatch(/MiGi/);
    // a plain number still gets the suffix suggestion
    expectRefused(c => new AiInferencePod(c, 'p', {
      server: { engine: InferenceEngine.vllm(), env: ENV },
      gpu: { count: 1, accelerator: Accelerator.custom({ name: 'x', memory: '80' }) },
    }), /Fix: write a binary suffix, e.g. '80Gi'/);
  });
});

describe('ModelSource.ociImage copy (below 1.35) of a modelcar whose model directory has symlinks', () => {
  beforeAll(() => {
    requireTool('dash', 'apt-get install -y dash');
    requireTool('busybox', 'apt-get install -y busybox');
  });

  function copier(): any {
    const chart = newChart();
    const llm = new AiInferencePod(chart, 'llm', { server: { image: 'vllm/vllm-openai:v0.9.1' }, target: KubernetesTarget.V1_31 });
    new ModelPrepInit(llm, 'model', { source: ModelSource.ociImage(`registry.example.com/models/llama@sha256:${'a'.repeat(64)}`), retryDelay: Duration.seconds(1) });
    return container(manifestOf(synth(chart), 'Pod'), 'model-downloader');
  }

  for (const shell of [['dash'], ['busybox', 'sh']]) {
    test(`${shell.join(' ')}: the copy lands (it failed: "the download has 3 files, the source lists 2"), holds files, `
      + 'and its recorded sha256 is what `model-digest` prints for the image\'s directory', async () => {
      const root = fs.mkdtempSync(path.join(os.tmpdir(), 'oci-symlink-'));
      // the Hugging Face cache layout: snapshot files are relative symlinks into blobs/
      const image = path.join(root, 'models');
      fs.mkdirSync(path.join(image, 'blobs'), { recursive: true });
      fs.mkdirSync(path.join(image, 'snapshot'));
      fs.writeFileSync(path.join(image, 'blobs', 'abc'), Buffer.alloc(4096, 'w'));
      fs.writeFileSync(path.join(image, 'snapshot', 'config.json'), '{}');
      fs.symlinkSync('../blobs/abc', path.join(image, 'snapshot', 'model.safetensors'));
      fs.mkdirSync(path.join(root, 'home'));
      const cache = path.join(root, 'cache');
      const c = copier();
      const result = await runContainer({ ...c, command: [...shell, '-c', c.command[2]] }, { env: { MODEL_DIR: cache, MODEL_IMAGE_DIR: image, HOME: path.join(root, 'home') } });
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      const copied = path.join(cache, 'llama', 'snapshot', 'model.safetensors');
      expect(fs.lstatSync(copied).isFile()).toBe(true);
      const marker = fs.readFileSync(path.join(cache, '.llama.ready'), 'utf8');
      expect(marker).toContain(`sha256=${await modelDigest(image)}\n`);
      const second = await runContainer({ ...c, command: [...shell, '-c', c.command[2]] }, { env: { MODEL_DIR: cache, MODEL_IMAGE_DIR: image, HOME: path.join(root, 'home') } });
      expect(second.code).toBe(0);
      expect(second.stdout).toContain('cache hit');
    });
  }
});
