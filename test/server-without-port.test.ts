/**
 * A model server container that listens on no port (`server.listens: false`): batch inference
 * Jobs (vLLM's offline `run_batch`, Microsoft Aurora's forecast Job in production-pods-10) and
 * queue workers, written as their real manifests are — no `ports` — and everything that needs
 * the server's port refused at synth with the construct path, the field and a fix.
 */
import { ApiObject, Duration } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import {
  AiInferenceDeployment, AiInferencePod, HealthCheck, ImagePullPolicy, InferenceEngine, InferenceServer, InferenceServiceType, LogSidecar,
  PodRestartPolicy, PodSecurityLevel, PodVolume, Probe, ProxyAuth, ProxySidecar, Sidecar,
} from '../src';
import { env, synthWithWarnings, templateOf } from './helpers/pod-parts';
import { expectRefused } from './helpers/refusal';
import { container, expectApiValid, manifestOf, newChart, podSpec, synth } from './helpers/synth';

const VLLM = 'vllm/vllm-openai:v0.9.1';
/** vLLM's offline batch runner (docs: "OpenAI Batch File Format"): reads a JSONL of requests, writes a JSONL of responses, exits. */
const RUN_BATCH = {
  command: ['python3', '-m', 'vllm.entrypoints.openai.run_batch'],
  args: ['-i', '/data/batch-input.jsonl', '-o', '/data/batch-output.jsonl', '--model', 'meta-llama/Meta-Llama-3-8B-Instruct'],
};
/** A batch worker that listens on nothing. */
const WORKER = { image: VLLM, ...RUN_BATCH, listens: false, env: { HF_HOME: '/tmp/hf' } };

