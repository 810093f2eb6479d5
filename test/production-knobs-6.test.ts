/**
 * The props of new-user review 5 (fields of production-pods-5 that needed a JSON patch):
 * `hostNetwork` and `dnsPolicy`, a probe's own `terminationGracePeriod`, a container's
 * `seccompProfile` and `dropAllCapabilities`, and `injectedEnv`. Each valid use synthesizes
 * and passes the API checks; each bad value is refused with the structured error.
 */
import { ApiObject, Chart, Duration, JsonPatch } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import {
  AiInferenceDeployment, AiInferencePod, DnsPolicy, HealthCheck, InferenceServer, InitContainer, PodSecurityLevel, Probe,
  SeccompProfileType, Sidecar, WARNINGS_AS_ERRORS_CONTEXT,
} from '../src';
import { synthWithWarnings } from './helpers/pod-parts';
import { expectRefused } from './helpers/refusal';
import { container, manifestOf, newChart, podSpec } from './helpers/synth';

const image = 'vllm/vllm-openai:v0.9.1';
const PRIVILEGED = { level: PodSecurityLevel.PRIVILEGED };

describe('hostNetwork and dnsPolicy', () => {
  test('written on AiInferencePod, AiInferenceDeployment and InferenceServer on a workload of yours; no warning with ClusterFirstWithHostNet', () => {
    const chart = newChart('hostnet');
    const props = { server: { image }, hostNetwork: true, dnsPolicy: DnsPolicy.CLUSTER_FIRST_WITH_HOST_NET, security: PRIVILEGED };
    new AiInferencePod(chart, 'pod', { metadata: { name: 'pod' }, ...props });
    new AiInferenceDeployment(chart, 'deploy', { metadata: { name: 'deploy' }, ...props });
    const job = new kplus.Job(chart, 'batch', { metadata: { name: 'batch' }, restartPolicy: kplus.RestartPolicy.NEVER });
    new InferenceServer(job, 'server', props);
    const { manifests, warnings } = synthWithWarnings(chart);
    for (const kind of ['Pod', 'Deployment', 'Job']) {
      const spec = podSpec(manifestOf(manifests, kind));
      expect([kind, spec.hostNetwork, spec.dnsPolicy]).toEqual([kind, true, 'ClusterFirstWithHostNet']);
    }
    expect(warnings).not.toContain('on a pod with hostNetwork');
    // the declared relaxation is named, once per pod
    expect(warnings).toContain('the pod meets Pod Security Standard "privileged", not "restricted", as security.level declares: hostNetwork is true');
  });

  test('defaults unchanged: hostNetwork false and ClusterFirst, as cdk8s-plus writes them', () => {
    const chart = newChart('hostnet-default');
    new AiInferencePod(chart, 'pod', { server: { image } });
    const spec = podSpec(synthWithWarnings(chart).manifests[0]);
    expect([spec.hostNetwork, spec.dnsPolicy]).toEqual([false, 'ClusterFirst']);
  });

  test('hostNetwork fails the declared level until it is PRIVILEGED, and the fix names that level', () => {
    const build = (level?: PodSecurityLevel) => (c: any) => new AiInferencePod(c, 'pd', {
      metadata: { name: 'pd' }, server: { image }, hostNetwork: true, dnsPolicy: DnsPolicy.CLUSTER_FIRST_WITH_HOST_NET, security: level && { level },
    });
    expectRefused(build(), /^ {2}\[test\/pd\] spec: hostNetwork is true, which Pod Security Standard "restricted" forbids\. Fix: .*PodSecurityLevel\.PRIVILEGED/);
    expectRefused(build(PodSecurityLevel.BASELINE), /spec: hostNetwork is true, which Pod Security Standard "baseline" forbids\. Fix: .*PodSecurityLevel\.PRIVILEGED/);
  });

  test.each([
    ['left out (ClusterFirst)', undefined, '"ClusterFirst"'],
    ['Default', DnsPolicy.DEFAULT, '"Default"'],
  ])('hostNetwork with dnsPolicy %s warns: cluster Services do not resolve', (_, dnsPolicy, shown) => {
    const chart = newChart('hostnet-dns');
    new AiInferencePod(chart, 'pod', { server: { image }, hostNetwork: true, dnsPolicy, security: PRIVILEGED });
    const { manifests, warnings } = synthWithWarnings(chart);
    expect(podSpec(manifests[0]).dnsPolicy).toBe(dnsPolicy ?? 'ClusterFirst');
    expect(warnings).toContain(`spec.dnsPolicy: is ${shown} on a pod with hostNetwork: the pod uses the node's resolver and cannot resolve cluster Services by name. `
      + 'Fix: set dnsPolicy: DnsPolicy.CLUSTER_FIRST_WITH_HOST_NET');
  });

  test('dnsPolicy None needs a dnsConfig (refused without one, as the API server does); with one it passes', () => {
    expectRefused(c => new AiInferencePod(c, 'pd', { server: { image }, dnsPolicy: DnsPolicy.NONE }),
      /spec\.dnsConfig: dnsPolicy "None" needs at least one nameserver, got no dnsConfig/);
    const chart = newChart('dns-none');
    const pod = new AiInferencePod(chart, 'pod', { server: { image }, dnsPolicy: DnsPolicy.NONE });
    ApiObject.of(pod.pod).addJsonPatch(JsonPatch.add('/spec/dnsConfig', { nameservers: ['10.96.0.10'], searches: ['default.svc.cluster.local'] }));
    const { manifests, warnings } = synthWithWarnings(chart);
    expect(podSpec(manifests[0]).dnsPolicy).toBe('None');
    expect(warnings).toBe('');
  });

  test('refused: values that are not a boolean or a DNS policy', () => {
    expectRefused(c => new AiInferencePod(c, 'pd', { server: { image }, hostNetwork: 'yes' as any, security: PRIVILEGED }), /spec\.hostNetwork: .*"yes"/);
    expectRefused(c => new AiInferencePod(c, 'pd', { server: { image }, dnsPolicy: 'ClusterFirstWithHostNetwork' as any }),
      /spec\.dnsPolicy: .*"ClusterFirstWithHostNetwork"/);
  });
});

