import { deepFreeze } from './_memo';
import { ImagePullPolicy } from './kubernetes-types';
import { GCS_FETCH, HTTP_FETCH, OCI_COPY_FETCH, S3_FETCH } from './scripts/model-prep-script';
import { isImageReference, show } from './validation/_helpers';
import { dataKey, knownProps, objectName, propKeys, snapshot } from './validation/_prop-checks';

/** Pinned default downloader images (no `:latest`); override with `ModelPrepInitProps.image`. */
export const DOWNLOADER_IMAGES = deepFreeze({
  /** AWS CLI v2: S3 and S3-compatible stores. Runs as root by default, so it gets an explicit non-root user. */
  awsCli: 'amazon/aws-cli:2.15.30',
  /** gcloud CLI (slim): Google Cloud Storage. */
  gcloud: 'gcr.io/google.com/cloudsdktool/google-cloud-cli:494.0.0-slim',
  /** curl: HTTP(S) and Hugging Face. */
  curl: 'curlimages/curl:8.10.1',
});

/** Options shared by every model source. */
export interface ModelSourceOptions {
  /**
   * Expected sha256 of the file (64 hex digits, any case, optionally prefixed `sha256:`), or of
   * a directory by the recipe in the README (`npx cdk8s-ai-inference model-digest DIR` prints
   * it). A mismatch fails the download and leaves nothing behind.
   * @default - not verified; the computed digest is still recorded in the completion marker
   */
  readonly sha256?: string;
  /**
   * How to authenticate.
   * @default - the pod's identity (IRSA / EKS Pod Identity / GKE workload identity / node role), or anonymous
   */
  readonly credentials?: ModelCredentials;
}

/** Options of an S3 source. */
export interface S3SourceOptions extends ModelSourceOptions {
  /**
   * Endpoint of an S3-compatible store (MinIO, Ceph, R2).
   * @default - AWS S3
   */
  readonly endpoint?: string;
  /**
   * Region of the bucket.
   * @default - the AWS CLI's resolution (env, then the pod's metadata)
   */
  readonly region?: string;
}

/** Options of a Hugging Face source. */
export interface HuggingFaceSourceOptions extends ModelSourceOptions {
  /** Git revision: a commit sha (recommended: immutable) or a branch/tag. */
  readonly revision: string;
  /**
   * Files to fetch, relative to the repository root.
   * @default - every file of the revision, as listed by the Hub API
   */
  readonly files?: string[];
  /**
   * Hub endpoint (a mirror or an enterprise Hub).
   * @default 'https://huggingface.co'
   */
  readonly endpoint?: string;
}

/** Options of an HTTP(S) source. */
export interface HttpSourceOptions extends ModelSourceOptions {
  /**
   * Files to fetch under the URL (then the URL is a base and the model a directory).
   * @default - the URL is one file
   */
  readonly files?: string[];
}

/** Options of a model packaged as an OCI image. */
export interface OciImageSourceOptions {
  /**
   * Directory inside the image that holds the weights (KServe's "modelcar" images keep them
   * in `/models`).
   * @default '/models'
   */
  readonly path?: string;
  /**
   * When the kubelet pulls the image (of the image volume, and of the copying init container).
   * @default - Kubernetes' default: IfNotPresent for a tag or digest, Always for `:latest`
   */
  readonly pullPolicy?: ImagePullPolicy;
  /**
   * Name of the model directory under the mount path (`$MODEL_PATH` = `<mountPath>/<name>`).
   * @default - the image's repository name, e.g. `llama-3.1-8b` for `registry/models/llama-3.1-8b@sha256:…`
   */
  readonly name?: string;
}

const SOURCE_OPTION_FLAGS: { readonly [K in keyof ModelSourceOptions]-?: true } = { sha256: true, credentials: true };
const GCS_KEYS = propKeys<ModelSourceOptions>('ModelSourceOptions', SOURCE_OPTION_FLAGS);
const S3_KEYS = propKeys<S3SourceOptions>('S3SourceOptions', { ...SOURCE_OPTION_FLAGS, endpoint: true, region: true });
const HUGGING_FACE_KEYS = propKeys<HuggingFaceSourceOptions>('HuggingFaceSourceOptions', { ...SOURCE_OPTION_FLAGS, revision: true, files: true, endpoint: true });
const HTTP_KEYS = propKeys<HttpSourceOptions>('HttpSourceOptions', { ...SOURCE_OPTION_FLAGS, files: true });
const OCI_IMAGE_KEYS = propKeys<OciImageSourceOptions>('OciImageSourceOptions', { path: true, pullPolicy: true, name: true });

