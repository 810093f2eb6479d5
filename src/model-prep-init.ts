import { ApiObject, Duration } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { deepFreeze } from './_memo';
import { derivedVolumeName } from './_volume-names';
import { appendTo, CompanionKind, Rank, setVolumeSizeLimit, WorkloadHost, Wiring, workloadOf } from './_workload-host';
import { ModelCache } from './model-cache';
import { ModelSource, OciModelImage } from './model-source';
import { parseQuantity } from './quantity';
import { checkedResources, ContainerResources, renderResources } from './resources';
import { modelPrepScript } from './scripts/model-prep-script';
import { containerSecurityContext, ContainerSecurityOptions, DEFAULT_ID, idsByDefault } from './security';
import { isImageReference, kubeletLiteral, show } from './validation/_helpers';
import { absolutePath, containerPropKeys, durationSeconds, knownProps, labelName, propKeys, quantity, snapshot, wholeNumber } from './validation/_prop-checks';

/** How often a lock holder writes its heartbeat, in seconds. */
const LOCK_HEARTBEAT_SECONDS = 5;
/**
 * The shortest `lockStaleAfter`: six missed heartbeats. A shorter one would let a waiter break
 * the lock of a holder that is only slow (CPU-throttled, on a congested NFS server).
 */
const MIN_LOCK_STALE_SECONDS = 6 * LOCK_HEARTBEAT_SECONDS;

/** Rendered in place of a `source` of the wrong type, which is reported: keeps the rest of the construct checkable. */
const PLACEHOLDER_SOURCE = ModelSource.http('https://example.com/model.bin');

/** Props of `ModelPrepInit`. */
export interface ModelPrepInitProps {
  /** Where the weights come from. */
  readonly source: ModelSource;
  /**
   * Where the weights live in the pod.
   * @default ModelCache.emptyDir()
   */
  readonly cache?: ModelCache;
  /**
   * Init container name.
   * @default 'model-downloader'
   */
  readonly name?: string;
  /**
   * Downloader image, e.g. a mirror in your registry.
   * @default - a pinned image for the source (see DOWNLOADER_IMAGES)
   */
  readonly image?: string;
  /**
   * Where the model volume is mounted, in the init container and (read-only) in the consumers.
   * @default '/models'
   */
  readonly mountPath?: string;
  /**
   * Name of the model volume.
   * @default 'model-storage'
   */
  readonly volumeName?: string;
  /**
   * Environment variable that tells the server where the model is (file or directory). A name
   * every process reads (`PATH`, `HOME`, `TMPDIR`, `LD_LIBRARY_PATH`, `CUDA_VISIBLE_DEVICES`, ...)
   * is refused: the consumers would lose its meaning.
   * @default 'MODEL_PATH'
   */
  readonly modelPathEnv?: string;
  /**
   * Containers that read the model (mounted read-only, given the path variable): regular
   * containers, or native sidecars such as KServe's collocated transformer (they start after the download).
   * @default - the model server of an AiInferencePod, otherwise every regular container
   */
  readonly consumers?: string[];
  /**
   * Download attempts before giving up on transient errors (timeouts, 5xx, resets).
   * @default 5
   */
  readonly attempts?: number;
  /**
   * Wait before the first retry; it doubles after each attempt, up to 60 s.
   * @default Duration.seconds(2)
   */
  readonly retryDelay?: Duration;
  /**
   * A lock whose holder has not written a heartbeat (every 5 s) for this long is considered
   * abandoned (its pod died) and is broken. At least 30 s (six heartbeats).
   * @default Duration.minutes(2)
   */
  readonly lockStaleAfter?: Duration;
  /**
   * On a cache hit, hash the whole model again and compare it with the digest recorded when it
   * was downloaded (a mismatch downloads it again). Without it a cache hit checks that every
   * file exists with its recorded size, which costs milliseconds; the full check reads every
   * byte (minutes for a 100 GB model).
   * @default false
   */
  readonly verifyOnCacheHit?: boolean;
  /**
   * Parallel S3 requests of the AWS CLI.
   * @default 16
   */
  readonly s3MaxConcurrentRequests?: number;
  /**
   * S3 multipart part size (AWS CLI syntax: `64MB`, `128MiB`; at least 5MB).
   * @default '64MB'
   */
  readonly s3MultipartChunkSize?: string;
  /**
   * Resources of the downloader.
   * @default - requests cpu '1', memory '1Gi'; limit memory '2Gi' (the AWS CLI buffers parts in memory)
   */
  readonly resources?: ContainerResources;
  /**
   * Security settings of the downloader.
   * @default - PSS restricted, running as user and group 1000 (the AWS CLI image runs as root otherwise)
   */
  readonly security?: ContainerSecurityOptions;
  /**
   * Time the server needs to load this model after the download (reading weights into
   * (V)RAM). Synth fails when the server's startup budget (`modelLoadTimeout`) is shorter.
   * @default - derived from `modelSize` when given, otherwise not checked
   */
  readonly expectedLoadTime?: Duration;
  /**
   * Size of the model, e.g. `'16Gi'`. With `loadThroughput` it gives the expected load time.
   * @default - unknown
   */
  readonly modelSize?: string;
  /**
   * Rate at which the server loads weights, per second (`'500Mi'`), used with `modelSize`.
   * @default '200Mi'
   */
  readonly loadThroughput?: string;
}

