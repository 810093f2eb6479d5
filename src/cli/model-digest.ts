#!/usr/bin/env node
/**
 * `npx cdk8s-ai-inference model-digest PATH`: prints the sha256 that `ModelSource` options
 * expect in `sha256`, computed exactly as the download script does:
 *
 * - a file: the sha256 of its bytes (what `sha256sum FILE` prints);
 * - a directory: the sha256 of the text made of one line `<sha256 of file>  <path>\n` per
 *   regular file below it (hidden files included, symlinks followed, empty directories
 *   ignored), `<path>` relative to the directory with `/` separators, lines sorted by the
 *   bytes of `<path>`.
 */
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';

/** The model digest of a file or directory (see the module comment for the recipe). */
export async function modelDigest(target: string): Promise<string> {
  const stat = fs.statSync(target);
  if (stat.isFile()) {
    return fileDigest(target);
  }
  if (!stat.isDirectory()) {
    // a FIFO, socket or device has no end to hash (reading /dev/zero or a FIFO would never return)
    throw new Error(`${target} is not a regular file or a directory`);
  }
  const files = listFiles(Buffer.from(target), Buffer.alloc(0), [dirKey(stat)]).sort(Buffer.compare);
  const listing = createHash('sha256');
  for (const rel of files) {
    const sum = await fileDigest(Buffer.concat([Buffer.from(target), Buffer.from('/'), rel]));
    listing.update(`${sum}  `).update(rel).update('\n');
  }
  return listing.digest('hex');
}

/** Relative paths (as raw bytes: names need not be UTF-8) of the regular files below `root`. */
function listFiles(root: Buffer, rel: Buffer, ancestors: string[]): Buffer[] {
  const here = rel.length ? Buffer.concat([root, Buffer.from('/'), rel]) : root;
  const found: Buffer[] = [];
  for (const name of fs.readdirSync(here, { encoding: 'buffer' })) {
    const child = rel.length ? Buffer.concat([rel, Buffer.from('/'), name]) : name;
    const full = Buffer.concat([root, Buffer.from('/'), child]);
    if (name.includes(0x0a)) {
      // the recipe's listing has one line per file: the download script reads names line by line and refuses such a name
      throw new Error(`${JSON.stringify(full.toString())} has a newline in its name, which no model download can reproduce; rename it`);
    }
    const stat = statFollowingLinks(full);
    if (stat.isDirectory()) {
      // a symlink to a directory above it would be followed forever (two such links: 2^depth walks)
      if (ancestors.includes(dirKey(stat))) {
        throw new Error(`${Buffer.concat([root, Buffer.from('/'), child]).toString()} is a symlink loop (a directory inside itself); remove the link or point it elsewhere`);
      }
      found.push(...listFiles(root, child, [...ancestors, dirKey(stat)]));
    } else if (stat.isFile()) {
      found.push(child);
    }
  }
  return found;
}

/** `stat` of `file` (symlinks followed); a link to nothing is named as such. */
function statFollowingLinks(file: Buffer): fs.Stats {
  try {
    return fs.statSync(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' && fs.lstatSync(file, { throwIfNoEntry: false })?.isSymbolicLink()) {
      throw new Error(`${file.toString()} is a symlink to ${JSON.stringify(fs.readlinkSync(file).toString())}, which does not exist; restore its target or remove the link`);
    }
    if (code === 'ELOOP') {
      throw new Error(`${file.toString()} is a symlink to ${JSON.stringify(fs.readlinkSync(file).toString())}, which leads back to itself; point it at a file or remove the link`);
    }
    throw e;
  }
}

/** A directory's identity, to recognise it again through a symlink. */
function dirKey(stat: fs.Stats): string {
  return `${stat.dev}:${stat.ino}`;
}

function fileDigest(file: fs.PathLike): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    fs.createReadStream(file, { highWaterMark: 2 ** 20 })
      .on('data', chunk => hash.update(chunk))
      .on('error', reject)
      .on('end', () => resolve(hash.digest('hex')));
  });
}

const USAGE = 'usage: cdk8s-ai-inference model-digest PATH   (prints the sha256 to give ModelSource.*({ sha256 }))';

/** Runs the command line; returns the exit code. */
export async function main(args: string[], out: (line: string) => void = console.log, err: (line: string) => void = console.error): Promise<number> {
  if (args[0] !== 'model-digest' || args.length !== 2) {
    err(USAGE);
    return 2;
  }
  try {
    out(await modelDigest(path.resolve(args[1])));
    return 0;
  } catch (e) {
    err(`model-digest: ${(e as Error).message}`);
    return 1;
  }
}

if (require.main === module) {
  void main(process.argv.slice(2)).then(code => { process.exitCode = code; });
}
