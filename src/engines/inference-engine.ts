import { deepFreeze } from '../_memo';
import { DEFAULT_GPU_MEMORY_UTILIZATION, utilizationErrors } from '../planning/gpu-fit';
import { HealthCheck } from '../probes';
import { kubeletLiteral, show } from '../validation/_helpers';
import { absolutePath, knownProps, portNumber, propKeys, snapshot, wholeNumber } from '../validation/_prop-checks';

/**
 * Pinned default images of the engines that render a command (no `:latest`); override with
 * `EngineOptions.image`.
 */
export const ENGINE_IMAGES = deepFreeze({
  /** vLLM's OpenAI-compatible server. */
  vllm: 'vllm/vllm-openai:v0.21.0',
  /** SGLang. */
  sglang: 'lmsysorg/sglang:v0.5.12',
  /** Hugging Face Text Generation Inference, last release before maintenance mode. */
  tgi: 'ghcr.io/huggingface/text-generation-inference:3.3.7',
});

/** Options of an engine whose command line the library writes. */
export interface EngineOptions {
  /**
   * The server image.
   * @default - the engine's pinned image in `ENGINE_IMAGES`
   */
  readonly image?: string;
  /**
   * The model name clients send (`"model": ...`) and `/v1/models` lists (vLLM and SGLang
   * `--served-model-name`). TGI's launcher has no such flag, so it is refused there.
   * @default - the engine's default: the model path
   */
  readonly servedModelName?: string;
  /**
   * Longest sequence (prompt + output) in tokens (vLLM `--max-model-len`, SGLang
   * `--context-length`, TGI `--max-total-tokens`). The KV cache must hold at least one such
   * sequence or the engine refuses to start.
   * @default - the model's maximum context
   */
  readonly maxModelLength?: number;
  /**
   * Share of each GPU's memory the engine may use (vLLM `--gpu-memory-utilization`, SGLang
   * `--mem-fraction-static`, TGI `--cuda-memory-fraction`). Always written: vLLM changed its
   * own default from 0.9 to 0.92, and the GPU-fit plan must use the same number.
   * @default 0.9
   */
  readonly gpuMemoryUtilization?: number;
  /**
   * Tensor-parallel size. It must equal the number of GPUs the server requests (times `nodes`);
   * leave it unset and it follows the GPU count.
   * @default - the GPU count times `nodes`
   */
  readonly tensorParallelSize?: number;
  /**
   * Pods the one model spans (SGLang `--nnodes`), each requesting the workload's GPUs: the pods
   * of a LeaderWorkerSet group or of a StatefulSet, all rendered from the same engine. Tensor
   * parallelism is then the GPU count times `nodes` (`--tp-size 16` over two pods of 8 GPUs).
   * The rank of each pod and the first pod's address differ per pod, so they are not rendered:
   * give `--node-rank` and `--dist-init-addr` in `extraArgs` (in a LeaderWorkerSet
   * `$(LWS_WORKER_INDEX)` and `$(LWS_LEADER_ADDRESS):20000`, with those names in the pod's
   * `injectedEnv`); without them every pod would take rank 0 and wait on its own address.
   * Only SGLang's launcher spans pods itself: vLLM does it through Ray, TGI not at all, and both
   * refuse `nodes` above 1.
   * @default 1
   */
  readonly nodes?: number;
  /**
   * Port the server listens on.
   * @default - the engine's default: 8000 for vLLM, 30000 for SGLang, 8080 for TGI
   */
  readonly port?: number;
  /**
   * More arguments, appended after the rendered ones. Flags the options render (port, model,
   * tensor parallelism, ...) are refused here: set the option instead.
   * @default - none
   */
  readonly extraArgs?: string[];
}

/** Options of an engine the library only probes: the image and command stay the user's. */
export interface HealthOnlyEngineOptions {
  /**
   * Port the server listens on.
   * @default 8000
   */
  readonly port?: number;
}

