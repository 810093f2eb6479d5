/**
 * Hostile round 19: the engine presets and the GPU-fit planner against the real engines at the
 * versions the default images pin — text-generation-launcher 3.3.7 (launcher/src/main.rs at the
 * v3.3.7 tag), vLLM 0.21 (vllm/utils/argparse_utils.py, its memory-profiling log line) and
 * SGLang 0.5 (python/sglang/srt/server_args.py). Each break a test here.
 */
import * as fs from 'fs';
import * as path from 'path';
import { Accelerator, AiInferenceDeployment, GpuFit, InferenceEngine, KvCacheDtype, ModelProfile, PodSecurityLevel, WeightDtype } from '../src';
import { expectRefused } from './helpers/refusal';
import { expectApiValid, newChart, synth } from './helpers/synth';

describe('TGI: only flags text-generation-launcher 3.3.7 has', () => {
  // launcher/src/main.rs at v3.3.7 (and main) has no served_model_name field: clap exits with
  // "error: unexpected argument '--served-model-name' found" and the pod crash-loops
  test('servedModelName is refused for TGI with the field, the value and a fix; nothing is written', () => {
    const lines = expectRefused(c => new AiInferenceDeployment(c, 'llm', {
      server: { engine: InferenceEngine.tgi({ servedModelName: 'mistral-7b' }), env: { MODEL_PATH: '/models/m' } },
      gpu: { count: 1 },
    }), /server\.engine\.servedModelName: "mistral-7b" cannot be set on tgi: .*--served-model-name.*Fix: remove servedModelName/);
    expect(lines.join('\n')).toContain('llm');
  });

  test('the rendered TGI command line never has --served-model-name; vLLM and SGLang keep it', () => {
    const tgi = InferenceEngine.tgi({ servedModelName: 'm' }).render({ gpuCount: 1 });
    expect(tgi.args).not.toContain('--served-model-name');
    expect(tgi.errors).toEqual([expect.stringMatching(/^servedModelName: "m" cannot be set on tgi: .*Fix: /)]);
    expect(InferenceEngine.vllm({ servedModelName: 'm' }).render({ gpuCount: 1 }).args).toContain('--served-model-name');
    expect(InferenceEngine.sglang({ servedModelName: 'm' }).render({ gpuCount: 1 }).args).toContain('--served-model-name');
  });

  test('extraArgs --served-model-name on TGI is not reported as "a flag the options render" (the launcher has no such flag)', () => {
    const errors = InferenceEngine.tgi({ extraArgs: ['--served-model-name', 'x'] }).render({ gpuCount: 1 }).errors;
    expect(errors.filter(e => /set servedModelName/.test(e))).toEqual([]);
  });
});

