import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as ts from 'typescript';
import { parseAllDocuments } from 'yaml';
import { pssRestrictedViolations } from './helpers/pss';
import { readmeSection, slug, subsections, tsBlocks } from './helpers/readme-blocks';
import { expectApiValid } from './helpers/synth';

// Every recipe of the README is type-checked against the library source with the real
// TypeScript compiler (strict), then run as the user would run it (`app.synth()` writes YAML),
// and what it wrote is checked like every other manifest of the test suite.

const ROOT = path.join(__dirname, '..');
const SRC = path.join(ROOT, 'src');
const RECIPES = subsections(readmeSection('Recipes')).map(s => ({ ...s, code: tsBlocks(s.body) }));
const WORK = fs.mkdtempSync(path.join(os.tmpdir(), 'recipes-'));

/**
 * The recipe as a file in a temp dir, importing the library from its source and its other
 * packages (cdk8s, constructs) from this repository's node_modules.
 */
function writeRecipe(title: string, code: string): string {
  const file = path.join(WORK, `${slug(title)}.ts`);
  const resolved = code.replace(/from '([^'.][^']*)'/g, (_m, name: string) =>
    `from ${JSON.stringify(name === 'cdk8s-ai-inference' ? SRC : path.join(ROOT, 'node_modules', name))}`);
  fs.writeFileSync(file, resolved);
  return file;
}

const FILES = RECIPES.map(r => writeRecipe(r.title, r.code.join('\n')));

function typeErrors(files: string[]): string[] {
  const program = ts.createProgram(files, {
    strict: true, noUnusedLocals: true, noUnusedParameters: true, noImplicitReturns: true,
    target: ts.ScriptTarget.ES2020, module: ts.ModuleKind.CommonJS, esModuleInterop: true,
    skipLibCheck: true, noEmit: true, types: ['node'], typeRoots: [path.join(ROOT, 'node_modules', '@types')],
  });
  return ts.getPreEmitDiagnostics(program).map(d => {
    const where = d.file ? `${path.basename(d.file.fileName)}:${d.file.getLineAndCharacterOfPosition(d.start ?? 0).line + 1}` : '';
    return `${where} ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
  });
}

/** Runs a recipe the way `cdk8s synth` runs an app, with its output in a fresh directory; returns what it wrote. */
async function runRecipe(file: string): Promise<any[]> {
  const outdir = path.join(WORK, `${path.basename(file, '.ts')}-dist`);
  const previous = process.env.CDK8S_OUTDIR;
  process.env.CDK8S_OUTDIR = outdir;
  try {
    await jest.isolateModulesAsync(async () => {
      await import(file);
    });
  } finally {
    if (previous === undefined) delete process.env.CDK8S_OUTDIR;
    else process.env.CDK8S_OUTDIR = previous;
  }
  return fs.readdirSync(outdir).flatMap(f => parseAllDocuments(fs.readFileSync(path.join(outdir, f), 'utf8')).map(d => d.toJSON()));
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
  const manifests = (await runRecipe(file)).flatMap(asPods);
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
