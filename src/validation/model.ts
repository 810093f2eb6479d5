/**
 * The shapes synth-time validation works on.
 *
 * Rules read the pod exactly as it will be written (`RenderedPod`), plus a few facts that the
 * YAML alone does not carry (which container is the model server, the declared model load
 * time, which volumes hold model weights).
 */

/** How bad a finding is. Warnings print and do not fail synth unless turned into errors. */
export type Severity = 'error' | 'warning';

/** One problem found in a pod. */
export interface Finding {
  readonly severity: Severity;
  /** The container the problem belongs to, if any; decides which construct reports it. */
  readonly container?: string;
  /** Path of the offending field in the manifest, e.g. `spec.containers[0].ports[0].containerPort`. */
  readonly field: string;
  /** What is wrong, with the bad value. */
  readonly message: string;
  /** How to fix it, in terms of the library's props where possible. */
  readonly fix: string;
  /** The construct that reports it, when not decided by the container (render-time wiring problems). */
  readonly owner?: unknown;
}

/** A volume holding model weights: written by one container, read-only everywhere else. */
export interface ModelVolumeFact {
  readonly volume: string;
  /** The containers that may write it: its downloader, and init steps that mount it read-write. */
  readonly writers: string[];
}

/** A claim of the app named as the claim (`<pod>-<volume>`) of one of the pod's generic ephemeral volumes. */
export interface EphemeralClaimClash {
  /** The ephemeral volume, and its index in the pod spec's volumes. */
  readonly volume: string;
  readonly index: number;
  /** The name both claims have. */
  readonly claim: string;
  /** What else has that name: `the PersistentVolumeClaim of test/pvc`, another pod's ephemeral claim. */
  readonly others: ReadonlyArray<string>;
}

/** A PersistentVolumeClaim the library writes next to the pod (a ModelCache's new claim), as rendered. */
export interface ClaimFact {
  readonly claimName: string;
  readonly accessModes: ReadonlyArray<string>;
  /** Construct path of the add-on whose claim it is. */
  readonly declaredBy: string;
  /**
   * The other workloads of the app, in the claim's namespace, whose pods write the claim too
   * (mount it without readOnly), by construct path; reported by the first workload that writes it.
   */
  readonly alsoWrittenBy?: ReadonlyArray<string>;
}

/** A proxy sidecar forwarding to a port on localhost. */
export interface ProxyFact {
  readonly container: string;
  readonly upstreamPort: number;
  readonly declaredBy: string;
}

/** A declared minimum time the server needs to load the model, and where it was declared. */
export interface LoadTimeFact {
  readonly seconds: number;
  readonly declaredBy: string;
}

/** What the library knows about a pod beyond its YAML. */
export interface PodFacts {
  /** Name of the model-server container. */
  serverContainer?: string;
  /** Construct path of the construct that declared the startup budget, for messages. */
  startupBudgetDeclaredBy?: string;
  /** Port the server listens on. */
  serverPort?: number;
  /** The pod's public port (a proxy's), when it is not the server's. */
  publicPort?: number;
  /** Proxies and the port they forward to on localhost. */
  readonly proxies: ProxyFact[];
  /** Volumes of model weights. */
  readonly modelVolumes: ModelVolumeFact[];
  /** The claims the library writes for this workload, with their access modes. */
  readonly claims?: ReadonlyArray<ClaimFact>;
  /** Claims of the app named as a claim of one of the pod's generic ephemeral volumes. */
  readonly ephemeralClaimClashes?: ReadonlyArray<EphemeralClaimClash>;
  /** Declared model load times that the startup probe must cover. */
  readonly expectedLoadSeconds: LoadTimeFact[];
  /** The Pod Security Standard level the pod is declared to meet (`restricted` by default). */
  securityLevel?: string;
  /** Variables a controller or admission webhook sets in every container of the pod (`injectedEnv`). */
  injectedEnv?: ReadonlyArray<string>;
  /** The Kubernetes version the pod renders for, and where that came from. */
  target?: TargetFact;
  /** The server's GPU taint is left untolerated on purpose (`gpu.tolerate: false`): nodes without the taint. */
  gpuTaintNotTolerated?: boolean;
  /** Construct path of the server that leaves volume ownership alone (`security.keepVolumeOwnership`): no fsGroup. */
  volumeOwnershipKept?: string;
  /** The ports the front doors' NetworkPolicies admit, and who declared the first; undefined without one. */
  frontDoorPolicy?: { readonly ports: ReadonlyArray<number>; readonly declaredBy: string };
}

/** The Kubernetes version a pod renders for. */
export interface TargetFact {
  /** e.g. `1.31` */
  readonly version: string;
  readonly minor: number;
  /** Whether image volumes are served (on by default from 1.35, or turned on). */
  readonly imageVolumes: boolean;
  /** Where the version came from: the prop, the context key or the default. */
  readonly source: string;
}

/** A pod as validation sees it: the final manifest plus facts. */
export interface RenderedPod {
  readonly kind: string;
  readonly metadata: any;
  readonly spec: any;
  /** Where `spec` sits in the manifest: `spec` for a Pod, `spec.template.spec` for a Deployment... */
  readonly specPath: string;
  readonly facts: PodFacts;
  /** The whole manifest (workload fields around the pod spec). */
  readonly json?: any;
  /**
   * Every container (init containers first) with its manifest path, listed once per rendering:
   * most rules walk them, and in a synth of many pods each extra walk and list is garbage.
   */
  readonly containers: ReadonlyArray<ContainerEntry>;
  /** The containers that run for the life of the pod (regular containers and native sidecars). */
  readonly longRunning: ReadonlyArray<ContainerEntry>;
}

/** A container of the pod with the path of its entry in the manifest. */
export interface ContainerEntry {
  readonly container: any;
  /** e.g. `spec.initContainers[1]` */
  readonly path: string;
  readonly init: boolean;
  /** An init container with `restartPolicy: Always` (a native sidecar). */
  readonly sidecar: boolean;
}

/** One synth-time rule: reads the pod, returns what is wrong with it. */
export type Rule = (pod: RenderedPod) => Finding[];

/**
 * Context key that turns warnings (e.g. an `:latest` image, a relaxed Pod Security Standard)
 * into synth errors.
 */
export const WARNINGS_AS_ERRORS_CONTEXT = 'cdk8s-ai-inference:warningsAsErrors';
