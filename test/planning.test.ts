import * as fc from 'fast-check';
import { Accelerator } from '../src/planning/accelerator';
import { GpuFit, GpuFitProps } from '../src/planning/gpu-fit';
import { KvCacheDtype, ModelProfile, WeightDtype } from '../src/planning/model-profile';

const GIB = 2 ** 30;
const KIB = 2 ** 10;

describe('Accelerator catalogue', () => {
  // Marketed sizes from round2-facts §4 (T4 16 GB ... MI300X 192 GB). HBM and GDDR come in
  // binary sizes, so "80 GB" means 80 GiB of chips; the driver reports a little less (ECC,
  // reserved memory), and the catalogue stores what the driver reports.
  const MARKETED_GIB: Array<[Accelerator, number]> = [
    [Accelerator.NVIDIA_T4, 16], [Accelerator.NVIDIA_L4, 24], [Accelerator.NVIDIA_A10G, 24], [Accelerator.NVIDIA_L40S, 48],
    [Accelerator.NVIDIA_A100_40GB, 40], [Accelerator.NVIDIA_A100_80GB, 80], [Accelerator.NVIDIA_A100_80GB_PCIE, 80],
    [Accelerator.NVIDIA_H100, 80], [Accelerator.NVIDIA_H100_PCIE, 80], [Accelerator.NVIDIA_H200, 141],
    [Accelerator.NVIDIA_B200, 192], [Accelerator.AMD_MI300X, 192],
  ];

  test.each(MARKETED_GIB.map(([a, gib]) => [a.name, a, gib] as const))('%s reports 90-100 %% of its marketed size', (_name, accelerator, marketed) => {
    const ratio = accelerator.memoryBytes / (marketed * GIB);
    expect(ratio).toBeGreaterThanOrEqual(0.9);
    expect(ratio).toBeLessThanOrEqual(1);
  });

  test('the H100 holds what nvidia-smi prints (81559 MiB = 79.6 GiB), not the marketed 80', () => {
    expect(Accelerator.NVIDIA_H100.memoryBytes).toBe(81559 * 2 ** 20);
  });

  test('node selectors use the labels GPU Feature Discovery and the AMD labeller write', () => {
    expect(Accelerator.NVIDIA_H100.nodeSelector()).toEqual({ 'nvidia.com/gpu.product': 'NVIDIA-H100-80GB-HBM3' });
    expect(Accelerator.NVIDIA_A100_80GB.nodeSelector()).toEqual({ 'nvidia.com/gpu.product': 'NVIDIA-A100-SXM4-80GB' });
    expect(Accelerator.NVIDIA_T4.nodeSelector()).toEqual({ 'nvidia.com/gpu.product': 'Tesla-T4' });
    expect(Accelerator.AMD_MI300X.resourceName).toBe('amd.com/gpu');
    expect(Accelerator.AMD_MI300X.nodeSelector()).toEqual({ 'amd.com/gpu.product-name': 'AMD_Instinct_MI300X_OAM' });
  });

  test('custom accelerators: vendor defaults for the resource and the label key; no label, no selector', () => {
    const ada = Accelerator.custom({ name: 'RTX 6000 Ada', memory: '49140Mi', productLabel: 'NVIDIA-RTX-6000-Ada-Generation' });
    expect(ada.resourceName).toBe('nvidia.com/gpu');
    expect(ada.nodeSelector()).toEqual({ 'nvidia.com/gpu.product': 'NVIDIA-RTX-6000-Ada-Generation' });
    expect(Accelerator.custom({ name: 'MI250', memory: '64Gi', resourceName: 'amd.com/gpu', productLabel: 'AMD_Instinct_MI250X' }).nodeSelector())
      .toEqual({ 'amd.com/gpu.product-name': 'AMD_Instinct_MI250X' });
    expect(Accelerator.custom({ name: 'x', memory: '16Gi' }).nodeSelector()).toEqual({});
    expect(Accelerator.custom({ name: 'x', memory: '85899345920' }).memoryBytes).toBe(80 * GIB);
  });
});

/** The config.json dimensions that set a Llama-style decoder's parameter count. */
interface DecoderConfig {
  vocab: number;
  hidden: number;
  intermediate: number;
  layers: number;
  heads: number;
  kvHeads: number;
  headDim: number;
  qkvBias: boolean;
}

