import { ApiObject, ApiObjectMetadata, Duration } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { withoutUndefined } from './_json';
import { addRenderStep, podSpecOf } from './_kplus-adapter';
import { defaultWorkloadName } from './_object-names';
import { WorkloadHost, Wiring } from './_workload-host';
import { DeploymentRollout } from './deployment-rollout';
import { attachServer, InferenceWorkloadProps, modelLoadSeconds, WORKLOAD_KEY_FLAGS } from './inference-server';
import { PortProtocol } from './kubernetes-types';
import { lifecycleGuide } from './lifecycle-guide';
import { isDnsLabel, isDnsSubdomain, isQualifiedName, probeBudgetSeconds, show } from './validation/_helpers';
import { INT32_MAX, serviceTargetPort } from './validation/_object-helpers';
import { booleanProp, durationSeconds, isPlainObject, knownProps, listOf, propKeys, renderableMetadata, snapshot, stringMap, wholeNumber } from './validation/_prop-checks';
import {
  DEPLOYMENT_NAME_MAX, DNS1035_PREFIX_RULE, isServiceName, legacyServiceName, shortenedDeploymentName, suggestDns1035,
} from './validation/metadata-rules';
import { Finding } from './validation/model';
import { isPortName } from './validation/port-rules';

/** Type of the Service in front of the pods. */
export enum InferenceServiceType {
  /** Reachable inside the cluster only (the default). */
  CLUSTER_IP = 'ClusterIP',
  /** Also on a port of every node. */
  NODE_PORT = 'NodePort',
  /** Through the cloud's load balancer. */
  LOAD_BALANCER = 'LoadBalancer',
}

/** A further port of the Deployment's Service (a metrics or gRPC port beside the public one). */
export interface InferenceServicePort {
  /**
   * Port name: a DNS-1123 label (at most 63 lowercase letters, digits and '-'), unique in the Service. A Service's port
   * names are not limited to 15 characters as a container's are (Triton's chart names one `metrics-inference-server`).
   */
  readonly name: string;
  /** The port clients connect to. */
  readonly port: number;
  /**
   * The pod's port the traffic goes to, by number.
   * @default - the same number as `port` (unless `targetPortName`)
   */
  readonly targetPort?: number;
  /**
   * The pod's port the traffic goes to, by the name a container of the pod declares (`http`,
   * `metrics`): the Service follows the container if its number changes. Not with `targetPort`.
   * @default - by number (`targetPort`)
   */
  readonly targetPortName?: string;
  /**
   * The port on every node (30000–32767), for `serviceType` NodePort or LoadBalancer only.
   * @default - the cluster picks one (NodePort, LoadBalancer); none otherwise
   */
  readonly nodePort?: number;
  /**
   * Protocol.
   * @default PortProtocol.TCP
   */
  readonly protocol?: PortProtocol;
  /**
   * The application protocol of the port (`appProtocol`): `kubernetes.io/h2c` for gRPC over cleartext HTTP/2,
   * as KServe writes for a gRPC port, so that gateways and meshes speak HTTP/2 to it. A qualified name.
   * @default - none
   */
  readonly appProtocol?: string;
}

/** How the Deployment's Service looks: its name, its public port's name and node port, further ports, labels and annotations. */
export interface InferenceServiceOptions {
  /**
   * Name of the Service, apart from the Deployment's: a DNS-1035 label (other pods reach it by this name; Xinference's
   * workers call their supervisor at `service-supervisor`, a Deployment named `<release>-xinference-supervisor`).
   * @default - the Deployment's name (a name derived from the construct path, without `metadata.name`, with its dots made '-')
   */
  readonly name?: string;
  /**
   * Name of the public port (AIBrix names it `serve`, a TEI reranker `http-reranking`).
   * @default - 'proxy' with a ProxySidecar or a front door, else 'http'
   */
  readonly portName?: string;
  /**
   * Number of the public port on the Service; it targets the pod's public port (the server's, or
   * the proxy's or front door's). The ROCm blog's vLLM Service listens on 80 for a server on 8000.
   * @default - the pod's public port number
   */
  readonly port?: number;
  /**
   * The public port on every node (30000–32767), for `serviceType` NodePort or LoadBalancer only.
   * @default - the cluster picks one (NodePort, LoadBalancer); none otherwise
   */
  readonly nodePort?: number;
  /**
   * The application protocol of the public port (`appProtocol`): `kubernetes.io/h2c` for a gRPC server
   * (KServe's Service for a predictor whose first port is gRPC), `kubernetes.io/ws`, `kubernetes.io/wss`, or a
   * protocol of your own as `example.com/proto`. A qualified name.
   * @default - none
   */
  readonly appProtocol?: string;
  /**
   * Further ports: metrics, a second API (`{ name: 'http', port: 8080 }` for AIBrix's runtime,
   * `{ name: 'grpc', port: 9000 }` for JetStream).
   * @default - none: the public port only
   */
  readonly extraPorts?: InferenceServicePort[];
  /**
   * Labels of the Service (its selector stays the pods' labels).
   * @default - none
   */
  readonly labels?: { [key: string]: string };
  /**
   * Annotations of the Service (`prometheus.io/scrape`, a cloud load balancer's settings).
   * @default - none
   */
  readonly annotations?: { [key: string]: string };
}

/** Labels and annotations of the pods a workload creates (its pod template). */
export interface PodTemplateMetadata {
  /**
   * Labels of the pods, besides the workload's own labels (which the pods carry too). A key given
   * here and in the workload's labels takes this value on the pods; the workload keeps its own.
   * @default - the workload's labels only
   */
  readonly labels?: { [key: string]: string };
  /**
   * Annotations of the pods (e.g. `prometheus.io/scrape`, `kubectl.kubernetes.io/default-container`).
   * @default - none
   */
  readonly annotations?: { [key: string]: string };
}

