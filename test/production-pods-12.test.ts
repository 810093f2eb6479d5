/**
 * Production pods, twelfth batch (new-user review 12, 2026-11): pods that controllers render and
 * that production-pods*.test.ts did not hold yet — KServe's own ClusterServingRuntimes for Triton
 * (the gRPC sample, raw deployment) and MLServer (scikit-learn over the V2 protocol), each with the
 * storage initializer KServe injects; the NIM Operator's NIMService Deployment (the operator's own
 * defaults, not the nim-llm Helm chart); and a Yatai BentoDeployment api-server pod (the Bento, the
 * metrics-transformer and the Envoy proxy, with the operator's restricted security context). Each
 * describe names the public source it follows; each pod goes through the real App synth, the
 * official schema and the object rules, and the fields that matter are asserted against it.
 */
import { ApiObject, Duration, JsonPatch } from 'cdk8s';
import {
  AiInferenceDeployment, DeploymentRollout, HealthCheck, ImagePullPolicy, InitContainer, PodVolume, Probe, Sidecar, SidecarMode,
} from '../src';
import { env, mount, synthWithWarnings, volume } from './helpers/pod-parts';
import { container, manifestOf, newChart, podSpec, synthError } from './helpers/synth';

/** KServe's storage initializer (pkg/constants, config/configmap/inferenceservice.yaml storageInitializer): pulls storageUri into the emptyDir. */
function storageInitializer(predictor: AiInferenceDeployment, storageUri: string, location: PodVolume): InitContainer {
  return new InitContainer(predictor, 'storage-initializer', {
    name: 'storage-initializer',
    image: 'kserve/storage-initializer:v0.15.2',
    args: [storageUri, '/mnt/models'],
    resources: { cpu: { request: '100m', limit: '1' }, memory: { request: '100Mi', limit: '1Gi' } },
    podVolumeMounts: [{ volume: location, path: '/mnt/models' }],
  });
}

/** The readiness probe KServe's raw-deployment reconciler gives kserve-container without one: TCP on its first port. */
const KSERVE_RAW_READINESS = { period: Duration.seconds(10), timeout: Duration.seconds(1), failureThreshold: 3, successThreshold: 1 };

