import * as fs from 'fs';
import * as path from 'path';
import { OBJECT_RULES } from '../src/validation/object-rules';
import { RULES } from '../src/validation/rules';
import { schemaTypes } from '../src/validation/schema-types';

const README = fs.readFileSync(path.join(__dirname, '..', 'README.md'), 'utf8');

test('the README\'s "What gets checked" table lists every rule, and only those', () => {
  const table = README.slice(README.indexOf('## What gets checked'), README.indexOf('## When a pod is stuck'));
  const listed = [...table.matchAll(/^\| `(\w+)` \|/gm)].map(m => m[1]);
  const objectRules = new Set(Object.values(OBJECT_RULES).flat().map(r => r.name));
  expect(listed.sort()).toEqual([schemaTypes.name, ...RULES.map(r => r.name), ...objectRules].sort());
});

test('the README gives the two commands', () => {
  expect(README).toContain('npm install && npm run synth');
  expect(README).toContain('npm test');
  expect(README).toContain('npm run bench');
});
