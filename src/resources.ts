import { BoundedCache, cached } from './_memo';

/**
 * CPU, memory and ephemeral-storage amounts as users type them.
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
}

/**
 * Renders resources to Kubernetes `requests`/`limits`, keeping the user's strings, plus
 * extended resources (GPUs) set as request = limit.
 */
export function renderResources(resources: ContainerResources, extended: { [name: string]: string } = {}): any {
  // one object per distinct setting, shared by every container that has it (never mutated)
  return cached(RENDERED, JSON.stringify([resources, extended]), () => render(resources, extended));
}

const RENDERED = new BoundedCache<any>();

function render(resources: ContainerResources, extended: { [name: string]: string }): any {
  const requests: { [name: string]: string } = {};
  const limits: { [name: string]: string } = {};
  const add = (name: string, amount?: ResourceAmount) => {
    if (amount?.request !== undefined) {
      requests[name] = String(amount.request);
    }
    if (amount?.limit !== undefined) {
      limits[name] = String(amount.limit);
    }
  };
  add('cpu', resources.cpu);
  add('memory', resources.memory);
  add('ephemeral-storage', resources.ephemeralStorage);
  for (const [name, count] of Object.entries(extended)) {
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
