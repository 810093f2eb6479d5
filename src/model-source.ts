import { ImagePullPolicy } from './kubernetes-types';
import { GCS_FETCH, HTTP_FETCH, OCI_COPY_FETCH, S3_FETCH } from './scripts/model-prep-script';
import { show } from './validation/_helpers';

/** Pinned default downloader images (no `:latest`); override with `ModelPrepInitProps.image`. */
export const DOWNLOADER_IMAGES = {
  /** AWS CLI v2: S3 and S3-compatible stores. Runs as root by default, so it gets an explicit non-root user. */
  awsCli: 'amazon/aws-cli:2.15.30',
  /** gcloud CLI (slim): Google Cloud Storage. */
  gcloud: 'gcr.io/google.com/cloudsdktool/google-cloud-cli:494.0.0-slim',
  /** curl: HTTP(S) and Hugging Face. */
  curl: 'curlimages/curl:8.10.1',
};

/** Options shared by every model source. */
export interface ModelSourceOptions {
  /**
   * Expected sha256 (hex) of the file, or of a directory as the sha256 of its
   * `sha256  relative/path` lines in byte order (what `sha256sum` prints, sorted by path).
   * A mismatch fails the download and leaves nothing behind.
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

/** An OCI image that holds a model: mounted as an image volume or copied by an init container. @internal */
export interface OciModelImage {
  readonly reference: string;
  readonly pullPolicy?: string;
  /** The weights' directory inside the image, relative (the image volume's `subPath`); empty for the root. */
  readonly subPath: string;
}

/** Where the copying init container mounts the cache: away from the image's own model directory. @internal */
export const OCI_COPY_MOUNT_PATH = '/mnt/model-cache';

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
  /** Problems with the source's own arguments. */
  readonly errors?: string[];
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
    const env: { [name: string]: string } = {};
    if (options.endpoint) env.S3_ENDPOINT_URL = options.endpoint;
    if (options.region) env.AWS_DEFAULT_REGION = options.region;
    return new ModelSource('s3', uri, {
      image: DOWNLOADER_IMAGES.awsCli,
      fetchFunction: S3_FETCH,
      env,
      ...fileOrDirectory(uri),
      identity: uri,
      sha256: options.sha256,
      credentials: options.credentials,
    });
  }

  /** A Google Cloud Storage object or prefix (`gs://bucket/model/`), fetched with `gcloud storage cp`. */
  public static gcs(uri: string, options: ModelSourceOptions = {}): ModelSource {
    return new ModelSource('gcs', uri, {
      image: DOWNLOADER_IMAGES.gcloud,
      fetchFunction: GCS_FETCH,
      env: {},
      ...fileOrDirectory(uri),
      identity: uri,
      sha256: options.sha256,
      credentials: options.credentials,
    });
  }

  /**
   * A Hugging Face Hub repository at a pinned revision, fetched file by file with curl from the
   * Hub's `resolve` endpoint (resumable). A token comes from `ModelCredentials.token(...)`.
   */
  public static huggingFace(repo: string, options: HuggingFaceSourceOptions): ModelSource {
    const endpoint = (options.endpoint ?? 'https://huggingface.co').replace(/\/+$/, '');
    const env: { [name: string]: string } = {
      MODEL_URL: `${endpoint}/${repo}/resolve/${options.revision}`,
    };
    if (options.files?.length) {
      env.MODEL_FILES = options.files.join(' ');
    } else {
      env.MODEL_LIST_URL = `${endpoint}/api/models/${repo}/revision/${options.revision}`;
    }
    const files = options.files?.length ? `:${options.files.join(',')}` : '';
    return new ModelSource('huggingFace', repo, {
      image: DOWNLOADER_IMAGES.curl,
      fetchFunction: HTTP_FETCH,
      env,
      target: repo.split('/').pop() as string,
      kind: 'directory',
      identity: `hf://${repo}@${options.revision}${files}`,
      tokenEnv: 'MODEL_HTTP_TOKEN',
      sha256: options.sha256,
      credentials: options.credentials,
    });
  }

  /** A file over HTTP(S), or `files` under a base URL; fetched with curl, resumable. */
  public static http(url: string, options: HttpSourceOptions = {}): ModelSource {
    const env: { [name: string]: string } = { MODEL_URL: url };
    if (options.files?.length) {
      env.MODEL_FILES = options.files.join(' ');
    }
    const path = url.replace(/[?#].*$/, '');
    return new ModelSource('http', url, {
      image: DOWNLOADER_IMAGES.curl,
      fetchFunction: HTTP_FETCH,
      env,
      ...(options.files?.length ? { kind: 'directory' as const, target: lastSegment(path) } : fileOrDirectory(path)),
      identity: options.files?.length ? `${url}:${options.files.join(',')}` : url,
      tokenEnv: 'MODEL_HTTP_TOKEN',
      sha256: options.sha256,
      credentials: options.credentials,
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
    const path = options.path ?? '/models';
    const errors = ociImageErrors(reference, options, path);
    const target = options.name ?? repositoryName(reference);
    return new ModelSource('ociImage', reference, {
      image: reference,
      fetchFunction: OCI_COPY_FETCH,
      env: { MODEL_IMAGE_DIR: String(path).replace(/\/+$/, '') || '/' },
      target,
      kind: 'directory',
      identity: `oci://${reference}`,
      ociImage: { reference, pullPolicy: options.pullPolicy, subPath: String(path).replace(/^\/+|\/+$/g, '') },
      prepMountPath: OCI_COPY_MOUNT_PATH,
      errors,
    });
  }

  private constructor(
    /** The kind of store: s3, gcs, huggingFace, http or ociImage. */
    public readonly kind: string,
    /** The URI, URL or repository as given. */
    public readonly location: string,
    private readonly bound: BoundSource,
  ) {}

  /** @internal */
  public _bind(): BoundSource {
    return this.bound;
  }
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
    return new ModelCredentials(() => [
      { env: 'AWS_ACCESS_KEY_ID', secretName, key: options.accessKeyIdKey ?? 'AWS_ACCESS_KEY_ID' },
      { env: 'AWS_SECRET_ACCESS_KEY', secretName, key: options.secretAccessKeyKey ?? 'AWS_SECRET_ACCESS_KEY' },
      ...(options.sessionTokenKey ? [{ env: 'AWS_SESSION_TOKEN', secretName, key: options.sessionTokenKey }] : []),
    ]);
  }

  /** A bearer token from a Secret (Hugging Face token, HTTP `Authorization: Bearer`). */
  public static token(secretName: string, key: string = 'token'): ModelCredentials {
    return new ModelCredentials((source) => {
      if (!source.tokenEnv) {
        throw new Error(`a bearer token does not apply to this source; use ModelCredentials.secretEnv(...) or awsAccessKey(...)`);
      }
      return [{ env: source.tokenEnv, secretName, key }];
    });
  }

  /**
   * Any Secret keys as environment variables of the downloader, e.g.
   * `{ CLOUDSDK_AUTH_ACCESS_TOKEN: 'token' }` for gcloud.
   */
  public static secretEnv(secretName: string, envToKey: { [env: string]: string }): ModelCredentials {
    return new ModelCredentials(() => Object.entries(envToKey).map(([env, key]) => ({ env, secretName, key })));
  }

  private constructor(private readonly render: (source: BoundSource) => SecretEnv[]) {}

  /** @internal */
  public _bind(source: BoundSource): SecretEnv[] {
    return this.render(source);
  }
}

function fileOrDirectory(uri: string): { kind: 'file' | 'directory'; target: string } {
  return { kind: uri.endsWith('/') ? 'directory' : 'file', target: lastSegment(uri) };
}

function lastSegment(uri: string): string {
  const segments = uri.replace(/^[a-z0-9+.-]+:\/\//i, '').split('/').filter(s => s);
  return segments.length > 1 ? segments[segments.length - 1] : 'model';
}

/** An image reference: no whitespace, a lowercase repository, an optional tag and digest. */
const IMAGE_REFERENCE = /^[a-z0-9]+([._\-/:][a-z0-9]+)*(:[\w][\w.-]{0,127})?(@sha256:[0-9a-f]{64})?$/;

function ociImageErrors(reference: string, options: OciImageSourceOptions, path: string): string[] {
  const errors: string[] = [];
  if (typeof reference !== 'string' || !IMAGE_REFERENCE.test(reference)) {
    errors.push(`source: ${show(reference)} is not an image reference. Fix: write it like 'registry.example.com/models/llama-3.1-8b@sha256:<64 hex>'`);
  }
  const copyDir = OCI_COPY_MOUNT_PATH;
  if (typeof path !== 'string' || !path.startsWith('/') || path.split('/').includes('..') || path.replace(/\/+$/, '') === '') {
    errors.push(`source.path: ${show(path)} is not an absolute directory below '/'. Fix: give the weights' directory in the image, e.g. '/models'`);
  } else if (path === copyDir || path.startsWith(`${copyDir}/`) || copyDir.startsWith(`${path.replace(/\/+$/, '')}/`)) {
    errors.push(`source.path: ${show(path)} overlaps ${copyDir}, where the copying init container mounts the cache. Fix: keep the weights elsewhere in the image, e.g. '/models'`);
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