/** What the workload tells the engine when rendering it. */
export interface EngineRenderContext {
  /** GPUs the server container requests. */
  readonly gpuCount: number;
  /**
   * Environment variable holding the model's path (set by `ModelPrepInit`), passed with
   * Kubernetes' `$(VAR)` expansion in args.
   * @default 'MODEL_PATH'
   */
  readonly modelPathEnv?: string;
  /**
   * A literal model path (written with each `$` doubled, so the kubelet passes it as given); when set, `modelPathEnv` is not used.
   * @default - the `modelPathEnv` variable
   */
  readonly modelPath?: string;
  /**
   * The server port the workload declares, if any; it must match the engine's port.
   * @default - the engine's port
   */
  readonly port?: number;
}

/** An engine rendered for one container. */
export interface RenderedEngine {
  /** Image to run, when the engine has one. */
  readonly image?: string;
  /** The container command, when the engine writes one. */
  readonly command?: string[];
  /** The container args. */
  readonly args: string[];
  /** Port the server listens on. */
  readonly port: number;
  /** Path that answers 200 only once the model is loaded (startup and readiness probes). */
  readonly healthPath: string;
  /** Path the liveness probe calls. */
  readonly livenessPath: string;
  /** The health check for the server, built from the two paths. */
  readonly health: HealthCheck;
  /** Environment variables the engine needs. */
  readonly env: { [name: string]: string };
  /** Problems that must fail synth, in the `field: ... . Fix: ...` convention. */
  readonly errors: string[];
}

/** How an engine spells the flags the options render. */
interface Flags {
  /** The model flag, or undefined when the model is the first positional argument. */
  readonly model?: string;
  readonly tensorParallel: string;
  readonly maxModelLength: string;
  readonly memoryUtilization: string;
  /** The served-model-name flag, or undefined when the engine has none (TGI's launcher). */
  readonly servedModelName?: string;
  readonly port: string;
  /** Arguments every pod needs, e.g. SGLang's `--host 0.0.0.0` (it binds 127.0.0.1 otherwise). */
  readonly always: string[];
  /** Spellings of rendered flags (aliases included) that extraArgs may not repeat. */
  readonly reserved: string[];
  /**
   * The flag for the number of pods the model spans, and the flags each pod must add for its
   * own rank and the first pod's address; undefined when the launcher cannot span pods.
   */
  readonly nodes?: { readonly flag: string; readonly perPod: ReadonlyArray<ReadonlyArray<string>> };
  /** Whether the engine reads `--max_model_len` as `--max-model-len` (vLLM's FlexibleArgumentParser does). */
  readonly underscores?: boolean;
  /**
   * Whether the engine's parser reads an unambiguous prefix of a long flag as the flag (Python
   * argparse's default, `allow_abbrev=True`): `--context-len` is `--context-length`, and the
   * last occurrence wins.
   */
  readonly abbreviations?: boolean;
  /**
   * One-letter flags (clap `short`) that take their value attached too: `-p9000`, `-p=9000`.
   */
  readonly shortFlags?: string[];
}

/** One engine: where it listens, how it answers health checks and, optionally, its command line. */
interface EngineSpec {
  readonly name: string;
  readonly defaultPort: number;
  readonly health: HealthCheck;
  readonly healthPath: string;
  readonly livenessPath: string;
  readonly command?: string[];
  readonly image?: string;
  readonly flags?: Flags;
  /** The model comes from a local path: no Hub lookups at start (they hang in air-gapped clusters). */
  readonly env: { [name: string]: string };
}