const MODEL_PREP_KEYS = propKeys<ModelPrepInitProps>('ModelPrepInitProps', {
  source: true, cache: true, name: true, image: true, mountPath: true, volumeName: true, modelPathEnv: true, consumers: true, attempts: true,
  retryDelay: true, lockStaleAfter: true, verifyOnCacheHit: true, s3MaxConcurrentRequests: true, s3MultipartChunkSize: true, resources: true,
  security: true, expectedLoadTime: true, modelSize: true, loadThroughput: true,
});

/** Default downloader resources. */
const DEFAULT_MODEL_PREP_RESOURCES: ContainerResources = deepFreeze({
  cpu: { request: '1' },
  memory: { request: '1Gi', limit: '2Gi' },
});

/**
 * An init container that brings model weights into a volume before the server starts:
 * fetched once, verified, renamed into place atomically, and skipped entirely when a
 * persistent cache already holds them. See `scripts/model-prep-script.ts` for the guarantees.
 *
 * Works on an AiInferencePod and on any cdk8s-plus workload.
 *
 * @example
 * new ModelPrepInit(pod, 'model-downloader', {
 *   source: ModelSource.s3('s3://my-models/claude.bin'),
 *   cache: ModelCache.persistentVolumeClaim('model-cache'),
 * });
 */
export class ModelPrepInit extends Construct {
  /** The init container (escape hatch). */
  public readonly container: kplus.Container;
  /** The model volume. */
  public readonly volume: kplus.Volume;
  /** Where the model is inside the consumers: the value of the `MODEL_PATH` variable. */
  public readonly modelPath: string;

