import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as ts from 'typescript';
import { parseAllDocuments } from 'yaml';
import { pssRestrictedViolations } from './helpers/pss';
import { readmeSection, subsections, tsBlocks } from './helpers/readme-blocks';
import { expectApiValid, podSpec } from './helpers/synth';

// The README's note "Images that write to their home or cache": its example is type-checked
// against the library source with strict tsc, run as a user runs an app (`app.synth()` writes
// YAML), and what it wrote is checked like every manifest of the suite. Its promises — each
// writable path an emptyDir mounted read-write, the root filesystem still read-only — are
// checked on the output.

const ROOT = path.join(__dirname, '..');
const NOTE = subsections(readmeSection('AiInferencePod')).find(s => s.title === 'Images that write to their home or cache');
const WORK = fs.mkdtempSync(path.join(os.tmpdir(), 'readme-writable-'));
const FILE = path.join(WORK, 'writable.ts');

afterAll(() => fs.rmSync(WORK, { recursive: true, force: true }));

test('the AiInferencePod section has the note, with one ```ts block and every image the table names', () => {
  expect(NOTE).toBeDefined();
  expect(tsBlocks(NOTE!.body)).toHaveLength(1);
  for (const image of ['vLLM', 'llm-d', 'TorchServe', 'Ray']) {
    expect(NOTE!.body).toMatch(new RegExp(`^\\| ${image}`, 'm'));
  }
  expect(NOTE!.body).toContain('server.volumeMounts');
  expect(NOTE!.body).toContain('server.tmpSize');
});

test('the example compiles with strict tsc against the library, synthesizes, and passes the schema, object rules and PSS restricted', async () => {
  const code = tsBlocks(NOTE!.body)[0].replace(/from '([^'.][^']*)'/g, (_m, name: string) =>
    `from ${JSON.stringify(name === 'cdk8s-ai-inference' ? path.join(ROOT, 'src') : path.join(ROOT, 'node_modules', name))}`);
  fs.writeFileSync(FILE, code);
  const program = ts.createProgram([FILE], {
    strict: true, noUnusedLocals: true, noUnusedParameters: true, target: ts.ScriptTarget.ES2020, module: ts.ModuleKind.CommonJS,
    esModuleInterop: true, skipLibCheck: true, noEmit: true, types: ['node'], typeRoots: [path.join(ROOT, 'node_modules', '@types')],
  });
  expect(ts.getPreEmitDiagnostics(program).map(d => ts.flattenDiagnosticMessageText(d.messageText, '\n'))).toEqual([]);

  const outdir = path.join(WORK, 'dist');
  const previous = process.env.CDK8S_OUTDIR;
  process.env.CDK8S_OUTDIR = outdir;
  try {
    await jest.isolateModulesAsync(async () => {
      await import(FILE);
    });
  } finally {
    if (previous === undefined) delete process.env.CDK8S_OUTDIR;
    else process.env.CDK8S_OUTDIR = previous;
  }
  const manifests = fs.readdirSync(outdir).flatMap(f => parseAllDocuments(fs.readFileSync(path.join(outdir, f), 'utf8')).map(d => d.toJSON()));
  expect(manifests.map(m => m.kind)).toEqual(['Pod', 'Pod', 'Pod']);
  expectApiValid(manifests);
  expect(manifests.flatMap(m => pssRestrictedViolations(m))).toEqual([]);

  /** The writable paths of a pod's server: its emptyDir mounts, read-write. */
  const writable = (name: string) => {
    const pod = manifests.find(m => m.metadata.name.startsWith(`writable-${name}`));
    const spec = podSpec(pod);
    const server = spec.containers[0];
    expect(server.securityContext.readOnlyRootFilesystem).toBe(true);
    const emptyDirs = new Set(spec.volumes.filter((v: any) => v.emptyDir).map((v: any) => v.name));
    return {
      env: Object.fromEntries((server.env ?? []).map((e: any) => [e.name, e.value])),
      paths: server.volumeMounts.filter((m: any) => emptyDirs.has(m.name) && !m.readOnly).map((m: any) => m.mountPath).sort(),
    };
  };
  const vllm = writable('vllm');
  expect(vllm.paths).toEqual(['/dev/shm', '/home/vllm', '/tmp']);
  expect(vllm.env).toMatchObject({ HOME: '/home/vllm', HF_HOME: '/home/vllm/.cache/huggingface' });
  expect(writable('torchserve').paths).toEqual(['/home/model-server/logs', '/home/model-server/tmp', '/tmp']);
  const ray = writable('ray');
  expect([ray.paths, ray.env.HOME]).toEqual([['/tmp'], '/tmp']);
});
