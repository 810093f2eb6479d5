import * as fs from 'fs';
import * as path from 'path';
import { App, Yaml } from 'cdk8s';

/** Where the report goes: process.stdout/stderr, or anything with `write`. */
export interface ReportStreams {
  readonly out: { write(text: string): unknown };
  readonly err: { write(text: string): unknown };
}

const CDK8S_VALIDATION = 'Validation failed with the following errors:\n';

/**
 * Runs `synth` and records every file it saves with the objects in it. cdk8s writes each output
 * file, whatever the app's YamlOutputType, through the public `Yaml.save`; wrapping it reports
 * exactly what was written without parsing the files back.
 */
function recordingSaves(synth: () => void): { saved: Map<string, any[]>; error?: unknown } {
  const saved = new Map<string, any[]>();
  const save = Yaml.save;
  Yaml.save = (file: string, docs: any[]) => {
    save.call(Yaml, file, docs);
    saved.set(path.resolve(file), docs.filter(d => d !== undefined && d !== null));
  };
  try {
    synth();
    return { saved };
  } catch (error) {
    return { saved, error };
  } finally {
    Yaml.save = save;
  }
}

/** The YAML files under `dir`, for the check that nothing stale is left beside the new output. */
function yamlFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap(entry => {
    const file = path.resolve(dir, entry.name);
    if (entry.isDirectory()) return yamlFiles(file);
    return entry.isFile() && /\.ya?ml$/.test(entry.name) ? [file] : [];
  });
}

/** A path as the user typed it: relative to the working directory when under it. */
function show(file: string): string {
  const relative = path.relative('.', file);
  return relative === '' ? '.' : relative.startsWith('..') ? path.resolve(file) : relative;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function objectLine(doc: any): string {
  const ns = doc?.metadata?.namespace;
  return `  ${doc?.kind ?? '(no kind)'} ${ns ? `${ns}/` : ''}${doc?.metadata?.name ?? '(no name)'}`;
}

/** cdk8s joins the validation errors into one message; a user reads them one per line, without the frame. */
function errorLines(e: unknown): string[] {
  const message = e instanceof Error ? e.message : String(e);
  const body = message.startsWith(CDK8S_VALIDATION) ? message.slice(CDK8S_VALIDATION.length) : message;
  return body.split('\n').map(line => line.trim()).filter(line => line !== '');
}

/**
 * Builds and synthesizes an app like `cdk8s synth`, then reports what it wrote: each file (relative
 * to the working directory) with the objects in it as `kind namespace/name`, and the YAML files in
 * the output directory this synth did not write (left from an earlier one, still applied by
 * `kubectl apply -f dist/`). On failure it prints the errors one per line, without a stack trace.
 *
 * @param build creates the app; it runs inside the report, so errors thrown while constructing count as failures too
 * @returns the process exit code: 0 when synth succeeded, 1 otherwise
 */
export function synthAndReport(build: () => App, streams: ReportStreams = { out: process.stdout, err: process.stderr }): number {
  let outdir = '.';
  const { saved, error } = recordingSaves(() => {
    const app = build();
    outdir = app.outdir;
    app.synth();
  });
  const files = [...saved.keys()];
  if (error !== undefined) {
    const errors = errorLines(error);
    const what = files.length === 0 ? 'no files written' : `incomplete files written: ${files.map(show).join(', ')}`;
    streams.err.write(`synth failed (${plural(errors.length, 'error')}, ${what}):\n${errors.map(l => `  ${l}\n`).join('')}`);
    return 1;
  }
  for (const [file, docs] of saved) {
    streams.out.write(`${show(file)}\n${docs.map(d => `${objectLine(d)}\n`).join('')}`);
  }
  const objects = [...saved.values()].reduce((n, docs) => n + docs.length, 0);
  streams.out.write(`${plural(files.length, 'file')}, ${plural(objects, 'object')} written to ${show(outdir)}\n`);
  const stale = yamlFiles(outdir).filter(f => !saved.has(f)).sort();
  if (stale.length > 0) {
    streams.err.write(`left from an earlier synth, not written by this one (delete them): ${stale.map(show).join(', ')}\n`);
  }
  return 0;
}