/**
 * Parameters of a Llama-style decoder from its config.json: embeddings and an untied LM head,
 * per layer q/k/v/o projections (with biases for Qwen2), a gated MLP and two norms, a final norm.
 */
function parametersFromConfig(c: DecoderConfig): number {
  const q = c.hidden * c.heads * c.headDim + (c.qkvBias ? c.heads * c.headDim : 0);
  const kv = 2 * (c.hidden * c.kvHeads * c.headDim + (c.qkvBias ? c.kvHeads * c.headDim : 0));
  const layer = q + kv + c.heads * c.headDim * c.hidden + 3 * c.hidden * c.intermediate + 2 * c.hidden;
  return 2 * c.vocab * c.hidden + c.layers * layer + c.hidden;
}

describe('ModelProfile presets match their config.json', () => {
  // Dimensions from each model's config.json on the Hugging Face Hub (meta-llama/Llama-3.1-8B,
  // meta-llama/Llama-3.1-70B, mistralai/Mistral-7B-Instruct-v0.3, Qwen/Qwen2.5-7B-Instruct,
  // Qwen/Qwen2.5-72B-Instruct); Llama's also in oumi-ai/oumi:configs/recipes/llama3_1/README.md.
  const CONFIGS: Array<[ModelProfile, DecoderConfig]> = [
    [ModelProfile.LLAMA_3_1_8B,
      { vocab: 128256, hidden: 4096, intermediate: 14336, layers: 32, heads: 32, kvHeads: 8, headDim: 128, qkvBias: false }],
    [ModelProfile.LLAMA_3_1_70B,
      { vocab: 128256, hidden: 8192, intermediate: 28672, layers: 80, heads: 64, kvHeads: 8, headDim: 128, qkvBias: false }],
    [ModelProfile.MISTRAL_7B_V0_3,
      { vocab: 32768, hidden: 4096, intermediate: 14336, layers: 32, heads: 32, kvHeads: 8, headDim: 128, qkvBias: false }],
    [ModelProfile.QWEN_2_5_7B,
      { vocab: 152064, hidden: 3584, intermediate: 18944, layers: 28, heads: 28, kvHeads: 4, headDim: 128, qkvBias: true }],
    [ModelProfile.QWEN_2_5_72B,
      { vocab: 152064, hidden: 8192, intermediate: 29568, layers: 80, heads: 64, kvHeads: 8, headDim: 128, qkvBias: true }],
  ];

  test.each(CONFIGS.map(([m, c]) => [m.name, m, c] as const))('%s', (_name, model, config) => {
    expect(model.parameters).toBe(parametersFromConfig(config));
    expect({ layers: model.layers, attentionHeads: model.attentionHeads, kvHeads: model.kvHeads, headDim: model.headDim })
      .toEqual({ layers: config.layers, attentionHeads: config.heads, kvHeads: config.kvHeads, headDim: config.headDim });
    expect(model.dtype).toBe(WeightDtype.BF16);
  });

  test('published parameter counts: 8.03B, 70.6B, 7.25B, 7.62B, 72.7B', () => {
    expect(CONFIGS.map(([m]) => Number((m.parameters / 1e9).toFixed(2)))).toEqual([8.03, 70.55, 7.25, 7.62, 72.71]);
  });
});

