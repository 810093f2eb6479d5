import { createHash } from 'crypto';

// A Jest snapshot serializer (jest.config.js `snapshotSerializers`): generated scripts and config
// files inside manifests print as one line with their name and digest, so a workload snapshot
// reads like the YAML a reviewer checks. Their content is tested where it runs (test/integration);
// a changed script still fails the snapshot, through its digest.

/** Strings shorter than this stay inline unless they are a script or a ConfigMap file. */
const LONG = 300;

/** A body printed as its name, digest and size. */
class Body {
  public constructor(private readonly kind: string, private readonly name: string, private readonly text: string) {}

  public toString(): string {
    const digest = createHash('sha256').update(this.text).digest('hex').slice(0, 8);
    const lines = this.text.split('\n').length - (this.text.endsWith('\n') ? 1 : 0);
    return `<${this.kind} ${this.name} sha256:${digest}…, ${lines} line${lines === 1 ? '' : 's'}>`;
  }
}

const isMultiline = (v: unknown): v is string => typeof v === 'string' && v.includes('\n');
const isLong = (v: unknown): v is string => isMultiline(v) && v.length > LONG;

/** Objects already rewritten: the printer hands them back to `test`. */
const rewritten = new WeakSet<object>();

/** `[sh, -c, SCRIPT]`: the script is the argument after `-c`. */
function scriptIndex(command: unknown): number {
  if (!Array.isArray(command)) return -1;
  const c = command.indexOf('-c');
  return c >= 0 && isMultiline(command[c + 1]) ? c + 1 : -1;
}

function rewrite(value: any): any {
  if (Array.isArray(value)) {
    return value.map((v, i) => (isLong(v) ? new Body('text', `[${i}]`, v) : v));
  }
  const copy: any = {};
  for (const [key, v] of Object.entries(value)) {
    if (key === 'command' || key === 'args') {
      const at = scriptIndex(v);
      copy[key] = at < 0 ? v : (v as unknown[]).map((arg, i) => (i === at ? new Body('script', `${value.name ?? key}`, arg as string) : arg));
    } else if (key === 'data' && value.kind === 'ConfigMap' && v && typeof v === 'object') {
      copy[key] = Object.fromEntries(Object.entries(v).map(([file, text]) =>
        [file, isMultiline(text) ? new Body(file.endsWith('.sh') ? 'script' : 'config', file, text) : text]));
    } else {
      copy[key] = isLong(v) ? new Body('text', key, v) : v;
    }
  }
  return copy;
}

/** Manifests are JSON: arrays and plain objects. Anything else prints as Jest prints it. */
function isPlain(value: unknown): value is object {
  if (Array.isArray(value)) return true;
  if (typeof value !== 'object' || value === null) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function needsRewrite(value: any): boolean {
  if (Array.isArray(value)) return value.some(isLong);
  return scriptIndex(value.command) >= 0 || scriptIndex(value.args) >= 0
    || (value.kind === 'ConfigMap' && Object.values(value.data ?? {}).some(isMultiline))
    || Object.values(value).some(isLong);
}

/** The serializer (Jest's `NewPlugin` shape). */
const serializer = {
  test(value: unknown): boolean {
    if (value instanceof Body) return true;
    return isPlain(value) && !rewritten.has(value) && needsRewrite(value);
  },
  serialize(value: any, config: any, indentation: string, depth: number, refs: any, printer: any): string {
    if (value instanceof Body) return value.toString();
    const copy = rewrite(value);
    rewritten.add(copy);
    return printer(copy, config, indentation, depth, refs);
  },
};

export = serializer;
