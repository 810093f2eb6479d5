import { InferenceEngine } from './engines/inference-engine';
import { DEFAULT_GPU_RESOURCE, GpuProps, MAX_GPU_COUNT } from './gpu';
import { Accelerator, acceleratorErrors } from './planning/accelerator';
import { DEFAULT_GPU_MEMORY_UTILIZATION, GpuFit, GpuFitPlan, migTensorParallelError, shmSizeFor } from './planning/gpu-fit';
import { ModelProfile } from './planning/model-profile';
import { HealthCheck } from './probes';
import { show } from './validation/_helpers';

/** The model a workload serves, for the GPU-fit plan at synth. */
export interface ModelFitOptions {
  /** The model's shape: a preset such as `ModelProfile.LLAMA_3_1_8B`, or `ModelProfile.of({...})`. */
  readonly profile: ModelProfile;
  /**
   * Sequences that must fit in the KV cache at full length at the same time.
   * @default 1
   */
  readonly concurrentSequences?: number;
  /**
   * Longest sequence (prompt + output) the server accepts. With an engine, set
   * `maxModelLength` on the engine instead: it is written on the command line too.
   * @default - the engine's maxModelLength, else the model's maxContext
   */
  readonly maxModelLength?: number;
  /**
   * GPU memory besides weights and KV cache (CUDA context, NCCL, CUDA graphs, activations).
   * @default '3.5Gi'
   */
  readonly runtimeOverhead?: string;
}

/** What the engine, the accelerator and the plan decide for the server. @internal */
export interface ServingPlan {
  readonly image?: string;
  readonly command?: string[];
  readonly args?: string[];
  readonly port?: number;
  readonly health?: HealthCheck;
  /** Env the engine needs (the user's env wins). */
  readonly env: { [name: string]: string };
  /** The extended resource a GPU is requested as. */
  readonly gpuResource: string;
  /** Node labels that select the accelerator (the user's gpu.nodeSelector wins). */
  readonly nodeSelector: { [label: string]: string };
  /** `/dev/shm` for the tensor-parallel size, unless the user set gpu.shmSize. */
  readonly shmSize?: string;
  /** emptyDir size for the model's weights. */
  readonly modelCacheSize?: string;
  /** Warnings in the `field: ... . Fix: ...` convention, reported at render. */
  readonly warnings: string[];
}

/** Minimal shape of the props the plan reads (InferenceWorkloadProps). @internal */
export interface ServingInputs {
  readonly server: {
    readonly image?: string;
    readonly command?: string[];
    readonly args?: string[];
    readonly port?: number;
    readonly engine?: InferenceEngine;
  };
  readonly gpu?: GpuProps;
  readonly model?: ModelFitOptions;
}

/**
 * Resolves the engine's command line, the accelerator's resource and node selector, and the
 * GPU-fit plan; pushes every problem into `errors`, with fields named as the user wrote them.
 * @internal
 */
export function planServing(props: ServingInputs, errors: string[]): ServingPlan {
  const gpu = props.gpu;
  const accelerator = gpu?.accelerator;
  const warnings: string[] = [];
  if (accelerator !== undefined) {
    if (accelerator instanceof Accelerator) {
      errors.push(...acceleratorErrors(accelerator, 'gpu.accelerator'));
    } else {
      errors.push(`gpu.accelerator: ${show(accelerator)} is not an Accelerator. Fix: use e.g. Accelerator.NVIDIA_H100 or Accelerator.custom({...})`);
    }
  }
  const known = accelerator instanceof Accelerator ? accelerator : undefined;
  if (known && gpu?.resourceName !== undefined && gpu.resourceName !== known.resourceName) {
    errors.push(`gpu.resourceName: ${show(gpu.resourceName)} differs from ${known.name}'s ${show(known.resourceName)}. Fix: remove resourceName (the accelerator names it)`);
  }
  const engine = enginePart(props, errors);
  const gpuResource = (typeof gpu?.resourceName === 'string' ? gpu.resourceName : undefined) ?? known?.resourceName ?? DEFAULT_GPU_RESOURCE;
  // an engine shards over gpu.count devices; the plan says the same for a model (deduplicated below)
  const mig = props.server.engine instanceof InferenceEngine && engine.command ? migTensorParallelError(gpuResource, gpu?.count) : undefined;
  if (mig) {
    errors.push(renameField(mig, () => 'gpu.count'));
  }
  const fit = fitPart(props, known, errors, warnings);
  return {
    ...engine,
    // a resourceName that is not a string is reported with the server's props; render with the default meanwhile
    gpuResource,
    nodeSelector: known?.nodeSelector() ?? {},
    shmSize: fit?.shmSize,
    modelCacheSize: fit?.cacheSize,
    warnings,
  };
}

