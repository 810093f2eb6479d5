import * as fs from 'fs';
import * as path from 'path';

/** The repository's README. */
export const README = fs.readFileSync(path.join(__dirname, '..', '..', 'README.md'), 'utf8');

/** The text of a `## ` section of the README (up to the next `## ` heading). */
export function readmeSection(heading: string): string {
  const start = README.indexOf(`\n## ${heading}\n`);
  if (start < 0) {
    throw new Error(`README has no section "## ${heading}"`);
  }
  const end = README.indexOf('\n## ', start + 1);
  return README.slice(start, end < 0 ? undefined : end);
}

/** The ```ts blocks of a piece of Markdown, in order. */
export function tsBlocks(markdown: string): string[] {
  return [...markdown.matchAll(/```ts\n([\s\S]*?)```/g)].map(m => m[1]);
}

/** The `### ` subsections of a piece of Markdown: title and body. */
export function subsections(markdown: string): Array<{ title: string; body: string }> {
  return markdown.split(/\n### /).slice(1).map(part => {
    const newline = part.indexOf('\n');
    return { title: part.slice(0, newline).trim(), body: part.slice(newline + 1) };
  });
}

/** A file-system-safe name for a title. */
export function slug(title: string): string {
  return title.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
}
