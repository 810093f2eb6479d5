import { ApiObject, App, Chart, Testing } from 'cdk8s';
import { directRender, podSpecOf } from '../../src/_kplus-adapter';
import { Finding } from '../../src/validation/model';
import { objectFindings } from '../../src/validation/object-rules';

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
  'apps/v1/DaemonSet': require('kubernetes-models/apps/v1/DaemonSet').DaemonSet,
  'batch/v1/Job': require('kubernetes-models/batch/v1/Job').Job,
  'batch/v1/CronJob': require('kubernetes-models/batch/v1/CronJob').CronJob,
  'networking.k8s.io/v1/NetworkPolicy': require('kubernetes-models/networking.k8s.io/v1/NetworkPolicy').NetworkPolicy,
  'resource.k8s.io/v1/ResourceClaimTemplate': require('kubernetes-models/resource.k8s.io/v1/ResourceClaimTemplate').ResourceClaimTemplate,
};

/**
 * Validates one manifest against the official Kubernetes OpenAPI schema; throws with the
 * schema's message when it does not conform.
 */
export function validateManifest(manifest: any): void {
  const findings = schemaFindings(manifest);
  if (findings.length > 0) {
    throw new Error(`${manifest.kind} ${manifest.metadata?.name} does not match the Kubernetes schema: ${findings.map(f => `${f.field} ${f.message}`).join(', ')}`);
  }
}

/**
 * The official schema's complaints about one manifest, as findings (field path, message).
 *
 * Test-only: kubernetes-models is ESM-only and a devDependency, so the library's CommonJS
 * synth cannot load it; jest transpiles it (see jest.config.js).
 */
export function schemaFindings(manifest: any): Finding[] {
  const model = MODELS[`${manifest?.apiVersion}/${manifest?.kind}`];
  if (!model) {
    return [{ severity: 'error', field: 'kind', message: `no schema registered in test/helpers/synth.ts for ${manifest?.apiVersion} ${manifest?.kind}`, fix: 'add the kind to MODELS' }];
  }
  try {
    new model(manifest).validate();
    return [];
  } catch (e) {
    const details: Array<{ instancePath: string; message: string }> = (e as any).errors ?? [{ instancePath: '', message: (e as Error).message }];
    return details.map(d => ({ severity: 'error', field: fieldPath(d.instancePath), message: d.message, fix: 'match the Kubernetes OpenAPI schema' }));
  }
}

/** `/spec/ports/0/port` → `spec.ports[0].port`, the notation of the library's findings. */
function fieldPath(pointer: string): string {
  return pointer.split('/').slice(1).reduce((path, part) => (/^\d+$/.test(part) ? `${path}[${part}]` : path ? `${path}.${part}` : part), '');
}

/**
 * Asserts that every manifest passes what the API server would check before accepting it:
 * the official schema and the library's kind-aware object rules (errors only). Names each
 * problem with the manifest's kind and name.
 */
export function expectApiValid(manifests: any[]): void {
  const problems = manifests.flatMap(m => [...schemaFindings(m), ...objectFindings(m)]
    .filter(f => f.severity === 'error')
    .map(f => `${m?.kind} ${m?.metadata?.name}: ${f.field}: ${f.message}`));
  expect(problems).toEqual([]);
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
  expect(directRenderMismatches(chart)).toEqual([]);
  return manifests;
}

/**
 * Every object of the chart that the adapter renders directly (without cdk8s-plus-27's
 * re-serialization), where that rendering is not byte-for-byte (key order included) what
 * cdk8s-plus-27's own `toJson()` gives. Run on every chart the tests synthesize.
 */
export function directRenderMismatches(chart: Chart): string[] {
  const mismatches: string[] = [];
  for (const obj of chart.node.findAll()) {
    if (!(obj instanceof ApiObject)) {
      continue;
    }
    const direct = directRender(obj);
    if (direct === undefined) {
      continue;
    }
    const patches = (obj as any).patches;
    const user = patches.splice(0, patches.length);
    let reference: any;
    try {
      reference = Object.getPrototypeOf(obj).toJson.call(obj);
    } finally {
      patches.push(...user);
    }
    const [a, b] = [JSON.stringify(direct), JSON.stringify(reference)];
    if (a !== b) {
      let i = 0;
      while (a[i] === b[i]) {
        i++;
      }
      mismatches.push(`${obj.node.path}: direct ...${a.slice(Math.max(0, i - 80), i + 80)}... cdk8s-plus ...${b.slice(Math.max(0, i - 80), i + 80)}...`);
    }
  }
  return mismatches;
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

/** The pod spec of a workload manifest, wherever its kind keeps it. */
export function podSpec(manifest: any): any {
  return podSpecOf(manifest);
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
