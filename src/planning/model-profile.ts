import { parseQuantity } from '../quantity';
import { show } from '../validation/_helpers';
import { knownProps, propKeys, quantity, snapshot, wholeNumber } from '../validation/_prop-checks';

/**
 * How model weights are stored in GPU memory: bytes per parameter.
 *
 * Quantized formats also store scales (for int4 with group size 128, about 3 % more); the
 * planner's runtime overhead absorbs that.
 */
export class WeightDtype {
  /** 32-bit float: 4 bytes per parameter. */
  public static readonly FP32 = new WeightDtype('fp32', 4);
  /** bfloat16, the dtype most checkpoints ship in: 2 bytes per parameter. */
  public static readonly BF16 = new WeightDtype('bf16', 2);
  /** float16: 2 bytes per parameter. */
  public static readonly FP16 = new WeightDtype('fp16', 2);
  /** FP8 (e4m3) weights, e.g. an FP8 checkpoint or vLLM `--quantization fp8`: 1 byte per parameter. */
  public static readonly FP8 = new WeightDtype('fp8', 1);
  /** INT8 weights (W8A8, W8A16): 1 byte per parameter. */
  public static readonly INT8 = new WeightDtype('int8', 1);
  /** INT4 weights (AWQ, GPTQ): half a byte per parameter. */
  public static readonly INT4 = new WeightDtype('int4', 0.5);

  private constructor(
    /** Name used in messages. */
    public readonly name: string,
    /** Bytes one parameter takes. */
    public readonly bytesPerParameter: number,
  ) {}
}

/** The dtype of the KV cache: bytes per cached element. */
export class KvCacheDtype {
  /** 32-bit float: 4 bytes per element. */
  public static readonly FP32 = new KvCacheDtype('fp32', 4);
  /** bfloat16: 2 bytes per element. */
  public static readonly BF16 = new KvCacheDtype('bf16', 2);
  /** float16: 2 bytes per element. */
  public static readonly FP16 = new KvCacheDtype('fp16', 2);
  /** FP8 (vLLM `--kv-cache-dtype fp8`, SGLang `fp8_e4m3`): 1 byte per element, half the bf16 cache. */
  public static readonly FP8 = new KvCacheDtype('fp8', 1);

  private constructor(
    /** Name used in messages. */
    public readonly name: string,
    /** Bytes one cached element takes. */
    public readonly bytesPerElement: number,
  ) {}
}

/** What the planner needs to know about a model: the numbers of its `config.json`. */
export interface ModelProfileProps {
  /**
   * Name used in messages.
   * @default 'the model'
   */
  readonly name?: string;
  /** Number of parameters, e.g. `8_030_261_248`. */
  readonly parameters: number;
  /** How the weights are held in GPU memory. */
  readonly dtype: WeightDtype;
  /** Transformer layers (`num_hidden_layers`). */
  readonly layers: number;
  /**
   * Key/value heads (`num_key_value_heads`; equal to the attention heads without grouped-query
   * attention). Multi-head latent attention (DeepSeek-V2/V3) caches one latent vector per layer,
   * replicated on every rank: give 1, with `headDim` (kv_lora_rank + qk_rope_head_dim) / 2.
   */
  readonly kvHeads: number;
  /** Dimension of one head (`head_dim`, or `hidden_size / num_attention_heads`). */
  readonly headDim: number;
  /**
   * Attention (query) heads (`num_attention_heads`). vLLM and SGLang refuse a tensor-parallel
   * size that does not divide them, so the planner checks it when given.
   * @default - not checked
   */
  readonly attentionHeads?: number;
  /** Longest context the model supports (`max_position_embeddings`), in tokens. */
  readonly maxContext: number;
  /**
   * dtype of the KV cache.
   * @default - the weights' dtype for fp32/bf16/fp16 weights; bf16 for quantized weights, whose activations stay 16-bit
   */
  readonly kvCacheDtype?: KvCacheDtype;
  /**
   * Size of the downloaded weights, as a quantity (`'16Gi'`), when it differs from
   * `parameters × dtype` (e.g. a bf16 checkpoint quantized to fp8 when loaded).
   * @default - parameters × bytes per parameter of `dtype`
   */
  readonly sizeOnDisk?: string;
}

/**
 * A model as the GPU-fit planner sees it: parameters, dtype and the attention shape that
 * decides the KV cache.
 *
 * Presets carry the values of the model's `config.json` on the Hugging Face Hub; parameter
 * counts are computed from those dimensions (embeddings, attention, MLP, norms, untied LM head).
 */