const ENGINE_KEYS = propKeys<EngineOptions>('EngineOptions', {
  image: true, servedModelName: true, maxModelLength: true, gpuMemoryUtilization: true, tensorParallelSize: true, nodes: true, port: true,
  extraArgs: true,
});
/** Most pods one model may span: a sanity bound, far above any public multi-node deployment. */
const MAX_NODES = 64;
const HEALTH_ONLY_ENGINE_KEYS = propKeys<HealthOnlyEngineOptions>('HealthOnlyEngineOptions', { port: true });
const RENDER_CONTEXT_KEYS = propKeys<EngineRenderContext>('EngineRenderContext', { gpuCount: true, modelPathEnv: true, modelPath: true, port: true });
/** Whether `text` has a control character: a flag value with a line break or NUL is never what a user meant, and splits log lines. */
function hasControlCharacter(text: string): boolean {
  return [...text].some(ch => ch.charCodeAt(0) < 0x20 || ch.charCodeAt(0) === 0x7f);
}

const OFFLINE = { HF_HUB_OFFLINE: '1' };
/**
 * vLLM and SGLang cache under HOME at start: torch.compile's artifacts (`~/.cache/vllm`), vLLM's
 * config (`~/.config/vllm`), Triton's and FlashInfer's JIT kernels (`~/.triton`, `~/.cache/flashinfer`).
 * Their images are built for root; as the library's user 1000, which their /etc/passwd does not
 * know, HOME is `/` on a read-only root filesystem, and the first kernel compiled fails the server
 * ("Permission denied: '/.cache'"). `/tmp` is the server's writable emptyDir; `server.env` may set
 * another HOME (a claim keeps the caches across restarts).
 */
const WRITABLE_HOME = { HOME: '/tmp' };
const SGLANG_HEALTH = HealthCheck.http('/health');
const ENV_VAR_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * The model server: renders its command line from typed options and knows its health
 * endpoints. Use it for the server container's image, command, args, port and health.
 *
 * ```ts
 * const engine = InferenceEngine.vllm({ maxModelLength: 32768, servedModelName: 'llama-3.1-8b' });
 * const rendered = engine.render({ gpuCount: 2 });
 * // rendered.command: ['vllm', 'serve']
 * // rendered.args: ['$(MODEL_PATH)', '--served-model-name', 'llama-3.1-8b', '--tensor-parallel-size', '2', ...]
 * ```
 */
export class InferenceEngine {
  /**
   * vLLM (`vllm serve`, port 8000). `/health` answers only after the engine has loaded the
   * weights and allocated the KV cache: uvicorn starts serving after the engine is built.
   */
  public static vllm(options: EngineOptions = {}): InferenceEngine {
    return new InferenceEngine({
      name: 'vllm',
      defaultPort: 8000,
      health: HealthCheck.vllm(),
      healthPath: '/health',
      livenessPath: '/health',
      command: ['vllm', 'serve'],
      image: ENGINE_IMAGES.vllm,
      env: { ...OFFLINE, ...WRITABLE_HOME, VLLM_NO_USAGE_STATS: '1' },
      flags: {
        tensorParallel: '--tensor-parallel-size',
        maxModelLength: '--max-model-len',
        memoryUtilization: '--gpu-memory-utilization',
        servedModelName: '--served-model-name',
        port: '--port',
        always: [],
        reserved: ['--model', '--tensor-parallel-size', '-tp', '--max-model-len', '--gpu-memory-utilization', '--served-model-name', '--port'],
        underscores: true,
        abbreviations: true,
      },
    }, options);
  }

  /**
   * SGLang (`python3 -m sglang.launch_server`, port 30000, `--host 0.0.0.0` because it binds
   * 127.0.0.1 by default). `/health` answers 503 until the server has left its Starting state.
   */
  public static sglang(options: EngineOptions = {}): InferenceEngine {
    return new InferenceEngine({
      name: 'sglang',
      defaultPort: 30000,
      health: SGLANG_HEALTH,
      healthPath: '/health',
      livenessPath: '/health',
      command: ['python3', '-m', 'sglang.launch_server'],
      image: ENGINE_IMAGES.sglang,
      env: { ...OFFLINE, ...WRITABLE_HOME },
      flags: {
        model: '--model-path',
        tensorParallel: '--tp-size',
        maxModelLength: '--context-length',
        memoryUtilization: '--mem-fraction-static',
        servedModelName: '--served-model-name',
        port: '--port',
        always: ['--host', '0.0.0.0'],
        // python/sglang/srt/server_args.py: --dist-init-addr (alias --nccl-init-addr) and --node-rank
        nodes: { flag: '--nnodes', perPod: [['--node-rank'], ['--dist-init-addr', '--nccl-init-addr']] },
        reserved: ['--model-path', '--model', '--tp-size', '--tp', '--tensor-parallel-size', '--context-length',
          '--mem-fraction-static', '--served-model-name', '--port', '--host', '--nnodes'],
        abbreviations: true,
      },
    }, options);
  }

