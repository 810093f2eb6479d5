import { parseQuantity } from '../quantity';
import { Accelerator, acceleratorErrors } from './accelerator';
import { ModelProfile, modelProfileErrors } from './model-profile';
import { show } from '../validation/_helpers';
import { knownProps, propKeys, quantity, wholeNumber } from '../validation/_prop-checks';

/**
 * The share of GPU memory an engine is told it may use, pinned on the engine's command line
 * (vLLM `--gpu-memory-utilization`, SGLang `--mem-fraction-static`). vLLM's own default moved
 * from 0.9 to 0.92 (vllm-project/vllm#38284), so the library pins it rather than inherit it.
 */
export const DEFAULT_GPU_MEMORY_UTILIZATION = 0.9;

/**
 * Runtime memory per GPU besides weights and KV cache. In vLLM's startup log
 * (vllm-project/vllm#11251) non-torch memory (CUDA context, NCCL) was 0.39 GiB and the
 * profiled activation peak 2.53 GiB; the CUDA-graph pool adds about 0.36 GiB
 * (gpustack/runner#251). 3.5 GiB covers the three with a little room.
 */
export const DEFAULT_RUNTIME_OVERHEAD = '3.5Gi';

/** The plan warns above this share of the memory the engine may use: the estimate's margin. */
const WARN_UTILIZATION = 0.9;
/** Tensor parallelism beyond one node is rare; the search for a GPU count stops here by default. */
const DEFAULT_MAX_GPU_COUNT = 8;
const GIB = 2 ** 30;

/** What to plan: a model on a number of GPUs of one kind. */
export interface GpuFitProps {
  /** The model. */
  readonly model: ModelProfile;
  /** The GPU model every replica runs on. */
  readonly accelerator: Accelerator;
  /** GPUs per replica; the engine's tensor-parallel size. */
  readonly gpuCount: number;
  /**
   * Longest sequence (prompt + output) the server accepts: the engine's max model length.
   * @default - the model's maxContext
   */
  readonly maxModelLength?: number;
  /**
   * Sequences that must fit in the KV cache at full length at the same time.
   * @default 1
   */
  readonly concurrentSequences?: number;
  /**
   * Share of each GPU's memory the engine may use.
   * @default 0.9
   */
  readonly memoryUtilization?: number;
  /**
   * Runtime memory per GPU besides weights and KV cache (CUDA context, NCCL, CUDA graphs,
   * activations), as a quantity.
   * @default '3.5Gi'
   */
  readonly runtimeOverhead?: string;
  /**
   * Largest GPU count the search for the smallest fitting count tries.
   * @default 8
   */
  readonly maxGpuCount?: number;
}

/** The outcome of a plan: the numbers per GPU, whether they fit, and what follows from them. */
export interface GpuFitPlan {
  /** Bytes of weights on each GPU: the weights split across the tensor-parallel ranks. */
  readonly weightBytesPerGpu: number;
  /** Bytes of KV cache one token takes on the whole model (all ranks). */
  readonly kvCacheBytesPerToken: number;
  /** Bytes of KV cache for maxModelLength × concurrentSequences tokens on each GPU. */
  readonly kvCacheBytesPerGpu: number;
  /** Bytes of runtime overhead on each GPU. */
  readonly overheadBytesPerGpu: number;
  /** Weights + KV cache + overhead on each GPU. */
  readonly requiredBytesPerGpu: number;
  /** Bytes the engine may use on each GPU: memoryUtilization × the GPU's memory. */
  readonly usableBytesPerGpu: number;
  /** requiredBytesPerGpu / usableBytesPerGpu. */
  readonly utilization: number;
  /** Whether gpuCount is a valid tensor-parallel size and the model with its KV cache fits. */
  readonly fits: boolean;
  /** Tokens the KV cache can hold in the memory left after weights and overhead (0 when none is left). */
  readonly maxCachedTokens: number;
  /** The smallest valid tensor-parallel GPU count (up to maxGpuCount) on which it fits, if any. */
  readonly smallestGpuCount?: number;
  /** Size for the memory-backed `/dev/shm`: 1Gi for one GPU, 1Gi per GPU under tensor parallelism. */
  readonly shmSize: string;
  /** Size for an emptyDir model cache: the size on disk plus 10 % and 1Gi, in whole Gi. */
  readonly cacheSize: string;
  /** Problems that must fail synth, in the `field: ... . Fix: ...` convention. */
  readonly errors: string[];
  /** Problems worth a warning, in the same convention. */
  readonly warnings: string[];
}

