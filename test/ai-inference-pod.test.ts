import * as fs from 'fs';
import * as path from 'path';
import { Chart, Duration, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { AiInferencePod, HealthCheck, PodRestartPolicy } from '../src';
import { pssRestrictedViolations } from './helpers/pss';
import { container, manifestOf, newChart, podSpec, synth, synthError } from './helpers/synth';

function minimal(props: Partial<ConstructorParameters<typeof AiInferencePod>[2]> = {}) {
  const chart = newChart();
  const pod = new AiInferencePod(chart, 'llm', { server: { image: 'vllm/vllm-openai:v0.6.3' }, ...props });
  return { chart, pod };
}

describe('AiInferencePod defaults', () => {
  test('snapshot and the fields that matter', () => {
    const { chart } = minimal();
    const manifests = synth(chart);
    expect(manifests).toMatchSnapshot();
    const pod = manifestOf(manifests, 'Pod');
    const server = container(pod, 'server');
    expect(pod.metadata.name).toMatch(/^test-llm-c8[0-9a-f]{6}$/);
    expect(server.ports).toEqual([{ containerPort: 8000, name: 'http' }]);
    // Kubernetes' own pull policy default applies (no forced re-pull of a multi-GB image)
    expect(server.imagePullPolicy).toBeUndefined();
    // our resources, never cdk8s-plus's 1000m/1500m/512Mi/2048Mi
    expect(server.resources).toEqual({ requests: { cpu: '1', memory: '4Gi' }, limits: { memory: '4Gi' } });
    expect(podSpec(pod).restartPolicy).toBe('Always');
    expect(podSpec(pod).terminationGracePeriodSeconds).toBe(60);
    expect(pssRestrictedViolations(pod)).toEqual([]);
  });

  test('probes: startup budget covers the model load time, readiness on the loaded-model endpoint, liveness after startup', () => {
    const { chart } = minimal({ modelLoadTimeout: Duration.minutes(30), server: { image: 'nvcr.io/nim/meta/llama3-8b-instruct:1.0.0', health: HealthCheck.nim() } });
    const server = container(manifestOf(synth(chart), 'Pod'), 'server');
    expect(server.startupProbe).toEqual({ httpGet: { path: '/v1/health/ready', port: 8000 }, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 180 });
    expect(server.readinessProbe.httpGet).toEqual({ path: '/v1/health/ready', port: 8000 });
    expect(server.readinessProbe.periodSeconds).toBe(5);
    expect(server.livenessProbe.httpGet).toEqual({ path: '/v1/health/live', port: 8000 });
    // budget = periodSeconds x failureThreshold = 1800 s
    expect(server.startupProbe.periodSeconds * server.startupProbe.failureThreshold).toBe(1800);
  });

  test('presets and other health checks', () => {
    const render = (health: HealthCheck) => container(manifestOf(synth(minimal({ server: { image: 'x/y:1', health } }).chart), 'Pod'), 'server');
    expect(render(HealthCheck.triton()).livenessProbe.httpGet.path).toBe('/v2/health/live');
    expect(render(HealthCheck.vllm()).readinessProbe.httpGet.path).toBe('/health');
    expect(render(HealthCheck.textGenerationInference()).startupProbe.httpGet.path).toBe('/health');
    expect(render(HealthCheck.tcp()).readinessProbe).toMatchObject({ tcpSocket: { port: 8000 } });
    expect(render(HealthCheck.command(['cat', '/tmp/ready'])).livenessProbe.exec.command).toEqual(['cat', '/tmp/ready']);
    expect(render(HealthCheck.http('/ready', { https: true })).readinessProbe.httpGet.scheme).toBe('HTTPS');
    const none = render(HealthCheck.none());
    // cdk8s-plus's default TCP startup probe is removed too
    expect([none.startupProbe, none.readinessProbe, none.livenessProbe]).toEqual([undefined, undefined, undefined]);
  });

  test('a user-set image pull policy is kept', () => {
    const { chart } = minimal({ server: { image: 'x/y:1', imagePullPolicy: kplus.ImagePullPolicy.IF_NOT_PRESENT } });
    expect(container(manifestOf(synth(chart), 'Pod'), 'server').imagePullPolicy).toBe('IfNotPresent');
  });

  test('GPU: vendor resource as request = limit, toleration, memory-backed /dev/shm with a size limit', () => {
    const { chart } = minimal({ gpu: { count: 2 }, server: { image: 'x/y:1', resources: { memory: { request: '32Gi', limit: '32Gi' } } } });
    const pod = manifestOf(synth(chart), 'Pod');
    const server = container(pod, 'server');
    expect(server.resources.limits['nvidia.com/gpu']).toBe('2');
    expect(server.resources.requests['nvidia.com/gpu']).toBe('2');
    expect(podSpec(pod).tolerations).toEqual([{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }]);
    expect(podSpec(pod).volumes).toContainEqual({ name: 'dshm', emptyDir: { medium: 'Memory', sizeLimit: '1Gi' } });
    expect(server.volumeMounts).toContainEqual({ name: 'dshm', mountPath: '/dev/shm' });
    expect(pssRestrictedViolations(pod)).toEqual([]);
  });

  test('GPU: other vendors, node selector, shm size, no toleration', () => {
    const { chart } = minimal({
      gpu: { count: 1, resourceName: 'amd.com/gpu', shmSize: '8Gi', tolerate: false, nodeSelector: { 'amd.com/gpu.family': 'MI300' } },
      server: { image: 'x/y:1', resources: { memory: { limit: '64Gi' } } },
    });
    const pod = manifestOf(synth(chart), 'Pod');
    expect(container(pod, 'server').resources.limits['amd.com/gpu']).toBe('1');
    expect(podSpec(pod).tolerations).toBeUndefined();
    expect(podSpec(pod).nodeSelector).toEqual({ 'amd.com/gpu.family': 'MI300' });
    expect(podSpec(pod).volumes).toContainEqual({ name: 'dshm', emptyDir: { medium: 'Memory', sizeLimit: '8Gi' } });
  });

  test('escape hatches: the cdk8s-plus pod and server container stay reachable', () => {
    const { chart, pod } = minimal();
    pod.server.env.addVariable('EXTRA', kplus.EnvValue.fromValue('1'));
    pod.pod.metadata.addAnnotation('team', 'ml');
    const manifest = manifestOf(synth(chart), 'Pod');
    expect(container(manifest, 'server').env).toContainEqual({ name: 'EXTRA', value: '1' });
    expect(manifest.metadata.annotations).toEqual({ team: 'ml' });
    expect(pod.workload).toBe(pod.pod);
  });

  test('secret env comes from a Secret key, never inline', () => {
    const { chart } = minimal({ server: { image: 'x/y:1', secretEnv: { HF_TOKEN: { secretName: 'hf', key: 'token' } } } });
    expect(container(manifestOf(synth(chart), 'Pod'), 'server').env).toEqual([{ name: 'HF_TOKEN', valueFrom: { secretKeyRef: { name: 'hf', key: 'token' } } }]);
  });

  test('restart policy Never for workers', () => {
    const { chart } = minimal({ restartPolicy: PodRestartPolicy.NEVER });
    expect(podSpec(manifestOf(synth(chart), 'Pod')).restartPolicy).toBe('Never');
  });
});

describe('AiInferencePod bad input fails synth with the construct path, the field and a fix', () => {
  test('fails on an invalid pod name', () => {
    const { chart } = minimal({ metadata: { name: 'Bad_Name' } });
    const message = synthError(chart);
    expect(message).toContain('[test/llm] metadata.name: "Bad_Name" is not a valid Kubernetes name');
    expect(message).toContain('Fix: use a name such as "bad-name"');
  });

  test('fails on a negative GPU count', () => {
    const { chart } = minimal({ gpu: { count: -1 } });
    expect(synthError(chart)).toContain('[test/llm] gpu.count: -1 must be a whole number from 1 to 1024');
  });

  test('fails on a request above its limit', () => {
    const { chart } = minimal({ server: { image: 'x/y:1', resources: { cpu: { request: '2', limit: '1' } } } });
    expect(synthError(chart)).toContain('[test/llm] container "server": spec.containers[0].resources.requests["cpu"]: request "2" exceeds the limit "1". Fix: lower the request or raise the limit');
  });

  test('collects every error, not only the first', () => {
    const { chart } = minimal({ metadata: { name: 'Bad_Name' }, gpu: { count: 0.5 }, server: { image: 'x/y:1', resources: { memory: { request: '1GB' } } } });
    const message = synthError(chart);
    expect(message).toContain('metadata.name');
    expect(message).toContain('gpu.count: 0.5 must be a whole');
    expect(message).toContain('"1GB" is not a quantity');
  });

  test('an invalid app writes no YAML', () => {
    const app = Testing.app();
    const chart = new Chart(app, 'bad');
    new AiInferencePod(chart, 'llm', { metadata: { name: 'Bad_Name' }, server: { image: 'x/y:1' } });
    expect(() => app.synth()).toThrow(/metadata.name/);
    expect(fs.readdirSync(app.outdir).filter(f => f.endsWith('.yaml'))).toEqual([]);
    expect(path.isAbsolute(app.outdir)).toBe(true);
  });
});