/** Props of `AiInferenceDeployment`. */
export interface AiInferenceDeploymentProps extends InferenceWorkloadProps {
  /**
   * Deployment metadata. Its labels go on the pods too.
   * @default - a name derived from the construct path
   */
  readonly metadata?: ApiObjectMetadata;
  /**
   * How pods are replaced on a change.
   * @default DeploymentRollout.rollingUpdate(): one extra pod at a time, none missing (maxSurge 1, maxUnavailable 0)
   */
  readonly rollout?: DeploymentRollout;
  /**
   * Labels and annotations of the pods only, not of the Deployment.
   * @default - the Deployment's labels, no annotations
   */
  readonly podMetadata?: PodTemplateMetadata;
  /**
   * Labels the Deployment selects its pods by — and its Service and the proxy's NetworkPolicy —
   * instead of cdk8s-plus's `cdk8s.io/metadata.addr`. A Deployment's selector cannot change:
   * replacing a Helm release in place (`app.kubernetes.io/name: ovms`) needs the release's
   * selector. The pods carry these labels.
   * @default - cdk8s-plus's `cdk8s.io/metadata.addr` label
   */
  readonly selectorLabels?: { [key: string]: string };
  /**
   * Number of replicas. With more than one, give ModelPrepInit a ReadWriteMany cache so the
   * model is fetched once for all of them.
   * @default 1
   */
  readonly replicas?: number;
  /**
   * Create a Service in front of the pods, on the public port: the ProxySidecar's when there is
   * one, otherwise the server's. A server that listens on no port (`server.listens: false`, queue
   * workers) gets none, and synth refuses `service: true`, `serviceType` and `serviceOptions` for it.
   * @default - true; false when `server.listens` is false
   */
  readonly service?: boolean;
  /**
   * Type of that Service.
   * @default InferenceServiceType.CLUSTER_IP
   */
  readonly serviceType?: InferenceServiceType;
  /**
   * The Service's port name, node port, further ports, labels and annotations.
   * @default - one port named 'http' (or 'proxy'), no node port, no labels or annotations
   */
  readonly serviceOptions?: InferenceServiceOptions;
  /**
   * How long a rollout may make no progress before the Deployment reports it failed
   * (`progressDeadlineSeconds`; Kubernetes only reports, it does not roll back). Whole seconds,
   * more than the Deployment's `minReadySeconds` (0 unless set with the escape hatch). A deadline
   * shorter than the server's startup probe budget is a warning: the rollout would be marked
   * failed while a new pod still loads its model.
   * @default - `modelLoadTimeout` + 10 minutes (25 minutes with the default 15-minute load timeout), or the
   * server's startup probe budget + 10 minutes when a custom startup probe allows longer
   */
  readonly progressDeadline?: Duration;
  /**
   * How many old ReplicaSets the Deployment keeps to roll back to (`revisionHistoryLimit`). Each
   * keeps only its pod template, no pods; 0 keeps none (`kubectl rollout undo` has nothing to go
   * back to). A whole number from 0 to 2,147,483,647.
   * @default - not written: Kubernetes keeps 10
   */
  readonly revisionHistoryLimit?: number;
}

const DEPLOYMENT_KEYS = propKeys<AiInferenceDeploymentProps>('AiInferenceDeploymentProps', {
  ...WORKLOAD_KEY_FLAGS, metadata: true, podMetadata: true, selectorLabels: true, rollout: true, replicas: true, service: true, serviceType: true,
  serviceOptions: true, progressDeadline: true, revisionHistoryLimit: true,
});
/** The label cdk8s-plus-27 gives a workload's pods and selects them by; a value of the user's would be overwritten. */
const SELECTOR_LABEL = 'cdk8s.io/metadata.addr';
const POD_TEMPLATE_METADATA_KEYS = propKeys<PodTemplateMetadata>('PodTemplateMetadata', { labels: true, annotations: true });
const SERVICE_OPTIONS_KEYS = propKeys<InferenceServiceOptions>('InferenceServiceOptions', {
  name: true, portName: true, port: true, nodePort: true, appProtocol: true, extraPorts: true, labels: true, annotations: true,
});
/** DNS-1035 label: a Service's name (a DNS name and an environment variable prefix in every pod of the namespace). */
const SERVICE_NAME = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const SERVICE_PORT_KEYS = propKeys<InferenceServicePort>('InferenceServicePort', {
  name: true, port: true, targetPort: true, targetPortName: true, nodePort: true, protocol: true, appProtocol: true,
});
/** The node ports a cluster hands out by default (the API server's --service-node-port-range). */
const NODE_PORT_MIN = 30000;
const NODE_PORT_MAX = 32767;

/**
 * A Deployment of model servers: the same server, probes, GPU and security as AiInferencePod,
 * rolled out without losing capacity (`maxUnavailable: 0`, one surge pod: GPUs are scarce),
 * a progress deadline that covers the model load, and a Service on the public port.
 * ModelPrepInit and the sidecars take it as their scope, in any order.
 *
 * @example
 * const llm = new AiInferenceDeployment(chart, 'llm', {
 *   replicas: 2,
 *   server: { image: 'vllm/vllm-openai:v0.6.3', health: HealthCheck.vllm() },
 *   gpu: { count: 1 },
 * });
 * new ProxySidecar(llm, 'auth-proxy', { auth: ProxyAuth.bearerTokens('llm-tokens') });
 */
export class AiInferenceDeployment extends Construct {
  /** The underlying cdk8s-plus-27 Deployment (escape hatch). */
  public readonly deployment: kplus.Deployment;
  /** The model-server container (escape hatch). */
  public readonly server: kplus.Container;
  /** The Service, unless `service: false`. */
  public readonly service?: ApiObject;
  /** `selectorLabels` as given (cdk8s-plus's LabelSelector drops a label whose value is empty). */
  private readonly selectorLabels?: { readonly [key: string]: string };

