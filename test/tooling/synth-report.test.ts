import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as YAML from 'yaml';

// `npm run synth` as a user runs it, and apps that fail, run as programs: what they print and
// how they exit.
const ROOT = path.join(__dirname, '..', '..');
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';

beforeAll(() => {
  // `npm run synth` runs the compiled app; `npm test` builds in pretest, a direct jest run may not have
  execFileSync(NPM, ['run', 'build', '--silent'], { cwd: ROOT, stdio: 'pipe' });
}, 120000);

function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'synth-report-'));
}

test('npm run synth lists each file it wrote with its objects, and the totals', () => {
  const outdir = tempDir();
  fs.writeFileSync(path.join(outdir, 'old-chart.k8s.yaml'), 'kind: Pod\n');
  const run = spawnSync(NPM, ['run', 'synth'], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, CDK8S_OUTDIR: outdir } });
  expect(run.status).toBe(0);
  const report = run.stdout.slice(run.stdout.indexOf(outdir));
  expect(report.split('\n')).toEqual([
    `${outdir}/ai-inference.k8s.yaml`,
    '  Pod ai-inference-pod',
    `${outdir}/llm-deployment.k8s.yaml`,
    '  Deployment inference/llama-3-8b',
    '  Service inference/llama-3-8b',
    expect.stringMatching(/^ {2}PersistentVolumeClaim inference\/llm-deployment-llm-model-downloader-model-cache-[0-9a-f]{8}$/),
    expect.stringMatching(/^ {2}ConfigMap inference\/llm-deployment-llm-auth-proxy-config-[0-9a-f]{8}$/),
    '  NetworkPolicy inference/llama-3-8b-auth-proxy',
    `${outdir}/llm-cluster-aware.k8s.yaml`,
    '  Deployment inference/llama-3-8b-h100',
    expect.stringMatching(/^ {2}ResourceClaimTemplate inference\/llm-cluster-aware-llm-gpu-claim-[0-9a-f]{8}$/),
    '  Service inference/llama-3-8b-h100',
    expect.stringMatching(/^ {2}ConfigMap inference\/llm-cluster-aware-llm-auth-proxy-config-[0-9a-f]{8}$/),
    '  NetworkPolicy inference/llama-3-8b-h100-auth-proxy',
    `3 files, 11 objects written to ${outdir}`,
    '',
  ]);
  // every object line is an object of that file, in order
  for (const file of ['ai-inference.k8s.yaml', 'llm-deployment.k8s.yaml', 'llm-cluster-aware.k8s.yaml']) {
    const docs = YAML.parseAllDocuments(fs.readFileSync(path.join(outdir, file), 'utf8')).map(d => d.toJSON());
    const listed = report.split(`${outdir}/${file}\n`)[1].split('\n').filter(l => l.startsWith('  '));
    const expected = docs.map(d => `  ${d.kind} ${d.metadata.namespace ? `${d.metadata.namespace}/` : ''}${d.metadata.name}`);
    expect(listed.slice(0, expected.length)).toEqual(expected);
  }
  expect(run.stderr).toContain(`left from an earlier synth, not written by this one (delete them): ${outdir}/old-chart.k8s.yaml\n`);
});

test('files under the working directory are shown relative to it', () => {
  const cwd = tempDir();
  const run = spawnSync(process.execPath, [path.join(ROOT, 'lib', 'main.js')], { cwd, encoding: 'utf8', env: { ...process.env, CDK8S_OUTDIR: 'manifests' } });
  expect(run.status).toBe(0);
  expect(run.stdout.split('\n')).toEqual(expect.arrayContaining(['manifests/ai-inference.k8s.yaml', '3 files, 11 objects written to manifests']));
  expect(run.stderr).not.toContain('left from an earlier synth');
});

function failingApp(mode: string) {
  const outdir = tempDir();
  const run = spawnSync(process.execPath, ['-r', 'ts-node/register/transpile-only', path.join(__dirname, 'fixtures', 'failing-app.ts'), mode, outdir],
    { cwd: ROOT, encoding: 'utf8' });
  return { code: run.status, out: run.stdout, err: run.stderr, written: fs.readdirSync(outdir) };
}

test('an invalid app: every error on its own line with the construct path, exit 1, no YAML, no stack trace', () => {
  const result = failingApp('invalid');
  // the rules' wording belongs to the rules; the report's part is the frame and one error per line
  expect(result).toEqual({
    code: 1,
    out: '',
    err: expect.stringMatching(new RegExp('^synth failed \\(2 errors, no files written\\):\n'
      + '  \\[bad/pod\\] metadata\\.name: "Bad_Name" [^\n]*Fix: [^\n]*\n'
      + '  \\[bad/pod\\] container "server": spec\\.containers\\[0\\]\\.resources[^\n]*"2Gi"[^\n]*Fix: [^\n]*\n$')),
    written: [],
  });
});

test('an app that throws while it is built: the message, exit 1, no stack trace', () => {
  const result = failingApp('throws');
  expect(result).toEqual({ code: 1, out: '', err: 'synth failed (1 error, no files written):\n  There is already a Construct with name \'bad\' in App\n', written: [] });
  expect(result.err).not.toMatch(/^\s+at /m);
});
