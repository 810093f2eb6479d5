import { BoundedCache, cachedByValue } from './_memo';
import { show } from './validation/_helpers';
import { quantity, stringMap } from './validation/_prop-checks';
import { resourceNameProblem } from './validation/resource-rules';

/**
 * CPU, memory, ephemeral-storage and extended resources (network devices, huge pages) as users type them.
 */

/** A request and a limit, as Kubernetes quantities (`'500m'`, `'1Gi'`). */
export interface ResourceAmount {
  /**
   * What the scheduler reserves for the container.
   * @default - no request (the limit, if set, becomes the request)
   */
  readonly request?: string;
  /**
   * The most the container may use.
   * @default - no limit
   */
  readonly limit?: string;
}

/** Resources of one container. Exactly what is given is rendered; nothing is added. */
export interface ContainerResources {
  /**
   * CPU in cores or millicores (`'500m'`, `'2'`).
   * @default - see the construct
   */
  readonly cpu?: ResourceAmount;
  /**
   * Memory in binary units (`'512Mi'`, `'16Gi'`).
   * @default - see the construct
   */
  readonly memory?: ResourceAmount;
  /**
   * Node-local scratch disk, which emptyDir model caches use.
   * @default - none
   */
  readonly ephemeralStorage?: ResourceAmount;
  /**
   * Extended resources next to the GPU, by name: network devices (`'vpc.amazonaws.com/efa': '4'`,
   * `'rdma/ib': '1'`) and huge pages (`'hugepages-2Mi': '1Gi'`). Each is written as request =
   * limit, since Kubernetes never overcommits them. Names are vendor-qualified (`domain/name`)
   * or `hugepages-<page size>`; vendor amounts are whole numbers, huge-page amounts a multiple
   * of the page size, and a container with huge pages needs a cpu or memory amount too (the API
   * server's rules). The server's GPU comes from `gpu.count`, not from here.
   * @default - none
   */
  readonly extended?: { [name: string]: string };
}

/** Standard resources, which have their own field of `ContainerResources`. */
const OWN_FIELDS: { [name: string]: string } = { 'cpu': 'cpu', 'memory': 'memory', 'ephemeral-storage': 'ephemeralStorage' };

/**
 * The resources of a construct's props (`field` names the prop, e.g. `server.resources`) with
 * only the `extended` entries that may be rendered; what is wrong with the others goes to
 * `errors`: not a map of strings, a name that is not a resource name or has its own field, an
 * amount that is not a quantity. Each mistake is thus reported once, by the prop that holds it,
 * and never written.
 * @internal
 */
export function checkedResources(field: string, resources: ContainerResources | undefined, errors: string[]): ContainerResources | undefined {
  const extended = resources?.extended;
  if (extended === undefined) {
    return resources;
  }
  const accepted: { [name: string]: string } = {};
  if (stringMap(`${field}.extended`, extended, errors, "{ 'amd.com/gpu': '1' }")) {
    for (const [name, amount] of Object.entries(extended)) {
      const at = `${field}.extended[${show(name)}]`;
      const problem = extendedNameProblem(name);
      const before = errors.length;
      if (problem) {
        errors.push(`${at}: ${show(name)} ${problem}`);
      } else {
        quantity(at, amount, errors);
      }
      if (errors.length === before) {
        accepted[name] = amount;
      }
    }
  }
  return { ...resources, extended: accepted };
}

/** Why `name` cannot be a key of `extended` (text with its fix), or undefined. */
function extendedNameProblem(name: string): string | undefined {
  if (Object.prototype.hasOwnProperty.call(OWN_FIELDS, name)) {
    return `has its own field. Fix: give it as resources.${OWN_FIELDS[name]}: { request, limit }`;
  }
  const problem = resourceNameProblem(name);
  return problem && `is not a resource name: ${problem}. `
    + 'Fix: use a vendor-qualified name such as \'vpc.amazonaws.com/efa\' or \'rdma/ib\', or \'hugepages-2Mi\'';
}

/**
 * Renders resources to Kubernetes `requests`/`limits`, keeping the user's strings, plus
 * extended resources (`resources.extended`, then the GPU's `extended`) set as request = limit.
 */
export function renderResources(resources: ContainerResources, extended: { [name: string]: string } = {}): any {
  // one object per distinct setting, shared by every container that has it (never mutated)
  return cachedByValue(RENDERED, [resources, extended], () => render(resources, extended));
}

const RENDERED = new BoundedCache<any>();

function render(resources: ContainerResources, extended: { [name: string]: string }): any {
  const requests: { [name: string]: string } = {};
  const limits: { [name: string]: string } = {};
  // an object given as an amount (a cdk8s Size) is refused by prop and not written
  const written = (value: unknown) => value !== undefined && (value === null || typeof value !== 'object');
  const add = (name: string, amount?: ResourceAmount) => {
    if (written(amount?.request)) {
      requests[name] = String(amount?.request);
    }
    if (written(amount?.limit)) {
      limits[name] = String(amount?.limit);
    }
  };
  add('cpu', resources.cpu);
  add('memory', resources.memory);
  add('ephemeral-storage', resources.ephemeralStorage);
  for (const [name, count] of [...Object.entries(resources.extended ?? {}), ...Object.entries(extended)]) {
    requests[name] = count;
    limits[name] = count;
  }
  const rendered: any = {};
  if (Object.keys(requests).length) {
    rendered.requests = requests;
  }
  if (Object.keys(limits).length) {
    rendered.limits = limits;
  }
  return Object.keys(rendered).length ? rendered : undefined;
}