/** The memory arithmetic for one GPU count. */
interface Budget {
  readonly weights: number;
  readonly kvCache: number;
  readonly overhead: number;
  readonly required: number;
  readonly usable: number;
  readonly maxCachedTokens: number;
}

/** The checked inputs of a plan, with defaults applied. */
interface Inputs {
  readonly model: ModelProfile;
  readonly accelerator: Accelerator;
  readonly gpuCount: number;
  readonly tokens: number;
  readonly maxModelLength: number;
  readonly concurrentSequences: number;
  readonly memoryUtilization: number;
  readonly overhead: number;
  readonly maxGpuCount: number;
}

/**
 * Whether a model fits its GPUs, computed at synth time from the model's shape.
 *
 * Per GPU, under tensor parallelism over `gpuCount` GPUs:
 * - weights = parameters × bytes per parameter / gpuCount;
 * - KV cache = 2 × layers × max(1, kvHeads / gpuCount) × headDim × KV bytes × tokens, with
 *   tokens = maxModelLength × concurrentSequences (vLLM replicates KV heads when there are
 *   fewer than GPUs: `max(1, total_num_kv_heads // tp)` in `ModelConfig.get_num_kv_heads`);
 * - overhead = runtimeOverhead (CUDA context, NCCL, CUDA graphs, activation peak).
 *
 * It fits when their sum is at most memoryUtilization × the GPU's memory, the share vLLM's
 * `--gpu-memory-utilization` grants (weights, activations and non-torch memory included; the
 * KV cache gets the rest). A GPU count is a valid tensor-parallel size when it divides the
 * attention heads (vLLM: "Total number of attention heads must be divisible by tensor
 * parallel size") and divides, or is a multiple of, the KV heads (vLLM replicates KV heads
 * only a whole number of times).
 */
export class GpuFit {
  /** Plans a model on `gpuCount` GPUs; never throws: bad input comes back in `errors`. */
  public static plan(props: GpuFitProps): GpuFitPlan {
    const errors = inputErrors(props ?? {});
    if (errors.length > 0) {
      return unplanned(errors);
    }
    const inputs = withDefaults(props);
    const budget = budgetFor(inputs, inputs.gpuCount);
    const smallestGpuCount = smallestFittingCount(inputs);
    const warnings: string[] = [];
    fitErrors(inputs, budget, smallestGpuCount, errors);
    if (errors.length === 0 && budget.required > WARN_UTILIZATION * budget.usable) {
      warnings.push(nearlyFullWarning(inputs, budget));
    }
    return {
      weightBytesPerGpu: budget.weights,
      kvCacheBytesPerToken: inputs.model.kvCacheBytesPerToken,
      kvCacheBytesPerGpu: budget.kvCache,
      overheadBytesPerGpu: budget.overhead,
      requiredBytesPerGpu: budget.required,
      usableBytesPerGpu: budget.usable,
      utilization: budget.required / budget.usable,
      fits: errors.length === 0,
      maxCachedTokens: budget.maxCachedTokens,
      smallestGpuCount,
      shmSize: shmSizeFor(inputs.gpuCount),
      cacheSize: cacheSizeFor(inputs.model),
      errors,
      warnings,
    };
  }

  private constructor() {}
}

/**
 * `/dev/shm` for a server on `gpuCount` GPUs. One GPU: 1Gi, the NCCL troubleshooting guide's
 * `--shm-size=1g` for containers. Tensor parallelism: 1Gi per GPU, because NCCL's shared-memory
 * transport creates a ~4 MiB segment per peer and channel ("failed to extend /dev/shm/nccl-* to
 * 4194660 bytes") and vLLM's workers exchange inputs through shared memory ("particularly for
 * tensor parallel inference", vLLM Docker docs); vllm-project/production-stack#276 shows the
 * runtime's 64 MiB default crashing TP pods. The size is a limit: only pages used count against
 * the container's memory.
 */