describe('a probe\'s own terminationGracePeriod', () => {
  test('on the liveness and startup probes: written as terminationGracePeriodSeconds; left out, none is written', () => {
    const chart = newChart('probe-grace');
    new AiInferenceDeployment(chart, 'llm', {
      metadata: { name: 'llm' },
      server: {
        image,
        health: HealthCheck.custom({
          startup: Probe.httpGet('/health', { terminationGracePeriod: Duration.seconds(5) }),
          readiness: Probe.httpGet('/health'),
          liveness: Probe.exec(['true'], { terminationGracePeriod: Duration.seconds(1) }),
        }),
      },
    });
    new Sidecar(chart.node.findChild('llm') as AiInferenceDeployment, 'redis', {
      name: 'redis', image: 'redis:7.4.1', ports: [{ number: 6379 }],
      health: HealthCheck.custom({ liveness: Probe.tcp({ terminationGracePeriod: Duration.minutes(1) }) }),
    });
    const { manifests, warnings } = synthWithWarnings(chart);
    const deploy = manifestOf(manifests, 'Deployment');
    const c = container(deploy, 'server');
    expect(c.startupProbe.terminationGracePeriodSeconds).toBe(5);
    expect(c.livenessProbe.terminationGracePeriodSeconds).toBe(1);
    expect(c.readinessProbe).not.toHaveProperty('terminationGracePeriodSeconds');
    expect(container(deploy, 'redis').livenessProbe.terminationGracePeriodSeconds).toBe(60);
    expect(warnings).toBe('');
  });

  test('refused on a readiness probe, and when not whole seconds of at least one', () => {
    const build = (readiness: Probe) => (c: any) => new AiInferencePod(c, 'pd', {
      server: { image, health: HealthCheck.custom({ readiness }) },
    });
    expectRefused(build(Probe.httpGet('/health', { terminationGracePeriod: Duration.seconds(10) })),
      /server\.health\.readiness\.terminationGracePeriod: is set on a readiness probe, which never restarts the container .*Fix: set it on the liveness or startup probe/);
    for (const [grace, shown] of [[Duration.seconds(0), '0 s is less than 1 s'], [Duration.millis(1500), '1500 ms is not a whole number of seconds of at least 1']] as const) {
      expectRefused(c => new AiInferencePod(c, 'pd', {
        server: { image, health: HealthCheck.custom({ liveness: Probe.tcp({ terminationGracePeriod: grace }) }) },
      }), new RegExp(`server\\.health\\.liveness\\.terminationGracePeriod: ${shown}`));
    }
  });
});

