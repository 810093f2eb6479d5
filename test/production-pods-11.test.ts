/**
 * Production pods, eleventh batch (new-user review 11, 2026-11): serving pieces not covered by
 * production-pods*.test.ts — the vLLM production-stack's LMCache cache server (the remote KV
 * store the engines share) and its router (Kubernetes pod discovery, API key from a Secret), the
 * llama.cpp server Helm chart (two replicas downloading a GGUF into one claim), and Ollama on a GPU
 * in a StatefulSet with a claim per replica (Open WebUI's Helm chart). Each describe names the
 * public manifest it follows; each pod goes through the real App synth, the official schema and the
 * object rules, and the fields that matter are asserted against the manifest.
 */
import { Duration } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import {
  AiInferenceDeployment, CacheAccessMode, HealthCheck, ImagePullPolicy, InferenceServer, PodSecurityLevel, PodVolume, Probe,
} from '../src';
import { env, mount, synthWithWarnings, volume } from './helpers/pod-parts';
import { container, manifestOf, newChart, podSpec } from './helpers/synth';

/** None of these charts sets a securityContext: the images run as root, as their Dockerfiles leave them. */
const ROOT = {
  runAsNonRoot: false, runAsUser: 0, runAsGroup: 0, readOnlyRootFilesystem: false, allowPrivilegeEscalation: true, dropAllCapabilities: false,
};
const ROOT_POD = { runAsNonRoot: false, runAsUser: 0, runAsGroup: 0, level: PodSecurityLevel.BASELINE };

// Source: vllm-project/production-stack helm/templates/deployment-cache-server.yaml (0bff58bb) and
// service-cache-server.yaml, with tutorials/assets/values-06-remote-shared-storage.yaml (cacheserverSpec:
// lmcache/vllm-openai:latest, containerPort 8080, servicePort 81, cpu 4 / memory 8G requested, 10G limit,
// labels environment/release "cacheserver") and the chart's default livenessProbe (30 s delay, every 10 s,
// 3 failures, 5 s timeout): container "lmcache-server", command `/opt/venv/bin/lmcache_v0_server 0.0.0.0 8080`
// (the "latest" tag), port "caserver-cport", IfNotPresent, an exec liveness probe running LMCache's
// examples/kubernetes/health_probe.py, no readiness or startup probe, no GPU, no securityContext; the
// Service "cacheserver-sport" 81 → 8080.
describe('LMCache cache server (vllm-project/production-stack deployment-cache-server.yaml)', () => {
  const healthProbe = ['/opt/venv/bin/python3', '/workspace/LMCache/examples/kubernetes/health_probe.py', '127.0.0.1', '8080'];
  function cacheServer(chart: any): AiInferenceDeployment {
    return new AiInferenceDeployment(chart, 'cache-server', {
      metadata: { name: 'vllm-deployment-cache-server', labels: { environment: 'cacheserver', release: 'cacheserver' } },
      replicas: 1,
      server: {
        name: 'lmcache-server',
        image: 'lmcache/vllm-openai:latest',
        command: ['/opt/venv/bin/lmcache_v0_server', '0.0.0.0', '8080'],
        port: 8080,
        portName: 'caserver-cport',
        imagePullPolicy: ImagePullPolicy.IF_NOT_PRESENT,
        resources: { cpu: { request: '4', limit: '4' }, memory: { request: '8G', limit: '10G' } },
        health: HealthCheck.custom({
          liveness: Probe.exec(healthProbe, {
            initialDelay: Duration.seconds(30), period: Duration.seconds(10), failureThreshold: 3, timeout: Duration.seconds(5),
          }),
        }),
        security: ROOT,
      },
      security: ROOT_POD,
      serviceOptions: { name: 'vllm-cache-server-service', portName: 'cacheserver-sport', port: 81 },
    });
  }

  test('the v0 server on 0.0.0.0:8080, an exec liveness probe only, cpu 4 / memory 8G–10G, the Service 81 → 8080', () => {
    const chart = newChart('cache-server');
    cacheServer(chart);
    const { manifests, warnings } = synthWithWarnings(chart);
    const deploy = manifestOf(manifests, 'Deployment');
    const spec = podSpec(deploy);
    const c = container(deploy, 'lmcache-server');
    expect(deploy.spec.template.metadata.labels).toMatchObject({ environment: 'cacheserver', release: 'cacheserver' });
    expect(c.image).toBe('lmcache/vllm-openai:latest');
    expect(c.imagePullPolicy).toBe('IfNotPresent');
    expect(c.command).toEqual(['/opt/venv/bin/lmcache_v0_server', '0.0.0.0', '8080']);
    expect(c.args).toBeUndefined();
    expect(c.ports).toEqual([{ containerPort: 8080, name: 'caserver-cport' }]);
    expect(c.livenessProbe).toEqual({
      exec: { command: healthProbe }, initialDelaySeconds: 30, periodSeconds: 10, failureThreshold: 3, timeoutSeconds: 5,
    });
    expect(c.readinessProbe).toBeUndefined();
    expect(c.startupProbe).toBeUndefined();
    expect(c.resources).toEqual({ requests: { cpu: '4', memory: '8G' }, limits: { cpu: '4', memory: '10G' } });
    expect(spec.tolerations).toBeUndefined();
    expect(volume(spec, 'dshm')).toBeUndefined();
    expect(c.securityContext).toMatchObject({ runAsUser: 0, runAsNonRoot: false });
    const service = manifestOf(manifests, 'Service');
    expect(service.metadata.name).toBe('vllm-cache-server-service');
    expect(service.spec.ports).toEqual([{ name: 'cacheserver-sport', port: 81, protocol: 'TCP', targetPort: 8080 }]);
    // the chart's moving tag and its root user: both warnings are right for this manifest
    expect(warnings).toContain('"lmcache/vllm-openai:latest" is not pinned (:latest)');
    expect(warnings).toContain('the pod meets Pod Security Standard "baseline", not "restricted", as security.level declares: pod runAsUser is 0');
    expect(warnings.trim().split('\n')).toHaveLength(2);
  });
});