// Source: kserve/kserve config/runtimes/kserve-tritonserver.yaml (aaac4e29; image kserve-tritonserver →
// nvcr.io/nvidia/tritonserver by config/runtimes/kustomization.yaml, tag from runtimeVersion) rendered for
// docs/samples/v1beta1/triton/torchscript/torchscript_grpc.yaml (storageUri gs://kfserving-examples/models/torchscript,
// runtimeVersion 20.10-py3, port h2c 9000, OMP_NUM_THREADS 1) in raw deployment mode:
// pkg/controller/v1beta1/inferenceservice/reconcilers/deployment/deployment_reconciler.go gives kserve-container a TCP
// readiness probe on its first port (9000, every 10 s, 1 s timeout, 3 failures); reconcilers/service/service_reconciler.go
// writes the Service port 80 named after that container port, targetPort 9000, appProtocol kubernetes.io/h2c.
// The runtime: args tritonserver --model-store=/mnt/models --grpc-port=9000 --http-port=8080 --allow-grpc=true
// --allow-http=true; runAsUser 1000, runAsNonRoot, no privilege escalation, not privileged, drop ALL; cpu 1 / memory 2Gi
// requested = limit; pod annotations prometheus.kserve.io/port 8002 and prometheus.kserve.io/path /metrics.
describe('KServe Triton runtime, gRPC sample (kserve/kserve config/runtimes/kserve-tritonserver.yaml)', () => {
  function predictor(chart: any): AiInferenceDeployment {
    const location = PodVolume.emptyDir('kserve-provision-location');
    const isvc = new AiInferenceDeployment(chart, 'predictor', {
      metadata: {
        name: 'torchscript-cifar-predictor',
        labels: { 'app': 'isvc.torchscript-cifar-predictor', 'component': 'predictor', 'serving.kserve.io/inferenceservice': 'torchscript-cifar' },
      },
      podMetadata: { annotations: { 'prometheus.kserve.io/port': '8002', 'prometheus.kserve.io/path': '/metrics' } },
      server: {
        name: 'kserve-container',
        image: 'nvcr.io/nvidia/tritonserver:20.10-py3',
        args: ['tritonserver', '--model-store=/mnt/models', '--grpc-port=9000', '--http-port=8080', '--allow-grpc=true', '--allow-http=true'],
        port: 9000,
        portName: 'h2c',
        env: { OMP_NUM_THREADS: '1' },
        health: HealthCheck.custom({ readiness: Probe.tcp(KSERVE_RAW_READINESS) }),
        resources: { cpu: { request: '1', limit: '1' }, memory: { request: '2Gi', limit: '2Gi' } },
        // the runtime's securityContext, and no more: it leaves the root filesystem writable
        security: {
          runAsUser: 1000, runAsNonRoot: true, allowPrivilegeEscalation: false, privileged: false, dropAllCapabilities: true,
          readOnlyRootFilesystem: false,
        },
        volumeMounts: [{ volume: location, path: '/mnt/models', readOnly: true }],
      },
      serviceOptions: { portName: 'h2c', port: 80, appProtocol: 'kubernetes.io/h2c' },
    });
    storageInitializer(isvc, 'gs://kfserving-examples/models/torchscript', location);
    return isvc;
  }

  test('tritonserver on the model store, gRPC 9000 named h2c probed by TCP, the runtime\'s securityContext, the Service 80 → 9000 (h2c)', () => {
    const chart = newChart('kserve-triton');
    predictor(chart);
    const { manifests, warnings } = synthWithWarnings(chart);
    const deploy = manifestOf(manifests, 'Deployment');
    const spec = podSpec(deploy);
    const c = container(deploy, 'kserve-container');
    const init = container(deploy, 'storage-initializer');
    expect(deploy.spec.template.metadata.annotations).toMatchObject({ 'prometheus.kserve.io/port': '8002', 'prometheus.kserve.io/path': '/metrics' });
    expect(c.image).toBe('nvcr.io/nvidia/tritonserver:20.10-py3');
    expect(c.command).toBeUndefined();
    expect(c.args).toEqual(['tritonserver', '--model-store=/mnt/models', '--grpc-port=9000', '--http-port=8080', '--allow-grpc=true', '--allow-http=true']);
    expect(c.ports).toEqual([{ containerPort: 9000, name: 'h2c' }]);
    expect(env(c, 'OMP_NUM_THREADS').value).toBe('1');
    expect(c.readinessProbe).toEqual({ tcpSocket: { port: 9000 }, periodSeconds: 10, timeoutSeconds: 1, failureThreshold: 3, successThreshold: 1 });
    expect(c.livenessProbe).toBeUndefined();
    expect(c.startupProbe).toBeUndefined();
    expect(c.resources).toEqual({ requests: { cpu: '1', memory: '2Gi' }, limits: { cpu: '1', memory: '2Gi' } });
    expect(c.securityContext).toMatchObject({
      runAsUser: 1000, runAsNonRoot: true, allowPrivilegeEscalation: false, privileged: false, capabilities: { drop: ['ALL'] }, readOnlyRootFilesystem: false,
    });
    expect(init.args).toEqual(['gs://kfserving-examples/models/torchscript', '/mnt/models']);
    expect(mount(init, '/mnt/models')).toMatchObject({ name: 'kserve-provision-location', readOnly: false });
    expect(mount(c, '/mnt/models')).toMatchObject({ name: 'kserve-provision-location', readOnly: true });
    expect(volume(spec, 'kserve-provision-location').emptyDir).toEqual({});
    expect(volume(spec, 'dshm')).toBeUndefined();
    const service = manifestOf(manifests, 'Service');
    expect(service.spec.ports).toEqual([{ name: 'h2c', port: 80, protocol: 'TCP', targetPort: 9000, appProtocol: 'kubernetes.io/h2c' }]);
    expect(warnings).toBe('');
  });
});