  constructor(scope: Construct, id: string, props: AiInferenceDeploymentProps) {
    super(scope, id);
    // JavaScript callers may pass nothing: the missing server is then reported at synth
    // a copy: the replicas and the Service type are read at synth, and must be the ones given here
    props = snapshot(props ?? ({} as AiInferenceDeploymentProps));
    const errors: string[] = [];
    wholeNumber('replicas', props.replicas, 0, 1_000_000, errors, 1);
    wholeNumber('revisionHistoryLimit', props.revisionHistoryLimit, 0, INT32_MAX, errors, 10);
    // an object (`service: { annotations }`) made a Service without what it held: serviceOptions has them
    booleanProp('service', props.service, errors, 'true or false (a Service on the public port, or none); its labels, annotations and ports go in serviceOptions');
    if (props.service === false && props.serviceType !== undefined) {
      errors.push(`serviceType: ${JSON.stringify(props.serviceType)} is given with service: false, so no Service has it. Fix: remove serviceType, or the service: false`);
    }
    const listens = serverListens(props);
    if (!listens) {
      refuseServiceOfSilentServer(props, errors);
    }
    const serviceOptions = checkedServiceOptions(props, errors);
    const podMetadata = checkedPodMetadata(props.podMetadata, errors);
    const rollout = props.rollout ?? DeploymentRollout.rollingUpdate();
    if (!(rollout instanceof DeploymentRollout)) {
      errors.push(`rollout: ${show(rollout)} is not a DeploymentRollout. Fix: use DeploymentRollout.rollingUpdate({ maxSurge, maxUnavailable }) or DeploymentRollout.recreate()`);
    }
    const selectorLabels = checkedSelectorLabels(props.selectorLabels, [
      ['metadata.labels', isPlainObject(props.metadata?.labels) ? props.metadata?.labels : undefined],
      ['podMetadata.labels', podMetadata.labels],
    ], errors);
    const labelMaps = [['metadata.labels', props.metadata?.labels], ['podMetadata.labels', podMetadata.labels], ['selectorLabels', selectorLabels]] as const;
    for (const [field, labels] of labelMaps) {
      if (labels && Object.prototype.hasOwnProperty.call(labels, SELECTOR_LABEL)) {
        errors.push(`${field}: ${show(SELECTOR_LABEL)} is the label the Deployment selects its pods by (set by cdk8s-plus). Fix: remove it, or use a label of your own`);
      }
    }
    // a refused modelLoadTimeout is reported by the server's prop checks
    const loadSeconds = modelLoadSeconds(props.modelLoadTimeout, []) ?? Duration.minutes(15).toSeconds();
    // more than minReadySeconds: the library sets none (0); one set with the escape hatch is the progressDeadline rule's
    let deadline = durationSeconds('progressDeadline', props.progressDeadline, 1, errors);
    if (deadline !== undefined && deadline > INT32_MAX) {
      // named by the prop, not by the rendered progressDeadlineSeconds (an int32)
      errors.push(`progressDeadline: ${deadline} s is more than Kubernetes' largest progressDeadlineSeconds, ${INT32_MAX}. `
        + 'Fix: give a deadline that covers the model load, e.g. Duration.minutes(45), or leave progressDeadline out (modelLoadTimeout + 10 minutes)');
      deadline = undefined;
    }
    if (props.progressDeadline === undefined && loadSeconds + 600 > INT32_MAX) {
      // the default deadline is derived from the prop: named by it, not by the rendered progressDeadlineSeconds
      errors.push(`modelLoadTimeout: ${loadSeconds} s + 10 minutes, the Deployment's default progress deadline, is more than Kubernetes' largest `
        + `progressDeadlineSeconds, ${INT32_MAX}. Fix: give a model load timeout of at most ${INT32_MAX - 600} s (e.g. Duration.hours(2)), `
        + 'or set progressDeadline yourself');
    }
    // a server without a port gets no Service (service: true with it is refused above)
    const withService = props.service !== false && listens;
    const nameRefused = withService && refuseNameNoServiceTakes(props, serviceOptions, errors);
    this.deployment = new kplus.Deployment(this, 'Resource', {
      metadata: {
        ...renderableMetadata(props.metadata),
        // a name refused for both the Deployment and its Service is one line, by the prop: the Deployment's rule does not say it again
        name: nameRefused ? shortenedDeploymentName(nameRefused) : props.metadata?.name ?? defaultWorkloadName(this, 'apps/v1', 'Deployment'),
      },
      // the pods carry the Deployment's labels too, for `kubectl logs -l app=...` and selectors
      podMetadata: {
        labels: { ...renderableMetadata(props.metadata)?.labels, ...podMetadata.labels, ...selectorLabels },
        annotations: podMetadata.annotations,
      },
      select: selectorLabels === undefined,
      replicas: Number.isInteger(props.replicas) ? props.replicas : 1,
      // The rollout is stuck only when a new pod could not even load its model in time.
      progressDeadline: Duration.seconds(deadline ?? Math.min(loadSeconds + 600, INT32_MAX)),
      strategy: (rollout instanceof DeploymentRollout ? rollout : DeploymentRollout.rollingUpdate())._render(errors),
    });
    if (selectorLabels) {
      this.selectorLabels = { ...selectorLabels };
      this.deployment.select(kplus.LabelSelector.of({ labels: selectorLabels }));
    }
    // the replicas as given: a bad value is reported, and the kind rules see what would be applied
    this.server = attachServer(this, this.deployment, props, DEPLOYMENT_KEYS);
    WorkloadHost.of(this.deployment).addWorkloadStep((json, wiring) => {
      json.spec.replicas = props.replicas ?? 1;
      const history = props.revisionHistoryLimit;
      if (Number.isInteger(history) && (history as number) >= 0 && (history as number) <= INT32_MAX) {
        json.spec.revisionHistoryLimit = history;
      }
      const budget = wiring && serverStartupBudget(json, wiring);
      if (deadline !== undefined && budget !== undefined && deadline < budget) {
        this.warnShortDeadline(deadline, budget, wiring!);
      } else if (deadline === undefined && budget !== undefined && budget + 600 > json.spec.progressDeadlineSeconds) {
        // the default covers the model load as the server's startup probe allows it, also a custom
        // probe whose budget is longer than modelLoadTimeout
        json.spec.progressDeadlineSeconds = Math.min(budget + 600, INT32_MAX);
      }
      if (selectorLabels) {
        // as given: an empty value (`app: ""`) is a label the API accepts and cdk8s-plus's selector dropped
        json.spec.selector = { matchLabels: { ...selectorLabels } };
      }
    });
    this.node.addValidation({ validate: () => errors });
    if (withService) {
      this.service = this.createService(props, serviceOptions);
    }
  }

