/**
 * Small Kubernetes types of the library's own, so that the public API does not depend on one
 * cdk8s-plus major: an app on cdk8s-plus-33 passes these as easily as one on cdk8s-plus-27.
 */

/** When the kubelet pulls a container image. */
export enum ImagePullPolicy {
  /** Every start (and the default for `:latest`). */
  ALWAYS = 'Always',
  /** Only when the node lacks the image (the default for pinned tags). */
  IF_NOT_PRESENT = 'IfNotPresent',
  /** Never; the image must be on the node. */
  NEVER = 'Never',
}

/** What the kubelet does when the containers of a pod exit. */
export enum PodRestartPolicy {
  /** Restart them (servers). */
  ALWAYS = 'Always',
  /** Restart them when they fail (batch jobs that retry). */
  ON_FAILURE = 'OnFailure',
  /** Never: the pod ends Succeeded or Failed (one-off workers). */
  NEVER = 'Never',
}

/** Network protocol of a port. */
export enum PortProtocol {
  /** TCP (the default). */
  TCP = 'TCP',
  /** UDP. */
  UDP = 'UDP',
  /** SCTP. */
  SCTP = 'SCTP',
}

/** Where the kubelet takes a failed container's termination message from. */
export enum TerminationMessagePolicy {
  /** Only the file at terminationMessagePath. */
  FILE = 'File',
  /** The file, else the last lines of the log: `kubectl describe` shows why it failed. */
  FALLBACK_TO_LOGS_ON_ERROR = 'FallbackToLogsOnError',
}

/** How the pod resolves names (`dnsPolicy`). */
export enum DnsPolicy {
  /** The cluster's DNS, then the node's upstream servers (Kubernetes' default). */
  CLUSTER_FIRST = 'ClusterFirst',
  /** The cluster's DNS for a pod on the node's network (`hostNetwork`): without it such a pod cannot resolve Services. */
  CLUSTER_FIRST_WITH_HOST_NET = 'ClusterFirstWithHostNet',
  /** The node's resolver configuration. */
  DEFAULT = 'Default',
  /** Only the pod's `dnsConfig` (which must then name a nameserver). */
  NONE = 'None',
}

/** A port a container listens on. */
export interface ContainerPortSpec {
  /** Port number. */
  readonly number: number;
  /**
   * Port name (an IANA service name: at most 15 characters, lower case, a letter).
   * @default - unnamed
   */
  readonly name?: string;
  /**
   * Protocol.
   * @default PortProtocol.TCP
   */
  readonly protocol?: PortProtocol;
}

/**
 * An HTTP GET the kubelet sends as a container's preStop hook (`lifecycle.preStop.httpGet`), to
 * the pod's IP: KServe ModelMesh's runtime containers call their adapter's `/prestop` on port
 * 8090, Knative's user container the queue-proxy's `/wait-for-drain` on 8022.
 */
export interface HttpHook {
  /** Path of the request, absolute (e.g. `'/prestop'`). */
  readonly path: string;
  /** Port the request goes to: any container's of the pod (they share the pod's network). */
  readonly port: number;
  /**
   * Send it over HTTPS (the kubelet does not verify the certificate).
   * @default false
   */
  readonly https?: boolean;
}

/** A key of a Kubernetes Secret. */
export interface SecretKeyRef {
  /** Secret name. */
  readonly secretName: string;
  /** Key in the Secret. */
  readonly key: string;
  /**
   * Start the container even when the Secret or the key does not exist (the variable is then
   * unset), as KubeAI's model pods read an optional Hugging Face token. Without it, a missing
   * Secret keeps the container in `CreateContainerConfigError`.
   * @default - Kubernetes' default: required (the field is not written)
   */
  readonly optional?: boolean;
}

/** Renders ports as container JSON. @internal */
export function renderPorts(ports: ReadonlyArray<ContainerPortSpec>): any[] {
  // a non-list is reported by the owner's prop checks (listOf)
  return (Array.isArray(ports) ? ports : []).map(p => {
    const port: any = { containerPort: p.number };
    if (p.name !== undefined) {
      port.name = p.name;
    }
    if (p.protocol !== undefined) {
      port.protocol = p.protocol;
    }
    return port;
  });
}