export function shmSizeFor(gpuCount: number): string {
  return `${Math.max(1, gpuCount)}Gi`;
}

/**
 * An emptyDir cache holds the model once: the download lands in `.<name>.partial` on the same
 * volume and is renamed, not copied. 10 % covers tokenizer and config files and the temporary
 * files a killed AWS CLI leaves behind; 1Gi covers small models' extras.
 */
function cacheSizeFor(model: ModelProfile): string {
  return `${Math.ceil((model.diskBytes * 1.1 + GIB) / GIB)}Gi`;
}

const GPU_FIT_KEYS = propKeys<GpuFitProps>('GpuFitProps', {
  model: true, accelerator: true, gpuCount: true, maxModelLength: true, concurrentSequences: true, memoryUtilization: true,
  runtimeOverhead: true, maxGpuCount: true,
});

function inputErrors(props: GpuFitProps): string[] {
  const keyErrors: string[] = [];
  knownProps('', props, GPU_FIT_KEYS, keyErrors);
  const errors = [...keyErrors, ...descriptionErrors(props), ...numberErrors(props)];
  if (errors.length === 0 && props.maxModelLength !== undefined && props.maxModelLength > props.model.maxContext) {
    errors.push(`maxModelLength: ${show(props.maxModelLength)} exceeds ${props.model.name}'s maximum context of ${props.model.maxContext} tokens; `
      + `engines refuse it unless RoPE scaling extends it. Fix: use at most ${props.model.maxContext}, or, for a context extended with `
      + `rope_scaling (YaRN; Qwen2.5 documents 131072 tokens), describe the model with ModelProfile.of({ ..., maxContext: ${props.maxModelLength} })`);
  }
  return errors;
}

/** The model and the accelerator: the right classes, with sensible contents. */
function descriptionErrors(props: GpuFitProps): string[] {
  const errors: string[] = [];
  if (!(props.model instanceof ModelProfile)) {
    errors.push(`model: ${show(props.model)} is not a ModelProfile. Fix: use ModelProfile.of({...}) or a preset such as ModelProfile.LLAMA_3_1_8B`);
  } else {
    errors.push(...modelProfileErrors(props.model, 'model'));
  }
  if (!(props.accelerator instanceof Accelerator)) {
    errors.push(`accelerator: ${show(props.accelerator)} is not an Accelerator. Fix: use e.g. Accelerator.NVIDIA_H100 or Accelerator.custom({...})`);
  } else {
    errors.push(...acceleratorErrors(props.accelerator, 'accelerator'));
  }
  return errors;
}

function numberErrors(props: GpuFitProps): string[] {
  const errors: string[] = [];
  wholeNumber('gpuCount', props.gpuCount, 1, 64, errors, 1);
  if (props.gpuCount === undefined) {
    errors.push('gpuCount: not given. Fix: give the number of GPUs per replica, e.g. 1');
  }
  wholeNumber('maxModelLength', props.maxModelLength, 1, Number.MAX_SAFE_INTEGER, errors, 8192);
  wholeNumber('concurrentSequences', props.concurrentSequences, 1, 1_000_000, errors, 1);
  wholeNumber('maxGpuCount', props.maxGpuCount, 1, 64, errors, 8);
  utilizationErrors(props.memoryUtilization, errors);
  quantity('runtimeOverhead', props.runtimeOverhead, errors);
  return errors;
}

/** A share of GPU memory: more than 0, at most 1. Shared with the engine presets. @internal */
export function utilizationErrors(value: number | undefined, errors: string[], field = 'memoryUtilization'): void {
  if (value !== undefined && !(typeof value === 'number' && value > 0 && value <= 1)) {
    errors.push(`${field}: ${show(value)} is not a share of GPU memory. Fix: use a fraction above 0 and at most 1, e.g. ${DEFAULT_GPU_MEMORY_UTILIZATION}`);
  }
}