  /**
   * Hugging Face Text Generation Inference (`text-generation-launcher`, port 8080 because the
   * image's own default, 80, needs root).
   * @deprecated TGI is in maintenance mode upstream since 2025-12 (minor fixes only); use `vllm()` or `sglang()`.
   */
  public static tgi(options: EngineOptions = {}): InferenceEngine {
    return new InferenceEngine({
      name: 'tgi',
      defaultPort: 8080,
      health: HealthCheck.textGenerationInference(),
      healthPath: '/health',
      livenessPath: '/health',
      command: ['text-generation-launcher'],
      image: ENGINE_IMAGES.tgi,
      env: { ...OFFLINE },
      flags: {
        model: '--model-id',
        tensorParallel: '--num-shard',
        maxModelLength: '--max-total-tokens',
        memoryUtilization: '--cuda-memory-fraction',
        // text-generation-launcher (3.3.7 and main) has no --served-model-name: clap exits with "unexpected argument"
        port: '--port',
        always: [],
        reserved: ['--model-id', '--num-shard', '--max-total-tokens', '--cuda-memory-fraction', '--port', '-p'],
        shortFlags: ['-p'],
      },
    }, options);
  }

  /**
   * NVIDIA Triton, health only: `/v2/health/ready` for startup and readiness,
   * `/v2/health/live` for liveness. Image and command stay yours.
   */
  public static triton(options: HealthOnlyEngineOptions = {}): InferenceEngine {
    return new InferenceEngine({
      name: 'triton', defaultPort: 8000, health: HealthCheck.triton(),
      healthPath: '/v2/health/ready', livenessPath: '/v2/health/live', env: {},
    }, options);
  }

  /**
   * NVIDIA NIM, health only: `/v1/health/ready` for startup and readiness, `/v1/health/live`
   * for liveness. NIM images are per model, so the image stays yours.
   */
  public static nim(options: HealthOnlyEngineOptions = {}): InferenceEngine {
    return new InferenceEngine({
      name: 'nim', defaultPort: 8000, health: HealthCheck.nim(),
      healthPath: '/v1/health/ready', livenessPath: '/v1/health/live', env: {},
    }, options);
  }

  /** The engine's name: `vllm`, `sglang`, `tgi`, `triton` or `nim`. */
  public readonly name: string;

  /** The options the GPU-fit plan shares with the command line, so both use one number. @internal */
  public get _planInputs(): { readonly maxModelLength?: number; readonly memoryUtilization?: number; readonly nodes: number } {
    const nodes = this.options.nodes;
    // the weights shard over every pod's GPUs; a bad count is the render's error, planned as one pod meanwhile
    const valid = typeof nodes === 'number' && Number.isInteger(nodes) && nodes >= 1 && nodes <= MAX_NODES;
    return { maxModelLength: this.options.maxModelLength, memoryUtilization: this.options.gpuMemoryUtilization, nodes: valid ? nodes : 1 };
  }

  /** The options as given to the factory, copied. */
  private readonly options: EngineOptions;

  private constructor(private readonly spec: EngineSpec, options: EngineOptions) {
    this.name = spec.name;
    this.options = snapshot(options ?? {});
  }

