/**
 * New-user review 3: fields of public production manifests that needed a JSON patch, each now a
 * typed prop — enableServiceLinks (gateway-api-inference-extension's vLLM LoRA manifest), a
 * preStop sleep, a sidecar's pull policy, stdin and tty (lora-adapter-syncer), named probe ports,
 * another container's resources in a variable (Seldon's agent), /dev/shm at the memory limit
 * (KubeRay). Every valid pod goes through the real App synth, the official schema and the kind
 * rules; bad input is refused by field with nothing written.
 */
import { ApiObject, Chart, Duration, JsonPatch } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import {
  AiInferenceDeployment, AiInferencePod, HealthCheck, ImagePullPolicy, InferenceServer, KubernetesTarget, LogSidecar, PodField, PodVolume, Probe,
  ProxySidecar, Sidecar,
} from '../src';
import { expectRefused } from './helpers/refusal';
import { container, expectApiValid, manifestOf, newChart, podSpec, synth } from './helpers/synth';

const IMAGE = 'vllm/vllm-openai:v0.9.1';

function synthValid(chart: Chart): any[] {
  const manifests = synth(chart);
  expectApiValid(manifests);
  return manifests;
}

describe('enableServiceLinks', () => {
  test('false is written on a pod, a Deployment and an InferenceServer of yours; left out, the field is not written', () => {
    const chart = newChart();
    new AiInferencePod(chart, 'lora', { metadata: { name: 'lora' }, server: { image: IMAGE }, enableServiceLinks: false });
    new AiInferencePod(chart, 'plain', { metadata: { name: 'plain' }, server: { image: IMAGE } });
    new AiInferenceDeployment(chart, 'vllm', { metadata: { name: 'vllm' }, server: { image: IMAGE }, enableServiceLinks: false });
    const job = new kplus.Job(chart, 'batch', { metadata: { name: 'batch' }, restartPolicy: kplus.RestartPolicy.NEVER });
    new InferenceServer(job, 'server', { server: { image: IMAGE }, enableServiceLinks: true });
    const manifests = synthValid(chart);
    const [lora, plain] = manifests.filter(m => m.kind === 'Pod');
    expect(podSpec(lora).enableServiceLinks).toBe(false);
    expect(podSpec(plain).enableServiceLinks).toBeUndefined();
    expect(podSpec(manifestOf(manifests, 'Deployment')).enableServiceLinks).toBe(false);
    expect(podSpec(manifestOf(manifests, 'Job')).enableServiceLinks).toBe(true);
  });

  test('a value that is not a boolean is refused at construction, by prop', () => {
    const lines = expectRefused(chart => new AiInferencePod(chart, 'pd', { server: { image: IMAGE }, enableServiceLinks: 'no' as any }),
      /^ {2}\[test\/pd\] enableServiceLinks: "no" is not true or false\. Fix: false keeps/);
    // refused once, as a prop: the value is not written, so the schema check does not repeat it
    expect(lines.filter(l => l.includes('enableServiceLinks'))).toHaveLength(1);
  });
});