describe('a batch Job whose server listens on no port', () => {
  // silogen/ai-workloads weather-inference-ai-models-aurora (templates/inference-job.yaml): the container
  // declares no ports and no probes (production-pods-10.test.ts follows the whole manifest)
  test('the Aurora weather Job on ROCm: no ports, no probes, API-valid', () => {
    const chart = newChart('aurora');
    const job = new kplus.Job(chart, 'aurora', {
      metadata: { name: 'aurora-job', namespace: 'weather' }, backoffLimit: 0, ttlAfterFinished: Duration.seconds(432000),
    });
    new InferenceServer(job, 'server', {
      server: {
        name: 'weather-inference-ai-models-aurora',
        image: 'rocm/pytorch:latest',
        imagePullPolicy: ImagePullPolicy.ALWAYS,
        command: ['sh', '-c'],
        args: ['bash /workload/mount/setup_env.sh && bash /workload/mount/run_model.sh --model_name=aurora'],
        listens: false,
        secretEnv: { CDSAPI_KEY: { secretName: 'cds-api-secret', key: 'key' } },
        resources: { cpu: { request: '4', limit: '4' }, memory: { request: '64Gi', limit: '64Gi' } },
        volumeMounts: [{ volume: PodVolume.configMap('workload-mount', 'aurora-job'), path: '/workload/mount', readOnly: false }],
        security: { runAsNonRoot: false, runAsUser: 0, readOnlyRootFilesystem: false, allowPrivilegeEscalation: true, dropAllCapabilities: false },
      },
      gpu: { count: 1, resourceName: 'amd.com/gpu', shmSize: '32Gi', tolerate: false },
      security: { runAsNonRoot: false, runAsUser: 0, runAsGroup: 0, level: PodSecurityLevel.PRIVILEGED },
    });
    const { manifests } = synthWithWarnings(chart);
    expectApiValid(manifests);
    expect(manifests.map(m => m.kind)).toEqual(['Job']);
    const c = container(manifestOf(manifests, 'Job'), 'weather-inference-ai-models-aurora');
    expect(c).not.toHaveProperty('ports');
    expect(c.startupProbe ?? c.readinessProbe ?? c.livenessProbe).toBeUndefined();
    expect(c.resources.limits['amd.com/gpu']).toBe('1');
  });

  test('vLLM run_batch in an AiInferencePod (restartPolicy Never) as a Job template: no ports, no probes', () => {
    const chart = newChart('vllm-batch');
    const pod = new AiInferencePod(chart, 'batch', {
      restartPolicy: PodRestartPolicy.NEVER,
      server: WORKER,
      gpu: { count: 1 },
    });
    const { template } = templateOf(pod);
    new ApiObject(chart, 'job', {
      apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'vllm-batch' }, spec: { backoffLimit: 0, template },
    });
    const manifests = synth(chart);
    expectApiValid(manifests);
    expect(manifests.map(m => m.kind)).toEqual(['Job']);
    const spec = manifestOf(manifests, 'Job').spec.template.spec;
    expect(spec.restartPolicy).toBe('Never');
    const server = spec.containers.find((c: any) => c.name === 'server');
    expect(server.ports).toBeUndefined();
    expect(server.command).toEqual(RUN_BATCH.command);
    expect(server.args).toEqual(RUN_BATCH.args);
    // the default health check of a server that does not listen: none
    expect(server.startupProbe ?? server.readinessProbe ?? server.livenessProbe).toBeUndefined();
    expect(server.resources.limits['nvidia.com/gpu']).toBe('1');
    expect(env(server, 'HF_HOME').value).toBe('/tmp/hf');
  });

  test('a kplus.Job with InferenceServer: no ports, no probes, no Service; a LogSidecar is fine', () => {
    const chart = newChart('job');
    const job = new kplus.Job(chart, 'batch', {
      metadata: { name: 'vllm-batch' }, backoffLimit: 2, ttlAfterFinished: Duration.hours(1), restartPolicy: kplus.RestartPolicy.NEVER,
    });
    new InferenceServer(job, 'server', { server: WORKER, gpu: { count: 1 } });
    new LogSidecar(job, 'logs');
    const { manifests } = synthWithWarnings(chart);
    expectApiValid(manifests);
    expect(manifests.filter(m => m.kind === 'Service' || m.kind === 'NetworkPolicy')).toEqual([]);
    const j = manifestOf(manifests, 'Job');
    expect(podSpec(j).restartPolicy).toBe('Never');
    const c = container(j, 'server');
    expect(c.ports).toBeUndefined();
    expect(c.startupProbe ?? c.readinessProbe ?? c.livenessProbe).toBeUndefined();
  });

  test('extraPorts are still written (a metrics port), and a health check may probe them', () => {
    const chart = newChart('metrics');
    const pod = new AiInferencePod(chart, 'worker', {
      restartPolicy: PodRestartPolicy.NEVER,
      server: {
        ...WORKER, extraPorts: [{ number: 9090, name: 'metrics' }],
        health: HealthCheck.custom({ liveness: Probe.httpGet('/metrics', { portName: 'metrics' }) }),
      },
    });
    expect(pod).toBeDefined();
    const manifests = synth(chart);
    expectApiValid(manifests);
    const c = container(manifestOf(manifests, 'Pod'), 'server');
    expect(c.ports).toEqual([{ containerPort: 9090, name: 'metrics' }]);
    expect(c.livenessProbe.httpGet).toEqual({ path: '/metrics', port: 'metrics' });
    expect(c.readinessProbe).toBeUndefined();
  });

  test('a command, or a TCP check on an explicit port, is a health check a worker may have', () => {
    for (const health of [HealthCheck.command(['test', '-f', '/tmp/alive']), HealthCheck.tcp(9090)]) {
      const chart = newChart('health');
      new AiInferencePod(chart, 'worker', { server: { ...WORKER, extraPorts: [{ number: 9090, name: 'metrics' }], health } });
      expectApiValid(synth(chart));
    }
  });

  test('a Deployment of queue workers gets no Service by default, and no containerPort', () => {
    const chart = newChart('workers');
    const workers = new AiInferenceDeployment(chart, 'workers', { replicas: 3, server: { image: 'registry.example.com/queue-worker:1.4.0', listens: false } });
    const manifests = synth(chart);
    expectApiValid(manifests);
    expect(workers.service).toBeUndefined();
    expect(manifests.map(m => m.kind)).toEqual(['Deployment']);
    const c = container(manifestOf(manifests, 'Deployment'), 'server');
    expect(c.ports).toBeUndefined();
    expect(c.startupProbe ?? c.readinessProbe ?? c.livenessProbe).toBeUndefined();
  });

  test('listens: true (the default, written out) changes nothing', () => {
    const render = (listens?: boolean) => {
      const chart = newChart('same');
      new AiInferencePod(chart, 'p', { server: { image: VLLM, listens } });
      return synth(chart);
    };
    const given = render(true);
    expect(given).toEqual(render(undefined));
    expect(container(manifestOf(given, 'Pod'), 'server').ports).toEqual([{ containerPort: 8000, name: 'http' }]);
  });
});

