import * as fs from 'fs';
import * as path from 'path';
import * as YAML from 'yaml';
import { buildExampleApp } from '../src/main';
import { missingFields } from './helpers/subset';
import { manifestOf, synth } from './helpers/synth';

test('the example app renders every field of the seed\'s "Professional" pod with an equal value', () => {
  const seed = YAML.parse(fs.readFileSync(path.join(__dirname, 'fixtures/seed-professional-pod.yaml'), 'utf8'));
  const app = buildExampleApp(fs.mkdtempSync('/tmp/seed-'));
  const pod = manifestOf(synth(app.charts[0]), 'Pod');
  expect(missingFields(seed, pod)).toEqual([]);
});

test('the field comparison itself catches a difference', () => {
  const seed = { spec: { containers: [{ name: 'a', resources: { requests: { memory: '1Gi' } }, ports: [{ containerPort: 8000 }] }] } };
  expect(missingFields(seed, { spec: { containers: [{ name: 'a', resources: { requests: { memory: '1024Mi' } }, ports: [{ containerPort: 8000, name: 'http' }] }] } })).toEqual([]);
  expect(missingFields(seed, { spec: { containers: [{ name: 'a', resources: { requests: { memory: '1G' } }, ports: [] }] } })).toEqual([
    'spec.containers[name=a].resources.requests.memory: expected "1Gi", got "1G"',
    'spec.containers[name=a].ports[containerPort=8000]: missing',
  ]);
});
