import { ApiObject } from 'cdk8s';
import { IConstruct } from 'constructs';
import { show } from './_helpers';
import { serviceTargetPort } from './_object-helpers';
import { PerRun } from './_reporter';

/**
 * Services and NetworkPolicies the library did not write that open a way around a front door
 * (a ProxySidecar, a Sidecar `frontDoor`): cdk8s-plus's `exposeViaService()` or
 * `connections.allowFrom()` on the workload, or an object of the user's, that targets or admits
 * the model server's port. The front door's own NetworkPolicy admits only its ports, but
 * policies add up: another that admits the server's port lets traffic reach it without the
 * proxy's TLS and auth; a Service that targets it sends traffic the front door's policy drops.
 */

/** The objects the library writes (its own Services and policies are checked where they are made). */
const LIBRARY_OBJECTS = new WeakSet<ApiObject>();

/** Marks `obj` as written by the library: the bypass check leaves it alone. @internal */
export function markLibraryObject(obj: ApiObject): void {
  LIBRARY_OBJECTS.add(obj);
}

/** The pod behind a front door, as rendered. @internal */
export interface FrontedPod {
  readonly labels: { readonly [key: string]: string };
  readonly namespace?: string;
  /** The model server's port, which only the front door may reach. */
  readonly serverPort: number;
  /** The ports the front doors' policies admit (the front door's own, `admitPorts`). */
  readonly admitted: ReadonlyArray<number>;
  /** The pod's named ports (a Service may target a port by name). */
  readonly portNames: ReadonlyMap<string, number>;
  /** The front door, for the message: its construct path and port. */
  readonly door: string;
  readonly doorPort: number;
}

interface Selecting {
  readonly path: string;
  readonly json: any;
}

interface Index {
  readonly services: ReadonlyArray<Selecting>;
  readonly policies: ReadonlyArray<Selecting>;
}

/** Per app, the Services and NetworkPolicies of the user's, rendered once per synth run. */
const INDEXES = new PerRun<IConstruct, Index>();

function indexOf(root: IConstruct): Index {
  return INDEXES.get(root, () => renderedIndex(root));
}

function renderedIndex(root: IConstruct): Index {
  const services: Selecting[] = [];
  const policies: Selecting[] = [];
  for (const c of root.node.findAll()) {
    if (!(c instanceof ApiObject) || LIBRARY_OBJECTS.has(c) || (c.kind !== 'Service' && c.kind !== 'NetworkPolicy')) {
      continue;
    }
    let json: any;
    try {
      json = c.toJson();
    } catch {
      continue; // its own validation reports why it cannot be rendered
    }
    // cdk8s-plus's objects are the `Resource` of the construct a user knows
    const named = c.node.id === 'Resource' && c.node.scope ? c.node.scope : c;
    (c.kind === 'Service' ? services : policies).push({ path: named.node.path, json });
  }
  return { services, policies };
}

/**
 * The error lines (`field: message. Fix: …`) for every object of the app that bypasses the front
 * door of the pod `fronted` describes (read only when the app has such objects at all: most
 * apps have none, and this runs for every pod behind a front door). @internal
 */
export function frontDoorBypasses(root: IConstruct, fronted: () => FrontedPod | undefined): string[] {
  const { services, policies } = indexOf(root);
  const pod = services.length || policies.length ? fronted() : undefined;
  if (!pod) {
    return [];
  }
  const lines: string[] = [];
  const sameNamespace = (json: any) => (json?.metadata?.namespace ?? undefined) === (pod.namespace ?? undefined);
  for (const { path, json } of services) {
    // a headless Service (a StatefulSet's DNS names) forwards nothing: clients reach the pods' addresses, which the policies govern
    if (json?.spec?.clusterIP !== 'None' && sameNamespace(json) && selectsByLabels(json?.spec?.selector, pod.labels)) {
      lines.push(...serviceBypasses(path, json, pod));
    }
  }
  for (const { path, json } of policies) {
    if (sameNamespace(json) && selectsByLabelSelector(json?.spec?.podSelector, pod.labels) && admitsServerPort(json, pod)) {
      lines.push(`${path}: the NetworkPolicy admits the model server's port ${pod.serverPort} of the pod behind the front door ${pod.door} `
        + `(policies add up): traffic reaches the server without the front door's TLS and auth. Fix: admit only port ${pod.doorPort} `
        + `(or the ports of admitPorts) in its ingress rules — with cdk8s-plus, connections.allowFrom(peer, { ports: [kplus.NetworkPolicyPort.tcp(${pod.doorPort})] })`);
    }
  }
  return lines;
}

