import {
  AiInferencePod, AiInferencePodProps, HealthCheck, InferenceEngine, ModelPrepInit, ModelSource, PodSecurityLevel, PodVolume,
} from '../src';
import { podWarnings, withWarnings } from './helpers/pod-parts';
import { newChart, synth } from './helpers/synth';

// hubCacheWritable (new-user review 13): a non-root server with a read-only root filesystem that
// names a Hub model downloads it into a cache on that read-only filesystem and dies at start —
// the library's restricted defaults broke such pods without a word at synth.

const warningsOf = podWarnings;

const VLLM = 'vllm/vllm-openai:v0.9.1';

describe('a Hub model with no writable cache is a warning naming the word, the cache directory and the fixes', () => {
  test('vLLM with --model org/name and the defaults (user 1000, read-only root, HOME unset)', () => {
    const w = warningsOf({ server: { image: VLLM, args: ['--model', 'Qwen/Qwen2.5-1.5B-Instruct'], health: HealthCheck.vllm() }, gpu: { count: 1 } });
    expect(w).toContain('[warning] [test/llm] container "server": spec.containers[0].args[1]: "Qwen/Qwen2.5-1.5B-Instruct" is a Hugging Face Hub model, '
      + 'which the server downloads into /.cache/huggingface/hub (HOME is not set: "/" for a user the image does not know), on the read-only root filesystem '
      + 'of a container that runs as user 1000: it fails at start (Read-only file system). Fix: set HF_HOME to a writable volume');
    expect(w).toContain('or fetch the model with a ModelPrepInit and serve it from MODEL_PATH, or set HF_HUB_OFFLINE=1');
  });

  test.each([
    ['`vllm serve org/name`', { command: ['vllm', 'serve', 'meta-llama/Llama-3.1-8B-Instruct'] }, 'spec.containers[0].command[2]'],
    ['`--model=org/name`', { args: ['--model=meta-llama/Llama-3.1-8B-Instruct'] }, 'spec.containers[0].args[0]'],
    ['SGLang `--model-path org/name`', { args: ['--model-path', 'meta-llama/Llama-3.1-8B-Instruct'] }, 'spec.containers[0].args[1]'],
  ])('%s', (_what, server, field) => {
    expect(warningsOf({ server: { image: VLLM, ...server } })).toContain(`${field}: "meta-llama/Llama-3.1-8B-Instruct" is a Hugging Face Hub model`);
  });

  test('TGI with MODEL_ID: the image caches in /data', () => {
    const w = warningsOf({ server: { image: 'ghcr.io/huggingface/text-generation-inference:3.0.1', env: { MODEL_ID: 'HuggingFaceH4/zephyr-7b-beta' }, port: 80 } });
    expect(w).toContain('spec.containers[0].env[0].value: "HuggingFaceH4/zephyr-7b-beta" is a Hugging Face Hub model, which the server downloads into /data (the cache the TGI and TEI images set)');
  });

  test('HF_HOME on the read-only root filesystem, or HOME there', () => {
    expect(warningsOf({ server: { image: VLLM, args: ['--model', 'org/m'], env: { HF_HOME: '/opt/hf' } } })).toContain('downloads into /opt/hf/hub (HF_HOME/hub)');
    expect(warningsOf({ server: { image: VLLM, args: ['--model', 'org/m'], env: { HOME: '/home/vllm' } } }))
      .toContain('downloads into /home/vllm/.cache/huggingface/hub (HOME/.cache/huggingface/hub)');
    // a read-only mount is no place for a download either
    expect(warningsOf({
      server: { image: VLLM, args: ['--model', 'org/m'], env: { HF_HOME: '/cache' }, volumeMounts: [{ volume: PodVolume.persistentVolumeClaim('c', 'cache'), path: '/cache' }] },
    })).toContain('downloads into /cache/hub (HF_HOME/hub)');
  });
});

describe('no warning where the download has a writable place, or there is no download', () => {
  test.each<[string, AiInferencePodProps]>([
    ['the README\'s writable HOME (an emptyDir, HF_HOME inside it)', {
      server: {
        image: VLLM, args: ['--model', 'Qwen/Qwen2.5-1.5B-Instruct'], env: { HOME: '/home/vllm', HF_HOME: '/home/vllm/.cache/huggingface' },
        volumeMounts: [{ volume: PodVolume.emptyDir('home', { sizeLimit: '20Gi' }), path: '/home/vllm' }],
      },
    }],
    ['HF_HOME under the server\'s /tmp', { server: { image: VLLM, args: ['--model', 'org/m'], env: { HF_HOME: '/tmp/hf' } } }],
    ['a writable claim at TGI\'s /data', {
      server: {
        image: 'ghcr.io/huggingface/text-generation-inference:3.0.1', env: { MODEL_ID: 'org/m' }, port: 80,
        volumeMounts: [{ volume: PodVolume.persistentVolumeClaim('data', 'tgi-cache'), path: '/data', readOnly: false }],
      },
    }],
    ['HF_HUB_OFFLINE=1', { server: { image: VLLM, args: ['--model', 'org/m'], env: { HF_HUB_OFFLINE: '1' } } }],
    ['HF_HOME from a Secret (not known at synth)', { server: { image: VLLM, args: ['--model', 'org/m'], secretEnv: { HF_HOME: { secretName: 's', key: 'k' } } } }],
    ['a model path, not a Hub id', { server: { image: VLLM, args: ['--model', '/models/llama'] } }],
    ['a root server with a writable root filesystem (declared baseline)', {
      server: { image: VLLM, args: ['--model', 'org/m'], security: { readOnlyRootFilesystem: false } },
      security: { runAsNonRoot: false, runAsUser: 0, level: PodSecurityLevel.BASELINE },
    }],
  ])('%s', (_what, props) => {
    expect(warningsOf(props)).not.toContain('Hugging Face Hub model');
  });

  test('an engine serving what a ModelPrepInit fetched from the Hub ($(MODEL_PATH))', () => {
    const { warnings } = withWarnings(() => {
      const chart = newChart();
      const pod = new AiInferencePod(chart, 'llm', { server: { engine: InferenceEngine.vllm() }, gpu: { count: 1 } });
      new ModelPrepInit(pod, 'model-downloader', { source: ModelSource.huggingFace('Qwen/Qwen2.5-1.5B-Instruct', { revision: 'main' }) });
      return synth(chart);
    });
    expect(warnings).not.toContain('Hugging Face Hub model');
  });
});
