import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { pssRestrictedViolations } from './helpers/pss';
import { runApp, typeErrors, writeApp } from './helpers/readme-apps';
import { readmeSection, subsections, tsBlocks } from './helpers/readme-blocks';
import { expectApiValid, podSpec } from './helpers/synth';

// The README's note "Images that write to their home or cache": its example is type-checked
// against the library source with strict tsc, run as a user runs an app (`app.synth()` writes
// YAML), and what it wrote is checked like every manifest of the suite. Its promises — each
// writable path an emptyDir mounted read-write, the root filesystem still read-only — are
// checked on the output.

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
  writeApp(FILE, tsBlocks(NOTE!.body)[0]);
  expect(typeErrors([FILE])).toEqual([]);
  const manifests = await runApp(FILE, path.join(WORK, 'dist'));
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
      workingDir: server.workingDir,
      env: Object.fromEntries((server.env ?? []).map((e: any) => [e.name, e.value])),
      paths: server.volumeMounts.filter((m: any) => emptyDirs.has(m.name) && !m.readOnly).map((m: any) => m.mountPath).sort(),
    };
  };
  const vllm = writable('vllm');
  expect(vllm.paths).toEqual(['/dev/shm', '/home/vllm', '/tmp']);
  expect(vllm.env).toMatchObject({ HOME: '/home/vllm', HF_HOME: '/home/vllm/.cache/huggingface' });
  // TorchServe writes key_file.json (token authorization, on since 0.11; it stops at start without it) and logs/ into
  // its working directory: that directory must be one of the writable paths
  const torchserve = writable('torchserve');
  expect(torchserve.paths).toEqual(['/home/model-server/tmp', '/home/model-server/work', '/tmp']);
  expect(torchserve.paths).toContain(torchserve.workingDir);
  const ray = writable('ray');
  expect([ray.paths, ray.env.HOME]).toEqual([['/tmp'], '/tmp']);
});