describe('serviceOptions.appProtocol and extraPorts[].appProtocol', () => {
  const server = { image: 'nvcr.io/nvidia/tritonserver:24.08-py3', port: 8000, extraPorts: [{ number: 8001, name: 'grpc' }] };

  test('written on the public port and on a further port; left out, no appProtocol is written', () => {
    const chart = newChart('app-protocol');
    new AiInferenceDeployment(chart, 'triton', {
      server,
      serviceOptions: { appProtocol: 'example.com/v2-rest', extraPorts: [{ name: 'grpc', port: 8001, appProtocol: 'kubernetes.io/h2c' }] },
    });
    new AiInferenceDeployment(chart, 'plain', { server, serviceOptions: { extraPorts: [{ name: 'grpc', port: 8001 }] } });
    const { manifests } = synthWithWarnings(chart);
    const [triton, plain] = manifests.filter(m => m.kind === 'Service');
    expect(triton.spec.ports).toEqual([
      { name: 'http', port: 8000, protocol: 'TCP', targetPort: 8000, appProtocol: 'example.com/v2-rest' },
      { name: 'grpc', port: 8001, protocol: 'TCP', targetPort: 8001, appProtocol: 'kubernetes.io/h2c' },
    ]);
    expect(plain.spec.ports.map((p: any) => p.appProtocol)).toEqual([undefined, undefined]);
  });

  test('a value that is not a qualified name is refused by prop, on either port; a JSON patch writing one by the Service rule', () => {
    const chart = newChart('app-protocol-bad');
    new AiInferenceDeployment(chart, 'triton', {
      server,
      serviceOptions: { appProtocol: 'h2c over tls', extraPorts: [{ name: 'grpc', port: 8001, appProtocol: 42 as any }] },
    });
    const message = synthError(chart);
    expect(message).toContain('serviceOptions.appProtocol: "h2c over tls" is not an application protocol. Fix: use a qualified name');
    expect(message).toContain('serviceOptions.extraPorts[0].appProtocol: 42 is not an application protocol');
    const patched = newChart('app-protocol-patch');
    const d = new AiInferenceDeployment(patched, 'triton', { server });
    ApiObject.of(d.service!).addJsonPatch(JsonPatch.add('/spec/ports/0/appProtocol', 'a/b/c'));
    expect(synthError(patched)).toContain('spec.ports[0].appProtocol: "a/b/c" is not an application protocol (a qualified name)');
  });
});