  /**
   * A progress deadline shorter than the server's startup probe budget marks the rollout failed
   * while a new pod may still be loading its model.
   */
  private warnShortDeadline(deadline: number, budget: number, wiring: Wiring): void {
    wiring.warning(this, 'progressDeadline', `${deadline} s is shorter than the server's startup probe budget (${budget} s): `
      + 'the Deployment reports the rollout failed while a new pod may still be loading its model',
    `give at least Duration.seconds(${budget}) (the budget plus the time to schedule and pull), or leave progressDeadline out (the startup budget + 10 minutes)`);
  }

  /** The workload that add-ons (init containers, sidecars) attach to. */
  public get workload(): kplus.AbstractPod {
    return this.deployment;
  }

  /** Which container to look at, in which phase, when a pod of this Deployment is stuck. */
  public describe(): string {
    const selector = Object.entries(this.podSelector()).map(([k, v]) => `${k}=${v}`).join(',');
    return lifecycleGuide(podSpecOf(WorkloadHost.of(this.deployment).render()), { logs: `-l ${selector}`, describe: `pods -l ${selector}` });
  }

  /** The labels the Deployment and its Service select the pods by. */
  private podSelector(): { [key: string]: string } {
    return { ...(this.selectorLabels ?? this.deployment.matchLabels) };
  }

  /**
   * The Service's default name: the Deployment's. A derived one may hold dots (from construct ids),
   * and a given one no Service may have is the prop error of refuseNameNoServiceTakes: both are made
   * a DNS-1035 label, so the Service is not refused again. A given name that is no text at all is
   * kept, for the name rules to report once.
   */
  private serviceName(given: unknown): string {
    const name = this.deployment.name;
    // a derived name keeps the Service name it always had (a renamed Service is a new one, with a new cluster IP)
    return given === undefined ? legacyServiceName(name) : typeof given === 'string' && !isServiceName(given) ? suggestDns1035(name) : name;
  }

  private createService(props: AiInferenceDeploymentProps, options: InferenceServiceOptions): ApiObject {
    const host = WorkloadHost.of(this.deployment);
    const service = new ApiObject(this, 'Service', {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: {
        name: options.name ?? this.serviceName(props.metadata?.name),
        namespace: props.metadata?.namespace, labels: options.labels, annotations: options.annotations,
      },
    });
    // the public port is known once every add-on has registered: at render
    addRenderStep(service, json => {
      const wiring = host.wiring();
      const port = wiring.publicPort;
      const servicePort = options.port ?? port;
      const extra = (options.extraPorts ?? []).map(p => withoutUndefined({
        name: p.name, nodePort: p.nodePort, port: p.port, protocol: p.protocol ?? 'TCP', targetPort: p.targetPortName ?? p.targetPort ?? p.port,
        appProtocol: renderableAppProtocol(p.appProtocol),
      }));
      json.spec = {
        ports: [withoutUndefined({
          name: options.portName ?? (wiring.proxy ? 'proxy' : 'http'), nodePort: options.nodePort, port: servicePort, protocol: 'TCP', targetPort: port,
          appProtocol: renderableAppProtocol(options.appProtocol),
        }), ...extra],
        selector: { ...this.podSelector() },
        type: props.serviceType ?? InferenceServiceType.CLUSTER_IP,
      };
    });
    // a port the Service targets by name must be one a container of the pod declares
    host.addCompanion(this, service, undefined, json => {
      const declared = host.podPortNames();
      const wiring = host.wiring();
      return [
        ...selectorFindings(json, this.podSelector(), host.renderedPodLabels()), ...namedTargetFindings(json, declared),
        ...frontDoorFindings(json, declared, wiring),
        ...proxyAppProtocolFindings(json, declared, wiring),
      ];
    });
    return service;
  }
}

/**
 * A Deployment name given in `metadata.name` that no Service may have (`llama-3.1-8b`: a Service's
 * name is a DNS-1035 label) also names the Service unless `serviceOptions.name` does: said once,
 * by the prop that decides, with the name to give the Service. A name too long for a Deployment
 * too (over 242 characters) is one line for both, with a name that fits both; that name is
 * returned, for the Deployment to render a name its own rule does not refuse again.
 */
function refuseNameNoServiceTakes(props: AiInferenceDeploymentProps, options: InferenceServiceOptions, errors: string[]): string | undefined {
  const name = props.metadata?.name;
  if (typeof name !== 'string' || options.name !== undefined || isServiceName(name) || !isDnsSubdomain(name)) {
    return undefined;
  }
  const suggested = suggestDns1035(name);
  const rule = 'which must be a DNS-1035 label (at most 63 lowercase letters, digits and \'-\', starting with a letter';
  const why = /^[a-z]/.test(name) ? ')' : `: ${DNS1035_PREFIX_RULE})`;
  if (name.length > DEPLOYMENT_NAME_MAX) {
    errors.push(`metadata.name: ${show(name)} has ${name.length} characters; a Deployment name can have at most ${DEPLOYMENT_NAME_MAX}, because its ReplicaSets `
      + `are named <name>-<pod-template-hash> within 253, and it names the Deployment's Service too, ${rule}${why}. `
      + `Fix: use a shorter name that fits both, such as ${show(suggested)}, or give the Service its own name (serviceOptions.name) and the Deployment at most ${DEPLOYMENT_NAME_MAX} characters`);
    return name;
  }
  errors.push(`metadata.name: ${show(name)} is a valid Deployment name, and it names the Deployment's Service too, ${rule}${why}. `
    + `Fix: give the Service its own name, serviceOptions: { name: ${show(suggested)} }, or service: false`);
  return undefined;
}