describe('the memory formula against published figures', () => {
  test('weights: params × bytes per parameter (8B bf16 ≈ 16.1 GB, 70B bf16 ≈ 141 GB; round2-facts §4)', () => {
    expect(ModelProfile.LLAMA_3_1_8B.weightBytes / 1e9).toBeCloseTo(16.06, 2);
    expect(ModelProfile.LLAMA_3_1_70B.weightBytes / 1e9).toBeCloseTo(141.1, 1);
    const dtypes = [WeightDtype.FP32, WeightDtype.BF16, WeightDtype.FP16, WeightDtype.FP8, WeightDtype.INT8, WeightDtype.INT4];
    const bytes = dtypes.map(d => d.bytesPerParameter);
    expect(bytes).toEqual([4, 2, 2, 1, 1, 0.5]);
    expect(ModelProfile.LLAMA_3_1_8B.withDtype(WeightDtype.INT4).weightBytes / 1e9).toBeCloseTo(4.02, 2);
  });

  test('KV cache: 2 × layers × KV heads × head dim × bytes (NVIDIA "Mastering LLM Techniques: Inference Optimization")', () => {
    // Llama-3.1-8B: 2×32×8×128×2 = 128 KiB/token; 8K tokens = 1 GiB; 128K tokens = 16 GiB.
    expect(ModelProfile.LLAMA_3_1_8B.kvCacheBytesPerToken).toBe(128 * KIB);
    expect(ModelProfile.LLAMA_3_1_8B.kvCacheBytesPerToken * 8192).toBe(GIB);
    expect(ModelProfile.LLAMA_3_1_8B.kvCacheBytesPerToken * 131072).toBe(16 * GIB);
    // Llama-3.1-70B: 2×80×8×128×2 = 320 KiB/token; 128K tokens = 40 GiB.
    expect(ModelProfile.LLAMA_3_1_70B.kvCacheBytesPerToken).toBe(320 * KIB);
    expect(ModelProfile.LLAMA_3_1_70B.kvCacheBytesPerToken * 131072).toBe(40 * GIB);
    // An fp8 KV cache halves them; quantized weights keep a 16-bit cache unless told otherwise.
    expect(ModelProfile.LLAMA_3_1_70B.withKvCacheDtype(KvCacheDtype.FP8).kvCacheBytesPerToken).toBe(160 * KIB);
    expect(ModelProfile.LLAMA_3_1_70B.withDtype(WeightDtype.FP8).kvCacheBytesPerToken).toBe(320 * KIB);
    expect(ModelProfile.QWEN_2_5_7B.kvCacheBytesPerToken).toBe(56 * KIB);
  });

  test('reproduces vLLM\'s startup log (vllm-project/vllm#11251): 15.77 GiB × 0.9 − 7.51 weights − 0.39 non-torch − 2.53 activations = 3.76 GiB KV', () => {
    const model = ModelProfile.of({ parameters: 7.51 * GIB / 2, dtype: WeightDtype.BF16, layers: 32, kvHeads: 8, headDim: 128, maxContext: 4096 });
    const plan = GpuFit.plan({
      model, accelerator: Accelerator.custom({ name: '15.77 GiB GPU', memory: '15.77Gi' }), gpuCount: 1,
      memoryUtilization: 0.9, runtimeOverhead: `${0.39 + 2.53}Gi`,
    });
    expect(plan.maxCachedTokens * model.kvCacheBytesPerToken / GIB).toBeCloseTo(3.76, 2);
  });

  test('Llama-3.1-70B in bf16 does not fit one 80 GB GPU at any context', () => {
    const plan = GpuFit.plan({ model: ModelProfile.LLAMA_3_1_70B, accelerator: Accelerator.NVIDIA_H100, gpuCount: 1, maxModelLength: 1 });
    expect(plan.fits).toBe(false);
    expect(plan.weightBytesPerGpu).toBeGreaterThan(Accelerator.NVIDIA_H100.memoryBytes);
    expect(plan.maxCachedTokens).toBe(0);
    expect(plan.errors).toEqual([expect.stringContaining('weights and runtime alone exceed it')]);
  });

  test('Llama-3.1-70B in bf16 fits 2 × H100 only with a short context (round2-facts §4: "a few GB per GPU for KV")', () => {
    const on2 = (maxModelLength: number) => GpuFit.plan({
      model: ModelProfile.LLAMA_3_1_70B, accelerator: Accelerator.NVIDIA_H100, gpuCount: 2, maxModelLength,
    });
    expect(on2(8192).fits).toBe(true);
    expect(on2(32768).fits).toBe(false);
    expect(on2(131072).fits).toBe(false);
    // 65.7 GiB of weights per GPU leave 2.5 GiB: about 16K tokens at 160 KiB per token per GPU.
    expect(on2(8192).weightBytesPerGpu / GIB).toBeCloseTo(65.7, 1);
    expect(on2(8192).maxCachedTokens).toBeGreaterThan(15_000);
    expect(on2(8192).maxCachedTokens).toBeLessThan(17_000);
    expect(on2(131072).smallestGpuCount).toBe(4);
  });

  test('Llama-3.1-8B in bf16: one L4 holds an 8K context but not the full 128K', () => {
    const on = (maxModelLength: number) => GpuFit.plan({
      model: ModelProfile.LLAMA_3_1_8B, accelerator: Accelerator.NVIDIA_L4, gpuCount: 1, maxModelLength,
    });
    expect(on(8192).fits).toBe(true);
    expect(on(131072).fits).toBe(false);
    expect(on(131072).smallestGpuCount).toBe(2);
  });
});