function serviceBypasses(path: string, json: any, pod: FrontedPod): string[] {
  const ports: any[] = Array.isArray(json?.spec?.ports) ? json.spec.ports : [];
  const lines: string[] = [];
  ports.forEach((p, i) => {
    const number = serviceTargetPort(p, pod.portNames);
    if (number === undefined || pod.admitted.includes(number)) {
      return;
    }
    const target = typeof p?.targetPort === 'string' ? p.targetPort : number;
    const what = number === pod.serverPort
      ? `targets the model server's port ${show(target)} behind the front door ${pod.door}: its traffic would skip the front door's TLS and auth, and the front door's NetworkPolicy drops it`
      : `targets port ${show(target)}, which the front door ${pod.door}'s NetworkPolicy does not admit (${pod.admitted.join(', ')}): the Service would send its traffic nowhere`;
    lines.push(`${path}: spec.ports[${i}] ${what}. Fix: target the front door's port ${pod.doorPort}, as AiInferenceDeployment's own Service does `
      + `(with cdk8s-plus: new kplus.Service(scope, id, { selector: workload, ports: [{ port: 443, targetPort: ${pod.doorPort} }] }); `
      + 'exposeViaService checks its ports against the containers cdk8s-plus knows, which the front door is not), or admit the port with admitPorts');
  });
  return lines;
}

/** A Service's selector: a non-empty map that the labels all carry. */
function selectsByLabels(selector: unknown, labels: { readonly [key: string]: string }): boolean {
  if (selector === null || typeof selector !== 'object') {
    return false;
  }
  const entries = Object.entries(selector as object);
  return entries.length > 0 && entries.every(([k, v]) => labels[k] === v);
}

/** A label selector (matchLabels and matchExpressions; empty selects every pod of the namespace). */
function selectsByLabelSelector(selector: any, labels: { readonly [key: string]: string }): boolean {
  if (selector === null || typeof selector !== 'object') {
    return false;
  }
  const matchLabels = selector.matchLabels ?? {};
  if (typeof matchLabels !== 'object' || !Object.entries(matchLabels).every(([k, v]) => labels[k] === v)) {
    return false;
  }
  const expressions: any[] = Array.isArray(selector.matchExpressions) ? selector.matchExpressions : [];
  return expressions.every(e => {
    const has = Object.prototype.hasOwnProperty.call(labels, e?.key);
    const values: unknown[] = Array.isArray(e?.values) ? e.values : [];
    switch (e?.operator) {
      case 'In': return has && values.includes(labels[e.key]);
      case 'NotIn': return !has || !values.includes(labels[e.key]);
      case 'Exists': return has;
      case 'DoesNotExist': return !has;
      default: return false;
    }
  });
}

/** Whether a policy's ingress admits the server's port: a rule without ports admits every port. */
function admitsServerPort(json: any, pod: FrontedPod): boolean {
  const types: unknown = json?.spec?.policyTypes;
  const ingress: any[] = Array.isArray(json?.spec?.ingress) ? json.spec.ingress : [];
  if (Array.isArray(types) && !types.includes('Ingress')) {
    return false;
  }
  if (pod.admitted.includes(pod.serverPort)) {
    return false;
  }
  return ingress.some(rule => {
    const ports: any[] = Array.isArray(rule?.ports) ? rule.ports : [];
    return ports.length === 0 || ports.some(p => {
      if (p?.port === undefined) {
        return (p?.protocol ?? 'TCP') === 'TCP'; // a rule port without a port admits every port of its protocol
      }
      const port = typeof p.port === 'string' ? pod.portNames.get(p.port) : p.port;
      if (typeof port !== 'number') {
        return false; // a name the pod does not declare admits nothing here
      }
      const end = typeof p?.endPort === 'number' ? p.endPort : port;
      return (p?.protocol ?? 'TCP') === 'TCP' && pod.serverPort >= port && pod.serverPort <= end;
    });
  });
}
