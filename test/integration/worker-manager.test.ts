import { execFileSync } from 'child_process';
import * as http from 'http';
import { AddressInfo } from 'net';
import * as path from 'path';
import { pssRestrictedViolations } from '../helpers/pss';
import { runContainer } from '../helpers/run-container';
import { validateManifest } from '../helpers/synth';

// The example worker manager, compiled and run as its own Node process with the real
// @kubernetes/client-node. There is no Kubernetes API server on these machines, so a local
// HTTP server on 127.0.0.1 stands in for it and records the request.
const ROOT = path.join(__dirname, '..', '..');
const requests: Array<{ method: string; url: string; headers: http.IncomingHttpHeaders; body: any }> = [];
let api: http.Server;
let apiUrl = '';

beforeAll(async () => {
  execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', path.join(ROOT, 'examples/tsconfig.json')], { stdio: 'pipe' });
  api = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d) => { body += d; });
    req.on('end', () => {
      const parsed = body ? JSON.parse(body) : undefined;
      requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: parsed });
      res.writeHead(201, { 'Content-Type': 'application/json' }).end(JSON.stringify({ ...parsed, status: { phase: 'Pending' } }));
    });
  });
  await new Promise<void>((resolve) => api.listen(0, '127.0.0.1', resolve));
  apiUrl = `http://127.0.0.1:${(api.address() as AddressInfo).port}`;
}, 120000);

afterAll(() => new Promise<void>((resolve) => api.close(() => resolve())));

test('creates one worker pod per job through the API, with a valid, restricted manifest', async () => {
  const script = path.join(ROOT, 'build/examples/examples/worker-manager/worker-manager.js');
  const result = await runContainer({ command: [process.execPath, script, 'Video_42', 's3://uploads/v42.mp4'] }, { env: { KUBE_API_SERVER: apiUrl, KUBE_TOKEN: 'manager-token', KUBE_SKIP_TLS_VERIFY: 'true' } });
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  expect(result.stdout).toMatch(/^Pod worker-video-42-[0-9a-f]{8} for job Video_42 created\n$/);
  expect(requests).toHaveLength(1);
  const [request] = requests;
  expect(request.method).toBe('POST');
  expect(request.url).toBe('/api/v1/namespaces/default/pods');
  expect(request.headers.authorization).toBe('Bearer manager-token');
  const pod = request.body;
  validateManifest(pod);
  expect(pssRestrictedViolations(pod)).toEqual([]);
  expect(pod.spec.restartPolicy).toBe('Never');
  expect(pod.spec.containers[0].env).toEqual(expect.arrayContaining([{ name: 'JOB_ID', value: 'Video_42' }, { name: 'VIDEO_URI', value: 's3://uploads/v42.mp4' }]));
  // native sidecar: the pod reaches Succeeded when the worker exits 0
  expect(pod.spec.initContainers.map((c: any) => [c.name, c.restartPolicy])).toEqual([['model-downloader', undefined], ['log-forwarder', 'Always']]);
});
