/**
 * Generated shell text is written as `String.raw` templates so shell backslashes stay as
 * written; shell parameter expansions are written `\${...}` there (to keep TypeScript from
 * interpolating them) and unescaped here.
 */
export function shell(text: string): string {
  return text.replace(/\\\$\{/g, '${');
}