/**
 * The seconds the server's startup probe lets a new pod load its model (initialDelay + period ×
 * failureThreshold, Kubernetes' defaults where unset), or undefined without one.
 */
function serverStartupBudget(json: any, wiring: Wiring): number | undefined {
  const server = wiring.server && (json.spec?.template?.spec?.containers ?? []).find((c: any) => c?.name === wiring.server?.name);
  const probe = server?.startupProbe;
  if (!probe) {
    return undefined;
  }
  const budget = probeBudgetSeconds(probe);
  // a refused probe field (a string, NaN) is reported by the probe rules
  return Number.isFinite(budget) ? budget : undefined;
}

/** A Service port's appProtocol: a qualified name (validateServicePort: IsQualifiedName), as `kubernetes.io/h2c`. */
function checkAppProtocol(field: string, appProtocol: unknown, errors: string[]): void {
  if (appProtocol !== undefined && renderableAppProtocol(appProtocol) === undefined) {
    errors.push(`${field}: ${show(appProtocol)} is not an application protocol. Fix: use a qualified name, e.g. 'kubernetes.io/h2c' for gRPC, `
      + "or 'example.com/my-protocol', or leave it out");
  }
}

/**
 * An appProtocol to write on the Service: a refused one is the prop's error (checkAppProtocol),
 * and is left out so that the Service's own rules do not say it again.
 */
function renderableAppProtocol(appProtocol: unknown): string | undefined {
  return typeof appProtocol === 'string' && isQualifiedName(appProtocol) ? appProtocol : undefined;
}

/** Whether the Deployment's server listens on a port (`server.listens` is not false); the server's own checks report a bad value. */
function serverListens(props: AiInferenceDeploymentProps): boolean {
  const server: any = props.server;
  return !(server !== null && typeof server === 'object' && server.listens === false);
}

/**
 * A server that listens on no port has nothing a Service could send traffic to: `service:
 * true`, and a `serviceType` or `serviceOptions` for the Service it no longer gets, are refused.
 */
function refuseServiceOfSilentServer(props: AiInferenceDeploymentProps, errors: string[]): void {
  const why = 'and server.listens is false: the server declares no port for the Service to send traffic to';
  if (props.service === true) {
    errors.push(`service: true asks for a Service to the model server, ${why}. `
      + 'Fix: remove service (a Deployment of servers that do not listen gets no Service), or remove listens: false and give the server its port');
  }
  if (props.service === undefined && props.serviceType !== undefined) {
    errors.push(`serviceType: ${show(props.serviceType)} is given for the Deployment's Service, ${why}, so the Deployment has none. `
      + 'Fix: remove serviceType, or remove listens: false');
  }
  if (props.service === undefined && props.serviceOptions !== undefined) {
    errors.push(`serviceOptions: ${show(props.serviceOptions)} is given for the Deployment's Service, ${why}, so the Deployment has none. `
      + 'Fix: remove serviceOptions (a Service to an extra port is a kplus.Service of your own), or remove listens: false');
  }
}

/**
 * The Service options, checked: names DNS-1123 labels and unique, ports 1–65535 and unique,
 * node ports 30000–32767, unique and only where the Service type has them, a target port by
 * number or by name. Returns what can be rendered (the shapes that cannot are left out).
 */