  constructor(scope: Construct, id: string, props: ModelPrepInitProps) {
    super(scope, id);
    const workload = workloadOf(scope);
    const host = WorkloadHost.of(workload);
    const errors: string[] = [];
    // a copy: the consumers are read at synth, and must be the ones given here
    props = snapshot(props ?? ({} as ModelPrepInitProps));
    knownProps('', props, MODEL_PREP_KEYS, errors);
    containerPropKeys('', props, errors);
    // props of the wrong type (JavaScript callers) are reported below and rendered as the defaults
    const source = (props.source instanceof ModelSource ? props.source : PLACEHOLDER_SOURCE)._bind();
    if (!(props.source instanceof ModelSource)) {
      errors.push(`source: ${show(props.source)} is not a ModelSource. Fix: use ModelSource.s3(), gcs(), huggingFace(), http() or ociImage()`);
    }
    const name = props.name ?? 'model-downloader';
    const mountPath = (typeof props.mountPath === 'string' ? props.mountPath : '/models').replace(/\/+$/, '') || '/';
    const volumeName = typeof props.volumeName === 'string' ? props.volumeName : 'model-storage';
    if (props.cache !== undefined && !(props.cache instanceof ModelCache)) {
      errors.push(`cache: ${show(props.cache)} is not a ModelCache. Fix: use ModelCache.emptyDir(), persistentVolumeClaim() or newPersistentVolumeClaim()`);
    }
    this.modelPath = `${mountPath === '/' ? '' : mountPath}/${source.target}`;

    host.claimName('container', name, this, 'name', errors);
    host.claimName('volume', volumeName, this, 'volumeName', errors);
    const cache = (props.cache instanceof ModelCache ? props.cache : ModelCache.emptyDir())
      ._bind(this, 'volume', volumeName, errors, ApiObject.of(workload).metadata.namespace);
    this.volume = cache.volume;
    if (cache.claim) {
      host.addCompanion(this, cache.claim, CompanionKind.CLAIM);
    }
    const home = kplus.Volume.fromEmptyDir(this, 'home', derivedVolumeName(name, 'home'));

    errors.push(...source.errors);
    const secrets = source.credentials?._bind(source, errors) ?? [];
    const tuning = checkTuning(props, source.target, errors);

    const env: { [key: string]: kplus.EnvValue } = {};
    const plain: { [key: string]: string | undefined } = {
      MODEL_DIR: source.prepMountPath ?? mountPath,
      MODEL_TARGET: source.target,
      MODEL_SOURCE: source.identity,
      MODEL_KIND: source.kind,
      MODEL_SHA256: source.sha256,
      MODEL_VERIFY_ON_CACHE_HIT: props.verifyOnCacheHit ? 'true' : undefined,
      MODEL_ATTEMPTS: String(props.attempts ?? 5),
      MODEL_RETRY_DELAY_SECONDS: String(tuning.retryDelay),
      MODEL_LOCK_STALE_SECONDS: String(tuning.lockStale),
      MODEL_LOCK_HEARTBEAT_SECONDS: String(LOCK_HEARTBEAT_SECONDS),
      ...source.env,
      ...(props.source?.kind === 's3' ? {
        S3_MAX_CONCURRENT_REQUESTS: String(props.s3MaxConcurrentRequests ?? 16),
        S3_MULTIPART_CHUNKSIZE: props.s3MultipartChunkSize ?? '64MB',
        // A few quick retries inside the CLI; the script's backoff loop handles longer outages.
        AWS_RETRY_MODE: 'standard',
        AWS_MAX_ATTEMPTS: '3',
      } : {}),
      HOME: `/home/${name}`,
    };
    for (const [key, value] of Object.entries(plain)) {
      if (value !== undefined) {
        // '$' doubled: the kubelet expands $(VAR) in env values and reads '$$' as '$', and these are literal
        // (an S3 key, a URL or a file name may hold '$(MODEL_DIR)' or '$$'): the script gets them as written
        env[key] = kplus.EnvValue.fromValue(typeof value === 'string' ? kubeletLiteral(value) : value);
      }
    }
    // the pod's UID tells this pod's own earlier run (its lock is broken at once) from others'
    env.MODEL_POD_UID = kplus.EnvValue.fromFieldRef(kplus.EnvFieldPaths.POD_UID);
    for (const s of secrets) {
      env[s.env] = kplus.EnvValue.fromSecretValue({ secret: kplus.Secret.fromSecretName(this, `secret-${s.env}`, s.secretName), key: s.key });
    }

    this.container = workload.addInitContainer({
      name,
      image: props.image ?? source.image,
      command: ['/bin/sh', '-c', modelPrepScript(source.fetchFunction)],
      envVariables: env,
      resources: {},
    });
    this.container.mount(source.prepMountPath ?? mountPath, this.volume);
    this.container.mount(`/home/${name}`, home);

    const resources = renderResources(checkedResources('resources', props.resources, errors) ?? DEFAULT_MODEL_PREP_RESOURCES);
    const securityContext = containerSecurityContext({ runAsUser: DEFAULT_ID, runAsGroup: DEFAULT_ID, ...props.security });
    // the one-line failure reason shows in `kubectl describe pod`
    host.finishContainer(name, { resources, securityContext, terminationMessagePolicy: 'FallbackToLogsOnError' });
    host.idsByDefault(name, idsByDefault(props.security));
    const loadSeconds = expectedLoadSeconds(props, errors);
    const modelPathEnv = props.modelPathEnv ?? 'MODEL_PATH';
    const modelPath = this.modelPath;
    host.registerAddOn({
      owner: this,
      rank: Rank.MODEL_PREP,
      containers: [name],
      errors,
      wire: (spec, wiring) => {
        const imageVolume = source.ociImage
          && wireOciImage(this, spec, wiring, { source: source.ociImage, name, volumeName, props });
        // an image volume holds the weights at its subPath: mounted at the model path itself
        const mount = imageVolume
          ? { mountPath: modelPath, name: volumeName, readOnly: true, ...(source.ociImage?.subPath ? { subPath: source.ociImage.subPath } : {}) }
          : { mountPath, name: volumeName, readOnly: true };
        // the GPU-fit plan's size for the weights when the cache has none (emptyDir only)
        setVolumeSizeLimit(spec, volumeName, cache.sizeLimit ?? wiring.server?.modelCacheSize);
        // a native sidecar may read the model too (KServe's collocated transformer), if it comes after the download: the
        // kubelet starts it only once the init containers before it have finished (every sidecar of the library does)
        const inits: any[] = spec.initContainers ?? [];
        const after = inits.findIndex(c => c.name === name);
        const sidecars = inits.filter((c, i) => c.restartPolicy === 'Always' && i > after);
        for (const consumerName of wiring.consumers(props.consumers)) {
          const consumer = [...(spec.containers ?? []), ...sidecars].find((c: any) => c.name === consumerName);
          if (!consumer) {
            const have = [...wiring.regularContainers, ...sidecars.map((c: any) => c.name)];
            wiring.problem(this, 'consumers', `container ${JSON.stringify(consumerName)} is neither a regular container nor a native sidecar `
              + `of the workload (have: ${have.join(', ')})`, 'name the server container, or a sidecar that reads the model');
            continue;
          }
          appendTo(consumer, 'volumeMounts', [{ ...mount }]);
          if ((consumer.env ?? []).some((e: any) => e.name === modelPathEnv)) {
            wiring.problem(this, 'modelPathEnv', `container ${JSON.stringify(consumerName)} already sets ${modelPathEnv}, which ModelPrepInit sets`,
              'remove it from the server\'s env or give ModelPrepInit another modelPathEnv');
            continue;
          }
          // '$' doubled, as in the downloader's env: the kubelet reads '$$' as '$' and expands $(VAR), and the path is literal
          appendTo(consumer, 'env', [{ name: modelPathEnv, value: kubeletLiteral(modelPath) }]);
        }
      },
      declare: facts => {
        facts.modelVolumes.push({ volume: volumeName, writers: [name] });
        if (loadSeconds !== undefined) {
          facts.expectedLoadSeconds.push({ seconds: loadSeconds.seconds, declaredBy: `${this.node.path} (${loadSeconds.how})` });
        }
      },
    });
  }
}

