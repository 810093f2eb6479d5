import * as fs from 'fs';
import * as path from 'path';
import * as ts from 'typescript';
import { parseAllDocuments } from 'yaml';

/*
 * README examples as apps: written to a file that imports the library from its source (and
 * cdk8s, constructs from this repository's node_modules), type-checked with strict tsc, and run
 * the way `cdk8s synth` runs an app.
 */

const ROOT = path.join(__dirname, '..', '..');

/** Writes `code` to `file`, with its imports resolved to the library's source and this repository's packages. */
export function writeApp(file: string, code: string): string {
  fs.writeFileSync(file, code.replace(/from '([^'.][^']*)'/g, (_m, name: string) =>
    `from ${JSON.stringify(name === 'cdk8s-ai-inference' ? path.join(ROOT, 'src') : path.join(ROOT, 'node_modules', name))}`));
  return file;
}

/** What strict tsc reports for the apps, one line each (`file:line message`). */
export function typeErrors(files: string[]): string[] {
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

/** Runs an app the way `cdk8s synth` runs it, with its output in `outdir`; returns what it wrote. */
export async function runApp(file: string, outdir: string): Promise<any[]> {
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