  /**
   * The container's image, command, args, port, health and env for `context`, with every
   * problem in `errors` (nothing throws).
   */
  public render(renderContext: EngineRenderContext): RenderedEngine {
    const context = renderContext ?? {};
    const errors: string[] = [];
    knownProps('', this.options, this.spec.flags ? ENGINE_KEYS : HEALTH_ONLY_ENGINE_KEYS, errors);
    knownProps('renderContext', context, RENDER_CONTEXT_KEYS, errors);
    const port = this.portFor(context, errors);
    const common = {
      port,
      healthPath: this.spec.healthPath,
      livenessPath: this.spec.livenessPath,
      health: this.spec.health,
      env: { ...this.spec.env },
      errors,
    };
    const flags = this.spec.flags;
    if (!flags) {
      return { ...common, args: [] };
    }
    return {
      ...common,
      image: this.options.image ?? this.spec.image,
      command: [...(this.spec.command ?? [])],
      args: this.argsFor(flags, context, port, errors),
    };
  }

  private portFor(context: EngineRenderContext, errors: string[]): number {
    portNumber('port', this.options.port, errors);
    portNumber('server.port', context.port, errors);
    if (this.options.port !== undefined && context.port !== undefined && this.options.port !== context.port) {
      errors.push(`port: ${show(this.options.port)} differs from the server's port ${show(context.port)}; probes and Services would miss the engine. `
        + 'Fix: set the port in one place');
    }
    return this.options.port ?? context.port ?? this.spec.defaultPort;
  }

  private argsFor(flags: Flags, context: EngineRenderContext, port: number, errors: string[]): string[] {
    const options = this.options;
    const gpuCount = this.checkGpus(context, errors);
    wholeNumber('maxModelLength', options.maxModelLength, 1, Number.MAX_SAFE_INTEGER, errors, 8192);
    utilizationErrors(options.gpuMemoryUtilization, errors, 'gpuMemoryUtilization');
    if (options.servedModelName !== undefined && !(typeof options.servedModelName === 'string' && options.servedModelName.trim() !== '')) {
      errors.push(`servedModelName: ${show(options.servedModelName)} is empty. Fix: name the model clients ask for, e.g. 'llama-3.1-8b'`);
    } else if (typeof options.servedModelName === 'string' && hasControlCharacter(options.servedModelName)) {
      // clients send the name in JSON and /v1/models lists it: a line break there matches no request
      errors.push(`servedModelName: ${show(options.servedModelName)} has a line break or control character. Fix: name the model on one line, e.g. 'llama-3.1-8b'`);
    } else if (typeof options.servedModelName === 'string' && options.servedModelName.startsWith('-')) {
      // argparse reads `--served-model-name -x` as a flag with no value: the engine exits at start
      errors.push(`servedModelName: ${show(options.servedModelName)} starts with '-'; the ${this.name} command line reads it as a flag, not the name. `
        + 'Fix: start the name with a letter or digit, e.g. \'llama-3.1-8b\'');
    }
    if (options.servedModelName !== undefined && !flags.servedModelName) {
      errors.push(`servedModelName: ${show(options.servedModelName)} cannot be set on ${this.name}: its launcher has no --served-model-name flag `
        + '(text-generation-launcher exits with "unexpected argument"); TGI serves one model and ignores the model name clients send. '
        + 'Fix: remove servedModelName, or use InferenceEngine.vllm() or InferenceEngine.sglang(), which take it');
    }
    if (options.image !== undefined && !(typeof options.image === 'string' && options.image.trim() !== '')) {
      errors.push(`image: ${show(options.image)} is empty. Fix: omit it for the pinned ${show(this.spec.image)} or name an image`);
    }
    const extra = this.checkExtraArgs(flags, errors);
    const nodes = this.checkNodes(flags, extra, errors);
    return [
      ...(flags.model ? [flags.model] : []), this.modelPathArg(context, errors),
      // every '$' doubled: Kubernetes expands $(VAR) in args and reads '$$' as one '$', so the name arrives as written
      ...(options.servedModelName !== undefined && flags.servedModelName
        ? [flags.servedModelName, kubeletLiteral(String(options.servedModelName))] : []),
      flags.tensorParallel, String(gpuCount * nodes),
      ...(nodes > 1 && flags.nodes ? [flags.nodes.flag, String(nodes)] : []),
      ...(options.maxModelLength !== undefined ? [flags.maxModelLength, String(options.maxModelLength)] : []),
      flags.memoryUtilization, String(options.gpuMemoryUtilization ?? DEFAULT_GPU_MEMORY_UTILIZATION),
      flags.port, String(port),
      ...flags.always,
      ...extra,
    ];
  }

