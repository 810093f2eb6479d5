import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { dataKey, objectName } from './validation/_prop-checks';
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

/** A key of a Kubernetes Secret. */
export interface SecretKeyRef {
  /** Secret name. */
  readonly secretName: string;
  /** Key in the Secret. */
  readonly key: string;
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

/**
 * cdk8s-plus env values from plain variables and Secret keys (Secrets referenced by name, never
 * read). A Secret reference that is not one (wrong names, a missing object) goes to `errors`
 * under `field` instead. `idPrefix` names the references in the construct tree. @internal
 */
export function kplusEnv(scope: Construct, plain: { [name: string]: string } = {}, secrets: { [name: string]: SecretKeyRef } = {},
  errors: string[] = [], field = 'secretEnv', idPrefix = 'secret'): { [name: string]: kplus.EnvValue } {
  const env: { [name: string]: kplus.EnvValue } = {};
  for (const [key, value] of Object.entries(plain ?? {})) {
    env[key] = kplus.EnvValue.fromValue(value);
  }
  for (const [key, ref] of Object.entries(secrets ?? {})) {
    if (ref === null || typeof ref !== 'object') {
      errors.push(`${field}.${key}: ${JSON.stringify(ref)} is not a Secret key reference. Fix: give { secretName: 'my-secret', key: 'token' }`);
      continue;
    }
    objectName(`${field}.${key}.secretName`, ref.secretName, errors, 'Secret');
    dataKey(`${field}.${key}.key`, ref.key, errors);
    env[key] = kplus.EnvValue.fromSecretValue({ secret: kplus.Secret.fromSecretName(scope, `${idPrefix}-${key}`, ref.secretName), key: ref.key });
  }
  return env;
}