describe('what needs the server port is refused when it listens on none', () => {
  const pod = (server: object) => (c: any) => new AiInferencePod(c, 'p', { server: { ...WORKER, ...server } });

  test('port and portName', () => {
    const lines = expectRefused(pod({ port: 8000, portName: 'http' }), /^ {2}\[test\/p\] server\.port: 8000 is given with server\.listens: false.*Fix: /);
    expect(lines).toContainEqual(expect.stringMatching(/^ {2}\[test\/p\] server\.portName: "http" is given with server\.listens: false.*Fix: /));
  });

  test('an engine (engines serve HTTP on a port); its own health check is not refused a second time', () => {
    const lines = expectRefused(c => new AiInferencePod(c, 'p', { server: { engine: InferenceEngine.vllm(), listens: false }, gpu: { count: 1 } }),
      /^ {2}\[test\/p\] server\.engine: InferenceEngine\.vllm\(\) is given with server\.listens: false.*Fix: .*command and args/);
    expect(lines.filter(l => /server\.health|Probe/.test(l))).toEqual([]);
  });

  test.each([
    ['HTTP', HealthCheck.http('/health'), /startup \(httpGet\), readiness \(httpGet\), liveness \(httpGet\) probes target the server port/],
    ['TCP', HealthCheck.tcp(), /startup \(tcpSocket\).* probes target the server port/],
    ['gRPC', HealthCheck.custom({ readiness: Probe.grpc() }), /readiness \(grpc\) probe targets the server port/],
    ['vLLM', HealthCheck.vllm(), /probes target the server port/],
  ])('a %s health check on the server port', (_kind, health, message) => {
    const lines = expectRefused(pod({ health }), /^ {2}\[test\/p\] server\.health: .*Fix: /);
    expect(lines.join('\n')).toMatch(message);
  });

  test('a ProxySidecar: nothing to front', () => {
    expectRefused(c => {
      const p = new AiInferencePod(c, 'p', { server: WORKER });
      new ProxySidecar(p, 'proxy', { auth: ProxyAuth.bearerTokens('tokens') });
    }, /^ {2}\[test\/p\/proxy\] scope: a proxy in front of the model server, and the model server test\/p listens on no port \(server\.listens: false\).*Fix: /);
  });

  test('a Sidecar front door', () => {
    expectRefused(c => {
      const p = new AiInferencePod(c, 'p', { server: WORKER });
      new Sidecar(p, 'door', { name: 'door', image: 'envoyproxy/envoy:v1.31.2', ports: [{ number: 9000 }], frontDoor: { port: 9000 } });
    }, /^ {2}\[test\/p\/door\] frontDoor: a front door on port 9000, and the model server test\/p listens on no port.*Fix: /);
  });

  test('an AiInferenceDeployment Service: service: true, serviceType, serviceOptions', () => {
    const deployment = (extra: object) => (c: any) => new AiInferenceDeployment(c, 'd', { server: WORKER, ...extra });
    expectRefused(deployment({ service: true }), /^ {2}\[test\/d\] service: true asks for a Service to the model server, and server\.listens is false.*Fix: /);
    expectRefused(deployment({ serviceType: InferenceServiceType.LOAD_BALANCER }),
      /^ {2}\[test\/d\] serviceType: "LoadBalancer" is given for the Deployment's Service, and server\.listens is false.*Fix: /);
    expectRefused(deployment({ serviceOptions: { port: 80 } }), /^ {2}\[test\/d\] serviceOptions: .* is given for the Deployment's Service.*Fix: /);
  });

  test('service: false is accepted (and says what the default already does)', () => {
    const chart = newChart('no-service');
    new AiInferenceDeployment(chart, 'd', { server: WORKER, service: false });
    expect(synth(chart).map(m => m.kind)).toEqual(['Deployment']);
  });

  test('listens that is not a boolean', () => {
    expectRefused(pod({ listens: 'no' }), /^ {2}\[test\/p\] server\.listens: "no" is not true or false\. Fix: /);
  });
});