function withDefaults(props: GpuFitProps): Inputs {
  const maxModelLength = props.maxModelLength ?? props.model.maxContext;
  const concurrentSequences = props.concurrentSequences ?? 1;
  return {
    model: props.model,
    accelerator: props.accelerator,
    gpuCount: props.gpuCount,
    tokens: maxModelLength * concurrentSequences,
    maxModelLength,
    concurrentSequences,
    memoryUtilization: props.memoryUtilization ?? DEFAULT_GPU_MEMORY_UTILIZATION,
    overhead: parseQuantity(props.runtimeOverhead ?? DEFAULT_RUNTIME_OVERHEAD) as number,
    maxGpuCount: props.maxGpuCount ?? DEFAULT_MAX_GPU_COUNT,
  };
}

function budgetFor(inputs: Inputs, gpuCount: number): Budget {
  const { model } = inputs;
  const kvBytesPerTokenPerGpu = model.kvCacheBytesPerToken * kvHeadsPerGpu(model, gpuCount) / model.kvHeads;
  const weights = model.weightBytes / gpuCount;
  const kvCache = kvBytesPerTokenPerGpu * inputs.tokens;
  const usable = inputs.memoryUtilization * inputs.accelerator.memoryBytes;
  const left = usable - weights - inputs.overhead;
  return {
    weights,
    kvCache,
    overhead: inputs.overhead,
    required: weights + kvCache + inputs.overhead,
    usable,
    maxCachedTokens: Math.max(0, Math.floor(left / kvBytesPerTokenPerGpu)),
  };
}

/** KV heads each rank holds: an equal share, or one replicated head when ranks outnumber heads. */
function kvHeadsPerGpu(model: ModelProfile, gpuCount: number): number {
  return Math.max(1, model.kvHeads / gpuCount);
}

/** An NVIDIA MIG profile's resource name, e.g. `nvidia.com/mig-1g.10gb` or `nvidia.com/mig-3g.40gb.shared`. */
const MIG_RESOURCE = /^nvidia\.com\/mig-/;

/**
 * Why several MIG devices cannot serve one model, or nothing: a CUDA process enumerates only
 * one MIG device (NVIDIA MIG user guide, "CUDA_VISIBLE_DEVICES"), and MIG devices have no
 * peer-to-peer or CUDA IPC between them, so tensor parallelism across them does not start.
 * In the `field: ... . Fix: ...` convention with the field `gpuCount`. @internal
 */
export function migTensorParallelError(resourceName: unknown, gpuCount: unknown): string | undefined {
  if (typeof resourceName !== 'string' || !MIG_RESOURCE.test(resourceName) || !(typeof gpuCount === 'number' && gpuCount > 1)) {
    return undefined;
  }
  return `gpuCount: ${gpuCount} MIG devices (${resourceName}) cannot serve one model: a CUDA process sees only one MIG device, `
    + 'and MIG devices have no peer-to-peer link for tensor parallelism. Fix: request 1 MIG device of a profile large enough, '
    + 'or whole GPUs (nvidia.com/gpu), or one replica per MIG device';
}

/** Whether `gpuCount` ranks can split the model's heads the way vLLM and SGLang require. */
function validTensorParallelSize(model: ModelProfile, gpuCount: number): boolean {
  const attentionOk = model.attentionHeads === undefined || model.attentionHeads % gpuCount === 0;
  const kvOk = model.kvHeads % gpuCount === 0 || gpuCount % model.kvHeads === 0;
  return attentionOk && kvOk;
}

function validCounts(inputs: Inputs): number[] {
  return Array.from({ length: inputs.maxGpuCount }, (_, i) => i + 1)
    .filter(n => validTensorParallelSize(inputs.model, n) && migTensorParallelError(inputs.accelerator.resourceName, n) === undefined);
}

function smallestFittingCount(inputs: Inputs): number | undefined {
  return validCounts(inputs).find(n => {
    const budget = budgetFor(inputs, n);
    return budget.required <= budget.usable;
  });
}