function enginePart(props: ServingInputs, errors: string[]): Pick<ServingPlan, 'image' | 'command' | 'args' | 'port' | 'health' | 'env'> {
  const server = props.server;
  const engine = server.engine;
  if (engine === undefined) {
    return { image: server.image, command: server.command, args: server.args, port: server.port, env: {} };
  }
  if (!(engine instanceof InferenceEngine)) {
    errors.push(`server.engine: ${show(engine)} is not an InferenceEngine. Fix: use e.g. InferenceEngine.vllm({ maxModelLength: 32768 })`);
    return { image: server.image, command: server.command, args: server.args, port: server.port, env: {} };
  }
  const rendered = engine.render({ gpuCount: props.gpu?.count as number, port: server.port });
  errors.push(...rendered.errors.map(e => renameField(e, f => (f === 'gpuCount' ? 'gpu.count' : f.startsWith('server.') ? f : `server.engine.${f}`)))
    .filter(e => !saidByServer(e, props)));
  if (rendered.command && (server.command !== undefined || server.args !== undefined)) {
    const field = server.command !== undefined ? 'server.command' : 'server.args';
    errors.push(`${field}: ${show(server.command ?? server.args)} is given with server.engine, which writes the ${engine.name} command line. `
      + 'Fix: remove it; pass further flags as the engine\'s extraArgs');
  }
  return {
    image: server.image ?? rendered.image,
    command: rendered.command ?? server.command,
    args: rendered.command ? rendered.args : server.args,
    port: rendered.port,
    health: rendered.health,
    env: rendered.env,
  };
}

function fitPart(
  props: ServingInputs, accelerator: Accelerator | undefined, errors: string[], warnings: string[],
): { shmSize: string; cacheSize: string } | undefined {
  const model = props.model;
  if (model === undefined) {
    return undefined;
  }
  if (model === null || typeof model !== 'object') {
    errors.push(`model: ${show(model)} is not a model to plan for. Fix: give { profile: ModelProfile.LLAMA_3_1_8B } or leave it out`);
    return undefined;
  }
  if (!props.gpu || accelerator === undefined) {
    errors.push(`model: planning ${show(model.profile?.name ?? model.profile)} needs the GPUs it runs on. `
      + 'Fix: set gpu: { count, accelerator } (e.g. accelerator: Accelerator.NVIDIA_H100) or remove model');
    return undefined;
  }
  const fromEngine: { maxModelLength?: number; memoryUtilization?: number; nodes?: number } =
    props.server.engine instanceof InferenceEngine ? props.server.engine._planInputs : {};
  const nodes = fromEngine.nodes ?? 1;
  if (model.maxModelLength !== undefined && fromEngine.maxModelLength !== undefined && model.maxModelLength !== fromEngine.maxModelLength) {
    errors.push(`model.maxModelLength: ${show(model.maxModelLength)} differs from the engine's maxModelLength ${show(fromEngine.maxModelLength)}; `
      + 'the plan would check another length than the engine serves. Fix: set it on the engine only');
    return undefined;
  }
  const plan = GpuFit.plan({
    model: model.profile,
    accelerator,
    // the weights shard over the GPUs of every pod the engine spans
    gpuCount: props.gpu.count * nodes,
    maxModelLength: fromEngine.maxModelLength ?? model.maxModelLength,
    concurrentSequences: model.concurrentSequences,
    memoryUtilization: fromEngine.memoryUtilization,
    runtimeOverhead: model.runtimeOverhead,
  });
  const engineSet = fromEngine.maxModelLength !== undefined;
  const rename = (f: string) => (f === 'gpuCount' && nodes > 1 ? 'gpu.count × server.engine.nodes' : PLAN_FIELDS[f]) ?? (f === 'maxModelLength' ? (engineSet ? 'server.engine.maxModelLength' : 'model.maxModelLength')
    : f.startsWith('model.') ? `model.profile.${f.slice(6)}` : f.startsWith('accelerator.') ? `gpu.${f}` : `model.${f}`);
  // the accelerator's own errors are reported once, by planServing
  errors.push(...plan.errors.map(e => renameField(e, rename)).filter(e => !errors.includes(e) && !saidByServer(e, props)));
  warnings.push(...plan.warnings.map(w => renameField(w, rename)));
  const outside = props.server.engine instanceof InferenceEngine && props.server.engine.name === 'sglang' && plan.errors.length === 0
    ? runtimeOutsideStaticShare(plan, accelerator, fromEngine.memoryUtilization ?? DEFAULT_GPU_MEMORY_UTILIZATION) : undefined;
  if (outside) {
    errors.push(outside);
  }
  // /dev/shm serves the GPUs of this pod (NCCL's segments per local peer), not those of the whole group
  return { shmSize: nodes > 1 ? shmSizeFor(props.gpu.count) : plan.shmSize, cacheSize: plan.cacheSize };
}