function checkedServiceOptions(props: AiInferenceDeploymentProps, errors: string[]): InferenceServiceOptions {
  const given: any = props.serviceOptions;
  if (given === undefined) {
    return {};
  }
  if (given === null || typeof given !== 'object' || Array.isArray(given)) {
    errors.push(`serviceOptions: ${show(given)} is not the Service's options. Fix: give e.g. { portName: 'serve', extraPorts: [{ name: 'metrics', port: 8080 }] }, or leave it out`);
    return {};
  }
  if (props.service === false) {
    errors.push('serviceOptions: is given with service: false, so no Service has them. Fix: remove serviceOptions, or the service: false');
  }
  knownProps('serviceOptions', given, SERVICE_OPTIONS_KEYS, errors);
  const type = props.serviceType ?? InferenceServiceType.CLUSTER_IP;
  const nodePorts = type === InferenceServiceType.NODE_PORT || type === InferenceServiceType.LOAD_BALANCER;
  const names = new Map<string, string>();
  const numbers = new Map<string, string>();
  const nodes = new Map<string, string>(); // by node port and protocol: 30053/TCP and 30053/UDP are two
  const checkName = (field: string, name: unknown) => {
    // a Service's port names are DNS-1123 labels (validateServicePort), not IANA service names as a container's
    if (!isDnsLabel(name)) {
      errors.push(`${field}: ${show(name)} is not a Service port name. Fix: use a DNS-1123 label: at most 63 lowercase letters, digits and '-', `
        + 'starting and ending with a letter or digit, e.g. \'metrics\'');
    } else if (names.has(name as string)) {
      errors.push(`${field}: ${show(name)} is already the name of ${names.get(name as string)}. Fix: give each port of the Service its own name`);
    } else {
      names.set(name as string, field.replace(/\.name$|\.portName$/, ''));
    }
  };
  const checkNodePort = (field: string, nodePort: unknown, protocol: unknown = 'TCP') => {
    if (nodePort === undefined) {
      return;
    }
    if (!nodePorts) {
      if (!(Object.values(InferenceServiceType) as unknown[]).includes(type)) {
        return; // an unknown serviceType is refused on its own; its text is not repeated here
      }
      errors.push(`${field}: ${show(nodePort)} is given, but a ${type} Service has no node ports. Fix: set serviceType: InferenceServiceType.NODE_PORT (or LOAD_BALANCER), or remove it`);
    } else if (typeof nodePort !== 'number' || !Number.isInteger(nodePort) || nodePort < NODE_PORT_MIN || nodePort > NODE_PORT_MAX) {
      errors.push(`${field}: ${show(nodePort)} is not a node port (${NODE_PORT_MIN}-${NODE_PORT_MAX}, the API server's default range). `
        + 'Fix: use a port in that range, e.g. 32237, or leave it out to let the cluster pick one');
    } else if (nodes.has(`${nodePort}/${protocol}`)) {
      errors.push(`${field}: ${nodePort}/${protocol} is already the node port of ${nodes.get(`${nodePort}/${protocol}`)}. Fix: give each port its own node port`);
    } else {
      nodes.set(`${nodePort}/${protocol}`, field.replace(/\.nodePort$/, ''));
    }
  };
  if (given.name !== undefined && !(typeof given.name === 'string' && given.name.length <= 63 && SERVICE_NAME.test(given.name))) {
    errors.push(`serviceOptions.name: ${show(given.name)} is not a Service name. Fix: use a DNS-1035 label: at most 63 lowercase letters, digits and '-', `
      + 'starting with a letter and ending with a letter or digit, e.g. \'service-supervisor\'');
    delete given.name;
  }
  const portName = given.portName;
  if (portName !== undefined) {
    checkName('serviceOptions.portName', portName);
  }
  checkNodePort('serviceOptions.nodePort', given.nodePort);
  checkAppProtocol('serviceOptions.appProtocol', given.appProtocol, errors);
  if (given.port !== undefined) {
    wholeNumber('serviceOptions.port', given.port, 1, 65535, errors, 80);
    if (Number.isInteger(given.port)) {
      numbers.set(`${given.port}/TCP`, 'serviceOptions.port');
    }
  }
  const extraPorts: InferenceServicePort[] = [];
  // Array.from: a hole of a sparse list is a missing port, refused like any other (forEach would skip it)
  Array.from(listOf('serviceOptions.extraPorts', given.extraPorts, errors)).forEach((p: any, i: number) => {
    const at = `serviceOptions.extraPorts[${i}]`;
    if (p === null || typeof p !== 'object' || Array.isArray(p)) {
      errors.push(`${at}: ${show(p)} is not a port. Fix: give { name: 'metrics', port: 8080 }`);
      return;
    }
    const before = errors.length;
    knownProps(at, p, SERVICE_PORT_KEYS, errors);
    if (p.name === undefined) {
      // the Service has the server's port too, and a Service of several ports needs a name on each (validateServicePort)
      errors.push(`${at}.name: is missing, and every port of a Service with several ports (this one and the server's) needs a name. `
        + 'Fix: name it, e.g. { name: \'metrics\', port: 8080 }');
    } else {
      checkName(`${at}.name`, p.name);
    }
    wholeNumber(`${at}.port`, p.port, 1, 65535, errors, 8080);
    if (p.protocol !== undefined && !(Object.values(PortProtocol) as unknown[]).includes(p.protocol)) {
      errors.push(`${at}.protocol: ${show(p.protocol)} is not a protocol. Fix: use PortProtocol.TCP, UDP or SCTP, or leave it out`);
    }
    const key = `${p.port}/${p.protocol ?? 'TCP'}`;
    if (Number.isInteger(p.port) && numbers.has(key)) {
      errors.push(`${at}.port: ${key} is already the port of ${numbers.get(key)}. Fix: give each port of the Service its own number`);
    } else {
      numbers.set(key, at);
    }
    wholeNumber(`${at}.targetPort`, p.targetPort, 1, 65535, errors, 8080);
    if (p.targetPortName !== undefined && !isPortName(p.targetPortName)) {
      errors.push(`${at}.targetPortName: ${show(p.targetPortName)} is not a port name. Fix: name a port a container of the pod declares, e.g. 'metrics'`);
    }
    if (p.targetPort !== undefined && p.targetPortName !== undefined) {
      errors.push(`${at}.targetPortName: is given with targetPort: a port is targeted by number or by name. Fix: keep one of them`);
    }
    checkNodePort(`${at}.nodePort`, p.nodePort, p.protocol ?? 'TCP');
    checkAppProtocol(`${at}.appProtocol`, p.appProtocol, errors);
    // a refused port is left out of the Service, whose own rules would say it again (an unnamed port, a bad protocol)
    if (errors.length === before) {
      extraPorts.push(p);
    }
  });
  for (const key of ['labels', 'annotations'] as const) {
    if (!stringMap(`serviceOptions.${key}`, given[key], errors, "{ team: 'ml' }")) {
      delete given[key];
    }
  }
  return { ...given, extraPorts };
}

/**
 * The pod template's own labels and annotations, each a map of strings; what is not is reported
 * and left out (label and annotation keys and values are checked on the rendered template by the
 * `workloadTemplate` rule).
 */
function checkedPodMetadata(given: PodTemplateMetadata | undefined, errors: string[]): PodTemplateMetadata {
  if (given === undefined) {
    return {};
  }
  if (!isPlainObject(given)) {
    errors.push(`podMetadata: ${show(given)} is not the pods' metadata. Fix: give e.g. { annotations: { 'prometheus.io/scrape': 'true' } }, or leave it out`);
    return {};
  }
  knownProps('podMetadata', given, POD_TEMPLATE_METADATA_KEYS, errors);
  const { labels, annotations } = given as PodTemplateMetadata;
  return {
    labels: stringMap('podMetadata.labels', labels, errors, "{ team: 'ml' }") ? labels : undefined,
    annotations: stringMap('podMetadata.annotations', annotations, errors, "{ team: 'ml' }") ? annotations : undefined,
  };
}