function fitErrors(inputs: Inputs, budget: Budget, smallest: number | undefined, errors: string[]): void {
  const mig = migTensorParallelError(inputs.accelerator.resourceName, inputs.gpuCount);
  if (mig) {
    errors.push(mig);
    return;
  }
  if (!validTensorParallelSize(inputs.model, inputs.gpuCount)) {
    errors.push(`gpuCount: ${inputs.gpuCount} GPUs cannot split ${describeModel(inputs.model)}'s ${headsText(inputs.model)} evenly; `
      + `vLLM and SGLang refuse such a tensor-parallel size. Fix: use ${orList(validCounts(inputs).map(String))} GPUs`);
    return;
  }
  if (budget.required > budget.usable) {
    errors.push(`gpuCount: ${describeModel(inputs.model)} does not fit ${inputs.gpuCount} × ${inputs.accelerator.name}: each GPU needs `
      + `${breakdown(inputs, budget)}, more than the ${gib(budget.usable)} the engine may use (${inputs.memoryUtilization} × ${gib(inputs.accelerator.memoryBytes)}); `
      + `${leftover(budget)}. Fix: ${remedies(inputs, smallest)}`);
  }
}

function leftover(budget: Budget): string {
  return budget.maxCachedTokens === 0 ? 'weights and runtime alone exceed it' : `the memory left holds a KV cache of ${budget.maxCachedTokens} tokens`;
}

function nearlyFullWarning(inputs: Inputs, budget: Budget): string {
  return `gpuCount: ${describeModel(inputs.model)} on ${inputs.gpuCount} × ${inputs.accelerator.name} needs ${percent(budget.required / budget.usable)} `
    + `of the ${gib(budget.usable)} per GPU the engine may use (${breakdown(inputs, budget)}), leaving less than 10 % for the estimate's error. `
    + `Fix: leave headroom with ${orList(['more GPUs', ...LIGHTER])}`;
}

function breakdown(inputs: Inputs, budget: Budget): string {
  return `${gib(budget.weights)} weights + ${gib(budget.kvCache)} KV cache (${inputs.maxModelLength} tokens × ${inputs.concurrentSequences} `
    + `sequence${inputs.concurrentSequences === 1 ? '' : 's'}) + ${gib(budget.overhead)} runtime = ${gib(budget.required)}`;
}

function remedies(inputs: Inputs, smallest: number | undefined): string {
  const more = smallest !== undefined && smallest > inputs.gpuCount ? [`use ${smallest} GPUs (the smallest count that fits)`] : [];
  const moreMissing = smallest === undefined ? [`no count up to ${inputs.maxGpuCount} GPUs fits: use a larger accelerator`] : [];
  return [...more, ...moreMissing, ...LIGHTER].join(', or ');
}

/** Ways to need less memory per GPU without more GPUs. */
const LIGHTER = ['a shorter maxModelLength', 'fewer concurrentSequences', 'fp8 weights or KV cache (WeightDtype.FP8, KvCacheDtype.FP8)'];

function describeModel(model: ModelProfile): string {
  return `${model.name} (${model.dtype.name})`;
}

function headsText(model: ModelProfile): string {
  return model.attentionHeads === undefined ? `${model.kvHeads} KV heads` : `${model.attentionHeads} attention heads and ${model.kvHeads} KV heads`;
}

function orList(items: string[]): string {
  return items.length <= 1 ? items.join('') : `${items.slice(0, -1).join(', ')} or ${items[items.length - 1]}`;
}

function gib(bytes: number): string {
  return `${(bytes / GIB).toFixed(1)} GiB`;
}

function percent(share: number): string {
  return `${Math.round(share * 100)} %`;
}

function unplanned(errors: string[]): GpuFitPlan {
  return {
    weightBytesPerGpu: 0, kvCacheBytesPerToken: 0, kvCacheBytesPerGpu: 0, overheadBytesPerGpu: 0, requiredBytesPerGpu: 0,
    usableBytesPerGpu: 0, utilization: 0, fits: false, maxCachedTokens: 0, smallestGpuCount: undefined,
    shmSize: shmSizeFor(1), cacheSize: '0Gi', errors, warnings: [],
  };
}
