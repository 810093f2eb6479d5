import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as YAML from 'yaml';
import { buildExampleApp } from '../src/main';
import { pssRestrictedViolations } from './helpers/pss';
import { validateManifest } from './helpers/synth';

const DIST = path.join(__dirname, '..', 'dist');

function synthToTemp(): { [file: string]: string } {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'dist-'));
  buildExampleApp(outdir).synth();
  return Object.fromEntries(fs.readdirSync(outdir).sort().map(f => [f, fs.readFileSync(path.join(outdir, f), 'utf8')]));
}

test('dist/ is what the example app synthesizes (run `npm run build && npm run synth` when this fails)', () => {
  const committed = Object.fromEntries(fs.readdirSync(DIST).sort().map(f => [f, fs.readFileSync(path.join(DIST, f), 'utf8')]));
  expect(committed).toEqual(synthToTemp());
});

test('synth is deterministic: two runs are byte-identical', () => {
  expect(synthToTemp()).toEqual(synthToTemp());
});

test('every manifest in dist/ matches the Kubernetes schema and passes PSS restricted', () => {
  const docs = fs.readdirSync(DIST).flatMap(f => YAML.parseAllDocuments(fs.readFileSync(path.join(DIST, f), 'utf8')).map(d => d.toJSON()));
  expect(docs.length).toBeGreaterThan(0);
  for (const doc of docs) {
    validateManifest(doc);
    if (['Pod', 'Deployment', 'StatefulSet', 'Job'].includes(doc.kind)) {
      expect({ name: doc.metadata.name, violations: pssRestrictedViolations(doc) }).toEqual({ name: doc.metadata.name, violations: [] });
    }
  }
});
