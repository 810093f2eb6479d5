import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { withValidGeneratedNames } from './_object-names';
import { show } from './validation/_helpers';
import { knownProps, listOf, objectName, propKeys, quantity, snapshot } from './validation/_prop-checks';
import { CEL_EXPRESSION_MAX_LENGTH, DEVICE_CLAIM_API_VERSION } from './validation/device-claim-rules';

/** A GPU request through dynamic resource allocation (`resource.k8s.io/v1`, Kubernetes 1.34+). */
export interface DraGpuClaimProps {
  /**
   * The DeviceClass the GPUs come from (installed by the DRA driver).
   * @default 'gpu.nvidia.com' (NVIDIA's DRA driver, whole GPUs)
   */
  readonly deviceClassName?: string;
  /**
   * The driver, which is also the domain of its attributes and capacities in selectors.
   * @default 'gpu.nvidia.com'
   */
  readonly driver?: string;
  /**
   * Only devices whose `productName` attribute contains this text, ignoring case
   * (`'H100'` matches "NVIDIA H100 80GB HBM3").
   * @default - any product
   */
  readonly productName?: string;
  /**
   * Only devices with at least this much memory (their `memory` capacity), e.g. `'40Gi'`.
   * @default - any memory size
   */
  readonly minMemory?: string;
  /**
   * Further CEL selectors, each evaluated on one `device`
   * (e.g. `"device.attributes['gpu.nvidia.com'].architecture == 'Hopper'"`).
   * @default - none
   */
  readonly selectors?: string[];
  /**
   * Name of the ResourceClaimTemplate.
   * @default - derived from the construct path
   */
  readonly templateName?: string;
}

const DRA_GPU_CLAIM_KEYS = propKeys<DraGpuClaimProps>('DraGpuClaimProps', {
  deviceClassName: true, driver: true, productName: true, minMemory: true, selectors: true, templateName: true,
});

/** Name of the claim in the pod and of the request in the template. */
const CLAIM_NAME = 'gpu';

/**
 * GPUs as a device claim instead of a device plugin's extended resource: the workload gets a
 * `ResourceClaimTemplate` (one claim per pod, deleted with it), the pod's `resourceClaims` and
 * the server's `resources.claims`, and no `nvidia.com/gpu` request. Needs Kubernetes 1.34+ and
 * a DRA driver (e.g. NVIDIA's `k8s-dra-driver-gpu`).
 *
 * @example
 * gpu: { count: 2, claim: GpuClaim.dra({ productName: 'H100', minMemory: '80Gi' }) }
 */
export class GpuClaim {
  /** GPUs allocated by a DRA driver, selected by device class, product and memory. */
  public static dra(props: DraGpuClaimProps = {}): GpuClaim {
    // a copy: the template is written when a workload binds the claim
    return new GpuClaim(snapshot(props ?? {}));
  }

  private constructor(private readonly props: DraGpuClaimProps) {}

  /** The problems of the claim's props, in the `field: ... . Fix: ...` convention. @internal */
  public _errors(field: string): string[] {
    const p = this.props;
    const errors: string[] = [];
    knownProps(field, p, DRA_GPU_CLAIM_KEYS, errors);
    objectName(`${field}.deviceClassName`, p.deviceClassName, errors, 'DeviceClass');
    objectName(`${field}.driver`, p.driver, errors, 'driver');
    objectName(`${field}.templateName`, p.templateName, errors, 'ResourceClaimTemplate');
    quantity(`${field}.minMemory`, p.minMemory, errors, true);
    if (p.productName !== undefined && !(typeof p.productName === 'string' && p.productName.trim() !== '')) {
      errors.push(`${field}.productName: ${show(p.productName)} is empty. Fix: give part of the product name, e.g. 'H100'`);
    } else if (typeof p.productName === 'string' && [...p.productName].some(ch => ch.charCodeAt(0) < 0x20 || ch.charCodeAt(0) === 0x7f)) {
      // a CEL single-quoted string cannot hold a raw line break: the API server would not compile the selector
      errors.push(`${field}.productName: ${show(p.productName)} has a line break or control character. Fix: give part of the product name on one line, e.g. 'H100'`);
    }
    listOf(`${field}.selectors`, p.selectors, errors).forEach((s, i) => {
      if (typeof s !== 'string' || s.trim() === '' || s.length > CEL_EXPRESSION_MAX_LENGTH) {
        errors.push(`${field}.selectors[${i}]: ${show(s)} is not a CEL expression of 1 to ${CEL_EXPRESSION_MAX_LENGTH} characters. `
          + 'Fix: write one such as "device.attributes[\'gpu.nvidia.com\'].architecture == \'Hopper\'"');
      }
    });
    return errors;
  }

  /**
   * Adds the ResourceClaimTemplate for `count` GPUs next to `workload`, validated at synth with
   * the kind rules; returns what the pod spec needs. @internal
   */
  public _addTemplate(owner: Construct, workload: ApiObject, count: number): BoundGpuClaim {
    const template = withValidGeneratedNames(owner, () => new ApiObject(owner, 'gpu-claim', {
      apiVersion: DEVICE_CLAIM_API_VERSION,
      kind: 'ResourceClaimTemplate',
      // keys only when set: an explicit undefined name would stop cdk8s from generating one
      metadata: {
        ...(this.props.templateName !== undefined ? { name: this.props.templateName } : {}),
        ...(workload.metadata.namespace !== undefined ? { namespace: workload.metadata.namespace } : {}),
      },
      spec: { spec: { devices: { requests: [{ name: CLAIM_NAME, exactly: this.request(count) }] } } },
    }));
    return { podClaim: { name: CLAIM_NAME, resourceClaimTemplateName: template.name }, containerClaim: { name: CLAIM_NAME }, template };
  }

  private request(count: number): any {
    const p = this.props;
    const driver = p.driver ?? 'gpu.nvidia.com';
    const selectors = [
      // the driver check first: an attribute another driver lacks would abort allocation
      ...(p.productName !== undefined ? [`device.driver == ${cel(driver)} && device.attributes[${cel(driver)}].productName.lowerAscii().contains(${cel(lowerAscii(String(p.productName)))})`] : []),
      ...(p.minMemory !== undefined ? [`device.driver == ${cel(driver)} && device.capacity[${cel(driver)}].memory.compareTo(quantity(${cel(p.minMemory)})) >= 0`] : []),
      ...(p.selectors ?? []),
    ];
    return {
      allocationMode: 'ExactCount',
      count,
      deviceClassName: p.deviceClassName ?? 'gpu.nvidia.com',
      ...(selectors.length ? { selectors: selectors.map(expression => ({ cel: { expression } })) } : {}),
    };
  }
}

/** What a claim adds to the pod spec. @internal */
export interface BoundGpuClaim {
  readonly podClaim: { name: string; resourceClaimTemplateName: string };
  readonly containerClaim: { name: string };
  /** The template, written next to the workload. */
  readonly template: ApiObject;
}

/** What CEL's `lowerAscii()` does: A-Z lowered, every other character kept ('É' stays 'É'). */
function lowerAscii(text: string): string {
  return text.replace(/[A-Z]/g, c => c.toLowerCase());
}

/** A CEL string literal. */
function cel(text: string): string {
  return `'${text.replace(/\\/g, '\\\\').replace(/'/g, '\\\'')}'`;
}