describe('container seccompProfile', () => {
  test('written in the container\'s securityContext, over the pod\'s; the server, an InitContainer and a Sidecar alike', () => {
    const chart = newChart('seccomp');
    const pod = new AiInferencePod(chart, 'pod', { server: { image, security: { seccompProfile: SeccompProfileType.RUNTIME_DEFAULT } } });
    new InitContainer(pod, 'init', { name: 'init', image: 'busybox:1.36', command: ['true'], security: { seccompProfile: SeccompProfileType.RUNTIME_DEFAULT } });
    new Sidecar(pod, 'side', { name: 'side', image: 'busybox:1.36', command: ['sleep', 'infinity'], security: { seccompProfile: SeccompProfileType.RUNTIME_DEFAULT } });
    const spec = podSpec(synthWithWarnings(chart).manifests[0]);
    const contexts = [...spec.initContainers, ...spec.containers].map((c: any) => [c.name, c.securityContext.seccompProfile]);
    expect(contexts).toEqual(expect.arrayContaining([
      ['server', { type: 'RuntimeDefault' }], ['init', { type: 'RuntimeDefault' }], ['side', { type: 'RuntimeDefault' }],
    ]));
    expect(spec.securityContext.seccompProfile).toEqual({ type: 'RuntimeDefault' });
  });

  test('Unconfined fails restricted and baseline (the fix names PRIVILEGED), passes privileged; a value that is no type is refused', () => {
    const build = (level?: PodSecurityLevel, where: 'server' | 'init' = 'server') => (c: any) => {
      const unconfined = { seccompProfile: SeccompProfileType.UNCONFINED };
      const pod = new AiInferencePod(c, 'pd', { server: { image, security: where === 'server' ? unconfined : undefined }, security: level && { level } });
      if (where === 'init') {
        new InitContainer(pod, 'init', { name: 'init', image: 'busybox:1.36', command: ['true'], security: unconfined });
      }
    };
    expectRefused(build(), /spec: container server seccomp is Unconfined, which Pod Security Standard "restricted" forbids\. Fix: .*PodSecurityLevel\.PRIVILEGED/);
    expectRefused(build(PodSecurityLevel.BASELINE), /spec: container server seccomp is Unconfined, which Pod Security Standard "baseline" forbids/);
    expectRefused(build(PodSecurityLevel.BASELINE, 'init'), /spec: container init seccomp is Unconfined, which Pod Security Standard "baseline" forbids/);
    const chart = newChart('unconfined');
    build(PodSecurityLevel.PRIVILEGED)(chart);
    expect(podSpec(synthWithWarnings(chart).manifests[0]).containers[0].securityContext.seccompProfile).toEqual({ type: 'Unconfined' });
    expectRefused(c => new AiInferencePod(c, 'pd', { server: { image, security: { seccompProfile: 'Strict' as any } } }),
      /spec\.containers\[0\]\.securityContext\.seccompProfile\.type: "Strict"/);
  });
});

describe('dropAllCapabilities', () => {
  test('false writes no drop: ALL; restricted refuses it and the fix names the prop and BASELINE', () => {
    const lines = expectRefused(c => new AiInferencePod(c, 'pd', { server: { image, security: { dropAllCapabilities: false } } }),
      /spec: container server does not drop ALL capabilities, which Pod Security Standard "restricted" forbids\. Fix: .*dropAllCapabilities: true.*PodSecurityLevel\.BASELINE/);
    expect(lines.filter(l => l.includes('does not drop ALL'))).toHaveLength(1);
  });

  test('at BASELINE: the runtime\'s defaults, with baseline\'s capabilities added; server, InitContainer and Sidecar alike', () => {
    const chart = newChart('caps');
    const security = { dropAllCapabilities: false };
    const pod = new AiInferencePod(chart, 'pod', {
      server: { image, security: { dropAllCapabilities: false, addCapabilities: ['CHOWN'] } }, security: { level: PodSecurityLevel.BASELINE },
    });
    new InitContainer(pod, 'init', { name: 'init', image: 'busybox:1.36', command: ['true'], security });
    new Sidecar(pod, 'side', { name: 'side', image: 'busybox:1.36', command: ['sleep', 'infinity'], security });
    const spec = podSpec(synthWithWarnings(chart).manifests[0]);
    const byName = new Map([...spec.initContainers, ...spec.containers].map((c: any) => [c.name, c.securityContext.capabilities]));
    expect(byName.get('server')).toEqual({ add: ['CHOWN'] });
    expect(byName.get('init')).toBeUndefined();
    expect(byName.get('side')).toBeUndefined();
  });

  test('the default and true keep drop: ALL; a capability beyond baseline (SYS_PTRACE) needs PRIVILEGED; not a boolean is refused', () => {
    const chart = newChart('caps-default');
    new AiInferencePod(chart, 'pod', { server: { image, security: { dropAllCapabilities: true } } });
    expect(podSpec(synthWithWarnings(chart).manifests[0]).containers[0].securityContext.capabilities).toEqual({ drop: ['ALL'] });
    expectRefused(c => new AiInferencePod(c, 'pd', {
      server: { image, security: { dropAllCapabilities: false, addCapabilities: ['SYS_PTRACE'] } }, security: { level: PodSecurityLevel.BASELINE },
    }), /spec: container server adds capability SYS_PTRACE, which Pod Security Standard "baseline" forbids\. Fix: .*PodSecurityLevel\.PRIVILEGED/);
    expectRefused(c => new AiInferencePod(c, 'pd', { server: { image, security: { dropAllCapabilities: 'no' as any } } }),
      /server\.security\.dropAllCapabilities: "no" is not true or false/);
    expectRefused(c => {
      const pod = new AiInferencePod(c, 'pd', { server: { image } });
      new InitContainer(pod, 'init', { name: 'init', image: 'busybox:1.36', command: ['true'], security: { dropAllCapabilities: 0 as any } });
    }, /\[test\/pd\/init\] security\.dropAllCapabilities: 0 is not true or false/);
  });
});