export class ModelProfile {
  /**
   * meta-llama/Llama-3.1-8B(-Instruct), bf16: 8,030,261,248 parameters, 32 layers, 32 attention
   * heads, 8 KV heads, head_dim 128, 131,072-token context (config.json; also
   * oumi-ai/oumi:configs/recipes/llama3_1/README.md).
   */
  public static readonly LLAMA_3_1_8B = ModelProfile.of({
    name: 'Llama-3.1-8B', parameters: 8_030_261_248, dtype: WeightDtype.BF16,
    layers: 32, attentionHeads: 32, kvHeads: 8, headDim: 128, maxContext: 131_072,
  });
  /**
   * meta-llama/Llama-3.1-70B(-Instruct), bf16: 70,553,706,496 parameters, 80 layers, 64
   * attention heads, 8 KV heads, head_dim 128, 131,072-token context (config.json).
   */
  public static readonly LLAMA_3_1_70B = ModelProfile.of({
    name: 'Llama-3.1-70B', parameters: 70_553_706_496, dtype: WeightDtype.BF16,
    layers: 80, attentionHeads: 64, kvHeads: 8, headDim: 128, maxContext: 131_072,
  });
  /**
   * mistralai/Mistral-7B-Instruct-v0.3, bf16: 7,248,023,552 parameters, 32 layers, 32
   * attention heads, 8 KV heads, head_dim 128, vocabulary 32,768, 32,768-token context (config.json).
   */
  public static readonly MISTRAL_7B_V0_3 = ModelProfile.of({
    name: 'Mistral-7B-v0.3', parameters: 7_248_023_552, dtype: WeightDtype.BF16,
    layers: 32, attentionHeads: 32, kvHeads: 8, headDim: 128, maxContext: 32_768,
  });
  /**
   * Qwen/Qwen2.5-7B-Instruct, bf16: 7,615,616,512 parameters, 28 layers, 28 attention heads,
   * 4 KV heads, head_dim 128 (hidden 3584 / 28), 32,768-token context without YaRN (config.json).
   */
  public static readonly QWEN_2_5_7B = ModelProfile.of({
    name: 'Qwen2.5-7B', parameters: 7_615_616_512, dtype: WeightDtype.BF16,
    layers: 28, attentionHeads: 28, kvHeads: 4, headDim: 128, maxContext: 32_768,
  });
  /**
   * Qwen/Qwen2.5-72B-Instruct, bf16: 72,706,203,648 parameters, 80 layers, 64 attention heads,
   * 8 KV heads, head_dim 128, 32,768-token context without YaRN (config.json).
   */
  public static readonly QWEN_2_5_72B = ModelProfile.of({
    name: 'Qwen2.5-72B', parameters: 72_706_203_648, dtype: WeightDtype.BF16,
    layers: 80, attentionHeads: 64, kvHeads: 8, headDim: 128, maxContext: 32_768,
  });

  /** A model described by its numbers. */
  public static of(props: ModelProfileProps): ModelProfile {
    return new ModelProfile(snapshot(props ?? ({} as ModelProfileProps)));
  }

  /** Name used in messages. */
  public readonly name: string;
  /** Number of parameters. */
  public readonly parameters: number;
  /** How the weights are held in GPU memory. */
  public readonly dtype: WeightDtype;
  /** Transformer layers. */
  public readonly layers: number;
  /** Key/value heads. */
  public readonly kvHeads: number;
  /** Dimension of one head. */
  public readonly headDim: number;
  /** Attention (query) heads, when known. */
  public readonly attentionHeads?: number;
  /** Longest supported context, in tokens. */
  public readonly maxContext: number;
  /** dtype of the KV cache. */
  public readonly kvCacheDtype: KvCacheDtype;
  /** Size of the downloaded weights as given, when given. */
  public readonly sizeOnDisk?: string;

  /** The props as given, whose keys `modelProfileErrors` checks. @internal */
  public get _props(): ModelProfileProps {
    return this.props;
  }

  private constructor(private readonly props: ModelProfileProps) {
    this.name = props.name ?? 'the model';
    this.parameters = props.parameters;
    this.dtype = props.dtype;
    this.layers = props.layers;
    this.kvHeads = props.kvHeads;
    this.headDim = props.headDim;
    this.attentionHeads = props.attentionHeads;
    this.maxContext = props.maxContext;
    this.kvCacheDtype = props.kvCacheDtype ?? defaultKvCacheDtype(props.dtype);
    this.sizeOnDisk = props.sizeOnDisk;
  }