/**
 * An OCI model: warns about a tag-only reference; where the target serves image volumes,
 * replaces the init container and the cache by an image volume that consumers mount
 * read-only at the model path (returns true: nothing else to wire). Otherwise the copying
 * init container stays, with the image's pull policy.
 */
function wireOciImage(
  owner: ModelPrepInit, spec: any, wiring: Wiring, oci: { source: OciModelImage; name: string; volumeName: string; props: ModelPrepInitProps },
): boolean {
  const { reference, pullPolicy } = oci.source;
  // a reference that is refused is not also warned about (its fix would pin a digest to nothing)
  if (typeof reference === 'string' && isImageReference(reference) && !/@sha(256|384|512):/.test(reference)) {
    wiring.warning(owner, 'source', `${JSON.stringify(reference)} names the model by tag only; a pushed tag changes the weights under running pods `
      + 'and a cached copy is not refreshed', `pin the digest: '${reference}@sha256:<digest>' (crane digest / docker buildx imagetools inspect)`);
  }
  if (!wiring.target.imageVolumes) {
    const copier = (spec.initContainers ?? []).find((c: any) => c.name === oci.name);
    if (copier && pullPolicy) {
      copier.imagePullPolicy = pullPolicy;
    }
    return false;
  }
  // props of the copying init container, which an image volume replaces: given, they would do nothing
  for (const prop of COPIER_PROPS.filter(p => oci.props[p] !== undefined)) {
    const what = prop === 'cache' ? 'the cache is unused' : `${prop} (a setting of the copying init container, which does not run) has no effect`;
    wiring.problem(owner, prop, `the model image is mounted as an image volume on Kubernetes ${wiring.target} and never copied, so ${what}`,
      `remove ${prop}, or target KubernetesTarget.of('…', { imageVolumes: false }) to copy the model into the cache`);
  }
  spec.initContainers = (spec.initContainers ?? []).filter((c: any) => c.name !== oci.name);
  if (spec.initContainers.length === 0) {
    delete spec.initContainers;
  }
  spec.volumes = (spec.volumes ?? []).filter((v: any) => v.name !== oci.volumeName && v.name !== derivedVolumeName(oci.name, 'home'));
  spec.volumes.push({ image: pullPolicy ? { pullPolicy, reference } : { reference }, name: oci.volumeName });
  return true;
}