// Source: kserve/kserve config/runtimes/kserve-mlserver.yaml (aaac4e29; image mlserver → docker.io/seldonio/mlserver:1.7.1
// by config/runtimes/kustomization.yaml) rendered for docs/samples/v1beta1/sklearn/v2/sklearn.yaml (sklearn-irisv2,
// protocolVersion v2, storageUri gs://seldon-models/sklearn/iris): the runtime's env MLSERVER_MODEL_IMPLEMENTATION
// ({{.Labels.modelClass}} → mlserver_sklearn.SKLearnModel, the label SetMlServerDefaults puts on the
// InferenceService), MLSERVER_HTTP_PORT 8080, MLSERVER_GRPC_PORT 9000; SetMlServerDefaults' MLSERVER_MODEL_NAME (the
// InferenceService's name) and MLSERVER_MODEL_URI /mnt/models; no command or args (the image's entrypoint); runAsNonRoot,
// no privilege escalation, not privileged, drop ALL, no user (the image's USER 1000); cpu 1 / memory 2Gi requested =
// limit; pod annotations prometheus.kserve.io/port 8080 and path /metrics. No container port: KServe's TCP readiness
// probe goes to 8080, the Service "sklearn-irisv2-predictor" port 80 → 8080 is named after the component.
describe('KServe MLServer runtime, scikit-learn over V2 (kserve/kserve config/runtimes/kserve-mlserver.yaml)', () => {
  test('the model class, ports and model URI in the environment, the image\'s entrypoint, TCP readiness on 8080, the Service 80 → 8080', () => {
    const chart = newChart('kserve-mlserver');
    const location = PodVolume.emptyDir('kserve-provision-location');
    const isvc = new AiInferenceDeployment(chart, 'predictor', {
      metadata: {
        name: 'sklearn-irisv2-predictor',
        labels: {
          'app': 'isvc.sklearn-irisv2-predictor', 'component': 'predictor', 'serving.kserve.io/inferenceservice': 'sklearn-irisv2',
          'modelClass': 'mlserver_sklearn.SKLearnModel',
        },
      },
      podMetadata: { annotations: { 'prometheus.kserve.io/port': '8080', 'prometheus.kserve.io/path': '/metrics' } },
      server: {
        name: 'kserve-container',
        image: 'docker.io/seldonio/mlserver:1.7.1',
        port: 8080,
        env: {
          MLSERVER_MODEL_IMPLEMENTATION: 'mlserver_sklearn.SKLearnModel',
          MLSERVER_HTTP_PORT: '8080',
          MLSERVER_GRPC_PORT: '9000',
          MLSERVER_MODEL_NAME: 'sklearn-irisv2',
          MLSERVER_MODEL_URI: '/mnt/models',
        },
        health: HealthCheck.custom({ readiness: Probe.tcp(KSERVE_RAW_READINESS) }),
        resources: { cpu: { request: '1', limit: '1' }, memory: { request: '2Gi', limit: '2Gi' } },
        security: {
          runAsNonRoot: true, allowPrivilegeEscalation: false, privileged: false, dropAllCapabilities: true, readOnlyRootFilesystem: false,
        },
        volumeMounts: [{ volume: location, path: '/mnt/models', readOnly: true }],
      },
      serviceOptions: { portName: 'sklearn-irisv2-predictor', port: 80 },
    });
    storageInitializer(isvc, 'gs://seldon-models/sklearn/iris', location);
    const { manifests, warnings } = synthWithWarnings(chart);
    const deploy = manifestOf(manifests, 'Deployment');
    const c = container(deploy, 'kserve-container');
    expect(deploy.spec.template.metadata.labels).toMatchObject({ modelClass: 'mlserver_sklearn.SKLearnModel' });
    expect(c.command).toBeUndefined();
    expect(c.args).toBeUndefined();
    for (const [name, value] of Object.entries({
      MLSERVER_MODEL_IMPLEMENTATION: 'mlserver_sklearn.SKLearnModel', MLSERVER_HTTP_PORT: '8080', MLSERVER_GRPC_PORT: '9000',
      MLSERVER_MODEL_NAME: 'sklearn-irisv2', MLSERVER_MODEL_URI: '/mnt/models',
    })) {
      expect(env(c, name)).toEqual({ name, value });
    }
    expect(c.readinessProbe).toEqual({ tcpSocket: { port: 8080 }, periodSeconds: 10, timeoutSeconds: 1, failureThreshold: 3, successThreshold: 1 });
    expect(c.securityContext).toMatchObject({ runAsNonRoot: true, allowPrivilegeEscalation: false, privileged: false, capabilities: { drop: ['ALL'] } });
    expect(container(deploy, 'storage-initializer').args).toEqual(['gs://seldon-models/sklearn/iris', '/mnt/models']);
    const service = manifestOf(manifests, 'Service');
    expect(service.spec.ports).toEqual([{ name: 'sklearn-irisv2-predictor', port: 80, protocol: 'TCP', targetPort: 8080 }]);
    expect(warnings).toBe('');
  });
});