// Source: vllm-project/production-stack helm/templates/deployment-router.yaml (deacf478) with the chart's
// helm/values.yaml routerSpec defaults (release "vllm" in namespace "default", the engines' labels
// environment=test,release=test, vllmApiKey given as a string → the Secret vllm-secrets key vllmApiKey):
// container "router-container" (lmcache/lmstack-router:latest, pulled Always), the service account
// vllm-router-service-account (it lists the engine pods), env PYTHONHASHSEED "123", LMCACHE_LOG_LEVEL DEBUG
// and VLLM_API_KEY; args --host 0.0.0.0 --port 8000 --service-discovery k8s --k8s-namespace default
// --k8s-service-discovery-type pod-ip --k8s-label-selector environment=test,release=test --routing-logic
// roundrobin --engine-stats-interval 15 --request-stats-window 60; cpu 400m and memory 1000Mi requested,
// memory limit 1000Mi and no cpu limit; ports router-cport 8000 and lmcache-port 9000; liveness (30 s
// delay, every 5 s, 3 failures), startup (5 s delay, every 5 s, 3 failures) and readiness (30 s delay,
// every 5 s, 3 failures) all GET /health on 8000 by number; the Service 80 → 8000.
describe('vLLM production-stack router (vllm-project/production-stack deployment-router.yaml)', () => {
  function router(chart: any): AiInferenceDeployment {
    const health = (initialDelay: number) => Probe.httpGet('/health', {
      initialDelay: Duration.seconds(initialDelay), period: Duration.seconds(5), failureThreshold: 3, timeout: Duration.seconds(1),
    });
    return new AiInferenceDeployment(chart, 'router', {
      metadata: { name: 'vllm-deployment-router', labels: { environment: 'router', release: 'router' } },
      replicas: 1,
      serviceAccountName: 'vllm-router-service-account',
      server: {
        name: 'router-container',
        image: 'lmcache/lmstack-router:latest',
        imagePullPolicy: ImagePullPolicy.ALWAYS,
        args: [
          '--host', '0.0.0.0', '--port', '8000', '--service-discovery', 'k8s', '--k8s-namespace', 'default',
          '--k8s-service-discovery-type', 'pod-ip', '--k8s-label-selector', 'environment=test,release=test',
          '--routing-logic', 'roundrobin', '--engine-stats-interval', '15', '--request-stats-window', '60',
        ],
        port: 8000,
        portName: 'router-cport',
        extraPorts: [{ number: 9000, name: 'lmcache-port' }],
        env: { PYTHONHASHSEED: '123', LMCACHE_LOG_LEVEL: 'DEBUG' },
        secretEnv: { VLLM_API_KEY: { secretName: 'vllm-secrets', key: 'vllmApiKey' } },
        resources: { cpu: { request: '400m' }, memory: { request: '1000Mi', limit: '1000Mi' } },
        health: HealthCheck.custom({ liveness: health(30), startup: health(5), readiness: health(30) }),
        security: ROOT,
      },
      security: ROOT_POD,
      modelLoadTimeout: Duration.seconds(5 + 5 * 3),
      serviceOptions: { name: 'vllm-router-service', portName: 'router-sport', port: 80 },
    });
  }

  test('pod discovery through its service account, the API key from the Secret, two ports, three /health probes on 8000', () => {
    const chart = newChart('router');
    router(chart);
    const { manifests, warnings } = synthWithWarnings(chart);
    const deploy = manifestOf(manifests, 'Deployment');
    const spec = podSpec(deploy);
    const c = container(deploy, 'router-container');
    expect(spec.serviceAccountName).toBe('vllm-router-service-account');
    expect(spec.automountServiceAccountToken).not.toBe(false);
    expect(c.image).toBe('lmcache/lmstack-router:latest');
    expect(c.imagePullPolicy).toBe('Always');
    expect(c.command).toBeUndefined();
    expect(c.args).toContain('--k8s-label-selector');
    expect(c.args[c.args.indexOf('--k8s-label-selector') + 1]).toBe('environment=test,release=test');
    expect(env(c, 'PYTHONHASHSEED').value).toBe('123');
    expect(env(c, 'LMCACHE_LOG_LEVEL').value).toBe('DEBUG');
    expect(env(c, 'VLLM_API_KEY').valueFrom).toEqual({ secretKeyRef: { name: 'vllm-secrets', key: 'vllmApiKey' } });
    expect(c.ports).toEqual([{ containerPort: 8000, name: 'router-cport' }, { containerPort: 9000, name: 'lmcache-port' }]);
    expect(c.livenessProbe).toMatchObject({ httpGet: { path: '/health', port: 8000 }, initialDelaySeconds: 30, periodSeconds: 5, failureThreshold: 3 });
    expect(c.startupProbe).toMatchObject({ httpGet: { path: '/health', port: 8000 }, initialDelaySeconds: 5, periodSeconds: 5, failureThreshold: 3 });
    expect(c.readinessProbe).toMatchObject({ httpGet: { path: '/health', port: 8000 }, initialDelaySeconds: 30, periodSeconds: 5, failureThreshold: 3 });
    for (const probe of [c.livenessProbe, c.startupProbe, c.readinessProbe]) expect(probe.timeoutSeconds).toBe(1);
    expect(c.resources).toEqual({ requests: { cpu: '400m', memory: '1000Mi' }, limits: { memory: '1000Mi' } });
    const service = manifestOf(manifests, 'Service');
    expect(service.spec.ports).toEqual([{ name: 'router-sport', port: 80, protocol: 'TCP', targetPort: 8000 }]);
    expect(warnings).toContain('"lmcache/lmstack-router:latest" is not pinned (:latest)');
    expect(warnings.trim().split('\n')).toHaveLength(2);
  });
});