/**
 * SGLang's `--mem-fraction-static` is the share for weights and the KV cache pool, which fills it
 * whole; activations, CUDA graphs, NCCL and the CUDA context live in the rest
 * (python/sglang/srt/server_args.py reserves it: 2.8 GB and more on 24 GB cards, 9.5 GB and more on
 * 80 GB ones). Unlike vLLM's share, the runtime the plan counts must fit outside it.
 */
function runtimeOutsideStaticShare(plan: GpuFitPlan, accelerator: Accelerator, fraction: number): string | undefined {
  const memory = accelerator.memoryBytes;
  const rest = (1 - fraction) * memory;
  if (!(plan.overheadBytesPerGpu > rest)) {
    return undefined;
  }
  const most = Math.floor((1 - plan.overheadBytesPerGpu / memory) * 100) / 100;
  const gib = (bytes: number) => `${(bytes / 2 ** 30).toFixed(2)} GiB`;
  return `server.engine.gpuMemoryUtilization: ${fraction} is SGLang's --mem-fraction-static, the share its weights and KV cache pool fill whole; `
    + `on ${accelerator.name} that leaves ${gib(rest)} for activations, CUDA graphs and NCCL, less than the ${gib(plan.overheadBytesPerGpu)} runtime the plan counts, `
    + `and the server runs out of memory at CUDA-graph capture or the first long prefill. Fix: set gpuMemoryUtilization to at most ${most}`
    + ', or a smaller model.runtimeOverhead if you measured one';
}

/**
 * Whether `error` is the engine's or the plan's range check of a GPU count that the server's own
 * check of `gpu.count` (a whole number from 1 to 1024) refuses already: one line per mistake,
 * not two with different ranges.
 */
function saidByServer(error: string, props: ServingInputs): boolean {
  const count = props.gpu?.count;
  // the server's prop checks report a server.port that is not a port number (`'8000'`) themselves
  return (error.startsWith('server.port: ') && / must be a whole number from /.test(error))
    || (error.startsWith('gpu.count: ') && / must be a whole number from /.test(error)
      && !(Number.isInteger(count) && (count as number) >= 1 && (count as number) <= MAX_GPU_COUNT));
}

/** The plan's own field names, as the workload's props spell them. */
const PLAN_FIELDS: { [field: string]: string } = {
  gpuCount: 'gpu.count',
  memoryUtilization: 'server.engine.gpuMemoryUtilization',
  model: 'model.profile',
  accelerator: 'gpu.accelerator',
};

/** `field: rest` with the field renamed. */
function renameField(text: string, rename: (field: string) => string): string {
  const colon = text.indexOf(': ');
  return colon < 0 ? text : `${rename(text.slice(0, colon))}${text.slice(colon)}`;
}