// Source: NVIDIA/k8s-nim-operator (f63f74d7) manifests/deployment.yaml with api/apps/v1alpha1/nimservice_types.go
// GetDeploymentParams for docs/nimservice.md's NIMService meta-llama3-8b-instruct (image
// nvcr.io/nim/meta/llama3-8b-instruct, IfNotPresent, pull secret ngc-secret, authSecret ngc-api-secret, the NIMCache's
// claim meta-llama3-8b-instruct-pvc, nvidia.com/gpu 1, ClusterIP on 8000): container "<name>-ctr", port "api" 8000;
// GetStandardEnv (NIM_CACHE_PATH /model-store, OUTLINES_CACHE_DIR /tmp/outlines, NIM_SERVER_PORT and NIM_HTTP_API_PORT
// 8000, NIM_JSONL_LOGGING 1, NIM_LOG_LEVEL INFO, NGC_API_KEY from the Secret); probes on the port name "api":
// liveness /v1/health/live and readiness /v1/health/ready (15 s delay, every 10 s, 1 s timeout, 3 failures), startup
// /v1/health/ready (30 s delay, every 10 s, 120 failures); volumes model-store (the claim, writable) at /model-store
// and dshm (memory, no size: storage.sharedMemorySizeLimit unset); the pod runs as user 1000, group 2000, fsGroup 2000,
// service account = the NIMService's name, annotation openshift.io/required-scc nonroot; RollingUpdate maxSurge 0,
// maxUnavailable 25% (a GPU pod cannot surge on a full node).
describe('NIM Operator NIMService Deployment (NVIDIA/k8s-nim-operator manifests/deployment.yaml)', () => {
  test('"<name>-ctr" on port "api", the operator\'s env and probes by port name, user 1000 / group 2000, maxSurge 0, an unsized /dev/shm', () => {
    const chart = newChart('nim-operator');
    const name = 'meta-llama3-8b-instruct';
    const api = (path: string, initialDelay: number, failureThreshold: number) => Probe.httpGet(path, {
      portName: 'api', initialDelay: Duration.seconds(initialDelay), period: Duration.seconds(10), timeout: Duration.seconds(1),
      successThreshold: 1, failureThreshold,
    });
    new AiInferenceDeployment(chart, 'nim', {
      metadata: {
        name,
        labels: {
          'app.kubernetes.io/name': name, 'app.kubernetes.io/instance': name, 'app.kubernetes.io/part-of': 'nim-service',
          'app.kubernetes.io/managed-by': 'k8s-nim-operator',
        },
      },
      podMetadata: { labels: { app: name }, annotations: { 'openshift.io/required-scc': 'nonroot' } },
      rollout: DeploymentRollout.rollingUpdate({ maxSurge: 0, maxUnavailablePercent: 25 }),
      serviceAccountName: name,
      imagePullSecrets: ['ngc-secret'],
      server: {
        name: `${name}-ctr`,
        image: 'nvcr.io/nim/meta/llama3-8b-instruct:1.0.3',
        imagePullPolicy: ImagePullPolicy.IF_NOT_PRESENT,
        port: 8000,
        portName: 'api',
        env: {
          NIM_CACHE_PATH: '/model-store', OUTLINES_CACHE_DIR: '/tmp/outlines', NIM_SERVER_PORT: '8000', NIM_HTTP_API_PORT: '8000',
          NIM_JSONL_LOGGING: '1', NIM_LOG_LEVEL: 'INFO',
        },
        secretEnv: { NGC_API_KEY: { secretName: 'ngc-api-secret', key: 'NGC_API_KEY' } },
        health: HealthCheck.custom({
          liveness: api('/v1/health/live', 15, 3), readiness: api('/v1/health/ready', 15, 3), startup: api('/v1/health/ready', 30, 120),
        }),
        // the NIMService sets no cpu or memory; the library's 4Gi default limit would OOM-kill an 8B model's engine
        resources: { cpu: { request: '4' }, memory: { request: '32Gi', limit: '32Gi' } },
        volumeMounts: [
          { volume: PodVolume.persistentVolumeClaim('model-store', `${name}-pvc`), path: '/model-store', readOnly: false },
          // storage.sharedMemorySizeLimit unset: a memory emptyDir without a size (gpu.shmSize has no "unsized")
          { volume: PodVolume.emptyDir('dshm', { memory: true }), path: '/dev/shm' },
        ],
        // the operator writes no container securityContext: the image's root filesystem stays writable
        security: { readOnlyRootFilesystem: false },
      },
      gpu: { count: 1, sharedMemory: false },
      modelLoadTimeout: Duration.seconds(30 + 10 * 120),
      security: { runAsUser: 1000, runAsGroup: 2000, fsGroup: 2000 },
      // the operator's Service: port "api" 8000; it targets the container port by its name "api", the library by number
      serviceOptions: { portName: 'api' },
    });
    const { manifests, warnings } = synthWithWarnings(chart);
    const deploy = manifestOf(manifests, 'Deployment');
    const spec = podSpec(deploy);
    const c = container(deploy, `${name}-ctr`);
    expect(deploy.spec.strategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxSurge: 0, maxUnavailable: '25%' } });
    expect(deploy.spec.template.metadata.labels).toMatchObject({ app: name });
    expect(deploy.spec.template.metadata.annotations).toMatchObject({ 'openshift.io/required-scc': 'nonroot' });
    expect(spec.serviceAccountName).toBe(name);
    expect(spec.imagePullSecrets).toEqual([{ name: 'ngc-secret' }]);
    expect(spec.securityContext).toMatchObject({ runAsUser: 1000, runAsGroup: 2000, fsGroup: 2000 });
    expect(c.ports).toEqual([{ containerPort: 8000, name: 'api' }]);
    expect(c.imagePullPolicy).toBe('IfNotPresent');
    expect(c.securityContext.readOnlyRootFilesystem).toBe(false);
    expect(env(c, 'NGC_API_KEY').valueFrom.secretKeyRef).toEqual({ key: 'NGC_API_KEY', name: 'ngc-api-secret' });
    expect(env(c, 'NIM_HTTP_API_PORT').value).toBe('8000');
    const probe = (path: string, initialDelaySeconds: number, failureThreshold: number) => ({
      httpGet: { path, port: 'api' }, initialDelaySeconds, periodSeconds: 10, timeoutSeconds: 1, successThreshold: 1, failureThreshold,
    });
    expect(c.livenessProbe).toEqual(probe('/v1/health/live', 15, 3));
    expect(c.readinessProbe).toEqual(probe('/v1/health/ready', 15, 3));
    expect(c.startupProbe).toEqual(probe('/v1/health/ready', 30, 120));
    expect(c.resources.limits['nvidia.com/gpu']).toBe('1');
    expect(mount(c, '/model-store')).toMatchObject({ name: 'model-store', readOnly: false });
    expect(volume(spec, 'model-store').persistentVolumeClaim).toMatchObject({ claimName: `${name}-pvc` });
    expect(mount(c, '/dev/shm').name).toBe('dshm');
    expect(volume(spec, 'dshm').emptyDir).toEqual({ medium: 'Memory' });
    expect(manifestOf(manifests, 'Service').spec.ports).toEqual([{ name: 'api', port: 8000, protocol: 'TCP', targetPort: 8000 }]);
    expect(warnings).toBe('');
  });
});