  /**
   * Tensor parallelism is the GPU count (of every pod the model spans): any other size leaves
   * GPUs idle or waits for ones the pods lack. Returns the GPU count of one pod.
   */
  private checkGpus(context: EngineRenderContext, errors: string[]): number {
    const requested = this.options.tensorParallelSize;
    const nodes = this._planInputs.nodes;
    wholeNumber('gpuCount', context.gpuCount, 1, 64, errors, 1);
    if (context.gpuCount === undefined) {
      errors.push(`gpuCount: not given. Fix: request GPUs for the ${this.name} server (gpu: { count: 1 })`);
    }
    wholeNumber('tensorParallelSize', requested, 1, 64 * nodes, errors, (context.gpuCount ?? 1) * nodes);
    const gpus = context.gpuCount === undefined ? undefined : context.gpuCount * nodes;
    if (requested !== undefined && gpus !== undefined && requested !== gpus) {
      const across = nodes > 1 ? ` across its ${nodes} pods (${show(context.gpuCount)} each)` : ' requests';
      errors.push(`tensorParallelSize: ${show(requested)} differs from the ${show(gpus)} GPUs the server${across}; `
        + `${this.name} would ${requested > gpus ? 'fail to find the GPUs it shards across' : 'leave GPUs idle'}. `
        + `Fix: remove tensorParallelSize (it follows the GPU count${nodes > 1 ? ' times nodes' : ''}) or request ${nodes > 1 && requested % nodes === 0 ? `${requested / nodes} GPUs per pod` : `${requested} GPUs`}`);
    }
    return context.gpuCount ?? (requested !== undefined ? Math.max(1, Math.floor(requested / nodes)) : 1);
  }

  /**
   * The pods the model spans. Above 1, the launcher must span pods itself, and each pod must
   * name its own rank and the first pod's address (extraArgs), or every pod takes rank 0 and
   * waits for peers on its own address until the startup probe gives up.
   */
  private checkNodes(flags: Flags, extra: string[], errors: string[]): number {
    const nodes = this.options.nodes;
    wholeNumber('nodes', nodes, 1, MAX_NODES, errors, 2);
    const count = this._planInputs.nodes;
    if (count === 1) {
      return 1;
    }
    if (!flags.nodes) {
      errors.push(`nodes: ${show(nodes)} cannot be rendered for ${this.name}: its launcher does not span pods itself `
        + `(${this.name === 'vllm' ? 'vLLM spans nodes through a Ray cluster it joins' : 'TGI shards within one pod only'}). `
        + `Fix: remove nodes and request the GPUs in one pod, or write the multi-node command yourself in server.command (README "Pods for other controllers")`);
      return 1;
    }
    for (const spellings of flags.nodes.perPod) {
      if (!extra.some(arg => spellings.some(flag => arg === flag || arg.startsWith(`${flag}=`)))) {
        errors.push(`nodes: ${count} pods need each pod's own ${spellings[0]} in extraArgs, which is missing; every pod would `
          + `${spellings[0] === '--node-rank' ? 'take rank 0' : 'wait for its peers on its own address'} and the group never starts. `
          + `Fix: add ${spellings[0] === '--node-rank' ? "'--node-rank', '$(LWS_WORKER_INDEX)'" : "'--dist-init-addr', '$(LWS_LEADER_ADDRESS):20000'"} `
          + '(set by the LeaderWorkerSet controller: list the variable in the pod\'s injectedEnv)');
      }
    }
    return count;
  }