describe('Sidecar: imagePullPolicy, stdin, tty', () => {
  /** gateway-api-inference-extension's vLLM LoRA deployment: the adapter syncer beside vLLM. */
  function loraPod(chart: Chart): AiInferenceDeployment {
    const vllm = new AiInferenceDeployment(chart, 'vllm', {
      metadata: { name: 'vllm-llama3-8b-instruct' }, server: { image: IMAGE, port: 8000 }, gpu: { count: 1 }, enableServiceLinks: false,
    });
    new Sidecar(vllm, 'lora-adapter-syncer', {
      name: 'lora-adapter-syncer',
      image: 'us-central1-docker.pkg.dev/k8s-staging-images/gateway-api-inference-extension/lora-syncer:v1.0.0',
      imagePullPolicy: ImagePullPolicy.ALWAYS,
      stdin: true,
      tty: true,
      env: { DYNAMIC_LORA_ROLLOUT_CONFIG: '/config/configmap.yaml' },
      podVolumeMounts: [{ volume: PodVolume.configMap('config-volume', 'vllm-llama3-8b-adapters'), path: '/config' }],
    });
    return vllm;
  }

  test('the lora-adapter-syncer as the manifest writes it: pull policy Always, stdin and tty, a native sidecar', () => {
    const chart = newChart();
    loraPod(chart);
    const deployment = manifestOf(synthValid(chart), 'Deployment');
    const syncer = container(deployment, 'lora-adapter-syncer');
    expect(syncer).toMatchObject({ imagePullPolicy: 'Always', stdin: true, tty: true, restartPolicy: 'Always' });
    expect(podSpec(deployment).enableServiceLinks).toBe(false);
  });

  test('left out, none of the three is written (cdk8s-plus\'s forced Always stays out); LogSidecar takes the pull policy too', () => {
    const chart = newChart();
    const pod = new AiInferencePod(chart, 'llm', { metadata: { name: 'llm' }, server: { image: IMAGE } });
    new Sidecar(pod, 'redis', { name: 'redis', image: 'redis:7.4.1' });
    new LogSidecar(pod, 'logs', { imagePullPolicy: ImagePullPolicy.IF_NOT_PRESENT });
    const manifest = synthValid(chart)[0];
    const redis = container(manifest, 'redis');
    expect([redis.imagePullPolicy, redis.stdin, redis.tty]).toEqual([undefined, undefined, undefined]);
    expect(container(manifest, 'log-forwarder').imagePullPolicy).toBe('IfNotPresent');
  });

  test('a pull policy that is not one of the three, and stdin or tty that are not booleans, are refused by prop', () => {
    const bad = (props: object) => (chart: Chart) => {
      const pod = new AiInferencePod(chart, 'llm', { server: { image: IMAGE } });
      new Sidecar(pod, 'side', { name: 'side', image: 'busybox:1.36.1', ...props });
    };
    const lines = expectRefused(bad({ imagePullPolicy: 'Sometimes' }),
      /^ {2}\[test\/llm\/side\] imagePullPolicy: "Sometimes" is not an image pull policy\. Fix: use ImagePullPolicy\.IF_NOT_PRESENT/);
    // once, as a prop: the value is not written, so the imagePullPolicyValue rule does not repeat it
    expect(lines.filter(l => l.includes('Sometimes'))).toHaveLength(1);
    expectRefused(bad({ stdin: 'yes' }), /^ {2}\[test\/llm\/side\] stdin: "yes" is not true or false\. Fix: /);
    expectRefused(bad({ tty: 1 }), /^ {2}\[test\/llm\/side\] tty: 1 is not true or false\. Fix: /);
    expectRefused(chart => new LogSidecar(new AiInferencePod(chart, 'llm', { server: { image: IMAGE } }), 'logs', { imagePullPolicy: 'always' as any }),
      /\[test\/llm\/logs\] imagePullPolicy: "always" is not an image pull policy/);
  });
});