// Source: rockofox/helm-llama-cpp charts/llama-server (templates/deployment.yaml b257d66, values.yaml 28642b0,
// Chart.yaml name "llama-cpp"): two replicas of container "llama-cpp" (ghcr.io/ggerganov/llama.cpp:server-60cdf40…,
// IfNotPresent) with `command: []` and args --port 80 --host 0.0.0.0, then llama.args in Helm's sorted key order
// (--hf-file, --hf-repo, --model /models/gemma-2b-it-q4_k_m.gguf, --n-predict -1, --parallel 2): llama-server
// downloads the GGUF from Hugging Face into /models on first start; port http 80/TCP; liveness GET /health on
// "http" after 900 s, readiness GET /health on "http" (Kubernetes' defaults: every 10 s, 1 s timeout, 3
// failures), no startup probe; `resources: {}`; the claim "models" mounted at /models; no securityContext.
describe('llama.cpp server Helm chart (rockofox/helm-llama-cpp charts/llama-server)', () => {
  const image = 'ghcr.io/ggerganov/llama.cpp:server-60cdf40cc32f0ad4cb11e0ca8fd38f3b93d8d640';
  const args = [
    '--port', '80', '--host', '0.0.0.0',
    '--hf-file', 'gemma-2b-it-q4_k_m.gguf', '--hf-repo', 'lmstudio-ai/gemma-2b-it-GGUF', '--model', '/models/gemma-2b-it-q4_k_m.gguf',
    '--n-predict', '-1', '--parallel', '2',
  ];
  function llamaCpp(chart: any): AiInferenceDeployment {
    const k8sDefaults = { portName: 'http', period: Duration.seconds(10), timeout: Duration.seconds(1), failureThreshold: 3 };
    return new AiInferenceDeployment(chart, 'llama-cpp', {
      metadata: { name: 'llama-cpp', labels: { 'app.kubernetes.io/name': 'llama-cpp', 'app.kubernetes.io/instance': 'llama-cpp' } },
      replicas: 2,
      server: {
        name: 'llama-cpp',
        image,
        imagePullPolicy: ImagePullPolicy.IF_NOT_PRESENT,
        command: [],
        args,
        port: 80,
        health: HealthCheck.custom({
          liveness: Probe.httpGet('/health', { ...k8sDefaults, initialDelay: Duration.seconds(900) }),
          readiness: Probe.httpGet('/health', k8sDefaults),
        }),
        resources: {},
        volumeMounts: [{ volume: PodVolume.persistentVolumeClaim('models', 'models'), path: '/models', readOnly: false }],
        security: ROOT,
      },
      security: ROOT_POD,
      serviceOptions: { port: 80 },
    });
  }

  test('llama-server on port 80 "http", the GGUF downloaded into the claim at /models, liveness after 900 s, two replicas', () => {
    const chart = newChart('llama-cpp');
    llamaCpp(chart);
    const { manifests, warnings } = synthWithWarnings(chart);
    const deploy = manifestOf(manifests, 'Deployment');
    const spec = podSpec(deploy);
    const c = container(deploy, 'llama-cpp');
    // `command: []` is written as given (the image's entrypoint runs); `resources: {}` writes no amounts, as the chart
    expect(c.command).toEqual([]);
    expect(c.resources).toBeUndefined();
    expect(warnings.trim().split('\n')).toHaveLength(1);
    expect(deploy.spec.replicas).toBe(2);
    expect(c.image).toBe(image);
    expect(c.imagePullPolicy).toBe('IfNotPresent');
    expect(c.args).toEqual(args);
    expect(c.ports).toEqual([{ containerPort: 80, name: 'http' }]);
    for (const probe of [c.livenessProbe, c.readinessProbe]) {
      expect(probe).toMatchObject({ httpGet: { path: '/health', port: 'http' }, periodSeconds: 10, timeoutSeconds: 1, failureThreshold: 3 });
    }
    expect(c.livenessProbe.initialDelaySeconds).toBe(900);
    expect(c.startupProbe).toBeUndefined();
    expect(mount(c, '/models')).toEqual({ name: 'models', mountPath: '/models', readOnly: false });
    expect(volume(spec, 'models').persistentVolumeClaim).toEqual({ claimName: 'models' });
    expect(manifestOf(manifests, 'Service').spec.ports).toEqual([{ name: 'http', port: 80, protocol: 'TCP', targetPort: 80 }]);
  });
});