// Source: bentoml/yatai-deployment (755faf26) controllers/bentodeployment_controller.go generatePodTemplateSpec and
// generateService, with ENABLE_RESTRICTED_SECURITY_CONTEXT=true, for config/samples/serving_v1alpha2_bentodeployment.yaml
// (BentoDeployment "demo", bento iris_classifier:nxapohu4codzplg6 without runners, cpu 500m requested / 1000m limit,
// the operator's memory defaults 500Mi / 1Gi) in namespace "yatai": container "main" runs
// `sh -c "./env/docker/entrypoint.sh bentoml serve . --production"` with stdin and tty, port "http" 3000, env
// BENTOML_PORT 3000 and the deployment's name and namespace; liveness GET /livez (10 s delay, 20 s timeout, 6 failures)
// and readiness GET /readyz (5 s delay, 5 s timeout, 12 failures) on the port name; "shared-memory" (memory, half the
// memory limit: 512Mi) at /dev/shm; user 1034, group 1000 in the main container, 1000/1000 in the others, RuntimeDefault
// seccomp, no privilege escalation, drop ALL. Beside it metrics-transformer (port "metrics" 3003, /healthz probes on the
// name, cpu 10m–100m, memory 10Mi–100Mi) and the Envoy "proxy" (port "http-proxy" 3004, the config from the ConfigMap
// demo-envoy-config at /etc/envoy, exec probes on Envoy's admin port 9901, cpu 100m–300m, memory 200Mi–1000Mi); all
// ordinary containers. The Service "demo": http 3000 → "http", http-non-proxy 3001 → "http".
describe('Yatai BentoDeployment api-server pod (bentoml/yatai-deployment bentodeployment_controller.go)', () => {
  test('main with stdin and tty, probes on "http", half the memory limit as /dev/shm, metrics-transformer and Envoy proxy beside it', () => {
    const chart = newChart('yatai');
    const restricted = { runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000, allowPrivilegeEscalation: false, dropAllCapabilities: true };
    const bento = new AiInferenceDeployment(chart, 'demo', {
      metadata: {
        name: 'demo',
        labels: {
          'yatai.ai/bento-deployment': 'demo', 'yatai.ai/bento-repository': 'iris_classifier', 'yatai.ai/bento-version': 'nxapohu4codzplg6',
          'yatai.ai/bento-deployment-target-type': 'production', 'yatai.ai/creator': 'yatai-deployment',
          'yatai.ai/bento-deployment-component-type': 'api-server',
        },
      },
      podMetadata: { annotations: { 'yatai.ai/bento-repository': 'iris_classifier', 'yatai.ai/bento-version': 'nxapohu4codzplg6' } },
      server: {
        name: 'main',
        image: 'registry.example.com/yatai-bentos:yatai.iris_classifier.nxapohu4codzplg6',
        command: ['sh', '-c'],
        args: ['./env/docker/entrypoint.sh bentoml serve . --production'],
        port: 3000,
        portName: 'http',
        env: { BENTOML_PORT: '3000', YATAI_BENTO_DEPLOYMENT_NAME: 'demo', YATAI_BENTO_DEPLOYMENT_NAMESPACE: 'yatai' },
        stdin: true,
        tty: true,
        health: HealthCheck.custom({
          liveness: Probe.httpGet('/livez', { portName: 'http', initialDelay: Duration.seconds(10), timeout: Duration.seconds(20), failureThreshold: 6 }),
          readiness: Probe.httpGet('/readyz', { portName: 'http', initialDelay: Duration.seconds(5), timeout: Duration.seconds(5), failureThreshold: 12 }),
        }),
        resources: { cpu: { request: '500m', limit: '1000m' }, memory: { request: '500Mi', limit: '1Gi' } },
        security: { ...restricted, runAsUser: 1034, readOnlyRootFilesystem: false },
        volumeMounts: [{ volume: PodVolume.emptyDir('shared-memory', { memory: true, sizeLimit: '512Mi' }), path: '/dev/shm' }],
      },
      serviceOptions: { extraPorts: [{ name: 'http-non-proxy', port: 3001, targetPortName: 'http' }] },
    });
    new Sidecar(bento, 'metrics-transformer', {
      name: 'metrics-transformer',
      image: 'quay.io/bentoml/yatai-bento-metrics-transformer:0.0.4',
      mode: SidecarMode.CLASSIC,
      env: {
        BENTOML_SERVER_HOST: 'localhost', BENTOML_SERVER_PORT: '3000', PORT: '3003', OLD_METRICS_PREFIX: 'BENTOML_iris_classifier_', NEW_METRICS_PREFIX: 'BENTOML_',
      },
      ports: [{ number: 3003, name: 'metrics' }],
      health: HealthCheck.custom({
        liveness: Probe.httpGet('/healthz', { portName: 'metrics', initialDelay: Duration.seconds(5), timeout: Duration.seconds(5), failureThreshold: 10 }),
        readiness: Probe.httpGet('/healthz', { portName: 'metrics', initialDelay: Duration.seconds(5), timeout: Duration.seconds(5), failureThreshold: 10 }),
      }),
      resources: { cpu: { request: '10m', limit: '100m' }, memory: { request: '10Mi', limit: '100Mi' } },
      security: { ...restricted, readOnlyRootFilesystem: false },
    });
    const envoyAlive = ['sh', '-c', 'curl -s localhost:9901/server_info | grep state | grep -q LIVE'];
    new Sidecar(bento, 'proxy', {
      name: 'proxy',
      image: 'quay.io/bentoml/bentoml-proxy:0.0.1',
      mode: SidecarMode.CLASSIC,
      command: ['envoy', '--config-path', '/etc/envoy/envoy.yaml'],
      ports: [{ number: 3004, name: 'http-proxy' }],
      podVolumeMounts: [{ volume: PodVolume.configMap('envoy-config', 'demo-envoy-config'), path: '/etc/envoy' }],
      health: HealthCheck.custom({
        liveness: Probe.exec(envoyAlive, { initialDelay: Duration.seconds(5), timeout: Duration.seconds(5), failureThreshold: 10 }),
        readiness: Probe.exec(envoyAlive, { initialDelay: Duration.seconds(5), timeout: Duration.seconds(5), failureThreshold: 10 }),
      }),
      resources: { cpu: { request: '100m', limit: '300m' }, memory: { request: '200Mi', limit: '1000Mi' } },
      security: { ...restricted, readOnlyRootFilesystem: false },
    });
    const { manifests, warnings } = synthWithWarnings(chart);
    const deploy = manifestOf(manifests, 'Deployment');
    const spec = podSpec(deploy);
    const main = container(deploy, 'main');
    const metrics = container(deploy, 'metrics-transformer');
    const proxy = container(deploy, 'proxy');
    expect(spec.containers.map((x: any) => x.name)).toEqual(['main', 'metrics-transformer', 'proxy']);
    expect(spec.initContainers).toBeUndefined();
    expect(main).toMatchObject({ command: ['sh', '-c'], args: ['./env/docker/entrypoint.sh bentoml serve . --production'], stdin: true, tty: true });
    expect(main.ports).toEqual([{ containerPort: 3000, name: 'http' }]);
    expect(main.livenessProbe).toMatchObject({ httpGet: { path: '/livez', port: 'http' }, initialDelaySeconds: 10, timeoutSeconds: 20, failureThreshold: 6 });
    expect(main.readinessProbe).toMatchObject({ httpGet: { path: '/readyz', port: 'http' }, initialDelaySeconds: 5, timeoutSeconds: 5, failureThreshold: 12 });
    expect(main.startupProbe).toBeUndefined();
    expect(main.securityContext).toMatchObject({ runAsUser: 1034, runAsGroup: 1000, runAsNonRoot: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
    expect(mount(main, '/dev/shm').name).toBe('shared-memory');
    expect(volume(spec, 'shared-memory').emptyDir).toEqual({ medium: 'Memory', sizeLimit: '512Mi' });
    expect(env(main, 'BENTOML_PORT').value).toBe('3000');
    expect(metrics.ports).toEqual([{ containerPort: 3003, name: 'metrics' }]);
    expect(metrics.readinessProbe).toMatchObject({ httpGet: { path: '/healthz', port: 'metrics' }, failureThreshold: 10 });
    expect(metrics.resources).toEqual({ requests: { cpu: '10m', memory: '10Mi' }, limits: { cpu: '100m', memory: '100Mi' } });
    expect(proxy.command).toEqual(['envoy', '--config-path', '/etc/envoy/envoy.yaml']);
    expect(proxy.livenessProbe).toMatchObject({ exec: { command: envoyAlive }, initialDelaySeconds: 5, timeoutSeconds: 5, failureThreshold: 10 });
    expect(mount(proxy, '/etc/envoy')).toMatchObject({ name: 'envoy-config', readOnly: true });
    expect(volume(spec, 'envoy-config').configMap).toEqual({ name: 'demo-envoy-config' });
    expect(proxy.resources).toEqual({ requests: { cpu: '100m', memory: '200Mi' }, limits: { cpu: '300m', memory: '1000Mi' } });
    expect(spec.securityContext).toMatchObject({ seccompProfile: { type: 'RuntimeDefault' } });
    const service = manifestOf(manifests, 'Service');
    expect(service.spec.ports).toEqual([
      { name: 'http', port: 3000, protocol: 'TCP', targetPort: 3000 },
      { name: 'http-non-proxy', port: 3001, protocol: 'TCP', targetPort: 'http' },
    ]);
    expect(warnings).toBe('');
  });
});