type StringMap = { [key: string]: string };

/**
 * `selectorLabels` when usable: a non-empty map of strings that the label the pods would carry
 * without it does not contradict (the pods carry the selector's value: the other one would be
 * dropped without a word). `others` is in order of precedence, lowest first: a key that
 * `podMetadata.labels` gives reaches the pods from there, so `metadata.labels` may give the
 * Deployment itself another value (GKE's TF Serving sample: Deployment `app: tfserve-server`, pods
 * `app: tfserve`).
 */
function checkedSelectorLabels(
  given: StringMap | undefined, others: ReadonlyArray<readonly [string, StringMap | undefined]>, errors: string[],
): StringMap | undefined {
  if (given === undefined) {
    return undefined;
  }
  const example = "{ 'app.kubernetes.io/name': 'ovms' }";
  if (!stringMap('selectorLabels', given, errors, example)) {
    return undefined;
  }
  if (Object.keys(given).length === 0) {
    errors.push(`selectorLabels: {} selects every pod of the namespace. Fix: give the labels of the release you replace, e.g. ${example}, or leave it out`);
    return undefined;
  }
  for (const [key, value] of Object.entries(given)) {
    const carried = [...others].reverse().find(([, labels]) => labels && Object.prototype.hasOwnProperty.call(labels, key));
    if (carried && carried[1]![key] !== value) {
      const [field, labels] = carried;
      errors.push(`selectorLabels: ${show(key)} is ${show(value)} but ${field} gives it ${show(labels![key])}: the pods carry the selector's value. Fix: give one value in both, or drop it from ${field}`);
    }
  }
  return given;
}

/**
 * A Service whose selector a JSON patch removed or emptied (`{}`): Kubernetes keeps no empty
 * selector apart from none (kubernetes/kubernetes#25836), and the EndpointSlice controller
 * leaves a Service without one alone, so it sends its traffic to no pod of the Deployment. A
 * warning, not an error: the API server accepts it, and Kubernetes documents such a Service for
 * endpoints written by hand ("Services without selectors"). A selector changed to labels the
 * Deployment's pods (as rendered) do not carry is warned about too (`changedSelectorFindings`).
 */
function selectorFindings(json: any, podSelector: StringMap, podLabels: { readonly [key: string]: string } | undefined): Finding[] {
  const selector = json?.spec?.selector;
  if (selector !== undefined && selector !== null && (typeof selector !== 'object' || Object.keys(selector).length > 0)) {
    return changedSelectorFindings(selector, podSelector, podLabels);
  }
  return [{
    severity: 'warning',
    field: 'spec.selector',
    message: `${selector === undefined ? 'is removed' : show(selector)} (a JSON patch): a Service without a selector (an empty one is stored as none) `
      + 'gets no endpoints from Kubernetes, so it sends its traffic to none of the Deployment\'s pods, only to EndpointSlices written by hand',
    fix: `remove the JSON patch, so that the Service selects the pods (${show(podSelector)}), or set service: false and write the Service you need`,
  }];
}

/**
 * A Service selector (changed by a JSON patch) with a label the Deployment's pods do not carry:
 * the EndpointSlice controller gives it none of them, so the Service meant for the server sends
 * its traffic to other pods that carry those labels, or nowhere. A warning, as the selector may
 * mean pods written elsewhere. Values that are no strings are the schema's to report; a workload
 * that cannot be rendered (no labels) is its own validation's.
 */
function changedSelectorFindings(selector: unknown, podSelector: StringMap, podLabels: { readonly [key: string]: string } | undefined): Finding[] {
  if (!isPlainObject(selector) || podLabels === undefined || Object.values(selector).some(v => typeof v !== 'string')) {
    return [];
  }
  const missing = Object.entries(selector as StringMap).filter(([key, value]) => podLabels[key] !== value);
  if (missing.length === 0) {
    return [];
  }
  const lacking = missing.map(([k, v]) => `${k}=${v}`).join(', ');
  const consequence = 'the Service gets no endpoint among them, so it sends its traffic to other pods that carry those labels, or nowhere';
  if (sameLabels(selector as StringMap, podSelector)) {
    // the selector is the library's: a JSON patch on the Deployment's pod template took the labels
    // away (podMetadata cannot give them back: the patch replaces what it renders)
    return [{
      severity: 'warning',
      field: 'spec.selector',
      message: `${show(selector)} selects none of the Deployment's pods, which do not carry ${lacking} (they carry ${show(podLabels)}, `
        + `as a JSON patch on the Deployment's pod template left them): ${consequence}`,
      fix: 'keep those labels on the pod template (a JSON patch that adds to /spec/template/metadata/labels instead of replacing it), '
        + 'or patch the Service\'s spec.selector to labels the pods carry',
    }];
  }
  // a label the pods carry with another value, or that selects them, is not the pods' to change: only the patch is
  const addable = missing.every(([key]) => !Object.prototype.hasOwnProperty.call(podLabels, key));
  return [{
    severity: 'warning',
    field: 'spec.selector',
    message: `${show(selector)} (a JSON patch) selects none of the Deployment's pods, which do not carry ${lacking} (they carry ${show(podLabels)}): ${consequence}`,
    fix: `remove the JSON patch, so that the Service selects the pods (${show(podSelector)})`
      + `${addable ? `, or give the pods the labels it selects (podMetadata: { labels: ${show(Object.fromEntries(missing))} })` : ''}`,
  }];
}

/** Whether two label maps hold the same labels. */
function sameLabels(a: StringMap, b: StringMap): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every(k => Object.prototype.hasOwnProperty.call(b, k) && b[k] === a[k]);
}

