import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseAllDocuments } from 'yaml';
import { readmeSection, tsBlocks } from './helpers/readme-blocks';
import { expectApiValid } from './helpers/synth';

// A user's app made by today's `cdk8s init typescript-app` depends on the newest cdk8s-plus
// major, not on cdk8s-plus-27. This test builds such an app in a temp dir: cdk8s-plus-34 as
// the app's own dependency, the library built from this repository and installed next to it
// (cdk8s-plus-27 comes along as its peer), the README's main examples compiled with strict tsc
// and run to synthesize.
//
// CI needs the npm registry for the first run: the app's node_modules are installed with
// `npm install` once and cached under the OS temp dir. Without the registry this test fails.

const ROOT = path.join(__dirname, '..');
const PLUS = 'cdk8s-plus-34';
const versionOf = (name: string): string => JSON.parse(fs.readFileSync(path.join(ROOT, 'node_modules', name, 'package.json'), 'utf8')).version;
const DEPENDENCIES = { [PLUS]: '^2.0.54', 'cdk8s': versionOf('cdk8s'), 'cdk8s-plus-27': versionOf('cdk8s-plus-27'), 'constructs': versionOf('constructs') };
const APP = path.join(os.tmpdir(), 'cdk8s-ai-inference-cross-major', Object.entries(DEPENDENCIES).map(([k, v]) => `${k}@${v}`).join('_').replace(/[^\w.@-]/g, '_'));
const TSC = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');

/** The app's dependencies, installed from the registry once (fails loudly without it). */
function installDependencies(): void {
  if (fs.existsSync(path.join(APP, 'node_modules', PLUS, 'package.json'))) {
    return;
  }
  fs.mkdirSync(APP, { recursive: true });
  fs.writeFileSync(path.join(APP, 'package.json'), JSON.stringify({ name: 'user-app', version: '1.0.0', private: true, dependencies: DEPENDENCIES }, null, 2));
  execFileSync('npm', ['install', '--no-audit', '--no-fund'], { cwd: APP, stdio: 'pipe', timeout: 300_000 });
}

/** The library as a package would install it: lib/ built from src/, and package.json. */
function installLibrary(): void {
  const pkg = path.join(APP, 'node_modules', 'cdk8s-ai-inference');
  fs.rmSync(pkg, { recursive: true, force: true });
  execFileSync(process.execPath, [TSC, '-p', path.join(ROOT, 'tsconfig.json'), '--outDir', path.join(pkg, 'lib'), '--incremental', 'false'], { stdio: 'pipe' });
  fs.copyFileSync(path.join(ROOT, 'package.json'), path.join(pkg, 'package.json'));
}

const PREAMBLE = [
  "import { App, Chart, Duration } from 'cdk8s';",
  "import * as kplus from 'cdk8s-plus-34';",
  "import { AiInferenceDeployment, AiInferencePod, HealthCheck, ProxyAuth, ProxySidecar, ProxyTls } from 'cdk8s-ai-inference';",
  'const app = new App();',
  "const chart = new Chart(app, 'example');",
  // the user's own cdk8s-plus-34 objects live in the same chart as the library's
  "new kplus.ConfigMap(chart, 'settings', { data: { mode: 'production' } });",
].join('\n');

/** The README's main examples: the quick start as written, the construct examples in the preamble above. */
const EXAMPLES: { [name: string]: string } = {
  'quick-start': tsBlocks(readmeSection('Quick start'))[0],
  'ai-inference-pod': `${PREAMBLE}\n${tsBlocks(readmeSection('AiInferencePod'))[0]}\napp.synth();\n`,
  'deployment': `${PREAMBLE}\n${tsBlocks(readmeSection('Deployments, StatefulSets, Jobs and worker pods'))[0]}\napp.synth();\n`,
};

beforeAll(() => {
  installDependencies();
  installLibrary();
  const src = path.join(APP, 'src');
  fs.rmSync(src, { recursive: true, force: true });
  fs.mkdirSync(src);
  for (const [name, code] of Object.entries(EXAMPLES)) {
    fs.writeFileSync(path.join(src, `${name}.ts`), code);
  }
  fs.writeFileSync(path.join(APP, 'tsconfig.json'), JSON.stringify({
    // skipLibCheck off: the library's published declarations must themselves compile
    compilerOptions: { target: 'ES2020', module: 'commonjs', strict: true, esModuleInterop: true, skipLibCheck: false, types: [], outDir: 'out', rootDir: 'src' },
    include: ['src/*.ts'],
  }));
}, 300_000);

test(`the README's examples compile with strict tsc in an app on ${PLUS}`, () => {
  let output = '';
  try {
    execFileSync(process.execPath, [TSC, '-p', path.join(APP, 'tsconfig.json')], { cwd: APP, stdio: 'pipe' });
  } catch (e) {
    output = String((e as any).stdout);
  }
  expect(output).toBe('');
});

test.each(Object.keys(EXAMPLES))('%s synthesizes in that app: valid objects, the library\'s pod next to the app\'s ConfigMap', name => {
  const outdir = path.join(APP, 'dist', name);
  fs.rmSync(outdir, { recursive: true, force: true });
  execFileSync(process.execPath, [path.join(APP, 'out', `${name}.js`)], { cwd: APP, stdio: 'pipe', env: { ...process.env, CDK8S_OUTDIR: outdir } });
  const manifests = fs.readdirSync(outdir).flatMap(f => parseAllDocuments(fs.readFileSync(path.join(outdir, f), 'utf8')).map(d => d.toJSON()));
  expect(manifests.some(m => ['Pod', 'Deployment'].includes(m.kind))).toBe(true);
  if (name !== 'quick-start') {
    expect(manifests.some(m => m.kind === 'ConfigMap' && m.data?.mode === 'production')).toBe(true);
  }
  expectApiValid(manifests);
});
