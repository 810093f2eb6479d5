import { ObjectRule } from './_object-helpers';
import { deviceRequests } from './device-claim-rules';
import { objectMetadata, objectMetadataFields } from './metadata-rules';
import { Finding } from './model';
import { networkPolicyRules, networkPolicySelector } from './network-policy-rules';
import { servicePorts, serviceSpec } from './service-rules';
import { claimSpec, configMapData } from './storage-rules';
import {
  deploymentProgressDeadline, deploymentStrategy, jobCompletionMode, jobCounts, statefulSetFields, volumeClaimTemplates,
  workloadCounts, workloadSelector, workloadTemplate,
} from './workload-object-rules';

export type { ObjectRule } from './_object-helpers';

/**
 * Kind-aware rules for every object the library writes, keyed by `kind`: the API server's
 * checks of each kind's own fields, on the object's final JSON. A workload's pod spec is the
 * pod rules' business (`rules.ts`); these read what surrounds it. Kinds not listed get the
 * metadata checks every object needs. The README's "What gets checked" table lists them.
 */
export const OBJECT_RULES: { readonly [kind: string]: ReadonlyArray<ObjectRule> } = {
  Pod: [objectMetadata, objectMetadataFields],
  Deployment: [
    objectMetadata, objectMetadataFields, workloadCounts, workloadSelector, workloadTemplate, deploymentStrategy, deploymentProgressDeadline,
  ],
  StatefulSet: [objectMetadata, objectMetadataFields, workloadCounts, workloadSelector, workloadTemplate, statefulSetFields, volumeClaimTemplates],
  Job: [objectMetadata, objectMetadataFields, workloadSelector, workloadTemplate, jobCounts, jobCompletionMode],
  Service: [objectMetadata, objectMetadataFields, servicePorts, serviceSpec],
  PersistentVolumeClaim: [objectMetadata, objectMetadataFields, claimSpec],
  ConfigMap: [objectMetadata, objectMetadataFields, configMapData],
  NetworkPolicy: [objectMetadata, objectMetadataFields, networkPolicySelector, networkPolicyRules],
  ResourceClaimTemplate: [objectMetadata, objectMetadataFields, deviceRequests],
};

/** The rules of a kind the registry does not list. */
const OTHER_KINDS: ReadonlyArray<ObjectRule> = [objectMetadata, objectMetadataFields];

/** Every object rule of the object's kind, in the registry's order. */
export function objectFindings(json: any): Finding[] {
  const rules = OBJECT_RULES[json?.kind] ?? OTHER_KINDS;
  const findings: Finding[] = [];
  for (const rule of rules) {
    for (const f of rule(json)) {
      findings.push(f);
    }
  }
  return findings;
}
