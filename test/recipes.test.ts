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

test('the README has the five recipes, each one ```ts block citing its sources', () => {
  expect(RECIPES.map(r => r.title)).toEqual([
    'vLLM with tensor parallelism and a PVC cache',
    'Triton with a model repository',
    'NVIDIA NIM',
    'A KServe-style predictor behind kube-rbac-proxy',
    'An OpenTelemetry collector sidecar',
  ]);
  for (const recipe of RECIPES) {
    expect([recipe.title, recipe.code.length]).toEqual([recipe.title, 1]);
    expect([recipe.title, /Source:\s+\[[^\]]+\]\(https:\/\/[^)]+\)/.test(recipe.body)]).toEqual([recipe.title, true]);
  }
});

test('every recipe compiles with strict tsc against the library', () => {
  expect(typeErrors(FILES)).toEqual([]);
});

test.each(RECIPES.map((r, i) => [r.title, FILES[i], r.code[0]] as const))('recipe "%s" synthesizes; schema, object rules and PSS pass', async (_title, file, code) => {
  const manifests = await runRecipe(file);
  const workloads = manifests.filter(m => ['Pod', 'Deployment', 'StatefulSet', 'Job'].includes(m.kind));
  expect(workloads).toHaveLength(1);
  expectApiValid(manifests);
  const violations = pssRestrictedViolations(workloads[0]);
  if (/level: PodSecurityLevel\.(BASELINE|PRIVILEGED)/.test(code)) {
    // a recipe may relax security only by declaring it, and only when it needs to
    expect(violations.length).toBeGreaterThan(0);
  } else {
    expect(violations).toEqual([]);
  }
});