/** The Service's ports that target a port name no container of the pod declares (the Service would have no endpoints). */
function namedTargetFindings(json: any, declared: ReadonlyMap<string, number> | undefined): Finding[] {
  const ports: any[] = Array.isArray(json?.spec?.ports) ? json.spec.ports : [];
  if (!declared) {
    return []; // the workload cannot be rendered: its own validation says why
  }
  return ports.flatMap((p, i) => (typeof p?.targetPort === 'string' && !declared.has(p.targetPort) ? [{
    severity: 'error' as const,
    field: `spec.ports[${i}].targetPort`,
    message: `${show(p.targetPort)} is not the name of a port a container of the pod declares (${[...declared.keys()].map(n => show(n)).join(', ') || 'none is named'}): the Service would send its traffic nowhere`,
    fix: 'name a declared port (server.portName, server.extraPorts, a Sidecar\'s ports), or target it by number (targetPort)',
  }] : []));
}

/**
 * The marks by which gateways and meshes speak cleartext HTTP/2 to a Service port: the
 * `appProtocol` `kubernetes.io/h2c` (Gateway API) and Istio's `http2`, `grpc` and `grpc-web`
 * (also read from a port name `<protocol>[-<suffix>]` when the port has no appProtocol).
 */
const HTTP2_APP_PROTOCOLS = ['kubernetes.io/h2c', 'h2c', 'http2', 'grpc', 'grpc-web'];
const HTTP2_PORT_NAME = /^(http2|grpc|grpc-web)(-.*)?$/;

/** The field and value that mark a Service port as cleartext HTTP/2, if one does. */
function http2Mark(port: any): { field: string; value: string } | undefined {
  if (port?.appProtocol !== undefined) {
    // Istio reads its own protocol names in any case (protocol.Parse lowercases them): `GRPC` marks the port as `grpc` does;
    // a domain-prefixed name in capitals is not an appProtocol at all, refused as such
    const given: unknown = port.appProtocol;
    return typeof given === 'string' && HTTP2_APP_PROTOCOLS.includes(given.includes('/') ? given : given.toLowerCase())
      ? { field: 'appProtocol', value: port.appProtocol } : undefined;
  }
  return typeof port?.name === 'string' && HTTP2_PORT_NAME.test(port.name) ? { field: 'name', value: port.name } : undefined;
}

/**
 * The ProxySidecar's nginx speaks HTTP/1.1 (over TLS with `tls`), not cleartext HTTP/2: a port
 * to it marked as HTTP/2 (`kubernetes.io/h2c`, Istio's `grpc` or `http2`) has gateways and meshes
 * open HTTP/2 connections it cannot read, and every request fails.
 */
function proxyAppProtocolFindings(json: any, declared: ReadonlyMap<string, number> | undefined, wiring: Wiring): Finding[] {
  const proxy = wiring.proxy;
  const ports: any[] = Array.isArray(json?.spec?.ports) ? json.spec.ports : [];
  if (!proxy || proxy.prop !== 'scope') {
    return [];
  }
  return ports.flatMap((p, i) => {
    const target = serviceTargetPort(p, declared);
    const mark = http2Mark(p);
    if (target !== proxy.port || !mark) {
      return [];
    }
    const http1 = proxy.https ? "'https'" : "'http'";
    return [{
      severity: 'error' as const, field: `spec.ports[${i}].${mark.field}`,
      message: `${show(mark.value)} marks port ${target}, the ProxySidecar's, as cleartext HTTP/2`
        + `${mark.field === 'name' ? ' (Istio reads a port name <protocol>[-<suffix>] when there is no appProtocol)' : ''}; `
        + `its nginx speaks HTTP/1.1${proxy.https ? ' over TLS' : ''}, so gateways and meshes that follow the mark fail every request`,
      fix: mark.field === 'name'
        ? `name the port otherwise (serviceOptions.portName, e.g. 'proxy'), or set appProtocol: ${http1}; a gRPC server needs a front door that speaks HTTP/2 (a Sidecar with frontDoor)`
        : `remove appProtocol (or use ${http1}); a gRPC server needs a front door that speaks HTTP/2 (a Sidecar with frontDoor)`,
    }];
  });
}

/**
 * With a front door's NetworkPolicy, the Service's further ports: one that targets the server's
 * port goes around the front door (as `admitPorts` with that port would), and one the policies do
 * not admit (another port, or another protocol than TCP) sends its traffic nowhere.
 */
function frontDoorFindings(json: any, declared: ReadonlyMap<string, number> | undefined, wiring: Wiring): Finding[] {
  const admitted = wiring.admittedPorts;
  const ports: any[] = Array.isArray(json?.spec?.ports) ? json.spec.ports : [];
  if (!declared || !admitted || !wiring.proxy) {
    return [];
  }
  return ports.flatMap((p, i) => {
    const target = serviceTargetPort(p, declared);
    const protocol = p?.protocol ?? 'TCP';
    if (typeof target !== 'number' || (admitted.includes(target) && protocol === 'TCP' && target !== wiring.server?.port)) {
      return [];
    }
    const field = `spec.ports[${i}].targetPort`;
    const what = typeof p.targetPort === 'string' ? `${show(p.targetPort)} is port ${target}` : `port ${target}`;
    if (protocol !== 'TCP' && target !== wiring.server?.port) {
      return [{
        severity: 'error' as const, field,
        message: `${what}/${protocol}, and the front door's NetworkPolicy admits TCP only: the Service would send its traffic nowhere`,
        fix: 'serve it over TCP, or set the front door\'s networkPolicy: false',
      }];
    }
    return [target === wiring.server?.port ? {
      severity: 'error' as const, field,
      message: `${what}, the server's port: the Service would reach the server around the front door (port ${wiring.proxy!.port})`,
      fix: 'remove the port (clients use the front door\'s), or set the front door\'s networkPolicy: false if the server must be reachable directly',
    } : {
      severity: 'error' as const, field,
      message: `${what}, which the front door's NetworkPolicy does not admit (${admitted.join(', ')}): the Service would send its traffic nowhere`,
      fix: `add ${target} to the front door's admitPorts, or remove the port`,
    }];
  });
}