/** Props that only the copying init container of an OCI model uses (none of them applies to an image volume). */
const COPIER_PROPS = ['cache', 'image', 'attempts', 'retryDelay', 'lockStaleAfter', 'verifyOnCacheHit', 'resources', 'security'] as const;

/**
 * The longest model name: the script's own names beside it add up to 68 bytes
 * ('.' + name + '.beat.' + pod UID (36) + '.' + pid (7) + '.' + 12 hex + '.tmp') within the
 * 255 bytes of a file name.
 */
const MAX_TARGET_BYTES = 180;

/** Checks the retry, lock and S3 tuning props and the paths; returns the seconds to render. */
function checkTuning(props: ModelPrepInitProps, target: string, errors: string[]): { retryDelay: number; lockStale: number } {
  wholeNumber('attempts', props.attempts, 1, 100, errors, 5);
  if (props.verifyOnCacheHit !== undefined && typeof props.verifyOnCacheHit !== 'boolean') {
    errors.push(`verifyOnCacheHit: ${show(props.verifyOnCacheHit)} is not a boolean. Fix: write true or false`);
  }
  for (const prop of ['s3MaxConcurrentRequests', 's3MultipartChunkSize'] as const) {
    if (props[prop] !== undefined && props.source instanceof ModelSource && props.source.kind !== 's3') {
      errors.push(`${prop}: ${show(props[prop])} tunes the AWS CLI, which a ${props.source.kind} source does not use. Fix: remove it`);
    }
  }
  wholeNumber('s3MaxConcurrentRequests', props.s3MaxConcurrentRequests, 1, 1000, errors, 16);
  const chunk = props.s3MultipartChunkSize;
  const bytes = typeof chunk === 'string' ? awsCliBytes(chunk) : NaN;
  // S3's multipart limits: parts of 5 MiB to 5 GiB
  if (chunk !== undefined && !(bytes >= 5 * 2 ** 20 && bytes <= 5 * 2 ** 30)) {
    errors.push(`s3MultipartChunkSize: ${show(chunk)} is not an AWS CLI size from 5MB to 5GB (S3's part limits). Fix: write it like '64MB' or '128MiB'`);
  }
  const retryDelay = durationSeconds('retryDelay', props.retryDelay, 1, errors) ?? 2;
  const lockStale = durationSeconds('lockStaleAfter', props.lockStaleAfter, MIN_LOCK_STALE_SECONDS, errors) ?? 120;
  absolutePath('mountPath', props.mountPath, errors);
  labelName('name', props.name, errors, 'container name');
  labelName('volumeName', props.volumeName, errors, 'volume name');
  if (props.modelPathEnv !== undefined && !/^[A-Za-z_][A-Za-z0-9_]*$/.test(props.modelPathEnv)) {
    errors.push(`modelPathEnv: ${show(props.modelPathEnv)} is not an environment variable name. Fix: use letters, digits and '_', e.g. 'MODEL_PATH'`);
  } else if (props.modelPathEnv !== undefined && PROCESS_ENV.has(props.modelPathEnv)) {
    errors.push(`modelPathEnv: ${show(props.modelPathEnv)} already means something to every process (the consumers would get the model path `
      + 'in its place: a server that cannot find its programs, libraries, home, temp directory or GPUs). Fix: name a variable of its own, e.g. \'MODEL_PATH\'');
  }
  if (typeof target !== 'string' || target === '.' || target === '..' || /[/\0\r\n]/.test(target)) {
    errors.push(`source: the model's name ${show(target)} (the last path segment of the source) cannot be a file name. Fix: point the source at a named file or prefix`);
  } else if (Buffer.byteLength(target) > MAX_TARGET_BYTES) {
    errors.push(`source: the model's name ${show(target)} is too long (${Buffer.byteLength(target)} bytes; at most ${MAX_TARGET_BYTES}): the cache keeps files named '.<name>.stage.<pod uid>.<pid>.<random>' beside it, and a file name has at most 255 bytes. Fix: point the source at a shorter name`);
  }
  return { retryDelay, lockStale };
}