// Source: open-webui/open-webui kubernetes/helm/templates/ollama-statefulset.yaml (05e3149) with values.yaml
// and ollama.gpu.enabled: true (the GPU limit set to "1", as kubernetes/manifest/gpu/ollama-statefulset-gpu.yaml
// does): StatefulSet "ollama" (serviceName "ollama"), container "ollama" (ollama/ollama:latest), port http
// 11434; env PATH, LD_LIBRARY_PATH and NVIDIA_DRIVER_CAPABILITIES for the GPU; cpu 2000m / memory 2Gi
// requested, cpu 4000m / memory 4Gi / nvidia.com/gpu 1 as limits; tty; the claim template "ollama-volume"
// (30Gi ReadWriteOnce) at /root/.ollama; the toleration nvidia.com/gpu Exists NoSchedule; no probes, no
// /dev/shm volume, no securityContext (Ollama runs as root and keeps its key and models in /root/.ollama).
describe('Ollama on a GPU in a StatefulSet (open-webui/open-webui kubernetes/helm ollama-statefulset.yaml)', () => {
  test('the claim template at /root/.ollama, the GPU env and toleration, tty, no probes', () => {
    const chart = newChart('ollama');
    const headless = new kplus.Service(chart, 'ollama-service', { metadata: { name: 'ollama' }, clusterIP: 'None', ports: [{ port: 11434, name: 'http' }] });
    const sts = new kplus.StatefulSet(chart, 'ollama', {
      metadata: { name: 'ollama', labels: { 'app.kubernetes.io/name': 'ollama', 'app.kubernetes.io/instance': 'open-webui' } },
      service: headless,
      replicas: 1,
    });
    new InferenceServer(sts, 'server', {
      server: {
        name: 'ollama',
        image: 'ollama/ollama:latest',
        port: 11434,
        env: {
          PATH: '/usr/local/nvidia/bin:/usr/local/cuda/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
          LD_LIBRARY_PATH: '/usr/local/nvidia/lib:/usr/local/nvidia/lib64',
          NVIDIA_DRIVER_CAPABILITIES: 'compute,utility',
        },
        resources: { cpu: { request: '2000m', limit: '4000m' }, memory: { request: '2Gi', limit: '4Gi' } },
        health: HealthCheck.none(),
        tty: true,
        volumeMounts: [{
          volume: PodVolume.claimTemplate('ollama-volume', { storage: '30Gi', accessMode: CacheAccessMode.READ_WRITE_ONCE }),
          path: '/root/.ollama', readOnly: false,
        }],
        security: ROOT,
      },
      gpu: { count: 1, sharedMemory: false },
      security: ROOT_POD,
    });
    const { manifests, warnings } = synthWithWarnings(chart);
    const sset = manifestOf(manifests, 'StatefulSet');
    const spec = sset.spec.template.spec;
    const c = spec.containers.find((x: any) => x.name === 'ollama');
    expect(sset.spec.serviceName).toBe('ollama');
    expect(c.image).toBe('ollama/ollama:latest');
    expect(c.ports).toEqual([{ containerPort: 11434, name: 'http' }]);
    expect(env(c, 'PATH').value).toBe('/usr/local/nvidia/bin:/usr/local/cuda/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin');
    expect(env(c, 'NVIDIA_DRIVER_CAPABILITIES').value).toBe('compute,utility');
    expect(c.tty).toBe(true);
    expect(c.resources).toEqual({
      requests: { 'cpu': '2000m', 'memory': '2Gi', 'nvidia.com/gpu': '1' },
      limits: { 'cpu': '4000m', 'memory': '4Gi', 'nvidia.com/gpu': '1' },
    });
    expect(c.livenessProbe).toBeUndefined();
    expect(c.readinessProbe).toBeUndefined();
    expect(c.startupProbe).toBeUndefined();
    expect(mount(c, '/root/.ollama')).toEqual({ name: 'ollama-volume', mountPath: '/root/.ollama', readOnly: false });
    expect(sset.spec.volumeClaimTemplates).toEqual([{
      metadata: { name: 'ollama-volume' },
      spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '30Gi' } } },
    }]);
    expect(spec.tolerations).toEqual([{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }]);
    expect(volume(spec, 'dshm')).toBeUndefined();
    // not in the chart: the library's fsGroup 1000 stays on a pod that runs as root (no prop leaves it out;
    // harmless here, the kubelet only gives the claim group 1000)
    expect(spec.securityContext).toMatchObject({ runAsUser: 0, runAsGroup: 0, fsGroup: 1000 });
    expect(warnings).toContain('"ollama/ollama:latest" is not pinned (:latest)');
    expect(warnings.trim().split('\n')).toHaveLength(2);
  });
});

