import { IConstruct } from 'constructs';
import { deepFreeze } from './_memo';
import { show } from './validation/_helpers';
import { isPlainObject, knownProps, propKeys, snapshot } from './validation/_prop-checks';

/**
 * Context key naming the Kubernetes version the app deploys to, e.g. `'1.31'`
 * (`cdk8s.yaml`: `context: { 'cdk8s-ai-inference:kubernetesVersion': '1.31' }`). A workload's
 * `target` prop wins over it.
 */
export const KUBERNETES_VERSION_CONTEXT = 'cdk8s-ai-inference:kubernetesVersion';

/** Oldest and newest minor versions the library renders for. */
const OLDEST_MINOR = 27;
const NEWEST_MINOR = 36;

/** Options of a target cluster. */
export interface KubernetesTargetOptions {
  /**
   * Whether the cluster serves image volumes (`volumes[].image`, the `ImageVolume` feature
   * gate) and its runtime supports them (CRI-O ≥ 1.31, containerd ≥ 2.1). Set `true` on 1.33
   * or 1.34 when the gate is on (beta, off by default); set `false` on 1.35+ when the runtime
   * cannot mount images: `ModelSource.ociImage` then copies the model in an init container.
   * @default - true from 1.35 (on by default), false below
   */
  readonly imageVolumes?: boolean;
}

const TARGET_OPTION_KEYS = propKeys<KubernetesTargetOptions>('KubernetesTargetOptions', { imageVolumes: true });

/**
 * A feature whose availability depends on the cluster's version: its first version on by
 * default, and what the library renders (or says) below it.
 * @internal
 */
export interface TargetFeature {
  /** Name used in messages. */
  readonly name: string;
  /** First minor version where the feature is on by default. */
  readonly minimumMinor: number;
  /** What the library renders below that version, or what to use instead when it cannot. */
  readonly below: string;
  /** Whether the library falls back by itself (true) or fails synth (false). */
  readonly fallsBack: boolean;
}

/**
 * The features the target decides, as the README's "Cluster-aware synth" table lists them.
 * Versions: shared/reference/round2-facts.md §3 (KEP-753, KEP-4639, KEP-4381, KEP-2837); the sleep
 * action: KEP-3960 (alpha 1.29, beta and on by default 1.30, GA 1.34).
 * @internal
 */
export const TARGET_FEATURES = deepFreeze({
  nativeSidecars: {
    name: 'native sidecars (initContainers[].restartPolicy: Always)',
    minimumMinor: 29,
    below: 'sidecars without `mode` become ordinary containers (SidecarMode.CLASSIC)',
    fallsBack: true,
  },
  imageVolumes: {
    name: 'image volumes (volumes[].image)',
    minimumMinor: 35,
    below: '`ModelSource.ociImage` copies the model from the image in an init container; on 1.33–1.34 `imageVolumes: true` mounts it',
    fallsBack: true,
  },
  deviceClaims: {
    name: 'dynamic resource allocation (resource.k8s.io/v1 ResourceClaimTemplate, resourceClaims)',
    minimumMinor: 34,
    below: 'synth error: request GPUs as the device plugin\'s resource (`gpu: { count }` without `claim`)',
    fallsBack: false,
  },
  podLevelResources: {
    name: 'pod-level resources (spec.resources)',
    minimumMinor: 34,
    below: 'synth error: set resources per container (`server.resources`)',
    fallsBack: false,
  },
  sleepAction: {
    name: 'the sleep lifecycle action (lifecycle.preStop.sleep)',
    minimumMinor: 30,
    below: 'synth error: use `preStopCommand: [\'sleep\', \'N\']` (an exec hook: the image needs a `sleep` binary)',
    fallsBack: false,
  },
} as const);

/** First minor version where a 1.33–1.34 cluster may turn the ImageVolume gate on and PSA restricted admits it. */
const IMAGE_VOLUME_GATE_MINOR = 33;

/**
 * The Kubernetes version a workload is synthesized for. It decides what the library renders
 * (native or classic sidecars, an image volume or a copy of an OCI model) and what fails synth
 * (dynamic resource allocation before 1.34, pod-level resources before 1.34).
 *
 * Give it as a workload's `target` prop, or app-wide with the context key
 * `cdk8s-ai-inference:kubernetesVersion`.
 *
 * @example
 * new AiInferencePod(chart, 'llm', { target: KubernetesTarget.V1_31, server: { image: 'vllm/vllm-openai:v0.6.3' } });
 */