  /**
   * The same model with its weights in another dtype (a quantized checkpoint, or quantization
   * when loaded). The KV cache dtype and the size on disk follow the new dtype unless they were
   * set explicitly; for on-the-fly quantization of a bf16 checkpoint, set `sizeOnDisk`.
   */
  public withDtype(dtype: WeightDtype): ModelProfile {
    return new ModelProfile({ ...this.props, dtype });
  }

  /** The same model with its KV cache in another dtype (e.g. `KvCacheDtype.FP8`). */
  public withKvCacheDtype(kvCacheDtype: KvCacheDtype): ModelProfile {
    return new ModelProfile({ ...this.props, kvCacheDtype });
  }

  /** Bytes the weights take in GPU memory: parameters × bytes per parameter. */
  public get weightBytes(): number {
    return this.parameters * this.dtype.bytesPerParameter;
  }

  /**
   * Bytes of KV cache one token takes across all layers and heads:
   * 2 (K and V) × layers × KV heads × head dim × bytes per element.
   */
  public get kvCacheBytesPerToken(): number {
    return 2 * this.layers * this.kvHeads * this.headDim * this.kvCacheDtype.bytesPerElement;
  }

  /** Bytes of the downloaded weights: `sizeOnDisk` when given, else the weights' size. */
  public get diskBytes(): number {
    return this.sizeOnDisk === undefined ? this.weightBytes : parseQuantity(String(this.sizeOnDisk)) ?? NaN;
  }
}

/** Quantized weights still compute (and cache K/V) in 16 bits; vLLM's `auto` follows the model dtype. */
function defaultKvCacheDtype(dtype: WeightDtype | undefined): KvCacheDtype {
  if (dtype === WeightDtype.FP32) return KvCacheDtype.FP32;
  if (dtype === WeightDtype.FP16) return KvCacheDtype.FP16;
  return KvCacheDtype.BF16;
}

/** Upper bounds that no real model reaches: they catch unit slips (a context in bytes, layers × 1000). */
const LIMITS = { layers: 1_000, heads: 1_024, headDim: 4_096, maxContext: 100_000_000 };

const MODEL_PROFILE_KEYS = propKeys<ModelProfileProps>('ModelProfileProps', {
  name: true, parameters: true, dtype: true, layers: true, kvHeads: true, headDim: true, attentionHeads: true, maxContext: true,
  kvCacheDtype: true, sizeOnDisk: true,
});

/**
 * The problems of a model description, in the `field: ... . Fix: ...` convention.
 * @internal
 */
export function modelProfileErrors(model: ModelProfile, field: string): string[] {
  const errors: string[] = [];
  knownProps(field, model._props, MODEL_PROFILE_KEYS, errors);
  if (typeof model.parameters !== 'number' || !Number.isFinite(model.parameters) || model.parameters < 1e6) {
    errors.push(`${field}.parameters: ${show(model.parameters)} is not a parameter count. `
      + 'Fix: give the number of parameters, e.g. 8_030_261_248 for an 8B model (not 8)');
  }
  if (!(model.dtype instanceof WeightDtype)) {
    errors.push(`${field}.dtype: ${show(model.dtype)} is not a weight dtype. Fix: use e.g. WeightDtype.BF16`);
  }
  if (!(model.kvCacheDtype instanceof KvCacheDtype)) {
    errors.push(`${field}.kvCacheDtype: ${show(model.kvCacheDtype)} is not a KV cache dtype. Fix: use e.g. KvCacheDtype.FP8`);
  }
  wholeNumber(`${field}.layers`, model.layers, 1, LIMITS.layers, errors, 32);
  wholeNumber(`${field}.kvHeads`, model.kvHeads, 1, LIMITS.heads, errors, 8);
  wholeNumber(`${field}.headDim`, model.headDim, 1, LIMITS.headDim, errors, 128);
  wholeNumber(`${field}.attentionHeads`, model.attentionHeads, 1, LIMITS.heads, errors, 32);
  wholeNumber(`${field}.maxContext`, model.maxContext, 1, LIMITS.maxContext, errors, 131072);
  quantity(`${field}.sizeOnDisk`, model.sizeOnDisk, errors, true);
  if (errors.length === 0 && model.attentionHeads !== undefined && model.attentionHeads % model.kvHeads !== 0) {
    errors.push(`${field}.kvHeads: ${show(model.kvHeads)} does not divide attentionHeads ${show(model.attentionHeads)}; `
      + 'grouped-query attention shares each KV head among a whole number of query heads. '
      + 'Fix: copy num_key_value_heads and num_attention_heads from the model\'s config.json');
  }
  return errors;
}