// Found while writing these pods: a root pod declared PRIVILEGED that meets baseline was told it meets
// "baseline" "as security.level declares" — the declaration says privileged, and leaves room for a hostPath,
// host namespace or added capability to pass with a warning only. The warning now says so and names BASELINE.
describe('a pod declared PRIVILEGED that meets baseline: the warning names the narrower level', () => {
  function rootPod(chart: any, level: PodSecurityLevel): void {
    new AiInferenceDeployment(chart, 'root', {
      metadata: { name: 'root' },
      server: { image: 'ollama/ollama:0.6.0', port: 11434, health: HealthCheck.none(), security: ROOT },
      security: { ...ROOT_POD, level },
    });
  }

  test('PRIVILEGED: "while security.level declares privileged", fix PodSecurityLevel.BASELINE', () => {
    const chart = newChart('wide');
    rootPod(chart, PodSecurityLevel.PRIVILEGED);
    const { warnings } = synthWithWarnings(chart);
    expect(warnings).toContain('the pod meets Pod Security Standard "baseline", not "restricted", while security.level declares "privileged", more than it uses: pod runAsUser is 0');
    expect(warnings).toContain('Fix: declare the level it meets, security: { level: PodSecurityLevel.BASELINE }');
    expect(warnings).not.toContain('as security.level declares');
  });

  test('BASELINE: the warning as before', () => {
    const chart = newChart('narrow');
    rootPod(chart, PodSecurityLevel.BASELINE);
    const { warnings } = synthWithWarnings(chart);
    expect(warnings).toContain('the pod meets Pod Security Standard "baseline", not "restricted", as security.level declares: pod runAsUser is 0');
    expect(warnings).toContain('Fix: harden it back to meet "restricted" and remove the declaration, or keep it');
    expect(warnings).not.toContain('PodSecurityLevel.BASELINE');
  });
});