export class KubernetesTarget {
  /** Kubernetes 1.27. */
  public static readonly V1_27 = new KubernetesTarget('1.27', {});
  /** Kubernetes 1.28. */
  public static readonly V1_28 = new KubernetesTarget('1.28', {});
  /** Kubernetes 1.29: native sidecars on by default. */
  public static readonly V1_29 = new KubernetesTarget('1.29', {});
  /** Kubernetes 1.30. */
  public static readonly V1_30 = new KubernetesTarget('1.30', {});
  /** Kubernetes 1.31. */
  public static readonly V1_31 = new KubernetesTarget('1.31', {});
  /** Kubernetes 1.32. */
  public static readonly V1_32 = new KubernetesTarget('1.32', {});
  /** Kubernetes 1.33 (the default target): native sidecars GA; image volumes beta, off by default. */
  public static readonly V1_33 = new KubernetesTarget('1.33', {});
  /** Kubernetes 1.34: dynamic resource allocation GA, pod-level resources beta. */
  public static readonly V1_34 = new KubernetesTarget('1.34', {});
  /** Kubernetes 1.35: image volumes on by default. */
  public static readonly V1_35 = new KubernetesTarget('1.35', {});
  /** Kubernetes 1.36: image volumes GA. */
  public static readonly V1_36 = new KubernetesTarget('1.36', {});

  /**
   * The target when neither the prop nor the context names one: 1.33, where native sidecars
   * are GA. Conservative on purpose (clusters lag behind releases): name your version to get
   * image volumes (1.35) and dynamic resource allocation (1.34).
   */
  public static readonly DEFAULT = KubernetesTarget.V1_33;

  /**
   * A target from a version string: `'1.31'`, `'v1.31'`, `'1.31.4'` or `'v1.31.4-eks-1a2b3c'` (the
   * patch and a vendor suffix after it are ignored).
   * A version outside 1.27–1.36, or not written canonically (`' 1.31'`, `'1.031'`), fails synth.
   */
  public static of(version: string, options: KubernetesTargetOptions = {}): KubernetesTarget {
    return new KubernetesTarget(version, snapshot(options ?? {}));
  }

  /** The version as given. */
  public readonly version: string;
  /** The minor version (`31` for 1.31); `NaN` when the version does not parse. */
  public readonly minor: number;
  /** Whether image volumes are rendered for this target. */
  public readonly imageVolumes: boolean;
  private readonly imageVolumesGiven?: boolean;
  private readonly options: KubernetesTargetOptions;

  private constructor(version: string, options: KubernetesTargetOptions) {
    this.version = version;
    this.options = options;
    // canonical only: no spaces, no leading zeros (' 1.33 ' and '1.033' are typos, not 1.33); a
    // vendor suffix after the patch is what `kubectl version` prints on EKS, GKE and k3s
    // (v1.33.0-eks-abc, v1.33.2-gke.1111000, v1.33.1+k3s1)
    const match = typeof version === 'string' ? /^v?1\.(0|[1-9]\d{0,2})(\.(0|[1-9]\d*)([-+][0-9A-Za-z][0-9A-Za-z.+-]*)?)?$/.exec(version) : null;
    this.minor = match ? Number(match[1]) : NaN;
    this.imageVolumesGiven = options.imageVolumes;
    this.imageVolumes = options.imageVolumes ?? this.minor >= TARGET_FEATURES.imageVolumes.minimumMinor;
  }

  /** `1.31`: the version without the patch and the `v`. */
  public toString(): string {
    return Number.isNaN(this.minor) ? String(this.version) : `1.${this.minor}`;
  }

  /** Whether native sidecars are on by default in this version. */
  public get nativeSidecars(): boolean {
    return this.minor >= TARGET_FEATURES.nativeSidecars.minimumMinor;
  }

  /** Whether `resource.k8s.io/v1` device claims are served. */
  public get deviceClaims(): boolean {
    return this.minor >= TARGET_FEATURES.deviceClaims.minimumMinor;
  }

  /** Whether the `sleep` lifecycle action (`lifecycle.preStop.sleep`) is served. */
  public get sleepAction(): boolean {
    return this.minor >= TARGET_FEATURES.sleepAction.minimumMinor;
  }