/** Unknown keys of a source's options, as fields of ModelPrepInit's `source`. */
function sourceKeyErrors(options: unknown, known: ReadonlyArray<string>): string[] {
  const errors: string[] = [];
  knownProps('source', options, known, errors);
  return errors;
}

/** An OCI image that holds a model: mounted as an image volume or copied by an init container. @internal */
export interface OciModelImage {
  readonly reference: string;
  readonly pullPolicy?: string;
  /** The weights' directory inside the image, relative (the image volume's `subPath`); empty for the root. */
  readonly subPath: string;
}

/** Where the copying init container mounts the cache: away from the image's own model directory. @internal */
const OCI_COPY_MOUNT_PATH = '/mnt/model-cache';

/** What a source contributes to the init container. @internal */
export interface BoundSource {
  readonly image: string;
  readonly fetchFunction: string;
  readonly env: { [name: string]: string };
  /** The model's name under the mount path (file name or directory name). */
  readonly target: string;
  /** What the completion marker records as the source. */
  readonly identity: string;
  readonly kind: 'file' | 'directory';
  /** Env var that receives a bearer token, for `ModelCredentials.token`. */
  readonly tokenEnv?: string;
  readonly sha256?: string;
  readonly credentials?: ModelCredentials;
  /** A model in an OCI image: an image volume where the target serves them. */
  readonly ociImage?: OciModelImage;
  /** Where the init container mounts the model volume, when not at the consumers' mount path. */
  readonly prepMountPath?: string;
  /** Bad props, as `field: ... Fix: ...`, reported by the construct that binds the source. */
  readonly errors: string[];
}

/**
 * Where model weights come from. A URI ending in `/` is a prefix (a directory of files).
 */
export class ModelSource {
  /**
   * An S3 object (`s3://bucket/model.bin`) or prefix (`s3://bucket/llama/`), fetched with the
   * AWS CLI tuned for throughput (16 concurrent requests, 64MB parts; see `ModelPrepInitProps`).
   */
  public static s3(uri: string, options: S3SourceOptions = {}): ModelSource {
    options = snapshot(options ?? {}); // null from JavaScript callers means no options
    const env: { [name: string]: string } = {};
    if (options.endpoint) env.S3_ENDPOINT_URL = options.endpoint;
    if (options.region) env.AWS_DEFAULT_REGION = options.region;
    return new ModelSource('s3', uri, () => ({
      image: DOWNLOADER_IMAGES.awsCli,
      fetchFunction: S3_FETCH,
      env,
      ...fileOrDirectory(uri),
      identity: uri,
      credentials: options.credentials,
      ...checked(options, [
        ...sourceKeyErrors(options, S3_KEYS),
        ...bucketUri('s3', uri),
        ...(options.endpoint === undefined ? [] : urlErrors('endpoint', options.endpoint)),
        ...(options.region === undefined || /^[a-z0-9-]{1,64}$/.test(options.region) ? [] : [`region: ${show(options.region)} is not an AWS region. Fix: use e.g. 'us-east-1'`]),
      ]),
    }));
  }

  /** A Google Cloud Storage object or prefix (`gs://bucket/model/`), fetched with `gcloud storage cp`. */
  public static gcs(uri: string, options: ModelSourceOptions = {}): ModelSource {
    options = snapshot(options ?? {}); // null from JavaScript callers means no options
    return new ModelSource('gcs', uri, () => ({
      image: DOWNLOADER_IMAGES.gcloud,
      fetchFunction: GCS_FETCH,
      env: {},
      ...fileOrDirectory(uri),
      identity: uri,
      credentials: options.credentials,
      ...checked(options, [...sourceKeyErrors(options, GCS_KEYS), ...bucketUri('gs', uri)]),
    }));
  }