describe('GpuFit.plan', () => {
  const h100 = (props: Partial<GpuFitProps>) => GpuFit.plan({
    model: ModelProfile.LLAMA_3_1_70B, accelerator: Accelerator.NVIDIA_H100, gpuCount: 4, ...props,
  });

  test('the numbers add up: weights and KV split across ranks, overhead on each', () => {
    const plan = h100({ maxModelLength: 32768, concurrentSequences: 4 });
    expect(plan.weightBytesPerGpu).toBe(ModelProfile.LLAMA_3_1_70B.weightBytes / 4);
    expect(plan.kvCacheBytesPerGpu).toBe(320 * KIB * 32768 * 4 / 4);
    expect(plan.overheadBytesPerGpu).toBe(3.5 * GIB);
    expect(plan.requiredBytesPerGpu).toBe(plan.weightBytesPerGpu + plan.kvCacheBytesPerGpu + plan.overheadBytesPerGpu);
    expect(plan.usableBytesPerGpu).toBeCloseTo(0.9 * 81559 * 2 ** 20, 0);
    expect(plan.utilization).toBeCloseTo(plan.requiredBytesPerGpu / plan.usableBytesPerGpu, 10);
  });

  test('more GPUs than KV heads: each GPU holds one replicated KV head (vLLM get_num_kv_heads)', () => {
    const model = ModelProfile.of({
      parameters: 1e9, dtype: WeightDtype.BF16, layers: 16, attentionHeads: 16, kvHeads: 2, headDim: 64, maxContext: 4096,
    });
    const plan = GpuFit.plan({ model, accelerator: Accelerator.NVIDIA_L4, gpuCount: 4 });
    expect(plan.errors).toEqual([]);
    expect(plan.kvCacheBytesPerGpu).toBe(model.kvCacheBytesPerToken / 2 * 4096);
  });

  test('tensor parallelism must divide the attention heads and divide or be a multiple of the KV heads', () => {
    const plan = GpuFit.plan({ model: ModelProfile.QWEN_2_5_7B, accelerator: Accelerator.NVIDIA_L4, gpuCount: 8, maxModelLength: 4096 });
    expect(plan.fits).toBe(false);
    expect(plan.errors).toEqual(['gpuCount: 8 GPUs cannot split Qwen2.5-7B (bf16)\'s 28 attention heads and 4 KV heads evenly; '
      + 'vLLM and SGLang refuse such a tensor-parallel size. Fix: use 1, 2 or 4 GPUs']);
    expect(h100({ gpuCount: 3 }).errors[0]).toContain('Fix: use 1, 2, 4 or 8 GPUs');
  });

  test('does not fit: an error with the numbers and the smallest GPU count that fits', () => {
    const plan = h100({ gpuCount: 2, maxModelLength: 131072 });
    expect(plan.fits).toBe(false);
    expect(plan.smallestGpuCount).toBe(4);
    expect(plan.errors).toHaveLength(1);
    expect(plan.errors[0]).toMatch(/^gpuCount: Llama-3\.1-70B \(bf16\) does not fit 2 × NVIDIA H100 80GB: each GPU needs 65\.7 GiB weights \+ 20\.0 GiB KV cache \(131072 tokens × 1 sequence\) \+ 3\.5 GiB runtime = 89\.2 GiB, more than the 71\.7 GiB the engine may use \(0\.9 × 79\.6 GiB\); the memory left holds a KV cache of \d+ tokens\. Fix: use 4 GPUs \(the smallest count that fits\), or a shorter maxModelLength/);
    expect(plan.warnings).toEqual([]);
  });

  test('no count up to maxGpuCount fits: the error says so', () => {
    const plan = GpuFit.plan({ model: ModelProfile.LLAMA_3_1_70B, accelerator: Accelerator.NVIDIA_T4, gpuCount: 1, maxGpuCount: 4 });
    expect(plan.smallestGpuCount).toBeUndefined();
    expect(plan.errors[0]).toContain('Fix: no count up to 4 GPUs fits: use a larger accelerator');
  });

  test('warns above 90 % of the usable memory, and not below', () => {
    const tight = h100({ gpuCount: 2, maxModelLength: 8192 });
    expect(tight.fits).toBe(true);
    expect(tight.utilization).toBeGreaterThan(0.9);
    expect(tight.warnings).toEqual([expect.stringMatching(/^gpuCount: Llama-3\.1-70B \(bf16\) on 2 × NVIDIA H100 80GB needs 98 % of the 71\.7 GiB per GPU the engine may use .* Fix: /)]);
    const roomy = h100({ gpuCount: 4, maxModelLength: 8192 });
    expect(roomy.utilization).toBeLessThan(0.9);
    expect(roomy.warnings).toEqual([]);
  });

  test('fp8 weights put Llama-3.1-70B on one H200 with its full context', () => {
    const plan = GpuFit.plan({ model: ModelProfile.LLAMA_3_1_70B.withDtype(WeightDtype.FP8), accelerator: Accelerator.NVIDIA_H200, gpuCount: 1 });
    expect(plan.errors).toEqual([]);
    expect(plan.fits).toBe(true);
  });

  test('/dev/shm: 1Gi for one GPU, 1Gi per GPU under tensor parallelism', () => {
    expect([1, 2, 4, 8].map(gpuCount => h100({ gpuCount, maxModelLength: 1024 }).shmSize)).toEqual(['1Gi', '2Gi', '4Gi', '8Gi']);
  });

  test('emptyDir cache: size on disk + 10 % + 1Gi, rounded up to whole Gi', () => {
    const plan = (model: ModelProfile) => GpuFit.plan({ model, accelerator: Accelerator.NVIDIA_H200, gpuCount: 8, maxModelLength: 1024 }).cacheSize;
    expect(plan(ModelProfile.LLAMA_3_1_8B)).toBe('18Gi'); // 14.96 GiB × 1.1 + 1 = 17.45
    expect(plan(ModelProfile.LLAMA_3_1_70B)).toBe('146Gi'); // 131.4 GiB × 1.1 + 1 = 145.6
    expect(plan(ModelProfile.LLAMA_3_1_8B.withDtype(WeightDtype.FP8))).toBe('10Gi'); // an fp8 checkpoint: 7.48 GiB
    // A bf16 checkpoint quantized when loaded: the download is still bf16.
    expect(plan(ModelProfile.of({ ...propsOf(ModelProfile.LLAMA_3_1_8B), dtype: WeightDtype.FP8, sizeOnDisk: '16Gi' }))).toBe('19Gi');
  });

  test('maxModelLength beyond the model\'s context is an error', () => {
    expect(GpuFit.plan({ model: ModelProfile.MISTRAL_7B_V0_3, accelerator: Accelerator.NVIDIA_H100, gpuCount: 1, maxModelLength: 65536 }).errors)
      .toEqual(['maxModelLength: 65536 exceeds Mistral-7B-v0.3\'s maximum context of 32768 tokens; engines refuse it unless RoPE scaling extends it. '
        + 'Fix: use at most 32768, or, for a context extended with rope_scaling (YaRN; Qwen2.5 documents 131072 tokens), '
        + 'describe the model with ModelProfile.of({ ..., maxContext: 65536 })']);
  });
});