/**
 * Variables the C library, the dynamic loader, the shell or the GPU runtime read in every
 * container: the model path set in their place breaks the consumer before it reads a model.
 */
const PROCESS_ENV: ReadonlySet<string> = new Set(['PATH', 'HOME', 'PWD', 'SHELL', 'USER', 'HOSTNAME', 'TMPDIR', 'LANG', 'LC_ALL', 'TZ',
  'LD_PRELOAD', 'LD_LIBRARY_PATH', 'PYTHONHOME', 'CUDA_VISIBLE_DEVICES', 'NVIDIA_VISIBLE_DEVICES', 'HIP_VISIBLE_DEVICES', 'ROCR_VISIBLE_DEVICES']);

/** Bytes of an AWS CLI size (`64MB`, `8MiB`, `8388608`), NaN when it is not one. */
function awsCliBytes(text: string): number {
  // the CLI reads the unit in any case ('64mb' is 64 MiB to it)
  const match = /^(\d+)\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)?$/i.exec(text);
  if (!match) {
    return NaN;
  }
  // the CLI counts KB, MB... in powers of 1024, like KiB, MiB
  const power = ['', 'K', 'M', 'G', 'T'].indexOf((match[2] ?? '').charAt(0).toUpperCase());
  return Number(match[1]) * 1024 ** power;
}

function expectedLoadSeconds(props: ModelPrepInitProps, errors: string[]): { seconds: number; how: string } | undefined {
  // each of these would otherwise be ignored without a word
  if (props.expectedLoadTime !== undefined) {
    for (const prop of ['modelSize', 'loadThroughput'] as const) {
      if (props[prop] !== undefined) {
        errors.push(`${prop}: ${show(props[prop])} is given with expectedLoadTime, which wins. Fix: give expectedLoadTime, or modelSize and loadThroughput`);
      }
    }
  } else if (props.loadThroughput !== undefined && props.modelSize === undefined) {
    errors.push(`loadThroughput: ${show(props.loadThroughput)} is given without modelSize, so no load time follows from it. Fix: add modelSize (e.g. '16Gi') or remove loadThroughput`);
  }
  if (props.expectedLoadTime) {
    const seconds = durationSeconds('expectedLoadTime', props.expectedLoadTime, 0, errors);
    return seconds === undefined ? undefined : { seconds, how: 'expectedLoadTime' };
  }
  if (props.modelSize === undefined) {
    return undefined;
  }
  const sizeErrors: string[] = [];
  quantity('modelSize', props.modelSize, sizeErrors, true);
  quantity('loadThroughput', props.loadThroughput, sizeErrors, true);
  if (sizeErrors.length) {
    errors.push(...sizeErrors);
    return undefined;
  }
  const size = parseQuantity(props.modelSize);
  const rate = parseQuantity(props.loadThroughput ?? '200Mi');
  if (size === undefined || rate === undefined || rate <= 0) {
    errors.push(`modelSize/loadThroughput: ${JSON.stringify(props.modelSize)} at ${JSON.stringify(props.loadThroughput ?? '200Mi')}/s is not a size and a positive rate. Fix: write them like '16Gi' and '500Mi'`);
    return undefined;
  }
  return { seconds: Math.ceil(size / rate), how: `${props.modelSize} at ${props.loadThroughput ?? '200Mi'}/s` };
}
