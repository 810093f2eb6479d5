import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as ts from 'typescript';

// The API reference (docs/api) is generated from the TSDoc by `npm run docs`; it must be what the
// sources generate now, and the README must lead to it.
const ROOT = path.join(__dirname, '..', '..');
const DOCS = path.join(ROOT, 'docs', 'api');

/** The names src/index.ts exports, less those marked `@internal` (stripped from the package's types). */
function publicExports(): string[] {
  const program = ts.createProgram([path.join(ROOT, 'src', 'index.ts')], { module: ts.ModuleKind.CommonJS, skipLibCheck: true });
  const checker = program.getTypeChecker();
  const index = checker.getSymbolAtLocation(program.getSourceFile(path.join(ROOT, 'src', 'index.ts'))!)!;
  return checker.getExportsOfModule(index)
    .filter(symbol => {
      // eslint-disable-next-line no-bitwise -- TypeScript's symbol flags are a bit set
      const target = symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
      return !target.getJsDocTags(checker).some(tag => tag.name === 'internal');
    })
    .map(symbol => symbol.name);
}

function filesUnder(dir: string): { [file: string]: string } {
  return Object.fromEntries(fs.readdirSync(dir, { recursive: true, encoding: 'utf8' }).sort()
    .filter(f => fs.statSync(path.join(dir, f)).isFile())
    .map(f => [f, fs.readFileSync(path.join(dir, f), 'utf8')]));
}

test('docs/api is what the TSDoc generates now (run `npm run docs` when this fails)', () => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'api-docs-'));
  const run = spawnSync(process.execPath, [path.join(ROOT, 'node_modules', 'typedoc', 'bin', 'typedoc'), '--out', out, '--logLevel', 'Error'], { cwd: ROOT, encoding: 'utf8' });
  expect({ code: run.status, stderr: run.stderr }).toEqual({ code: 0, stderr: '' });
  const generated = filesUnder(out);
  expect(Object.keys(generated)).toEqual(['README.md']);
  expect(filesUnder(DOCS)).toEqual(generated);
}, 60000);

test('the reference documents every export of the package, and the README links to it', () => {
  const reference = fs.readFileSync(path.join(DOCS, 'README.md'), 'utf8');
  const exported = publicExports();
  expect(exported.length).toBeGreaterThan(20);
  const heading = (name: string) => new RegExp(`^### (\`abstract\` )?${name.replace(/_/g, '\\\\_')}(\\(\\))?$`, 'm');
  expect(exported.filter(name => !heading(name).test(reference))).toEqual([]);
  expect(fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8')).toMatch(/\]\(docs\/api\/README\.md\)/);
});