  /**
   * A Hugging Face Hub repository at a pinned revision, fetched file by file with curl from the
   * Hub's `resolve` endpoint (resumable). A token comes from `ModelCredentials.token(...)`.
   */
  public static huggingFace(repo: string, options: HuggingFaceSourceOptions): ModelSource {
    options = snapshot(options ?? {}) as HuggingFaceSourceOptions; // null from JavaScript callers means no options
    return new ModelSource('huggingFace', repo, () => {
      const endpoint = String(options.endpoint ?? 'https://huggingface.co').replace(/\/+$/, '');
      const revision = encodeURIComponent(String(options.revision));
      const env: { [name: string]: string } = { MODEL_URL: curlUrl(`${endpoint}/${repo}/resolve/${revision}`) };
      if ((Array.isArray(options.files) && options.files.length)) {
        env.MODEL_FILES = options.files.join('\n');
      } else {
        env.MODEL_LIST_URL = curlUrl(`${endpoint}/api/models/${repo}/revision/${revision}`);
      }
      const files = (Array.isArray(options.files) && options.files.length) ? `:${identityFiles(options.files)}` : '';
      return {
        image: DOWNLOADER_IMAGES.curl,
        fetchFunction: HTTP_FETCH,
        env,
        target: String(repo).split('/').pop() as string,
        kind: 'directory',
        identity: `hf://${repo}@${options.revision}${files}`,
        tokenEnv: 'MODEL_HTTP_TOKEN',
        credentials: options.credentials,
        ...checked(options, [
          ...sourceKeyErrors(options, HUGGING_FACE_KEYS),
          ...(typeof repo === 'string' && /^[A-Za-z0-9][\w.-]*\/[A-Za-z0-9][\w.-]*$/.test(repo) && !repo.includes('..') ? []
            : [`repo: ${show(repo)} is not a Hub repository id. Fix: write it as 'owner/name', e.g. 'meta-llama/Llama-3.1-8B'`]),
          ...(typeof options.revision === 'string' && isGitRevision(options.revision) ? []
            : [`revision: ${show(options.revision)} is not a git revision. Fix: pin a commit sha (immutable), or name a branch or tag`]),
          ...(options.endpoint === undefined ? [] : endpointErrors(options.endpoint)),
          ...fileErrors(options.files),
        ]),
      };
    });
  }

