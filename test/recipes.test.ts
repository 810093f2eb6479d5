import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { pssRestrictedViolations } from './helpers/pss';
import { runApp, typeErrors, writeApp } from './helpers/readme-apps';
import { readmeSection, slug, subsections, tsBlocks } from './helpers/readme-blocks';
import { expectApiValid } from './helpers/synth';

// Every recipe of the README is type-checked against the library source with the real
// TypeScript compiler (strict), then run as the user would run it (`app.synth()` writes YAML),
// and what it wrote is checked like every other manifest of the test suite.

const RECIPES = subsections(readmeSection('Recipes')).map(s => ({ ...s, code: tsBlocks(s.body) }));
const WORK = fs.mkdtempSync(path.join(os.tmpdir(), 'recipes-'));

const FILES = RECIPES.map(r => writeApp(path.join(WORK, `${slug(r.title)}.ts`), r.code.join('\n')));

/** Runs a recipe the way `cdk8s synth` runs an app, with its output in a fresh directory; returns what it wrote. */
function runRecipe(file: string): Promise<any[]> {
  return runApp(file, path.join(WORK, `${path.basename(file, '.ts')}-dist`));
}

afterAll(() => fs.rmSync(WORK, { recursive: true, force: true }));

test('the README has the six recipes, each one ```ts block citing its sources', () => {
  expect(RECIPES.map(r => r.title)).toEqual([
    'vLLM with tensor parallelism and a PVC cache',
    'Triton with a model repository',
    'NVIDIA NIM',
    'A KServe-style predictor behind kube-rbac-proxy',
    'An OpenTelemetry collector sidecar',
    'Pods for other controllers',
  ]);
  for (const recipe of RECIPES) {
    expect([recipe.title, recipe.code.length]).toEqual([recipe.title, 1]);
    expect([recipe.title, /Source:\s+\[[^\]]+\]\(https:\/\/[^)]+\)/.test(recipe.body)]).toEqual([recipe.title, true]);
  }
});

test('every recipe compiles with strict tsc against the library', () => {
  expect(typeErrors(FILES)).toEqual([]);
});

/**
 * A LeaderWorkerSet (no schema in kubernetes-models) as the pods its controller creates from its
 * templates, named as the controller names them, so the schema, object rules and PSS see them.
 */
function asPods(manifest: any): any[] {
  if (manifest.kind !== 'LeaderWorkerSet') {
    return [manifest];
  }
  const group = manifest.spec.leaderWorkerTemplate;
  return [['0', group.leaderTemplate], ['0-1', group.workerTemplate]]
    .map(([suffix, template]) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { ...template.metadata, name: `${manifest.metadata.name}-${suffix}` }, spec: template.spec }));
}

test.each(RECIPES.map((r, i) => [r.title, FILES[i], r.code[0]] as const))('recipe "%s" synthesizes; schema, object rules and PSS pass', async (_title, file, code) => {
  const writes: string[] = [];
  const spy = jest.spyOn(process.stderr, 'write').mockImplementation((chunk: any) => { writes.push(String(chunk)); return true; });
  let written: any[];
  try {
    written = await runRecipe(file);
  } finally {
    spy.mockRestore();
  }
  // no recipe is a pod that fails at start: the OTel recipe's vLLM had no writable Hugging Face cache (hubCacheWritable)
  expect(writes.filter(w => /Hugging Face Hub model|fails at start/.test(w))).toEqual([]);
  const manifests = written.flatMap(asPods);
  const workloads = manifests.filter(m => ['Pod', 'Deployment', 'StatefulSet', 'Job'].includes(m.kind));
  // one workload, or the leader and worker pods of one LeaderWorkerSet
  expect(workloads.length).toBe(/kind: 'LeaderWorkerSet'/.test(code) ? 2 : 1);
  expectApiValid(manifests);
  const violations = workloads.flatMap(w => pssRestrictedViolations(w));
  if (/level: PodSecurityLevel\.(BASELINE|PRIVILEGED)/.test(code)) {
    // a recipe may relax security only by declaring it, and only when it needs to
    expect(violations.length).toBeGreaterThan(0);
  } else {
    expect(violations).toEqual([]);
  }
});

test('"Pods for other controllers": the LeaderWorkerSet holds both validated pods as templates, and the pods are not written twice', async () => {
  const index = RECIPES.findIndex(r => r.title === 'Pods for other controllers');
  const manifests = await runRecipe(FILES[index]);
  expect(manifests.map(m => m.kind)).toEqual(['LeaderWorkerSet']);
  const group = manifests[0].spec.leaderWorkerTemplate;
  expect(group).toMatchObject({ size: 2, restartPolicy: 'RecreateGroupOnPodRestart' });
  for (const [template, name] of [[group.leaderTemplate, 'vllm-leader'], [group.workerTemplate, 'vllm-worker']]) {
    expect(template.metadata.name).toBeUndefined();
    expect(template.metadata.namespace).toBeUndefined();
    const server = template.spec.containers.find((c: any) => c.name === name);
    expect(server.resources.limits).toMatchObject({ 'nvidia.com/gpu': '8', 'memory': '1124Gi', 'ephemeral-storage': '800Gi' });
    expect(server.env).toContainEqual({ name: 'HOME', value: '/tmp' });
    expect(server.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false });
  }
  expect(group.leaderTemplate.metadata.labels.role).toBe('leader');
  expect(group.leaderTemplate.spec.containers[0].readinessProbe)
    .toMatchObject({ tcpSocket: { port: 8080 }, initialDelaySeconds: 15, periodSeconds: 10 });
  expect(group.workerTemplate.spec.containers[0].readinessProbe).toBeUndefined();
});
