import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as YAML from 'yaml';

// The package is what users get: `npm pack` on a copy of the checkout (so this test never races
// the other tests for lib/), the tarball installed into a fresh cdk8s app without network, and the
// README's quick start compiled against the installed types with strict tsc and synthesized.
const ROOT = path.join(__dirname, '..', '..');
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const PEERS = ['cdk8s', 'cdk8s-plus-27', 'constructs'];

let work: string;
let packed: { filename: string; files: { path: string }[] };

function copyCheckout(to: string): void {
  for (const entry of ['package.json', 'tsconfig.json', 'src', 'README.md', 'LICENSE', 'CHANGELOG.md']) {
    fs.cpSync(path.join(ROOT, entry), path.join(to, entry), { recursive: true });
  }
  fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(to, 'node_modules'));
  // what a deleted source leaves behind in an incremental build: the package must not ship it
  fs.mkdirSync(path.join(to, 'lib'));
  fs.writeFileSync(path.join(to, 'lib', 'deleted-construct.js'), 'exports.Stale = 1;\n');
  fs.writeFileSync(path.join(to, 'lib', 'deleted-construct.d.ts'), 'export declare const Stale = 1;\n');
}

beforeAll(() => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'package-'));
  const checkout = path.join(work, 'checkout');
  fs.mkdirSync(checkout);
  copyCheckout(checkout);
  const json = execFileSync(NPM, ['pack', '--json', '--pack-destination', work], { cwd: checkout, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  packed = JSON.parse(json.slice(json.indexOf('[')))[0];
}, 60000);

test('the tarball holds the compiled library, README, LICENSE and CHANGELOG, and nothing else', () => {
  const files = packed.files.map(f => f.path).sort();
  expect(files).toEqual(expect.arrayContaining(['package.json', 'README.md', 'LICENSE', 'CHANGELOG.md', 'lib/index.js', 'lib/index.d.ts']));
  expect(files.filter(f => !/^lib\/.+\.(js|d\.ts)$/.test(f) && !['package.json', 'README.md', 'LICENSE', 'CHANGELOG.md'].includes(f))).toEqual([]);
  // no example app, no stale output of deleted sources, no tests, bench or maps
  expect(files.filter(f => /^lib\/(main|_synth-report|deleted-construct)\./.test(f) || /test|bench|\.map$|tsbuildinfo/.test(f))).toEqual([]);
  // every shipped module comes from a current source file
  const sources = new Set(packed.files.filter(f => f.path.endsWith('.js')).map(f => f.path.replace(/^lib\//, 'src/').replace(/\.js$/, '.ts')));
  expect([...sources].filter(s => !fs.existsSync(path.join(ROOT, s)))).toEqual([]);
});

test('the README quick start compiles with strict tsc against the installed package and synthesizes', () => {
  const app = path.join(work, 'app');
  fs.mkdirSync(app);
  const deps: { [name: string]: string } = { 'cdk8s-ai-inference': `file:${path.join(work, packed.filename)}` };
  for (const peer of PEERS) deps[peer] = `file:${path.join(ROOT, 'node_modules', peer)}`;
  fs.writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'quick-start', private: true, dependencies: deps }));
  // --install-links: the peers are copied and placed like registry packages, their ranges checked
  // (as links, npm 11's arborist fails on peer placement)
  execFileSync(NPM, ['install', '--offline', '--install-links', '--no-audit', '--no-fund', '--ignore-scripts'], { cwd: app, stdio: 'pipe' });

  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const quickStart = readme.slice(readme.indexOf('## Quick start'));
  const code = /```ts\n([\s\S]*?)```/.exec(quickStart)![1];
  expect(code).toContain("from 'cdk8s-ai-inference'");
  fs.writeFileSync(path.join(app, 'main.ts'), code);
  fs.writeFileSync(path.join(app, 'tsconfig.json'), JSON.stringify({
    compilerOptions: {
      target: 'ES2020', module: 'commonjs', lib: ['ES2020'], strict: true, noUnusedLocals: true, noImplicitReturns: true,
      esModuleInterop: true, types: [], typeRoots: [path.join(ROOT, 'node_modules', '@types')],
    },
    files: ['main.ts'],
  }));
  execFileSync(process.execPath, [path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', app], { cwd: app, stdio: 'pipe' });
  execFileSync(process.execPath, ['main.js'], { cwd: app, stdio: 'pipe' });

  // the library came from the tarball, not from this checkout
  expect(fs.realpathSync(path.join(app, 'node_modules', 'cdk8s-ai-inference'))).toBe(path.join(app, 'node_modules', 'cdk8s-ai-inference'));
  const docs = YAML.parseAllDocuments(fs.readFileSync(path.join(app, 'dist', 'llm.k8s.yaml'), 'utf8')).map(d => d.toJSON());
  const pod = docs.find(d => d.kind === 'Pod');
  expect(pod.metadata.name).toBe('ai-inference-pod');
  expect(pod.spec.initContainers.map((c: any) => c.name)).toEqual(['model-downloader', 'log-forwarder', 'auth-proxy']);
  expect(pod.spec.containers.map((c: any) => c.name)).toEqual(['fastapi-container']);
}, 60000);