/** The props of a preset, to derive a variant with `ModelProfile.of`. */
function propsOf(m: ModelProfile) {
  return {
    name: m.name, parameters: m.parameters, dtype: m.dtype, layers: m.layers, kvHeads: m.kvHeads, headDim: m.headDim,
    attentionHeads: m.attentionHeads, maxContext: m.maxContext,
  };
}

describe('hostile input: every mistake is an error naming the field, the value and a fix; nothing throws', () => {
  const base = { model: ModelProfile.LLAMA_3_1_8B, accelerator: Accelerator.NVIDIA_H100, gpuCount: 1 } as GpuFitProps;
  const plan = (override: object) => GpuFit.plan({ ...base, ...override } as GpuFitProps);
  const CASES: Array<[string, object, RegExp]> = [
    ['parameters given in billions', { model: ModelProfile.of({ ...propsOf(ModelProfile.LLAMA_3_1_8B), parameters: 8 }) }, /^model\.parameters: 8 is not a parameter count\. Fix: .*8_030_261_248/],
    ['fractional layers', { model: ModelProfile.of({ ...propsOf(ModelProfile.LLAMA_3_1_8B), layers: 31.5 }) }, /^model\.layers: 31\.5 must be a whole number from 1 to 1000\. Fix:/],
    ['KV heads that do not divide the attention heads', { model: ModelProfile.of({ ...propsOf(ModelProfile.LLAMA_3_1_8B), kvHeads: 5 }) }, /^model\.kvHeads: 5 does not divide attentionHeads 32; .* Fix: copy num_key_value_heads/],
    ['a dtype that is not one', { model: ModelProfile.of({ ...propsOf(ModelProfile.LLAMA_3_1_8B), dtype: 'bf16' as any }) }, /^model\.dtype: "bf16" is not a weight dtype\. Fix: use e\.g\. WeightDtype\.BF16/],
    ['a bad size on disk', { model: ModelProfile.of({ ...propsOf(ModelProfile.LLAMA_3_1_8B), sizeOnDisk: '16GB' }) }, /^model\.sizeOnDisk: "16GB" is not a positive Kubernetes quantity\. Fix:/],
    ['memory in GB', { accelerator: Accelerator.custom({ name: 'x', memory: '80GB' }) }, /^accelerator\.memory: "80GB" is not a positive Kubernetes quantity\. Fix: write it like '1Gi'.*not 'GB'/],
    ['memory without a unit', { accelerator: Accelerator.custom({ name: 'x', memory: '80' }) }, /^accelerator\.memory: "80" is 80 bytes, less than any GPU\. Fix: write a binary suffix, e\.g\. '80Gi'/],
    ['a resource without a domain', { accelerator: Accelerator.custom({ name: 'x', memory: '80Gi', resourceName: 'gpu' }) }, /^accelerator\.resourceName: "gpu" is not an extended resource name\. Fix: .*'nvidia\.com\/gpu'/],
    ['a product label with spaces', { accelerator: Accelerator.custom({ name: 'x', memory: '80Gi', productLabel: 'NVIDIA H100' }) }, /^accelerator\.productLabel: "NVIDIA H100" is not a label value\. Fix: copy it from `kubectl get nodes/],
    ['a label key without a label', { accelerator: Accelerator.custom({ name: 'x', memory: '80Gi', productLabelKey: 'gpu.example.com/model' }) }, /^accelerator\.productLabelKey: "gpu\.example\.com\/model" is given without productLabel, so nothing selects the product\. Fix: add productLabel/],
    ['a label key that is not one', { accelerator: Accelerator.custom({ name: 'x', memory: '80Gi', productLabel: 'H100', productLabelKey: 'a/b/c' }) }, /^accelerator\.productLabelKey: "a\/b\/c" is not a label key\. Fix:/],
    ['zero GPUs', { gpuCount: 0 }, /^gpuCount: 0 must be a whole number from 1 to 64\. Fix: use e\.g\. 1/],
    ['half a GPU', { gpuCount: 0.5 }, /^gpuCount: 0\.5 must be a whole number/],
    ['no GPU count', { gpuCount: undefined }, /^gpuCount: not given\. Fix:/],
    ['utilization as a percentage', { memoryUtilization: 90 }, /^memoryUtilization: 90 is not a share of GPU memory\. Fix: use a fraction above 0 and at most 1, e\.g\. 0\.9/],
    ['a negative context', { maxModelLength: -1 }, /^maxModelLength: -1 must be a whole number/],
    ['zero sequences', { concurrentSequences: 0 }, /^concurrentSequences: 0 must be a whole number from 1/],
    ['overhead in GB', { runtimeOverhead: '3GB' }, /^runtimeOverhead: "3GB" is not a Kubernetes quantity/],
    ['a model that is not a ModelProfile', { model: { parameters: 8e9 } }, /^model: \{"parameters":8000000000\} is not a ModelProfile\. Fix:/],
    ['an accelerator that is not one', { accelerator: 'H100' }, /^accelerator: "H100" is not an Accelerator\. Fix: use e\.g\. Accelerator\.NVIDIA_H100/],
  ];

  test.each(CASES)('%s', (_name, override, message) => {
    const result = plan(override);
    expect(result.fits).toBe(false);
    expect(result.errors).toEqual([expect.stringMatching(message)]);
  });

  test('no props at all, or an accelerator without a name: errors, not exceptions', () => {
    expect(GpuFit.plan(undefined as any).errors).toEqual([
      expect.stringMatching(/^model: undefined is not a ModelProfile/),
      expect.stringMatching(/^accelerator: undefined is not an Accelerator/),
      'gpuCount: not given. Fix: give the number of GPUs per replica, e.g. 1',
    ]);
    expect(plan({ accelerator: Accelerator.custom({ name: ' ', memory: '80Gi' }) }).errors).toEqual([expect.stringMatching(/^accelerator\.name: " " is empty\. Fix:/)]);
  });

  test('random garbage never throws and always comes back as errors', () => {
    const junk = fc.oneof(fc.constant(undefined), fc.constant(null), fc.integer(), fc.double(), fc.string(), fc.object());
    fc.assert(fc.property(junk, junk, junk, junk, junk, (model, accelerator, gpuCount, maxModelLength, memoryUtilization) => {
      const result = GpuFit.plan({ model, accelerator, gpuCount, maxModelLength, memoryUtilization } as any);
      expect(result.errors.length).toBeGreaterThan(0);
      expect(result.errors.every(e => /^[\w.]+: .*Fix: /.test(e))).toBe(true);
    }), { numRuns: 200 });
  });
});

describe('properties of the plan', () => {
  const modelArb = fc.record({
    parameters: fc.integer({ min: 100_000_000, max: 500_000_000_000 }),
    dtype: fc.constantFrom(WeightDtype.FP32, WeightDtype.BF16, WeightDtype.FP8, WeightDtype.INT4),
    layers: fc.integer({ min: 1, max: 128 }),
    kvHeads: fc.constantFrom(1, 2, 4, 8, 16),
    groups: fc.constantFrom(1, 2, 4, 8),
    headDim: fc.constantFrom(64, 128, 256),
    maxContext: fc.integer({ min: 512, max: 262_144 }),
  // `groups` only derives the attention heads: it is not a ModelProfileProps key
  }).map(({ groups, ...p }) => ModelProfile.of({ ...p, attentionHeads: p.kvHeads * groups }));
  const acceleratorArb = fc.constantFrom(Accelerator.NVIDIA_T4, Accelerator.NVIDIA_L40S, Accelerator.NVIDIA_H100, Accelerator.NVIDIA_B200);

  test('the smallest count fits, and no smaller valid count does', () => {
    fc.assert(fc.property(modelArb, acceleratorArb, fc.integer({ min: 1, max: 8 }), (model, accelerator, gpuCount) => {
      const plan = GpuFit.plan({ model, accelerator, gpuCount });
      fc.pre(plan.smallestGpuCount !== undefined);
      const at = (n: number) => GpuFit.plan({ model, accelerator, gpuCount: n });
      expect(at(plan.smallestGpuCount!).fits).toBe(true);
      for (let n = 1; n < plan.smallestGpuCount!; n++) {
        expect(at(n).fits).toBe(false);
      }
    }), { numRuns: 150 });
  });

  test('a longer context or more sequences never needs less memory', () => {
    fc.assert(fc.property(modelArb, acceleratorArb, fc.integer({ min: 1, max: 4 }), (model, accelerator, sequences) => {
      const short = GpuFit.plan({ model, accelerator, gpuCount: 1, maxModelLength: Math.ceil(model.maxContext / 2), concurrentSequences: sequences });
      const long = GpuFit.plan({ model, accelerator, gpuCount: 1, maxModelLength: model.maxContext, concurrentSequences: sequences + 1 });
      expect(long.requiredBytesPerGpu).toBeGreaterThan(short.requiredBytesPerGpu);
      expect(long.fits && !short.fits).toBe(false);
    }), { numRuns: 150 });
  });
});
