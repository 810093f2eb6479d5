/**
 * Production pods, sixth batch (new-user review 6, 2026-11): serving systems not covered by
 * production-pods*.test.ts — OPEA's TGI chart on Intel Gaudi, Triton's AWS Helm chart with an S3 model
 * repository, Xinference's Helm chart (supervisor and worker), and the Llama Stack operator's pod.
 * Each describe names the public manifest (or operator source) it follows; each pod goes through the
 * real App synth, the official schema and the object rules, and the fields that matter are asserted.
 */
import { ApiObject, Duration, JsonPatch } from 'cdk8s';
import {
  AiInferenceDeployment, EnvFromSource, HealthCheck, ImagePullPolicy, InferenceServiceType, InitContainer, PodField, PodSecurityLevel, PodVolume,
  Probe, SeccompProfileType,
} from '../src';
import { env, mount, synthWithWarnings, volume } from './helpers/pod-parts';
import { expectRefused } from './helpers/refusal';
import { container, manifestOf, newChart, podSpec } from './helpers/synth';

// Source: opea-project/GenAIInfra helm-charts/common/tgi (templates/deployment.yaml, service.yaml,
// configmap.yaml, values.yaml, gaudi-values.yaml; main at 9200b371, 2025-08-22), rendered with
// gaudi-values.yaml and release name "tgi": TGI on one Gaudi card (habana.ai/gaudi as a limit only,
// requests cpu 1 / memory 16Gi), every variable from the chart's ConfigMap (envFrom), port 2080 "http",
// TCP startup (5 s + 120 × 5 s) and readiness probes on the port's name with timeoutSeconds 1, no
// liveness; runAsUser 1000 with runAsGroup 0 on the container (the init container makes the model
// directory group-writable); the huggingface/downloader init container with DAC_OVERRIDE and FOWNER
// added to drop ALL, logging in with $(HF_TOKEN) from the ConfigMap; emptyDirs /data, /tmp,
// /usr/src/out and a 1Gi memory-backed /dev/shm; the Service's port 80 "tgi" targets 2080.
describe('OPEA TGI on Intel Gaudi (GenAIInfra helm-charts/common/tgi, gaudi-values.yaml)', () => {
  const labels = { 'app.kubernetes.io/name': 'tgi', 'app.kubernetes.io/instance': 'tgi' };
  const script = 'echo "Huggingface log in ...";\nhuggingface-cli login --token $(HF_TOKEN);\necho "Download model Intel/neural-chat-7b-v3-3 ... ";\n'
    + 'huggingface-cli download --cache-dir /data "Intel/neural-chat-7b-v3-3";\necho "Change model files mode ...";\n'
    + 'chmod -R g+w /data/models--Intel--neural-chat-7b-v3-3;\n# NOTE: Buggy logout command;\n# huggingface-cli logout;\n';

  function tgi(chart: any): AiInferenceDeployment {
    const model = PodVolume.emptyDir('model-volume');
    const tmp = PodVolume.emptyDir('tmp');
    const d = new AiInferenceDeployment(chart, 'tgi', {
      metadata: { name: 'tgi', labels },
      server: {
        name: 'tgi',
        image: 'ghcr.io/huggingface/tgi-gaudi:2.3.1',
        port: 2080,
        envFrom: [EnvFromSource.configMap('tgi-config')],
        health: HealthCheck.custom({
          startup: Probe.tcp({ portName: 'http', initialDelay: Duration.seconds(5), period: Duration.seconds(5), timeout: Duration.seconds(1), failureThreshold: 120 }),
          readiness: Probe.tcp({ portName: 'http', initialDelay: Duration.seconds(5), period: Duration.seconds(5), timeout: Duration.seconds(1) }),
        }),
        resources: { cpu: { request: '1' }, memory: { request: '16Gi' } },
        security: { runAsUser: 1000, runAsGroup: 0, seccompProfile: SeccompProfileType.RUNTIME_DEFAULT },
        volumeMounts: [
          { volume: model, path: '/data', readOnly: false },
          { volume: PodVolume.emptyDir('tokenizer'), path: '/usr/src/out' },
        ],
      },
      gpu: { count: 1, resourceName: 'habana.ai/gaudi', shmSize: '1Gi', tolerate: false },
      modelLoadTimeout: Duration.seconds(5 + 120 * 5),
      serviceAccountName: 'default',
      terminationGracePeriod: Duration.seconds(30),
      // the init container adds DAC_OVERRIDE and FOWNER, which restricted forbids
      security: { level: PodSecurityLevel.BASELINE },
      serviceOptions: { portName: 'tgi', port: 80 },
    });
    new InitContainer(d, 'model-downloader', {
      name: 'model-downloader',
      image: 'huggingface/downloader:0.17.3',
      command: ['sh', '-ec'],
      args: [script],
      envFrom: [EnvFromSource.configMap('tgi-config')],
      resources: {},
      // the chart leaves the user to the image (root): DAC_OVERRIDE and FOWNER are effective only for root, a non-root
      // process gets no effective capabilities (with the library's default user 1000 they would be inert)
      security: {
        runAsNonRoot: false, runAsUser: 0, runAsGroup: 0, addCapabilities: ['DAC_OVERRIDE', 'FOWNER'], seccompProfile: SeccompProfileType.RUNTIME_DEFAULT,
      },
      podVolumeMounts: [{ volume: model, path: '/data', readOnly: false }, { volume: tmp, path: '/tmp', readOnly: false }],
    });
    return d;
  }

  test('habana.ai/gaudi, envFrom the ConfigMap, TCP probes on "http", runAsGroup 0, an init container with DAC_OVERRIDE and FOWNER, the Service 80 → 2080', () => {
    const chart = newChart('opea-tgi');
    tgi(chart);
    const { manifests, warnings } = synthWithWarnings(chart);
    const deploy = manifestOf(manifests, 'Deployment');
    const spec = podSpec(deploy);
    const c = container(deploy, 'tgi');
    expect(c.ports).toEqual([{ containerPort: 2080, name: 'http' }]);
    expect(c.envFrom).toEqual([{ configMapRef: { name: 'tgi-config' } }]);
    expect(c.startupProbe).toEqual({ tcpSocket: { port: 'http' }, initialDelaySeconds: 5, periodSeconds: 5, timeoutSeconds: 1, failureThreshold: 120 });
    expect(c.readinessProbe).toMatchObject({ tcpSocket: { port: 'http' }, initialDelaySeconds: 5, periodSeconds: 5, timeoutSeconds: 1 });
    expect(c.livenessProbe).toBeUndefined();
    expect(c.resources).toEqual({ limits: { 'habana.ai/gaudi': '1' }, requests: { 'cpu': '1', 'habana.ai/gaudi': '1', 'memory': '16Gi' } });
    expect(c.securityContext).toMatchObject({
      readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, runAsNonRoot: true, runAsUser: 1000, runAsGroup: 0,
      capabilities: { drop: ['ALL'] }, seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(mount(c, '/data')).toMatchObject({ name: 'model-volume', readOnly: false });
    expect(mount(c, '/usr/src/out').name).toBe('tokenizer');
    expect(volume(spec, 'dshm').emptyDir).toEqual({ medium: 'Memory', sizeLimit: '1Gi' });
    const init = spec.initContainers[0];
    expect(init.args).toEqual([script]);
    expect(init.securityContext.capabilities).toEqual({ add: ['DAC_OVERRIDE', 'FOWNER'], drop: ['ALL'] });
    expect(init.securityContext).toMatchObject({
      runAsGroup: 0, runAsUser: 0, runAsNonRoot: false, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false,
    });
    // $(HF_TOKEN) comes from the ConfigMap (envFrom): not refused as undefined
    expect(warnings).not.toContain('HF_TOKEN');
    expect(warnings).toContain('container model-downloader adds capability DAC_OVERRIDE');
    expect(spec.serviceAccountName).toBe('default');
    expect(spec.terminationGracePeriodSeconds).toBe(30);
    expect(manifestOf(manifests, 'Service').spec.ports).toEqual([{ name: 'tgi', port: 80, protocol: 'TCP', targetPort: 2080 }]);
  });
});

// Source: triton-inference-server/server deploy/aws (templates/deployment.yaml, service.yaml, values.yaml):
// Triton polling a model repository in S3 (--model-store=s3://…, AWS credentials from the aws-credentials
// Secret), nvidia.com/gpu 1 as its only resource, ports http 8000 / grpc 8001 / metrics 8002, liveness
// /v2/health/live and readiness /v2/health/ready (5 s + every 5 s) on the port named http, pod runAsUser
// 1000 and fsGroup 1000; a LoadBalancer Service whose ports are named http-inference-server,
// grpc-inference-server and metrics-inference-server (longer than a container port's 15 characters,
// valid for a Service's: DNS-1123 labels), the further ones targeting the container's ports by name.
describe('Triton with an S3 model repository (triton-inference-server/server deploy/aws)', () => {
  test('args with an s3:// model store, AWS keys from a Secret, three named ports, probes on "http", a LoadBalancer with 21–24 character port names', () => {
    const chart = newChart('triton-aws');
    const args = ['tritonserver', '--model-store=s3://triton-inference-server-repository/model_repository', '--model-control-mode=poll', '--repository-poll-secs=5'];
    new AiInferenceDeployment(chart, 'triton', {
      metadata: { name: 'triton-inference-server', labels: { app: 'triton-inference-server', release: 'triton' } },
      server: {
        name: 'triton-inference-server',
        image: 'nvcr.io/nvidia/tritonserver:21.10-py3',
        imagePullPolicy: ImagePullPolicy.IF_NOT_PRESENT,
        args,
        port: 8000,
        extraPorts: [{ number: 8001, name: 'grpc' }, { number: 8002, name: 'metrics' }],
        secretEnv: {
          AWS_DEFAULT_REGION: { secretName: 'aws-credentials', key: 'AWS_DEFAULT_REGION' },
          AWS_ACCESS_KEY_ID: { secretName: 'aws-credentials', key: 'AWS_ACCESS_KEY_ID' },
          AWS_SECRET_ACCESS_KEY: { secretName: 'aws-credentials', key: 'AWS_SECRET_ACCESS_KEY' },
        },
        health: HealthCheck.custom({
          liveness: Probe.httpGet('/v2/health/live', { portName: 'http' }),
          readiness: Probe.httpGet('/v2/health/ready', { portName: 'http', initialDelay: Duration.seconds(5), period: Duration.seconds(5) }),
        }),
        resources: {},
      },
      // the chart has neither a toleration nor a /dev/shm
      gpu: { count: 1, sharedMemory: false, tolerate: false },
      security: { runAsUser: 1000, fsGroup: 1000 },
      serviceType: InferenceServiceType.LOAD_BALANCER,
      serviceOptions: {
        portName: 'http-inference-server',
        extraPorts: [{ name: 'grpc-inference-server', port: 8001, targetPortName: 'grpc' }, { name: 'metrics-inference-server', port: 8002, targetPortName: 'metrics' }],
      },
    });
    const { manifests } = synthWithWarnings(chart);
    const deploy = manifestOf(manifests, 'Deployment');
    const spec = podSpec(deploy);
    const c = container(deploy, 'triton-inference-server');
    expect(c.args).toEqual(args);
    expect(c.command).toBeUndefined();
    expect(c.ports).toEqual([{ containerPort: 8000, name: 'http' }, { containerPort: 8001, name: 'grpc' }, { containerPort: 8002, name: 'metrics' }]);
    expect(env(c, 'AWS_SECRET_ACCESS_KEY').valueFrom).toEqual({ secretKeyRef: { name: 'aws-credentials', key: 'AWS_SECRET_ACCESS_KEY' } });
    expect(c.livenessProbe).toMatchObject({ httpGet: { path: '/v2/health/live', port: 'http' } });
    expect(c.readinessProbe).toMatchObject({ httpGet: { path: '/v2/health/ready', port: 'http' }, initialDelaySeconds: 5, periodSeconds: 5 });
    expect(c.startupProbe).toBeUndefined();
    expect(c.resources).toEqual({ limits: { 'nvidia.com/gpu': '1' }, requests: { 'nvidia.com/gpu': '1' } });
    expect(spec.securityContext).toMatchObject({ runAsUser: 1000, fsGroup: 1000 });
    expect(spec.tolerations).toBeUndefined();
    const service = manifestOf(manifests, 'Service');
    expect(service.spec.type).toBe('LoadBalancer');
    // the chart targets the public port by name ("http"); the library by number: the same port
    expect(service.spec.ports).toEqual([
      { name: 'http-inference-server', port: 8000, protocol: 'TCP', targetPort: 8000 },
      { name: 'grpc-inference-server', port: 8001, protocol: 'TCP', targetPort: 'grpc' },
      { name: 'metrics-inference-server', port: 8002, protocol: 'TCP', targetPort: 'metrics' },
    ]);
  });
});

// Source: xorbitsai/xinference-helm-charts charts/xinference (templates/deployment-supervisor.yaml,
// deployment-worker.yaml, values.yaml; main at 33cd7fb1, appVersion v0.14.0), persistence off: the
// supervisor (ports web 9997 and oscar 9999, `--host $(POD_IP)` from the downward API, cpu 1 / memory
// 4Gi / one GPU as requests = limits, no probes) behind the Service "service-supervisor" (ports named
// service-supervisor-web and service-supervisor-oscar), and a worker (port 30001 unnamed, cpu 2 / 8Gi, one
// GPU, a curl init container waiting for the supervisor's Service by name, strategy Recreate).
describe('Xinference supervisor and worker (xorbitsai/xinference-helm-charts)', () => {
  const labels = { 'app.kubernetes.io/name': 'xinference', 'app.kubernetes.io/instance': 'xinference' };

  test('supervisor: two named ports, $(POD_IP) from the downward API, the Service "service-supervisor" (serviceOptions.name)', () => {
    const chart = newChart('xinference-supervisor');
    new AiInferenceDeployment(chart, 'supervisor', {
      metadata: { name: 'xinference-supervisor', labels: { app: 'xinference-supervisor', ...labels } },
      server: {
        name: 'supervisor',
        image: 'xprobe/xinference:v0.14.0',
        command: ['xinference-supervisor'],
        args: ['--port', '9997', '--host', '$(POD_IP)', '--supervisor-port', '9999', '--log-level', 'debug'],
        port: 9997,
        portName: 'web',
        extraPorts: [{ number: 9999, name: 'oscar' }],
        fieldEnv: { POD_IP: PodField.POD_IP, XINFERENCE_POD_NAME: PodField.POD_NAME },
        health: HealthCheck.none(),
        resources: { cpu: { request: '1', limit: '1' }, memory: { request: '4Gi', limit: '4Gi' } },
      },
      gpu: { count: 1, sharedMemory: false, tolerate: false },
      // the workers reach the supervisor as "service-supervisor", not by the Deployment's name
      serviceOptions: { name: 'service-supervisor', portName: 'service-supervisor-web', extraPorts: [{ name: 'service-supervisor-oscar', port: 9999 }] },
    });
    const { manifests, warnings } = synthWithWarnings(chart);
    const deploy = manifestOf(manifests, 'Deployment');
    const c = container(deploy, 'supervisor');
    expect(c.ports).toEqual([{ containerPort: 9997, name: 'web' }, { containerPort: 9999, name: 'oscar' }]);
    expect(env(c, 'POD_IP')).toEqual({ name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } });
    expect(c.args).toContain('$(POD_IP)');
    expect(c.resources).toEqual({ limits: { 'cpu': '1', 'memory': '4Gi', 'nvidia.com/gpu': '1' }, requests: { 'cpu': '1', 'memory': '4Gi', 'nvidia.com/gpu': '1' } });
    const service = manifestOf(manifests, 'Service');
    expect(service.metadata.name).toBe('service-supervisor');
    expect(deploy.metadata.name).toBe('xinference-supervisor');
    expect(service.spec.selector).toEqual(deploy.spec.selector.matchLabels);
    expect(service.spec.ports).toEqual([
      { name: 'service-supervisor-web', port: 9997, protocol: 'TCP', targetPort: 9997 },
      { name: 'service-supervisor-oscar', port: 9999, protocol: 'TCP', targetPort: 9999 },
    ]);
    expect(warnings).toBe('');
  });

  test('serviceOptions.name that is not a DNS-1035 label is refused at construction', () => {
    for (const name of ['Service_Supervisor', '1-supervisor', 'supervisor-', 'a'.repeat(64), 7]) {
      expectRefused(c => new AiInferenceDeployment(c, 'supervisor', {
        server: { image: 'xprobe/xinference:v0.14.0' }, serviceOptions: { name: name as any },
      }), /serviceOptions\.name: .* is not a Service name\. Fix: use a DNS-1035 label/);
    }
  });

  test('worker: a curl init container waiting for the supervisor, an unnamed port, strategy Recreate (a JSON patch)', () => {
    const chart = newChart('xinference-worker');
    const d = new AiInferenceDeployment(chart, 'worker', {
      metadata: { name: 'xinference-worker', labels: { app: 'xinference-worker', ...labels } },
      server: {
        name: 'worker',
        image: 'xprobe/xinference:v0.14.0',
        command: ['xinference-worker'],
        args: ['-e', 'http://service-supervisor:9997', '--host', '$(POD_IP)', '--worker-port', '30001', '--log-level', 'debug'],
        port: 30001,
        env: { XINFERENCE_MODEL_SRC: 'huggingface' },
        fieldEnv: { POD_IP: PodField.POD_IP, XINFERENCE_POD_NAME: PodField.POD_NAME },
        health: HealthCheck.none(),
        resources: { cpu: { request: '2', limit: '2' }, memory: { request: '8Gi', limit: '8Gi' } },
      },
      gpu: { count: 1, sharedMemory: false, tolerate: false },
    });
    new InitContainer(d, 'check-supervisor', {
      name: 'check-supervisor', image: 'curlimages/curl:8.8.0', resources: {},
      command: ['sh', '-c', 'until curl -v http://service-supervisor:9997/v1/address; do echo waiting for supervisor; sleep 1; done'],
    });
    // AiInferenceDeployment has no strategy prop: always maxSurge 1 / maxUnavailable 0
    ApiObject.of(d.deployment).addJsonPatch(JsonPatch.replace('/spec/strategy', { type: 'Recreate' }));
    const { manifests } = synthWithWarnings(chart);
    const deploy = manifestOf(manifests, 'Deployment');
    const spec = podSpec(deploy);
    expect(deploy.spec.strategy).toEqual({ type: 'Recreate' });
    expect(spec.initContainers.map((x: any) => x.name)).toEqual(['check-supervisor']);
    expect(spec.initContainers[0].resources).toBeUndefined();
    const c = container(deploy, 'worker');
    // the chart leaves the port unnamed; the library names it "http"
    expect(c.ports).toEqual([{ containerPort: 30001, name: 'http' }]);
    expect(env(c, 'XINFERENCE_MODEL_SRC').value).toBe('huggingface');
  });
});

// Source: llamastack/llama-stack-k8s-operator controllers/resource_helper.go (buildContainerSpec,
// getStartupProbe, configurePersistentStorage, configureUserConfig, configurePodOverrides) and
// api/v1alpha1/llamastackdistribution_types.go (defaults): the pod of a LlamaStackDistribution with
// storage and a userConfig ConfigMap — container "llama-stack" on 8321 (unnamed), a startup probe
// GET /v1/health after 15 s with timeoutSeconds 30 (longer than its 10 s period) and no other probe,
// HF_HOME on the storage at /.llama, run.yaml from the ConfigMap mounted at "/etc/llama-stack/" (trailing
// slash), the version-detecting start script; the update-pvc-permissions init container as root (chown
// 1001:0), pulled Always; the service account "<name>-sa".
describe('Llama Stack operator pod (llama-stack-k8s-operator, storage and userConfig)', () => {
  test('a startup probe whose timeout exceeds its period, a mount path with a trailing slash, a root init container chowning the claim', () => {
    const chart = newChart('llama-stack');
    const storage = PodVolume.persistentVolumeClaim('lls-storage', 'llamastack-pvc');
    const start = 'set -e\npython3 -m llama_stack.core.server.server /etc/llama-stack/run.yaml';
    const chown = "mkdir -p /.llama 2>&1 || echo 'Warning: Could not create directory' && (chown 1001:0 /.llama 2>&1 || echo 'Warning: Could not change ownership') && ls -la /.llama 2>&1";
    const d = new AiInferenceDeployment(chart, 'lls', {
      metadata: { name: 'llamastack', labels: { app: 'llama-stack' } },
      server: {
        name: 'llama-stack',
        image: 'docker.io/llamastack/distribution-ollama:latest',
        command: ['/bin/sh', '-c', start],
        port: 8321,
        env: { HF_HOME: '/.llama', INFERENCE_MODEL: 'llama3.2:1b', OLLAMA_URL: 'http://ollama-server-service.ollama-dist.svc.cluster.local:11434' },
        health: HealthCheck.custom({
          startup: Probe.httpGet('/v1/health', { initialDelay: Duration.seconds(15), timeout: Duration.seconds(30), failureThreshold: 3, successThreshold: 1 }),
        }),
        resources: {},
        volumeMounts: [
          { volume: storage, path: '/.llama', readOnly: false },
          { volume: PodVolume.configMap('user-config', 'llama-stack-config'), path: '/etc/llama-stack/' },
        ],
      },
      serviceAccountName: 'llamastack-sa',
      // the init container runs as root
      security: { level: PodSecurityLevel.BASELINE },
    });
    new InitContainer(d, 'update-pvc-permissions', {
      name: 'update-pvc-permissions',
      image: 'docker.io/llamastack/distribution-ollama:latest',
      imagePullPolicy: ImagePullPolicy.ALWAYS,
      command: ['/bin/sh', '-c', chown],
      resources: {},
      security: { runAsUser: 0, runAsGroup: 0, runAsNonRoot: false },
      podVolumeMounts: [{ volume: storage, path: '/.llama', readOnly: false }],
    });
    const { manifests, warnings } = synthWithWarnings(chart);
    const deploy = manifestOf(manifests, 'Deployment');
    const spec = podSpec(deploy);
    const c = container(deploy, 'llama-stack');
    expect(c.startupProbe).toEqual({
      httpGet: { path: '/v1/health', port: 8321 }, initialDelaySeconds: 15, periodSeconds: 10, timeoutSeconds: 30, failureThreshold: 3, successThreshold: 1,
    });
    expect(c.readinessProbe).toBeUndefined();
    expect(c.livenessProbe).toBeUndefined();
    // written as given; the kubelet mounts it at /etc/llama-stack
    expect(mount(c, '/etc/llama-stack/')).toMatchObject({ name: 'user-config', readOnly: true });
    expect(mount(c, '/.llama')).toMatchObject({ name: 'lls-storage', readOnly: false });
    expect(env(c, 'HF_HOME').value).toBe('/.llama');
    expect(c.command).toEqual(['/bin/sh', '-c', start]);
    const init = spec.initContainers[0];
    expect(init.imagePullPolicy).toBe('Always');
    expect(init.securityContext).toMatchObject({ runAsUser: 0, runAsGroup: 0, runAsNonRoot: false });
    expect(volume(spec, 'lls-storage').persistentVolumeClaim).toEqual({ claimName: 'llamastack-pvc' });
    expect(volume(spec, 'user-config').configMap).toMatchObject({ name: 'llama-stack-config' });
    expect(spec.serviceAccountName).toBe('llamastack-sa');
    expect(warnings).toContain('the pod meets Pod Security Standard "baseline", not "restricted"');
  });

  test('a mount path with more than one trailing slash, or an empty segment, is still refused', () => {
    for (const path of ['/etc/llama-stack//', '/etc//llama-stack']) {
      expectRefused(c => new AiInferenceDeployment(c, 'lls', {
        server: { image: 'docker.io/llamastack/distribution-ollama:0.2.22', volumeMounts: [{ volume: PodVolume.emptyDir('cfg'), path }] },
      }), /server\.volumeMounts\[0\]\.path: .* must be an absolute path/);
    }
  });
});