describe('injectedEnv', () => {
  const command = ['python3', '-m', 'sglang.launch_server', '--model-path', '$(MODEL_PATH)', '--tp-size', '$(PARALLELISM_SIZE)'];

  test('$(NAME) of a variable the controller sets is not refused, in the server and in an InitContainer; nothing is written', () => {
    const chart = newChart('injected');
    const pod = new AiInferencePod(chart, 'pod', { server: { image, command }, injectedEnv: ['MODEL_PATH', 'PARALLELISM_SIZE'] });
    new InitContainer(pod, 'init', { name: 'init', image: 'busybox:1.36', command: ['ls', '$(MODEL_PATH)'] });
    const { manifests, warnings } = synthWithWarnings(chart);
    const spec = podSpec(manifests[0]);
    expect(spec.containers[0].command).toEqual(command);
    expect(spec.containers[0].env).toBeUndefined();
    expect(warnings).toBe('');
  });

  test('a name not listed is still refused; names that are not variable names, and a non-list, are refused', () => {
    expectRefused(c => new AiInferenceDeployment(c, 'llm', { server: { image, command }, injectedEnv: ['MODEL_PATH'] }),
      /"\$\(PARALLELISM_SIZE\)" refers to \$\(PARALLELISM_SIZE\), which the container's env does not set/);
    const lines = expectRefused(c => new AiInferencePod(c, 'pd', { server: { image }, injectedEnv: ['1X', 'A=B', 42 as any] }), /injectedEnv\[0\]: "1X" is not an environment variable name/);
    expect(lines.filter(l => /injectedEnv\[[12]\]: .* is not an environment variable name/.test(l))).toHaveLength(2);
    expectRefused(c => new AiInferencePod(c, 'pd', { server: { image }, injectedEnv: 'MODEL_PATH' as any }), /injectedEnv: "MODEL_PATH" is not a list/);
  });
});

describe('a declared relaxation is named in the synth output (issue 13: explicit relaxations)', () => {
  const rootPod = (chart: Chart) => new AiInferencePod(chart, 'root', {
    metadata: { name: 'root' },
    server: { image, security: { runAsNonRoot: false, runAsUser: 0 } },
    security: { level: PodSecurityLevel.BASELINE, runAsNonRoot: false, runAsUser: 0 },
  });

  test('a root pod declared BASELINE: a warning naming "baseline" and the root user; warningsAsErrors makes it an error', () => {
    const chart = newChart('relaxed');
    rootPod(chart);
    const { warnings } = synthWithWarnings(chart);
    expect(warnings).toContain('[warning] [relaxed/root] spec: the pod meets Pod Security Standard "baseline", not "restricted", as security.level declares:');
    expect(warnings).toContain('runAsUser is 0');
    const lines = expectRefused(strict => { strict.node.setContext(WARNINGS_AS_ERRORS_CONTEXT, true); rootPod(strict); },
      /spec: the pod meets Pod Security Standard "baseline", not "restricted"/);
    expect(lines).toHaveLength(1);
  });

  test('privileged when baseline is not enough, naming what (an added IPC_LOCK)', () => {
    const chart = newChart('priv');
    new AiInferencePod(chart, 'rdma', { metadata: { name: 'rdma' }, server: { image, security: { addCapabilities: ['IPC_LOCK'] } }, security: { level: PodSecurityLevel.PRIVILEGED } });
    expect(synthWithWarnings(chart).warnings).toMatch(/the pod meets Pod Security Standard "privileged", not "restricted", as security.level declares: .*IPC_LOCK/);
  });

  test('no warning for a pod declared below restricted that still meets restricted, nor for a restricted pod', () => {
    const chart = newChart('still');
    new AiInferencePod(chart, 'a', { metadata: { name: 'a' }, server: { image }, security: { level: PodSecurityLevel.BASELINE } });
    new AiInferencePod(chart, 'b', { metadata: { name: 'b' }, server: { image } });
    expect(synthWithWarnings(chart).warnings).not.toContain('Pod Security Standard');
  });
});

describe('capabilitiesWithoutRoot: capabilities a non-root process never gets (new-user review 6, OPEA)', () => {
  test('added to the server or an init step that runs as user 1000: a warning naming them and both ways out', () => {
    const chart = newChart('caps');
    const pod = new AiInferencePod(chart, 'pod', {
      metadata: { name: 'pod' },
      server: { image, security: { addCapabilities: ['NET_BIND_SERVICE'] } },
      security: { level: PodSecurityLevel.BASELINE },
    });
    new InitContainer(pod, 'chown', {
      name: 'chown', image: 'busybox:1.36', command: ['chown', '-R', '1000', '/data'],
      security: { addCapabilities: ['DAC_OVERRIDE', 'FOWNER'] },
    });
    const { warnings } = synthWithWarnings(chart);
    expect(warnings).toContain('container "server": spec.containers[0].securityContext.capabilities.add: ["NET_BIND_SERVICE"] are added to a container that runs as user 1000');
    expect(warnings).toContain('container "chown": spec.initContainers[0].securityContext.capabilities.add: ["DAC_OVERRIDE","FOWNER"] are added to a container that runs as user 1000');
    expect(warnings).toContain('Fix: run the container as root (security: { runAsNonRoot: false, runAsUser: 0 }, with the level that allows it) if it needs them, or remove addCapabilities');
  });

  test('none for root, for a privileged container, or with allowPrivilegeEscalation (file capabilities may use them)', () => {
    const chart = newChart('caps-ok');
    new AiInferencePod(chart, 'root', {
      metadata: { name: 'root' },
      server: { image, security: { runAsNonRoot: false, runAsUser: 0, addCapabilities: ['SYS_PTRACE'] } },
      security: { level: PodSecurityLevel.PRIVILEGED, runAsNonRoot: false },
    });
    new AiInferencePod(chart, 'escalating', {
      metadata: { name: 'escalating' },
      server: { image, security: { allowPrivilegeEscalation: true, addCapabilities: ['NET_BIND_SERVICE'] } },
      security: { level: PodSecurityLevel.BASELINE },
    });
    expect(synthWithWarnings(chart).warnings).not.toContain('are added to a container that runs as');
  });
});

describe('schedulerName and dnsConfig (GPU-sharing schedulers; ndots and custom resolvers)', () => {
  test('written on the pod; dnsPolicy None with its nameservers needs no JSON patch', () => {
    const chart = newChart('sched');
    new AiInferencePod(chart, 'pod', {
      metadata: { name: 'pod' }, server: { image },
      schedulerName: 'hami-scheduler',
      dnsPolicy: DnsPolicy.NONE,
      dnsConfig: { nameservers: ['10.0.0.10'], searches: ['svc.cluster.local'], options: [{ name: 'ndots', value: '2' }] },
    });
    const spec = podSpec(manifestOf(synthWithWarnings(chart).manifests, 'Pod'));
    expect(spec.schedulerName).toBe('hami-scheduler');
    expect(spec.dnsPolicy).toBe('None');
    expect(spec.dnsConfig).toEqual({ nameservers: ['10.0.0.10'], options: [{ name: 'ndots', value: '2' }], searches: ['svc.cluster.local'] });
  });

  test('a scheduler name that is not one, a dnsConfig that is not an object or has four nameservers, are refused', () => {
    const cases: Array<[any, RegExp]> = [
      [{ schedulerName: 'HAMi Scheduler' }, /schedulerName: "HAMi Scheduler" is not a valid scheduler name/],
      [{ dnsConfig: 'ndots:2' }, /dnsConfig/],
      [{ dnsConfig: { nameservers: ['1.1.1.1', '8.8.8.8', '9.9.9.9', '1.0.0.1'] } }, /dnsConfig\.nameservers/],
    ];
    for (const [props, field] of cases) {
      expectRefused(chart => { new AiInferencePod(chart, 'pod', { server: { image }, ...props }); }, field);
    }
  });
});