  private modelPathArg(context: EngineRenderContext, errors: string[]): string {
    if (context.modelPath !== undefined) {
      absolutePath('modelPath', context.modelPath, errors);
      // a literal path: every '$' doubled, since the kubelet expands $(VAR) and reads '$$' as '$' in args
      return typeof context.modelPath === 'string' ? kubeletLiteral(context.modelPath) : context.modelPath;
    }
    const env = context.modelPathEnv ?? 'MODEL_PATH';
    if (typeof env !== 'string' || !ENV_VAR_NAME.test(env)) {
      errors.push(`modelPathEnv: ${show(env)} cannot be expanded as $(${env}) in args. Fix: use letters, digits and '_', not starting with a digit, e.g. 'MODEL_PATH'`);
    }
    return `$(${env})`;
  }

  private checkExtraArgs(flags: Flags, errors: string[]): string[] {
    const extra = this.options.extraArgs ?? [];
    if (!Array.isArray(extra) || extra.some(a => typeof a !== 'string')) {
      errors.push(`extraArgs: ${show(extra)} is not a list of strings. Fix: write each argument as a string, e.g. ['--enable-prefix-caching']`);
      return [];
    }
    for (const arg of extra) {
      // vLLM rewrites `--tensor_parallel_size` to `--tensor-parallel-size` before parsing
      const name = flags.underscores && arg.startsWith('--') ? arg.replace(/^[^=]*/, n => n.replace(/_/g, '-')) : arg;
      const flag = flags.reserved.find(r => name === r || name.startsWith(`${r}=`))
        ?? flags.shortFlags?.find(r => name.startsWith(r));
      const abbreviated = flag === undefined && flags.abbreviations ? abbreviatedFlag(name, flags.reserved) : undefined;
      if (flag) {
        errors.push(`extraArgs: ${show(arg)} repeats a flag the engine options render. Fix: ${fixFor(flag)}`);
      } else if (abbreviated) {
        errors.push(`extraArgs: ${show(arg)} repeats a flag the engine options render (${this.name} reads a flag's unambiguous prefix as the flag: ${abbreviated}). `
          + `Fix: ${fixFor(abbreviated)}`);
      }
    }
    return [...extra];
  }
}

/** Which option replaces a reserved flag. */
/**
 * The rendered long flag `arg` abbreviates, as argparse resolves a prefix (`--context-len` for
 * `--context-length`, also as `--context-len=4096`). A prefix of several flags is ambiguous to
 * argparse, which then exits at start: refused here all the same. `--` alone ends the options.
 * A single-dash option (`-tp`) is abbreviated too, by a prefix written alone (`-t`).
 */
function abbreviatedFlag(arg: string, reserved: string[]): string | undefined {
  const name = arg.split('=')[0];
  if (/^-[^-]/.test(arg)) {
    // a single-dash option's prefix, written alone, is the option too: vLLM reads `-t 4` as `-tp 4`
    return arg.includes('=') ? undefined : reserved.find(r => /^-[^-]/.test(r) && r.length > arg.length && r.startsWith(arg));
  }
  if (!name.startsWith('--') || name.length <= 2) {
    return undefined;
  }
  return reserved.find(r => r.startsWith('--') && r.length > name.length && r.startsWith(name));
}

function fixFor(flag: string): string {
  const byOption: Array<[RegExp, string]> = [
    [/nnodes/, 'set nodes'],
    [/port|^-p$/, 'set port'],
    [/host/, 'remove it: the engine already listens on all interfaces'],
    [/model-len|context-length|total-tokens/, 'set maxModelLength'],
    [/memory|mem-fraction/, 'set gpuMemoryUtilization'],
    [/served-model-name/, 'set servedModelName'],
    [/model/, 'remove it: the model path comes from the model volume ($MODEL_PATH)'],
  ];
  return byOption.find(([pattern]) => pattern.test(flag))?.[1] ?? 'remove it: tensor parallelism follows the GPU count';
}