  /** Whether pod-level `spec.resources` is served. */
  public get podLevelResources(): boolean {
    return this.minor >= TARGET_FEATURES.podLevelResources.minimumMinor;
  }

  /** The problems of this target, in the `field: ... . Fix: ...` convention. @internal */
  public _errors(field: string): string[] {
    if (!isPlainObject(this.options)) {
      // a string or a list in place of the options would otherwise be read as no options at all
      return [`${field}: the options ${show(this.options)} of KubernetesTarget.of(${show(this.version)}, …) are not { imageVolumes }. `
        + `Fix: write KubernetesTarget.of(${show(this.version)}, { imageVolumes: true }) (or false), or leave the options out`];
    }
    const keyErrors: string[] = [];
    if (!knownProps(field, this.options, TARGET_OPTION_KEYS, keyErrors)) {
      return keyErrors;
    }
    if (this.imageVolumesGiven !== undefined && typeof this.imageVolumesGiven !== 'boolean') {
      // 'false' or 1 would otherwise decide by truthiness: the string 'false' mounted image volumes
      return [`${field}.imageVolumes: ${show(this.imageVolumesGiven)} is not true or false. `
        + 'Fix: write true (the cluster serves image volumes) or false (the runtime cannot mount them), or leave it out for the version\'s default'];
    }
    if (!(this.minor >= OLDEST_MINOR && this.minor <= NEWEST_MINOR)) {
      const form = Number.isNaN(this.minor) ? ' written as \'1.<minor>\' (a \'v\' before and a \'.<patch>\' after allowed; no spaces or leading zeros)' : '';
      return [`${field}: ${show(this.version)} is not a Kubernetes version from 1.${OLDEST_MINOR} to 1.${NEWEST_MINOR}${form}. `
        + `Fix: write the cluster's version as a string, e.g. '1.31' (KubernetesTarget.of('1.31') or KubernetesTarget.V1_31)`];
    }
    if (this.imageVolumesGiven === true && this.minor < IMAGE_VOLUME_GATE_MINOR) {
      return [`${field}.imageVolumes: true on Kubernetes ${this} is not supported: image volumes are alpha before 1.${IMAGE_VOLUME_GATE_MINOR} `
        + `and Pod Security "restricted" admits them from 1.${IMAGE_VOLUME_GATE_MINOR}. Fix: remove imageVolumes (the model is copied from the image) or target 1.${IMAGE_VOLUME_GATE_MINOR}+`];
    }
    return [];
  }
}

/** Where a workload's target came from, for messages. @internal */
export interface ResolvedTarget {
  readonly target: KubernetesTarget;
  /** `the target prop of llm/server`, `context cdk8s-ai-inference:kubernetesVersion`, or `the default`. */
  readonly source: string;
  /** Problems with the target or the context value. */
  readonly errors: string[];
}

/**
 * The target of `scope`: the prop when given, else the context key, else the default.
 * @internal
 */
export function resolveTarget(scope: IConstruct, prop: KubernetesTarget | undefined): ResolvedTarget {
  if (prop !== undefined) {
    if (!(prop instanceof KubernetesTarget)) {
      return defaulted(`target: ${show(prop)} is not a KubernetesTarget. Fix: use KubernetesTarget.of('1.31') or KubernetesTarget.V1_31`);
    }
    const errors = prop._errors('target');
    // a bad target still renders (with the default) so that every other error shows too
    return errors.length ? { ...defaulted(errors[0]), errors } : { target: prop, source: `the target prop of ${scope.node.path}`, errors };
  }
  const context = scope.node.tryGetContext(KUBERNETES_VERSION_CONTEXT);
  if (context === undefined) {
    return { target: KubernetesTarget.DEFAULT, source: 'the default', errors: [] };
  }
  if (typeof context !== 'string') {
    return defaulted(`context ${KUBERNETES_VERSION_CONTEXT}: ${show(context)} is not a version string. `
      + `Fix: quote it, e.g. '1.30' (a number loses the trailing zero: 1.30 reads as 1.3)`);
  }
  const target = KubernetesTarget.of(context);
  const errors = target._errors(`context ${KUBERNETES_VERSION_CONTEXT}`);
  return errors.length ? { ...defaulted(errors[0]), errors } : { target, source: `context ${KUBERNETES_VERSION_CONTEXT}`, errors };
}

function defaulted(error: string): ResolvedTarget {
  return { target: KubernetesTarget.DEFAULT, source: 'the default', errors: [error] };
}