describe('TGI 3.3.7 starts only as root', () => {
  // Dockerfile at v3.3.7: `uv python install` as root puts Python (and libpython3.11.so, which the
  // launcher links) under /root/.local/share/uv; /root is mode 700, so as user 1000 the launcher
  // exits with "error while loading shared libraries" (huggingface/text-generation-inference#3082)
  const tgiPod = (security?: any, level?: any) => (c: any) => new AiInferenceDeployment(c, 'llm', {
    server: { engine: InferenceEngine.tgi(), env: { MODEL_PATH: '/models/m' }, security },
    gpu: { count: 1 },
    ...(level ? { security: { level } } : {}),
  });

  test('the tgi() preset with the library\'s default user 1000 is refused, naming the image and the way out', () => {
    expectRefused(tgiPod(), /containers\[0\]\.image: "ghcr\.io\/huggingface\/text-generation-inference:3\.3\.7" runs as user 1000, .*#3082.*Fix: run it as root/);
  });

  test('as root with level BASELINE it synthesizes, and the objects are API-valid', () => {
    const chart = newChart();
    tgiPod({ runAsNonRoot: false, runAsUser: 0 }, PodSecurityLevel.BASELINE)(chart);
    expectApiValid(synth(chart));
  });

  test('a TGI 3.0 image (before uv) and vLLM/SGLang images run as user 1000 as before', () => {
    for (const engine of [
      InferenceEngine.tgi({ image: 'ghcr.io/huggingface/text-generation-inference:3.0.1' }), InferenceEngine.vllm(), InferenceEngine.sglang(),
    ]) {
      const chart = newChart();
      new AiInferenceDeployment(chart, 'llm', { server: { engine, env: { MODEL_PATH: '/models/m' } }, gpu: { count: 1 } });
      expectApiValid(synth(chart));
    }
  });
});

describe('a context extended with RoPE scaling (Qwen2.5 with YaRN, 131072 tokens) has a way through the planner', () => {
  // Qwen/Qwen2.5-7B-Instruct's config.json has max_position_embeddings 32768; its model card serves
  // 131072 tokens with rope_scaling {type: yarn, factor: 4}; vLLM takes that as --hf-overrides.
  // The refusal said only "use at most 32768", a valid production value with no way out.
  test('the refusal names the ModelProfile.of route, and that route plans it', () => {
    const plan = GpuFit.plan({ model: ModelProfile.QWEN_2_5_7B, accelerator: Accelerator.NVIDIA_H100, gpuCount: 1, maxModelLength: 131072 });
    expect(plan.errors).toEqual([expect.stringMatching(/^maxModelLength: 131072 exceeds .*Fix: .*ModelProfile\.of\(\{ \.\.\., maxContext: 131072 \}\)/)]);
    const yarn = ModelProfile.of({
      name: 'Qwen2.5-7B (YaRN ×4)', parameters: 7_615_616_512, dtype: WeightDtype.BF16,
      layers: 28, attentionHeads: 28, kvHeads: 4, headDim: 128, maxContext: 131_072,
    });
    expect(GpuFit.plan({ model: yarn, accelerator: Accelerator.NVIDIA_H100, gpuCount: 1, maxModelLength: 131072 }).fits).toBe(true);
  });
});

describe('the planner\'s GPU memory is nvidia-smi\'s, the engine\'s is CUDA\'s: the 90 % warning covers the difference', () => {
  // vLLM budgets gpu_memory_utilization × torch.cuda.mem_get_info() total: an H100 80GB HBM3 reports
  // total_memory=81082..81090 MiB to CUDA (torch _CudaDeviceProperties printouts), and vLLM logs
  // "total_gpu_memory (79.11..79.33GiB) x gpu_memory_utilization (0.90)" on 80 GB cards; nvidia-smi's
  // 81559 MiB is ~470 MiB more. Llama-3.1-70B on 2 × H100 at 15000 tokens fits the planner's budget
  // (71.50 of 71.68 GiB) but not vLLM's (0.9 × 79.19 = 71.27 GiB): the plan must say so with its warning.
  const H100_CUDA_TOTAL = 81090 * 2 ** 20;
  test('every plan above CUDA\'s budget on an H100 carries the warning; one without it is within CUDA\'s budget', () => {
    for (let maxModelLength = 1000; maxModelLength <= 20000; maxModelLength += 500) {
      const plan = GpuFit.plan({ model: ModelProfile.LLAMA_3_1_70B, accelerator: Accelerator.NVIDIA_H100, gpuCount: 2, maxModelLength });
      if (plan.fits && plan.requiredBytesPerGpu > 0.9 * H100_CUDA_TOTAL) {
        expect(plan.warnings.join('\n')).toContain('leaving less than 10 % for the estimate\'s error');
      }
      if (plan.fits && plan.warnings.length === 0) {
        expect(plan.requiredBytesPerGpu).toBeLessThanOrEqual(0.9 * H100_CUDA_TOTAL);
      }
    }
    const edge = GpuFit.plan({ model: ModelProfile.LLAMA_3_1_70B, accelerator: Accelerator.NVIDIA_H100, gpuCount: 2, maxModelLength: 15000 });
    expect(edge.fits).toBe(true);
    expect(edge.requiredBytesPerGpu).toBeGreaterThan(0.9 * H100_CUDA_TOTAL);
    expect(edge.warnings).toHaveLength(1);
  });
});

describe('multi-head latent attention (DeepSeek-V3) has a documented way through the planner', () => {
  // deepseek-ai/DeepSeek-V3 config.json: 61 layers, 128 attention and 128 key_value heads, kv_lora_rank
  // 512, qk_rope_head_dim 64, qk_nope_head_dim 128, max_position_embeddings 163840; FP8 weights, 671B
  // parameters. vLLM and SGLang cache (512 + 64) elements per layer and token, the same on every TP
  // rank: 70,272 bytes per token in bf16. The README said "raise runtimeOverhead" for MLA, which only
  // makes the refusal of the standard 8 × H200 deployment worse.
  const v3 = (kvHeads: number, headDim: number) => ModelProfile.of({
    name: 'DeepSeek-V3', parameters: 671_000_000_000, dtype: WeightDtype.FP8,
    layers: 61, attentionHeads: 128, kvHeads, headDim, maxContext: 163_840, kvCacheDtype: KvCacheDtype.BF16,
  });

  test('described as its 128 heads it is refused on 8 × H200; described as the README says, it fits with the real cache size', () => {
    const naive = GpuFit.plan({ model: v3(128, 192), accelerator: Accelerator.NVIDIA_H200, gpuCount: 8 });
    expect(naive.fits).toBe(false);
    const mla = v3(1, (512 + 64) / 2);
    expect(mla.kvCacheBytesPerToken).toBe(61 * (512 + 64) * 2);
    const plan = GpuFit.plan({ model: mla, accelerator: Accelerator.NVIDIA_H200, gpuCount: 8 });
    expect(plan.errors).toEqual([]);
    expect(plan.fits).toBe(true);
    // replicated on every rank, as MLA's latent cache is
    expect(plan.kvCacheBytesPerGpu).toBe(61 * 576 * 2 * 163_840);
  });

  test('the README says how to describe it', () => {
    const readme = fs.readFileSync(path.join(__dirname, '..', 'README.md'), 'utf8');
    expect(readme).toContain('`kvHeads: 1, headDim: (kv_lora_rank + qk_rope_head_dim) / 2` (DeepSeek-V3: 288)');
    expect(readme).not.toMatch(/multi-head latent attention, sliding-window layers,\s+pipeline parallelism, LoRA adapters, draft models; raise `runtimeOverhead` for those/);
  });
});

describe('SGLang: --mem-fraction-static is weights + KV pool only, the runtime lives outside it', () => {
  // python/sglang/srt/server_args.py: the static fraction holds the weights and the KV cache pool
  // (the pool takes all of it); activations and CUDA graph buffers are "reserved" in the rest, 2.8 GB
  // and more on a 24 GB card. The library pins 0.9 and plans vLLM's way (runtime inside the share):
  // on an L4 that leaves 2.25 GiB outside for the 3.5 GiB runtime the plan itself counts.
  const sglangOnL4 = (gpuMemoryUtilization?: number) => (c: any) => new AiInferenceDeployment(c, 'llm', {
    server: { engine: InferenceEngine.sglang({ maxModelLength: 8192, gpuMemoryUtilization }), env: { MODEL_PATH: '/models/qwen' } },
    gpu: { count: 1, accelerator: Accelerator.NVIDIA_L4 },
    model: { profile: ModelProfile.QWEN_2_5_7B },
  });

  test('the default 0.9 on an L4 is refused with the share that leaves room for the runtime', () => {
    expectRefused(sglangOnL4(), /server\.engine\.gpuMemoryUtilization: 0\.9 is SGLang's --mem-fraction-static, .* leaves 2\.25 GiB .* less than the 3\.50 GiB runtime .*Fix: set gpuMemoryUtilization to at most 0\.84/);
  });

  test('0.84 on an L4 synthesizes; SGLang at 0.9 on an H100 and vLLM at 0.9 on an L4 are unchanged', () => {
    for (const build of [
      sglangOnL4(0.84),
      (c: any) => new AiInferenceDeployment(c, 'llm', {
        server: { engine: InferenceEngine.sglang({ maxModelLength: 8192 }), env: { MODEL_PATH: '/models/qwen' } },
        gpu: { count: 1, accelerator: Accelerator.NVIDIA_H100 }, model: { profile: ModelProfile.QWEN_2_5_7B },
      }),
      (c: any) => new AiInferenceDeployment(c, 'llm', {
        server: { engine: InferenceEngine.vllm({ maxModelLength: 8192 }), env: { MODEL_PATH: '/models/qwen' } },
        gpu: { count: 1, accelerator: Accelerator.NVIDIA_L4 }, model: { profile: ModelProfile.QWEN_2_5_7B },
      }),
    ]) {
      const chart = newChart();
      build(chart);
      expectApiValid(synth(chart));
    }
  });
});
