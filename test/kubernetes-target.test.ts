import { ApiObject, Chart, JsonPatch, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import {
  AiInferenceDeployment, AiInferencePod, HealthCheck, InferenceServer, KUBERNETES_VERSION_CONTEXT, KubernetesTarget, LogSidecar,
  ProxyAuth, ProxySidecar, Sidecar, SidecarMode,
} from '../src';
import { expectApiValid, newChart, podSpec, synth, synthError } from './helpers/synth';

const SERVER = { image: 'vllm/vllm-openai:v0.6.3', health: HealthCheck.vllm() };

function appWith(version: unknown) {
  const app = Testing.app();
  app.node.setContext(KUBERNETES_VERSION_CONTEXT, version);
  return app;
}

function names(list: any[] | undefined): string[] {
  return (list ?? []).map(c => c.name);
}

function podOn(target: KubernetesTarget | undefined, chart = newChart()): { chart: Chart; pod: AiInferencePod } {
  const pod = new AiInferencePod(chart, 'llm', { server: SERVER, target });
  new LogSidecar(pod, 'logs');
  new ProxySidecar(pod, 'proxy', { auth: ProxyAuth.bearerTokens('tokens') });
  return { chart, pod };
}

describe('KubernetesTarget', () => {
  test('versions parse from 1.27 to 1.36; the patch and a leading v are ignored', () => {
    expect(KubernetesTarget.of('v1.31.4').minor).toBe(31);
    expect(KubernetesTarget.of('1.31').toString()).toBe('1.31');
    expect(KubernetesTarget.V1_27._errors('target')).toEqual([]);
    expect(KubernetesTarget.V1_36._errors('target')).toEqual([]);
    expect(KubernetesTarget.DEFAULT).toBe(KubernetesTarget.V1_33);
    expect(KubernetesTarget.of('1.26')._errors('target')[0]).toMatch(/^target: "1.26" is not a Kubernetes version from 1.27 to 1.36\. Fix: /);
    expect(KubernetesTarget.of('2.0')._errors('target')).toHaveLength(1);
  });

  test('what each version decides', () => {
    expect([KubernetesTarget.V1_28.nativeSidecars, KubernetesTarget.V1_29.nativeSidecars]).toEqual([false, true]);
    expect([KubernetesTarget.V1_34.imageVolumes, KubernetesTarget.V1_35.imageVolumes]).toEqual([false, true]);
    expect(KubernetesTarget.of('1.33', { imageVolumes: true }).imageVolumes).toBe(true);
    expect(KubernetesTarget.of('1.36', { imageVolumes: false }).imageVolumes).toBe(false);
    expect([KubernetesTarget.V1_33.deviceClaims, KubernetesTarget.V1_34.deviceClaims]).toEqual([false, true]);
    expect([KubernetesTarget.V1_33.podLevelResources, KubernetesTarget.V1_34.podLevelResources]).toEqual([false, true]);
  });

  test('sidecars are native from 1.29 and classic containers below, without being told', () => {
    const native = synth(podOn(KubernetesTarget.V1_29).chart)[0];
    expect(names(podSpec(native).initContainers)).toEqual(['log-forwarder', 'auth-proxy']);
    expect(podSpec(native).initContainers.map((c: any) => c.restartPolicy)).toEqual(['Always', 'Always']);
    const classic = synth(podOn(KubernetesTarget.V1_28).chart)[0];
    expect(podSpec(classic).initContainers).toBeUndefined();
    expect(names(podSpec(classic).containers)).toEqual(['server', 'log-forwarder', 'auth-proxy']);
    expect(podSpec(classic).containers.every((c: any) => c.restartPolicy === undefined)).toBe(true);
    // classic sidecars keep their probes and mounts
    expect(podSpec(classic).containers[2].readinessProbe).toBeDefined();
    expectApiValid([native, classic]);
  });

  test('the default target is 1.33: native sidecars; the mode prop answers for the resolved mode', () => {
    const { chart, pod } = podOn(undefined);
    const logs = pod.node.findChild('logs') as LogSidecar;
    expect(logs.mode).toBe(SidecarMode.NATIVE);
    expect(podSpec(synth(chart)[0]).initContainers.map((c: any) => c.restartPolicy)).toEqual(['Always', 'Always']);
    const old = podOn(KubernetesTarget.V1_27);
    expect((old.pod.node.findChild('logs') as LogSidecar).mode).toBe(SidecarMode.CLASSIC);
  });

  test('the context key sets the target app-wide; the prop wins over it', () => {
    const app = appWith('1.28');
    const fromContext = podOn(undefined, new Chart(app, 'a'));
    const fromProp = podOn(KubernetesTarget.V1_31, new Chart(app, 'b'));
    expect(podSpec(synth(fromContext.chart)[0]).initContainers).toBeUndefined();
    expect(names(podSpec(synth(fromProp.chart)[0]).initContainers)).toEqual(['log-forwarder', 'auth-proxy']);
  });

  test('a bad context value or version fails synth with the field and a fix', () => {
    const number = new Chart(appWith(1.3), 'n');
    new AiInferencePod(number, 'llm', { server: SERVER });
    expect(synthError(number)).toContain(`[n/llm] context ${KUBERNETES_VERSION_CONTEXT}: 1.3 is not a version string. Fix: quote it, e.g. '1.30'`);
    const range = newChart();
    new AiInferencePod(range, 'llm', { server: SERVER, target: KubernetesTarget.of('1.40') });
    expect(synthError(range)).toContain('[test/llm] target: "1.40" is not a Kubernetes version from 1.27 to 1.36. Fix:');
    const gate = newChart();
    new AiInferencePod(gate, 'llm', { server: SERVER, target: KubernetesTarget.of('1.31', { imageVolumes: true }) });
    expect(synthError(gate)).toContain('target.imageVolumes: true on Kubernetes 1.31 is not supported');
  });

  test('a bad context on a plain cdk8s-plus workload without a server is reported by its first add-on', () => {
    const chart = new Chart(appWith('latest'), 'p');
    const deployment = new kplus.Deployment(chart, 'd', { containers: [{ image: 'nginx:1.27.2', name: 'web' }] });
    new LogSidecar(deployment, 'logs');
    const message = synthError(chart);
    expect(message.split('\n').filter(l => l.startsWith('  ['))).toHaveLength(1);
    expect(message).toContain('[p/d/logs] context cdk8s-ai-inference:kubernetesVersion: "latest" is not a Kubernetes version');
  });

  test('an explicit native sidecar on 1.28 fails synth naming the feature, the minimum version and the alternative', () => {
    const chart = newChart();
    const pod = new AiInferencePod(chart, 'llm', { server: SERVER, target: KubernetesTarget.V1_28 });
    new Sidecar(pod, 'redis', { name: 'redis', image: 'redis:7.4.1', mode: SidecarMode.NATIVE });
    expect(synthError(chart)).toContain('[test/llm/redis] container "redis": spec.initContainers[0].restartPolicy: uses native sidecars (initContainers[].restartPolicy: Always), '
      + 'which needs Kubernetes 1.29 or later; the target is 1.28 (the target prop of test/llm). Fix: leave the sidecar\'s mode unset');
  });

  test('pod-level resources added by a JSON patch fail below 1.34 and pass from 1.34', () => {
    for (const [target, fails] of [[KubernetesTarget.V1_33, true], [KubernetesTarget.V1_34, false]] as const) {
      const chart = newChart();
      const pod = new AiInferencePod(chart, 'llm', { server: SERVER, target });
      ApiObject.of(pod.pod).addJsonPatch(JsonPatch.add('/spec/resources', { limits: { cpu: '8' } }));
      if (fails) {
        expect(synthError(chart)).toContain('spec.resources: uses pod-level resources (spec.resources), which needs Kubernetes 1.34 or later; the target is 1.33');
      } else {
        expect(synth(chart)[0].spec.resources).toEqual({ limits: { cpu: '8' } });
      }
    }
  });

  test('construction order never changes the output: sidecars before or after InferenceServer on a Deployment', () => {
    const render = (sidecarsFirst: boolean, target: KubernetesTarget) => {
      const chart = newChart();
      const deployment = new kplus.Deployment(chart, 'd', { metadata: { name: 'd' } });
      const sidecars = () => {
        new LogSidecar(deployment, 'logs');
        new Sidecar(deployment, 'redis', { name: 'redis', image: 'redis:7.4.1' });
      };
      if (sidecarsFirst) sidecars();
      new InferenceServer(deployment, 'server', { server: SERVER, target });
      if (!sidecarsFirst) sidecars();
      return synth(chart);
    };
    for (const target of [KubernetesTarget.V1_28, KubernetesTarget.V1_33]) {
      const first = render(true, target);
      expect(render(false, target)).toEqual(first);
      expectApiValid(first);
    }
    expect(names(podSpec(render(true, KubernetesTarget.V1_28)[0]).containers)).toEqual(['server', 'log-forwarder', 'redis']);
  });

  test('AiInferenceDeployment takes the target too', () => {
    const chart = newChart();
    const llm = new AiInferenceDeployment(chart, 'llm', { server: SERVER, target: KubernetesTarget.V1_27 });
    new LogSidecar(llm, 'logs');
    const manifests = synth(chart);
    expect(names(podSpec(manifests[0]).containers)).toEqual(['server', 'log-forwarder']);
    expectApiValid(manifests);
  });
});
