import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { format } from 'pretty-format';
import serializer from './script-serializer';

// What the snapshot serializer prints: Jest's own printer with the plugin, as in a snapshot file.
const print = (value: unknown) => format(value, { plugins: [serializer], escapeString: false, printBasicPrototype: false });
const digest = (text: string) => createHash('sha256').update(text).digest('hex').slice(0, 8);

const SCRIPT = 'set -eu\necho one\necho two\n';
const NGINX = 'worker_processes auto;\nevents {}\n';

test('the script after `sh -c` prints as the container name, its digest and line count', () => {
  const container = { name: 'model-downloader', image: 'amazon/aws-cli:2.15.30', command: ['/bin/sh', '-c', SCRIPT] };
  expect(print(container)).toBe([
    '{',
    '  "command": [',
    '    "/bin/sh",',
    '    "-c",',
    `    <script model-downloader sha256:${digest(SCRIPT)}…, 3 lines>,`,
    '  ],',
    '  "image": "amazon/aws-cli:2.15.30",',
    '  "name": "model-downloader",',
    '}',
  ].join('\n'));
});

test('ConfigMap files print as their key: configs and .sh scripts; one-line values stay', () => {
  const configMap = { kind: 'ConfigMap', data: { 'nginx.conf': NGINX, 'start.sh': SCRIPT, 'mode': 'bearer' } };
  const out = print(configMap);
  expect(out).toContain(`"nginx.conf": <config nginx.conf sha256:${digest(NGINX)}…, 2 lines>,`);
  expect(out).toContain(`"start.sh": <script start.sh sha256:${digest(SCRIPT)}…, 3 lines>,`);
  expect(out).toContain('"mode": "bearer",');
});

test('any other string over 300 characters with newlines prints as its key; short ones and top-level strings stay', () => {
  const long = `${'x'.repeat(200)}\n${'y'.repeat(200)}`;
  const out = print({ metadata: { annotations: { note: long, short: 'a\nb' } }, args: ['--flag', long] });
  expect(out).toContain(`"note": <text note sha256:${digest(long)}…, 2 lines>,`);
  expect(out).toContain(`<text [1] sha256:${digest(long)}…, 2 lines>,`);
  expect(out).toContain('"short": "a\nb",');
  // a test that snapshots a config on purpose gets the config
  expect(print(long)).toBe(`"${long}"`);
});

test('a changed script changes the printed digest, so the snapshot still fails', () => {
  const before = print({ name: 'c', command: ['sh', '-c', SCRIPT] });
  const after = print({ name: 'c', command: ['sh', '-c', `${SCRIPT}echo three\n`] });
  expect(after).not.toEqual(before);
  expect(after).toContain('4 lines>');
});

test('the workload snapshots hold no generated script or config body', () => {
  const dir = path.join(__dirname, '..', '__snapshots__');
  for (const file of fs.readdirSync(dir)) {
    const text = fs.readFileSync(path.join(dir, file), 'utf8');
    expect({ file, nginx: /^worker_processes/m.test(text) && /"nginx\.conf": "/.test(text), script: /"-c",\n\s+"set -/.test(text) })
      .toEqual({ file, nginx: false, script: false });
  }
});