describe('probes on a named port', () => {
  test('Probe.httpGet and Probe.tcp take portName; HealthCheck.http too; the probes name the port the container declares', () => {
    const chart = newChart();
    new AiInferencePod(chart, 'custom', {
      metadata: { name: 'custom' },
      server: {
        image: IMAGE, portName: 'api', extraPorts: [{ number: 9464, name: 'metrics' }],
        health: HealthCheck.custom({
          startup: Probe.tcp({ portName: 'api' }),
          readiness: Probe.httpGet('/ready', { portName: 'api' }),
          liveness: Probe.httpGet('/metrics', { portName: 'metrics', https: true }),
        }),
      },
    });
    new AiInferencePod(chart, 'preset', { metadata: { name: 'preset' }, server: { image: IMAGE, health: HealthCheck.http('/health', { portName: 'http' }) } });
    const [custom, preset] = synthValid(chart);
    const server = container(custom, 'server');
    expect(server.startupProbe.tcpSocket).toEqual({ port: 'api' });
    expect(server.readinessProbe.httpGet).toEqual({ path: '/ready', port: 'api' });
    expect(server.livenessProbe.httpGet).toEqual({ path: '/metrics', port: 'metrics', scheme: 'HTTPS' });
    const presetServer = container(preset, 'server');
    expect([presetServer.startupProbe, presetServer.readinessProbe, presetServer.livenessProbe].map(p => p.httpGet.port)).toEqual(['http', 'http', 'http']);
  });

  test('a probe on the server port\'s name goes through a ProxySidecar like one on its number; a sidecar probes its own named port', () => {
    const chart = newChart();
    const pod = new AiInferencePod(chart, 'llm', {
      metadata: { name: 'llm' }, server: { image: IMAGE, portName: 'api', health: HealthCheck.http('/health', { portName: 'api' }) },
    });
    new ProxySidecar(pod, 'proxy', {});
    new Sidecar(pod, 'exporter', {
      name: 'exporter', image: 'prom/node-exporter:v1.8.2', ports: [{ number: 9100, name: 'metrics' }],
      health: HealthCheck.custom({ readiness: Probe.httpGet('/metrics', { portName: 'metrics' }) }),
    });
    const manifest = synthValid(chart).find(m => m.kind === 'Pod');
    expect(container(manifest, 'server').readinessProbe.httpGet).toEqual({ path: '/health', port: 8080 });
    expect(container(manifest, 'exporter').readinessProbe.httpGet).toEqual({ path: '/metrics', port: 'metrics' });
  });

  test('a port name Kubernetes refuses, or a name given with a number, is refused by prop; a name the container lacks at synth', () => {
    const build = (health: HealthCheck) => (chart: Chart) => new AiInferencePod(chart, 'llm', { server: { image: IMAGE, health } });
    const lines = expectRefused(build(HealthCheck.custom({ readiness: Probe.httpGet('/ready', { portName: 'Web_UI' }) })),
      /^ {2}\[test\/llm\] server\.health\.readiness\.portName: "Web_UI" is not a port name \(an IANA service name.*Fix: give the name of a port/);
    // said once, as a prop: the bad name is not rendered, so the probe rules do not repeat it
    expect(lines).toHaveLength(1);
    expectRefused(build(HealthCheck.custom({ startup: Probe.tcp({ port: 8000, portName: 'http' }) })),
      /^ {2}\[test\/llm\] server\.health\.startup\.portName: "http" is given with port 8000: a probe has one port\. Fix: keep one of port and portName/);
    expectRefused(build(HealthCheck.http('/health', { portName: 'a-very-long-port-name' })), /server\.health\.portName: "a-very-long-port-name" is not a port name/);
    expectRefused(build(HealthCheck.custom({ liveness: Probe.httpGet('/live', { portName: 'grpc' }) })),
      /^ {2}\[test\/llm\] container "server": spec\.containers\[0\]\.livenessProbe: probes the named port "grpc", which container "server" does not declare\. Fix: /);
    // gRPC probes take numbers only: the option does not exist there
    expectRefused(build(HealthCheck.custom({ readiness: Probe.grpc({ portName: 'http' } as any) })), /server\.health\.readiness\.portName: unknown prop/);
  });
});

describe('PodField.containerResource: another container\'s requests and limits', () => {
  /** Seldon Core's layout: MLServer serves, its agent reads MLServer's memory request. */
  function seldon(chart: Chart, containerName: string): AiInferencePod {
    const pod = new AiInferencePod(chart, 'mlserver', {
      metadata: { name: 'iris' },
      server: {
        name: 'mlserver', image: 'seldonio/mlserver:1.6.1', port: 9000, health: HealthCheck.http('/v2/health/ready'),
        resources: { cpu: { request: '1' }, memory: { request: '2Gi', limit: '2Gi' } },
      },
    });
    new Sidecar(pod, 'agent', {
      name: 'agent', image: 'seldonio/seldon-agent:2.8.0',
      fieldEnv: {
        SELDON_SERVER_CAPACITY: PodField.containerResource(containerName, 'requests.memory'),
        SELDON_OVERCOMMIT_MI: PodField.containerResource(containerName, 'limits.memory', '1Mi'),
        OWN_MEMORY: PodField.resource('limits.memory'),
      },
    });
    return pod;
  }

  test("Seldon's agent reads MLServer's requests.memory: resourceFieldRef.containerName names the server", () => {
    const chart = newChart();
    seldon(chart, 'mlserver');
    const env = container(synthValid(chart)[0], 'agent').env;
    expect(env).toEqual(expect.arrayContaining([
      { name: 'SELDON_SERVER_CAPACITY', valueFrom: { resourceFieldRef: { containerName: 'mlserver', resource: 'requests.memory' } } },
      { name: 'SELDON_OVERCOMMIT_MI', valueFrom: { resourceFieldRef: { containerName: 'mlserver', divisor: '1Mi', resource: 'limits.memory' } } },
      { name: 'OWN_MEMORY', valueFrom: { resourceFieldRef: { resource: 'limits.memory' } } },
    ]));
  });

  test('the server may read a sidecar added after it: the container is looked up at render', () => {
    const chart = newChart();
    const pod = new AiInferencePod(chart, 'llm', {
      metadata: { name: 'llm' }, server: { image: IMAGE, fieldEnv: { CACHE_MEMORY: PodField.containerResource('redis', 'limits.memory', '1Mi') } },
    });
    new Sidecar(pod, 'redis', { name: 'redis', image: 'redis:7.4.1' });
    const env = container(synthValid(chart)[0], 'server').env;
    expect(env).toContainEqual({ name: 'CACHE_MEMORY', valueFrom: { resourceFieldRef: { containerName: 'redis', divisor: '1Mi', resource: 'limits.memory' } } });
  });

  test('a name that is not a container name is refused by prop; a container the pod lacks at synth, with the pod\'s containers', () => {
    const lines = expectRefused(chart => seldon(chart, 'MLServer'),
      /^ {2}\[test\/mlserver\/agent\] fieldEnv\.SELDON_SERVER_CAPACITY\.containerName: "MLServer" is not a container name\. Fix: /);
    expect(lines.filter(l => l.includes('MLServer'))).toHaveLength(2); // one per variable, none from the rules (not rendered)
    expectRefused(chart => seldon(chart, 'ml-server'),
      /^ {2}\[test\/mlserver\/agent\] container "agent": spec\.initContainers\[0\]\.env\[\d\]\.valueFrom\.resourceFieldRef\.containerName: "ml-server" is not a container of the pod \(its containers: "agent", "mlserver"\)\. Fix: name one of them in PodField\.containerResource/);
    expectRefused(chart => seldon(chart, undefined as any), /fieldEnv\.SELDON_SERVER_CAPACITY\.containerName: undefined is not a container name/);
  });
});

describe('preStopSleep: the kubelet sleeps before SIGTERM (lifecycle.preStop.sleep)', () => {
  test('on the server and on a Sidecar: written as whole seconds, valid for the default target (1.33)', () => {
    const chart = newChart();
    const pod = new AiInferencePod(chart, 'llm', { metadata: { name: 'llm' }, server: { image: IMAGE, preStopSleep: Duration.seconds(15) } });
    new Sidecar(pod, 'exporter', { name: 'exporter', image: 'prom/node-exporter:v1.8.2', preStopSleep: Duration.minutes(1) });
    const manifest = synthValid(chart)[0];
    expect(container(manifest, 'server').lifecycle).toEqual({ preStop: { sleep: { seconds: 15 } } });
    expect(container(manifest, 'exporter')).toMatchObject({ lifecycle: { preStop: { sleep: { seconds: 60 } } }, restartPolicy: 'Always' });
  });

  test('below 1.30, a Sidecar drains with an exec hook instead: preStopCommand', () => {
    const chart = newChart();
    const pod = new AiInferencePod(chart, 'llm', { metadata: { name: 'llm' }, target: KubernetesTarget.V1_29, server: { image: IMAGE } });
    new Sidecar(pod, 'exporter', { name: 'exporter', image: 'busybox:1.36.1', preStopCommand: ['sleep', '10'] });
    expect(container(synthValid(chart)[0], 'exporter').lifecycle).toEqual({ preStop: { exec: { command: ['sleep', '10'] } } });
    expectRefused(c => new Sidecar(new AiInferencePod(c, 'llm', { server: { image: IMAGE } }), 'side', { name: 'side', image: 'busybox:1.36.1', preStopCommand: [] }),
      /^ {2}\[test\/llm\/side\] preStopCommand: \[\] is empty\. Fix: /);
  });

  test('a sidecar on a workload of yours sleeps within the pod\'s grace period', () => {
    const chart = newChart();
    const deployment = new kplus.Deployment(chart, 'proxy', { metadata: { name: 'proxy' } });
    deployment.addContainer({ name: 'app', image: 'nginx:1.27.2', portNumber: 8080, securityContext: { user: 1000 } });
    new Sidecar(deployment, 'exporter', { name: 'exporter', image: 'prom/node-exporter:v1.8.2', preStopSleep: Duration.seconds(5) });
    expect(container(manifestOf(synthValid(chart), 'Deployment'), 'exporter').lifecycle).toEqual({ preStop: { sleep: { seconds: 5 } } });
  });

  test('below Kubernetes 1.30 the sleep action is refused with the feature, the version and the exec alternative', () => {
    expectRefused(chart => new AiInferencePod(chart, 'llm', { target: KubernetesTarget.V1_29, server: { image: IMAGE, preStopSleep: Duration.seconds(10) } }),
      /^ {2}\[test\/llm\] container "server": spec\.containers\[0\]\.lifecycle\.preStop\.sleep: uses the sleep lifecycle action \(lifecycle\.preStop\.sleep\), which needs Kubernetes 1\.30 or later; the target is 1\.29 .*Fix: use preStopCommand: \['sleep', 'N'\] instead/);
    expectRefused(chart => {
      const pod = new AiInferencePod(chart, 'llm', { target: KubernetesTarget.V1_28, server: { image: IMAGE } });
      new Sidecar(pod, 'exporter', { name: 'exporter', image: 'prom/node-exporter:v1.8.2', preStopSleep: Duration.seconds(10) });
    }, /container "exporter": spec\.containers\[1\]\.lifecycle\.preStop\.sleep: uses the sleep lifecycle action/);
    const chart = newChart();
    new AiInferencePod(chart, 'llm', { metadata: { name: 'llm' }, target: KubernetesTarget.V1_30, server: { image: IMAGE, preStopSleep: Duration.seconds(10) } });
    expect(container(synthValid(chart)[0], 'server').lifecycle.preStop.sleep.seconds).toBe(10);
  });

  test('bad durations, a sleep with a command, and a sleep beyond the grace period are refused', () => {
    const server = (props: object, pod: object = {}) => (chart: Chart) => new AiInferencePod(chart, 'llm', { server: { image: IMAGE, ...props }, ...pod });
    expectRefused(server({ preStopSleep: Duration.millis(1500) }), /^ {2}\[test\/llm\] server\.preStopSleep: 1500 ms is not a whole number of seconds of at least 1\. Fix: /);
    expectRefused(server({ preStopSleep: Duration.seconds(0) }), /server\.preStopSleep: 0 s is less than 1 s/);
    expectRefused(server({ preStopSleep: Duration.seconds(5), preStopCommand: ['sleep', '5'] }),
      /^ {2}\[test\/llm\] server\.preStopSleep: is given with server\.preStopCommand: a container has one preStop hook\. Fix: keep one of them/);
    expectRefused(server({ preStopSleep: Duration.seconds(90) }),
      /^ {2}\[test\/llm\] container "server": spec\.containers\[0\]\.lifecycle\.preStop\.sleep\.seconds: sleeps 90 s, longer than the pod's termination grace period \(60 s\): the API server refuses it.*Fix: shorten the sleep \(preStopSleep\) or lengthen the grace period/);
    // the grace period decides: 90 s fit in 120 s
    const longer = newChart();
    server({ preStopSleep: Duration.seconds(90) }, { metadata: { name: 'llm' }, terminationGracePeriod: Duration.seconds(120) })(longer);
    synthValid(longer);
    expectRefused(chart => {
      const pod = new AiInferencePod(chart, 'llm', { server: { image: IMAGE } });
      new Sidecar(pod, 'side', { name: 'side', image: 'busybox:1.36.1', preStopSleep: Duration.millis(500) });
    }, /^ {2}\[test\/llm\/side\] preStopSleep: 500 ms is not a whole number of seconds of at least 1/);
    expectRefused(chart => {
      const pod = new AiInferencePod(chart, 'llm', { server: { image: IMAGE } });
      new Sidecar(pod, 'side', { name: 'side', image: 'busybox:1.36.1', preStopSleep: Duration.seconds(5), preStopCommand: ['sleep', '5'] });
    }, /^ {2}\[test\/llm\/side\] preStopSleep: is given with preStopCommand: a container has one preStop hook/);
  });

  test('a JSON patch writing a sleep is held to the same rules', () => {
    const patched = (seconds: unknown) => (chart: Chart) => {
      const pod = new AiInferencePod(chart, 'llm', { server: { image: IMAGE } });
      ApiObject.of(pod.pod).addJsonPatch(JsonPatch.add('/spec/containers/0/lifecycle', { preStop: { sleep: { seconds } } }));
    };
    expectRefused(patched(0), /spec\.containers\[0\]\.lifecycle\.preStop\.sleep\.seconds: 0 is not a whole number of seconds of at least 1/);
    expectRefused(patched(2.5), /spec\.containers\[0\]\.lifecycle\.preStop\.sleep\.seconds: 2\.5 is not a whole number of seconds/);
    expectRefused(patched(61), /spec\.containers\[0\]\.lifecycle\.preStop\.sleep\.seconds: sleeps 61 s, longer than the pod's termination grace period \(60 s\)/);
  });
});
