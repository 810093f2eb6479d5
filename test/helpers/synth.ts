import { App, Chart, Testing } from 'cdk8s';

/* eslint-disable @typescript-eslint/no-require-imports */
// The official Kubernetes OpenAPI schemas, one model class per kind.
const MODELS: { [apiVersionKind: string]: any } = {
  'v1/Pod': require('kubernetes-models/v1/Pod').Pod,
  'v1/Service': require('kubernetes-models/v1/Service').Service,
  'v1/ConfigMap': require('kubernetes-models/v1/ConfigMap').ConfigMap,
  'v1/Secret': require('kubernetes-models/v1/Secret').Secret,
  'v1/PersistentVolumeClaim': require('kubernetes-models/v1/PersistentVolumeClaim').PersistentVolumeClaim,
  'v1/ServiceAccount': require('kubernetes-models/v1/ServiceAccount').ServiceAccount,
  'apps/v1/Deployment': require('kubernetes-models/apps/v1/Deployment').Deployment,
  'apps/v1/StatefulSet': require('kubernetes-models/apps/v1/StatefulSet').StatefulSet,
  'batch/v1/Job': require('kubernetes-models/batch/v1/Job').Job,
  'networking.k8s.io/v1/NetworkPolicy': require('kubernetes-models/networking.k8s.io/v1/NetworkPolicy').NetworkPolicy,
};

/**
 * Validates one manifest against the official Kubernetes OpenAPI schema; throws with the
 * schema's message when it does not conform.
 */
export function validateManifest(manifest: any): void {
  const model = MODELS[`${manifest.apiVersion}/${manifest.kind}`];
  if (!model) {
    throw new Error(`no schema registered in test/helpers/synth.ts for ${manifest.apiVersion} ${manifest.kind}`);
  }
  try {
    new model(manifest).validate();
  } catch (e) {
    throw new Error(`${manifest.kind} ${manifest.metadata?.name} does not match the Kubernetes schema: ${(e as Error).message}`);
  }
}

/** A fresh chart in a fresh app (temp outdir). */
export function newChart(id = 'test'): Chart {
  return new Chart(Testing.app(), id);
}

/**
 * Synthesizes a chart the way `cdk8s synth` does (validation included) and checks every
 * manifest against the official schema. All tests synthesize through here.
 */
export function synth(chart: Chart): any[] {
  const manifests = App._synthChart(chart);
  manifests.forEach(validateManifest);
  return manifests;
}

/** Synthesizes a whole app as `cdk8s synth` does, returning the validation error message or undefined. */
export function synthError(chart: Chart): string {
  try {
    App._synthChart(chart);
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error('expected synth to fail, but it succeeded');
}

/** The first manifest of a kind. */
export function manifestOf(manifests: any[], kind: string): any {
  const found = manifests.find(m => m.kind === kind);
  if (!found) {
    throw new Error(`no ${kind} among ${manifests.map(m => m.kind).join(', ')}`);
  }
  return found;
}

/** The pod spec of a Pod, Deployment, StatefulSet or Job manifest. */
export function podSpec(manifest: any): any {
  return manifest.kind === 'Pod' ? manifest.spec : manifest.spec.template.spec;
}

/** A container (init or regular) of a manifest, by name. */
export function container(manifest: any, name: string): any {
  const spec = podSpec(manifest);
  const found = [...(spec.initContainers ?? []), ...spec.containers].find((c: any) => c.name === name);
  if (!found) {
    throw new Error(`no container ${name}`);
  }
  return found;
}