  /** A file over HTTP(S), or `files` under a base URL; fetched with curl, resumable. */
  public static http(url: string, options: HttpSourceOptions = {}): ModelSource {
    options = snapshot(options ?? {}); // null from JavaScript callers means no options
    return new ModelSource('http', url, () => {
      const env: { [name: string]: string } = { MODEL_URL: curlUrl(url) };
      if ((Array.isArray(options.files) && options.files.length)) {
        env.MODEL_FILES = options.files.join('\n');
      }
      const path = String(url).replace(/[?#].*$/, '');
      return {
        image: DOWNLOADER_IMAGES.curl,
        fetchFunction: HTTP_FETCH,
        env,
        ...((Array.isArray(options.files) && options.files.length) ? { kind: 'directory' as const, target: lastSegment(path) } : fileOrDirectory(path)),
        identity: (Array.isArray(options.files) && options.files.length) ? `${url}:${identityFiles(options.files)}` : url,
        tokenEnv: 'MODEL_HTTP_TOKEN',
        credentials: options.credentials,
        ...checked(options, [...sourceKeyErrors(options, HTTP_KEYS), ...urlErrors('url', url), ...fileErrors(options.files)]),
      };
    });
  }

  /**
   * A model packaged as an OCI image (`registry/models/llama-3.1-8b@sha256:…`; pin the digest:
   * a tag can move, and synth warns about a tag-only reference).
   *
   * Where the Kubernetes target serves image volumes (1.35+, or `imageVolumes: true` on
   * 1.33–1.34) the image is mounted read-only at the model path: nothing is copied and no init
   * container runs. Elsewhere the image itself runs as the init container (the "modelcar"
   * approach) and copies `path` into the cache with the same partial directory, rename and
   * completion marker as a download; the image needs a POSIX `sh` and `cp` (a `busybox` base is
   * enough) and files readable by user 1000. `$MODEL_PATH` is the same either way.
   */
  public static ociImage(reference: string, options: OciImageSourceOptions = {}): ModelSource {
    options = snapshot(options ?? {}); // null from JavaScript callers means no options
    const path = options.path ?? '/models';
    const target = options.name ?? repositoryName(reference);
    return new ModelSource('ociImage', reference, () => ({
      image: reference,
      fetchFunction: OCI_COPY_FETCH,
      env: { MODEL_IMAGE_DIR: String(path).replace(/\/+$/, '') || '/' },
      target,
      kind: 'directory',
      identity: `oci://${reference}`,
      ociImage: { reference, pullPolicy: options.pullPolicy, subPath: String(path).replace(/^\/+|\/+$/g, '') },
      prepMountPath: OCI_COPY_MOUNT_PATH,
      errors: [...sourceKeyErrors(options, OCI_IMAGE_KEYS), ...ociImageErrors(reference, options, path)],
    }));
  }

  private constructor(
    /** The kind of store: s3, gcs, huggingFace, http or ociImage. */
    public readonly kind: string,
    /** The URI, URL or repository as given. */
    public readonly location: string,
    private readonly bind: () => BoundSource,
  ) {}

  /**
   * What the source renders, with its prop errors (checked here, where a construct binds the
   * source, so that they carry its path; a static factory never throws).
   * @internal
   */
  public _bind(): BoundSource {
    return this.bind();
  }
}

/** A sha256 as users paste it: any case, optionally `sha256:`; normalized to lower-case hex. */
function normalizeSha256(value: unknown): string | undefined {
  const text = typeof value === 'string' ? value.trim().replace(/^sha256:/i, '').toLowerCase() : '';
  return /^[0-9a-f]{64}$/.test(text) ? text : undefined;
}

/** The sha256 and the errors of a source's common options plus its own. */
function checked(options: ModelSourceOptions, errors: string[]): { sha256?: string; errors: string[] } {
  if (options.sha256 === undefined) {
    return { errors };
  }
  const sha256 = normalizeSha256(options.sha256);
  return {
    sha256,
    errors: sha256 ? errors : [...errors, `sha256: ${show(options.sha256)} is not a sha256. Fix: give the 64 hex digits (optionally prefixed 'sha256:'), e.g. from \`sha256sum\` or \`npx cdk8s-ai-inference model-digest DIR\``],
  };
}

/** `s3://bucket/key` (or `gs://`): the scheme, a bucket name and a key or prefix. */
const BUCKET_URIS = { s3: /^s3:\/\/([^/]+)\/(.+)$/, gs: /^gs:\/\/([^/]+)\/(.+)$/ };

/**
 * A bucket name the store accepts. S3: 3-63 of `a-z 0-9 . -`, no `..`, not an IP address. GCS
 * also takes `_`, and a dotted name up to 222 characters whose parts have at most 63.
 */
function bucketNameOk(scheme: 's3' | 'gs', name: string): boolean {
  const chars = scheme === 's3' ? /^[a-z0-9][a-z0-9.-]*[a-z0-9]$/ : /^[a-z0-9][a-z0-9._-]*[a-z0-9]$/;
  const max = scheme === 'gs' && name.includes('.') ? 222 : 63;
  return chars.test(name) && name.length >= 3 && name.length <= max && !name.includes('..')
    && name.split('.').every(part => part.length <= 63) && !/^\d+\.\d+\.\d+\.\d+$/.test(name);
}

function bucketUri(scheme: 's3' | 'gs', uri: string): string[] {
  const match = typeof uri === 'string' ? BUCKET_URIS[scheme].exec(uri) : null;
  const bucketOk = match !== null && bucketNameOk(scheme, match[1]);
  if (match && !bucketOk) {
    const rule = scheme === 's3'
      ? "3 to 63 characters of a-z, 0-9, '.' and '-', starting and ending with a letter or digit, no '..', not an IP address"
      : "3 to 63 characters (222 when dotted) of a-z, 0-9, '.', '-' and '_', starting and ending with a letter or digit, no '..', not an IP address";
    return [`uri: ${show(uri)}: the bucket ${show(match[1])} is not a valid bucket name (${rule}). Fix: use the bucket's real name, e.g. '${scheme}://my-models/${match[2]}'`];
  }
  if (!match) {
    return [`uri: ${show(uri)} is not a ${scheme}://bucket/key URI. Fix: write e.g. '${scheme}://my-models/llama-3-8b/' (a prefix, ending in '/') or '${scheme}://my-models/model.gguf'`];
  }
  return match[2].split('/').slice(0, -1).concat(match[2].endsWith('/') ? [] : [match[2].split('/').pop() as string])
    .some(s => s === '' || s === '.' || s === '..') || /[\r\n\0]/.test(uri)
    ? [`uri: ${show(uri)} has an empty, '.' or '..' path segment or a newline. Fix: name the object or prefix exactly`]
    : [];
}

/** An http(s) URL without credentials in it. */
function urlErrors(field: string, value: string): string[] {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return [`${field}: ${show(value)} is not a URL. Fix: write it as 'https://host/path'`];
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return [`${field}: ${show(value)} is not an http(s) URL. Fix: write it as 'https://host/path'`];
  }
  if (url.username || url.password) {
    return [`${field}: ${show(redact(url))} has credentials in it (user:password@), which would land in plain env, logs and the marker. Fix: remove them and use ModelCredentials.token(secret) or secretEnv(...)`];
  }
  const secretKeys = [...url.searchParams.keys()].filter(k => SECRET_QUERY.test(k));
  if (secretKeys.length) {
    return [`${field}: ${show(redact(url))} carries a signature or credential in its query (${secretKeys.join(', ')}), which would land in plain env, logs and the marker. Fix: fetch with ModelCredentials (ModelSource.s3 for S3, token(...) for bearer tokens)`];
  }
  return [];
}

/** Variables the downloader's script and tools set or rely on: a credential must not replace them. */
const RESERVED_ENV = /^(PATH|HOME|SHELL|IFS|TMPDIR|MODEL_\w*|S3_\w*|LC_\w*|LANG)$/;

/** Query keys of presigned URLs and API keys (AWS SigV4/V2, GCS, Azure SAS, generic). */
const SECRET_QUERY = /^(x-amz-(signature|credential|security-token)|x-goog-(signature|credential)|signature|sig|awsaccesskeyid|access_?token|api_?key|token|key)$/i;

function redact(url: URL): string {
  const copy = new URL(url.href);
  if (copy.username) copy.username = '***';
  if (copy.password) copy.password = '***';
  for (const k of [...copy.searchParams.keys()]) {
    if (SECRET_QUERY.test(k)) copy.searchParams.set(k, '***');
  }
  return copy.href;
}

/** `files`: relative paths without empty, '.' or '..' segments or newlines, each once. */
function fileErrors(files: string[] | undefined): string[] {
  const errors: string[] = [];
  const seen = new Set<string>();
  if (files !== undefined && !Array.isArray(files)) {
    return [`files: ${show(files)} is not a list. Fix: give an array of relative paths, e.g. ['config.json']`];
  }
  for (const f of files ?? []) {
    if (typeof f !== 'string' || f === '' || f.startsWith('/') || /[\r\n\0]/.test(f) || f.split('/').some(s => s === '' || s === '.' || s === '..')) {
      errors.push(`files: ${show(f)} is not a relative file path. Fix: list paths under the source like 'config.json' or 'weights/model-00001.safetensors' (no '..', no leading '/', no newline)`);
    } else if (seen.has(f)) {
      errors.push(`files: ${show(f)} is listed twice. Fix: list each file once`);
    }
    seen.add(f);
  }
  // a name cannot be a file and a directory at once (of a file listed below it at any depth):
  // the download would fail at run time
  for (const f of seen) {
    if (typeof f !== 'string') continue;
    for (let at = f.indexOf('/'); at > 0; at = f.indexOf('/', at + 1)) {
      if (seen.has(f.slice(0, at))) {
        errors.push(`files: ${show(f.slice(0, at))} is listed as a file and is the directory of ${show(f)}. Fix: list one or the other`);
        break;
      }
    }
    const long = f.split('/').find(segment => Buffer.byteLength(segment) > 255);
    if (long !== undefined) {
      errors.push(`files: ${show(f)} has a path segment of ${Buffer.byteLength(long)} bytes; a file name has at most 255. Fix: list the file by its real name`);
    }
  }
  return errors;
}

/**
 * The listed files as the marker records them: joined by ',', so a ',' (and '%') in a name is
 * percent-encoded — ['a,b'] and ['a', 'b'] are other models and must not share a marker.
 */
function identityFiles(files: string[]): string {
  return files.map(f => String(f).replace(/[%,]/g, c => (c === '%' ? '%25' : '%2C'))).join(',');
}

/** A URL as curl takes it: whitespace, controls and non-ASCII percent-encoded (curl refuses a space with exit 3). */
function curlUrl(url: unknown): string {
  return String(url).replace(/[^\x21-\x7e]/gu, c => [...Buffer.from(c, 'utf8')].map(b => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join(''));
}

/** A git revision (branch, tag, `refs/pr/1`, commit) as `git check-ref-format` allows it. */
function isGitRevision(revision: string): boolean {
  return revision !== '' && revision !== '@' && ![...revision].some(c => c <= ' ' || c === '\x7f' || '~^:?*[\\'.includes(c)) && !revision.includes('..') && !revision.includes('@{')
    && revision.split('/').every(part => part !== '' && !part.startsWith('.') && !part.endsWith('.lock')) && !revision.endsWith('.');
}

/** The Hub endpoint: a URL the repository path is appended to, so no query or fragment. */
function endpointErrors(endpoint: string): string[] {
  const errors = urlErrors('endpoint', endpoint);
  if (errors.length === 0 && /[?#]/.test(endpoint)) {
    errors.push(`endpoint: ${show(endpoint)} has a query or fragment, and the repository's path is appended to the endpoint. Fix: give the base URL only, e.g. 'https://hf-mirror.example.com'`);
  }
  return errors;
}

/** Keys of an AWS access key pair in a Secret. */
export interface AwsAccessKeyOptions {
  /** @default 'AWS_ACCESS_KEY_ID' */
  readonly accessKeyIdKey?: string;
  /** @default 'AWS_SECRET_ACCESS_KEY' */
  readonly secretAccessKeyKey?: string;
  /**
   * Key of a session token, for temporary credentials.
   * @default - none
   */
  readonly sessionTokenKey?: string;
}

const AWS_ACCESS_KEY_KEYS = propKeys<AwsAccessKeyOptions>('AwsAccessKeyOptions', { accessKeyIdKey: true, secretAccessKeyKey: true, sessionTokenKey: true });

/** A Secret key exposed to the downloader as an environment variable. @internal */
export interface SecretEnv {
  readonly env: string;
  readonly secretName: string;
  readonly key: string;
}

/**
 * How the downloader authenticates. Secrets are referenced, never inlined into the manifest.
 */
export class ModelCredentials {
  /**
   * The pod's own identity: IRSA / EKS Pod Identity (give the pod a service account), GKE
   * workload identity, or the node's role. Nothing is rendered.
   */
  public static podIdentity(): ModelCredentials {
    return new ModelCredentials(() => []);
  }

  /** An AWS access key pair from a Secret (S3, MinIO, Ceph). */
  public static awsAccessKey(secretName: string, options: AwsAccessKeyOptions = {}): ModelCredentials {
    options = snapshot(options ?? {}); // null from JavaScript callers means no options
    return new ModelCredentials((source, errors) => {
      knownProps('credentials', options, AWS_ACCESS_KEY_KEYS, errors);
      if (source.fetchFunction !== S3_FETCH) {
        errors.push('credentials: an AWS access key does not apply to this source (it is not S3). Fix: use ModelCredentials.token(...) for HTTP and the Hub, or secretEnv(...)');
      }
      return [
        { env: 'AWS_ACCESS_KEY_ID', secretName, key: options.accessKeyIdKey ?? 'AWS_ACCESS_KEY_ID' },
        { env: 'AWS_SECRET_ACCESS_KEY', secretName, key: options.secretAccessKeyKey ?? 'AWS_SECRET_ACCESS_KEY' },
        ...(options.sessionTokenKey !== undefined ? [{ env: 'AWS_SESSION_TOKEN', secretName, key: options.sessionTokenKey }] : []),
      ];
    });
  }

  /** A bearer token from a Secret (Hugging Face token, HTTP `Authorization: Bearer`). */
  public static token(secretName: string, key: string = 'token'): ModelCredentials {
    return new ModelCredentials((source, errors) => {
      if (!source.tokenEnv) {
        errors.push('credentials: a bearer token does not apply to this source. Fix: use ModelCredentials.awsAccessKey(...) for S3, or secretEnv(...)');
        return [];
      }
      return [{ env: source.tokenEnv, secretName, key }];
    });
  }

  /**
   * Any Secret keys as environment variables of the downloader, e.g.
   * `{ CLOUDSDK_AUTH_ACCESS_TOKEN: 'token' }` for gcloud.
   */
  public static secretEnv(secretName: string, envToKey: { [env: string]: string }): ModelCredentials {
    return new ModelCredentials((_source, errors) => {
      if (Object.keys(envToKey ?? {}).length === 0) {
        errors.push(`credentials: secretEnv(${show(secretName)}, ${show(envToKey)}) names no environment variable, so the Secret is not read. `
          + 'Fix: map a variable to a key, e.g. { CLOUDSDK_AUTH_ACCESS_TOKEN: \'token\' }, or use ModelCredentials.podIdentity()');
        objectName('credentials.secretName', secretName, errors, 'Secret');
      }
      return Object.entries(envToKey ?? {}).map(([env, key]) => {
        if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(env)) {
          errors.push(`credentials: environment variable ${show(env)} is not a shell variable name. Fix: use letters, digits and '_', not starting with a digit`);
        } else if (RESERVED_ENV.test(env)) {
          errors.push(`credentials: environment variable ${show(env)} is one the downloader sets or needs (PATH, HOME, MODEL_*, S3_*, LC_*). `
            + 'Fix: give the secret another variable name');
        }
        return { env, secretName, key };
      });
    });
  }

  private constructor(private readonly render: (source: BoundSource, errors: string[]) => SecretEnv[]) {}

  /**
   * The Secret keys to expose; bad names and credentials that do not fit the source go to
   * `errors`.
   * @internal
   */
  public _bind(source: BoundSource, errors: string[]): SecretEnv[] {
    const secrets = this.render(source, errors);
    for (const s of secrets) {
      objectName('credentials.secretName', s.secretName, errors, 'Secret');
      dataKey(`credentials.key (${s.env})`, s.key, errors);
    }
    return secrets;
  }
}

function fileOrDirectory(uri: string): { kind: 'file' | 'directory'; target: string } {
  return { kind: String(uri).endsWith('/') ? 'directory' : 'file', target: lastSegment(uri) };
}

function lastSegment(uri: string): string {
  const segments = String(uri).replace(/^[a-z0-9+.-]+:\/\//i, '').split('/').filter(s => s);
  return segments.length > 1 ? segments[segments.length - 1] : 'model';
}

function ociImageErrors(reference: string, options: OciImageSourceOptions, path: string): string[] {
  const errors: string[] = [];
  if (typeof reference !== 'string' || !isImageReference(reference)) {
    errors.push(`source: ${show(reference)} is not an image reference. Fix: write it like 'registry.example.com/models/llama-3.1-8b@sha256:<64 hex>'`);
  }
  const copyDir = OCI_COPY_MOUNT_PATH;
  if (typeof path !== 'string' || !path.startsWith('/') || path.split('/').includes('..') || path.replace(/\/+$/, '') === '') {
    errors.push(`source.path: ${show(path)} is not an absolute directory below '/'. Fix: give the weights' directory in the image, e.g. '/models'`);
  } else if (path === copyDir || path.startsWith(`${copyDir}/`) || copyDir.startsWith(`${path.replace(/\/+$/, '')}/`)) {
    errors.push(`source.path: ${show(path)} overlaps ${copyDir}, where the copying init container mounts the cache. Fix: keep the weights elsewhere in the image, e.g. '/models'`);
  }
  if (options.pullPolicy !== undefined && !Object.values(ImagePullPolicy).includes(options.pullPolicy)) {
    errors.push(`source.pullPolicy: ${show(options.pullPolicy)} is not an image pull policy. Fix: use ImagePullPolicy.IF_NOT_PRESENT, ALWAYS or NEVER`);
  }
  if (options.name !== undefined && !(typeof options.name === 'string' && /^[A-Za-z0-9][-._A-Za-z0-9]*$/.test(options.name))) {
    errors.push(`source.name: ${show(options.name)} is not a directory name. Fix: use letters, digits, '-', '_' and '.', e.g. 'llama-3.1-8b'`);
  }
  return errors;
}

/** `registry:5000/models/llama:1@sha256:…` → `llama`. */
function repositoryName(reference: string): string {
  const withoutDigest = String(reference).split('@')[0];
  const last = withoutDigest.split('/').pop() ?? '';
  return last.split(':')[0] || 'model';
}
