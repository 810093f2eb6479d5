/**
 * Production pods, nineteenth batch (new-user review 20, 2026-11): pods whose real manifests lean on the
 * props that landed with the "Expressibility gaps" entry — the Knative-served KServe predictor with its
 * queue-proxy (the K-Network-Probe readiness probe, the pod-info downwardAPI volume, the var-log
 * subPathExpr), a pod that reads S3 through EKS IRSA's audience-bound projected token, a Triton server
 * with the NVIDIA DCGM exporter as a sidecar, and vLLM with an OpenTelemetry collector sidecar reading a
 * downwardAPI podinfo volume. Each describe names the public source it follows; each pod goes through the
 * real App synth, the official schema and the object rules, and the fields that matter are asserted
 * against the manifest.
 */
import { Duration } from 'cdk8s';
import {
  AiInferenceDeployment, AiInferencePod, DeploymentRollout, HealthCheck, InitContainer, PodField, PodSecurityLevel, PodVolume, Probe, ProjectedSource,
  SeccompProfileType, Sidecar, SidecarMode, TerminationMessagePolicy,
} from '../src';
import { env, mount, synthWithWarnings, volume } from './helpers/pod-parts';
import { container, manifestOf, newChart, podSpec } from './helpers/synth';

// Source: knative/serving pkg/reconciler/revision/resources/queue.go and deploy.go (98e5ef90), with the expected
// objects of deploy_test.go (defaultServingContainer, defaultQueueContainer, defaultDeployment), rendering the
// Revision that KServe creates for an InferenceService in Serverless mode: kserve/kserve
// config/runtimes/kserve-sklearnserver.yaml (39159bd4: args --model_name={{.Name}} --model_dir=/mnt/models
// --http_port=8080, cpu 1 / memory 2Gi requested = limit, no privilege escalation, not privileged, runAsNonRoot, drop
// ALL) for docs/samples sklearn-iris (storageUri gs://kfserving-examples/models/sklearn/1.0/model), with KServe's
// storage-initializer. Knative's Deployment sklearn-iris-predictor-00001-deployment: 1 replica, rollingUpdate
// maxUnavailable 0, progressDeadlineSeconds 600 (config-deployment), revisionHistoryLimit 0, selector
// serving.knative.dev/revisionUID; pod annotation kubectl.kubernetes.io/default-container kserve-container;
// terminationGracePeriodSeconds = the Revision's timeoutSeconds (300), enableServiceLinks false
// (config-defaults), the preferred anti-affinity over nodes by serving.knative.dev/revision (weight 100,
// kubernetes.io/hostname). The user container: port user-port 8080, env PORT, K_REVISION, K_CONFIGURATION,
// K_SERVICE, preStop httpGet /wait-for-drain on 8022 (the queue-proxy's admin port), FallbackToLogsOnError, its
// readiness probe removed (the queue-proxy holds it). The queue-proxy: ports http-autometric 9090,
// http-usermetric 9091, queue-port 8012, https-port 8112; readiness httpGet on 8012 with the header
// K-Network-Probe: queue (no path); securityContext no privilege escalation, read-only root, runAsNonRoot, drop
// ALL, seccomp RuntimeDefault; cpu request 25m only (config-deployment queue-sidecar-cpu-request). Its env is
// abridged here to the fields that matter (SERVING_* naming the revision, QUEUE_SERVING_PORT, USER_PORT,
// SERVING_READINESS_PROBE, the downward-API SERVING_POD, SERVING_POD_IP, HOST_IP); the real list has 29 entries,
// most of them empty strings from unset config. Two optional features are switched on to cover their volumes:
// config-features queueproxy.mount-podinfo enabled (the pod-info downwardAPI volume, the annotations file, at
// /etc/podinfo read-only on the queue-proxy) and config-observability logging.enable-var-log-collection (the
// knative-var-log emptyDir at /var/log with subPathExpr $(K_INTERNAL_POD_NAMESPACE)_$(K_INTERNAL_POD_NAME)_<container>
// on each user container, with the two variables from the downward API). The image is Knative's queue image by
// tag, not the release's digest.
describe('Knative-served KServe predictor with the queue-proxy (knative/serving deploy.go, queue.go; kserve-sklearnserver)', () => {
  const REVISION = 'sklearn-iris-predictor-00001';
  const LABELS = {
    'serving.knative.dev/revision': REVISION,
    'serving.knative.dev/revisionUID': '6f1d1b6e-5b5a-4a52-9d7c-0c0c7c3f6a11',
    'serving.knative.dev/configuration': 'sklearn-iris-predictor',
    'serving.knative.dev/service': 'sklearn-iris-predictor',
    'serving.kserve.io/inferenceservice': 'sklearn-iris',
    'component': 'predictor',
    'app': REVISION,
  };
  const SELECTOR = { 'serving.knative.dev/revisionUID': LABELS['serving.knative.dev/revisionUID'] };
  const ANTI_AFFINITY = {
    podAntiAffinity: {
      preferredDuringSchedulingIgnoredDuringExecution: [{
        weight: 100,
        podAffinityTerm: { topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: { 'serving.knative.dev/revision': REVISION } } },
      }],
    },
  };
  const QUEUE_ENV = {
    SERVING_NAMESPACE: 'kserve-test',
    SERVING_SERVICE: 'sklearn-iris-predictor',
    SERVING_CONFIGURATION: 'sklearn-iris-predictor',
    SERVING_REVISION: REVISION,
    QUEUE_SERVING_PORT: '8012',
    QUEUE_SERVING_TLS_PORT: '8112',
    CONTAINER_CONCURRENCY: '0',
    REVISION_TIMEOUT_SECONDS: '300',
    USER_PORT: '8080',
    SYSTEM_NAMESPACE: 'knative-serving',
    SERVING_READINESS_PROBE: '{"tcpSocket":{"port":8080,"host":"127.0.0.1"},"successThreshold":1}',
    ENABLE_MULTI_CONTAINER_PROBES: 'false',
  };
  const VAR_LOG_ENV = { K_INTERNAL_POD_NAME: PodField.POD_NAME, K_INTERNAL_POD_NAMESPACE: PodField.POD_NAMESPACE };

  test('kserve-container behind the queue-proxy: K-Network-Probe readiness on 8012, drain preStop on 8022, pod-info and var-log volumes', () => {
    const chart = newChart('knative');
    const location = PodVolume.emptyDir('kserve-provision-location');
    const varLog = PodVolume.emptyDir('knative-var-log');
    const podInfo = PodVolume.downwardApi('pod-info', { items: [{ path: 'annotations', field: PodField.ANNOTATIONS }] });
    const predictor = new AiInferenceDeployment(chart, 'predictor', {
      metadata: { name: `${REVISION}-deployment`, namespace: 'kserve-test', labels: LABELS },
      podMetadata: { labels: LABELS, annotations: { 'kubectl.kubernetes.io/default-container': 'kserve-container' } },
      selectorLabels: SELECTOR,
      replicas: 1,
      rollout: DeploymentRollout.rollingUpdate({ maxUnavailable: 0 }),
      progressDeadline: Duration.seconds(600),
      service: false,
      server: {
        name: 'kserve-container',
        image: 'kserve/sklearnserver:v0.15.2',
        args: ['--model_name=sklearn-iris', '--model_dir=/mnt/models', '--http_port=8080'],
        port: 8080,
        portName: 'user-port',
        env: { PORT: '8080', K_REVISION: REVISION, K_CONFIGURATION: 'sklearn-iris-predictor', K_SERVICE: 'sklearn-iris-predictor' },
        fieldEnv: VAR_LOG_ENV,
        // Knative moves the readiness probe to the queue-proxy and leaves the user container none
        health: HealthCheck.none(),
        preStopHttpGet: { path: '/wait-for-drain', port: 8022 },
        terminationMessagePolicy: TerminationMessagePolicy.FALLBACK_TO_LOGS_ON_ERROR,
        resources: { cpu: { request: '1', limit: '1' }, memory: { request: '2Gi', limit: '2Gi' } },
        security: {
          runAsNonRoot: true, allowPrivilegeEscalation: false, privileged: false, dropAllCapabilities: true, readOnlyRootFilesystem: false,
        },
        volumeMounts: [
          { volume: location, path: '/mnt/models', readOnly: true },
          { volume: varLog, path: '/var/log', readOnly: false, subPathExpr: '$(K_INTERNAL_POD_NAMESPACE)_$(K_INTERNAL_POD_NAME)_kserve-container' },
        ],
      },
      terminationGracePeriod: Duration.seconds(300),
      enableServiceLinks: false,
      affinity: ANTI_AFFINITY,
      security: { idsFromPlatform: true },
    });
    new InitContainer(predictor, 'storage-initializer', {
      name: 'storage-initializer',
      image: 'kserve/storage-initializer:v0.15.2',
      args: ['gs://kfserving-examples/models/sklearn/1.0/model', '/mnt/models'],
      resources: { cpu: { request: '100m', limit: '1' }, memory: { request: '100Mi', limit: '1Gi' } },
      podVolumeMounts: [{ volume: location, path: '/mnt/models' }],
    });
    new Sidecar(predictor, 'queue-proxy', {
      name: 'queue-proxy',
      mode: SidecarMode.CLASSIC,
      image: 'gcr.io/knative-releases/knative.dev/serving/cmd/queue:v1.18.0',
      ports: [
        { number: 9090, name: 'http-autometric' },
        { number: 9091, name: 'http-usermetric' },
        { number: 8012, name: 'queue-port' },
        { number: 8112, name: 'https-port' },
      ],
      env: QUEUE_ENV,
      fieldEnv: { SERVING_POD: PodField.POD_NAME, SERVING_POD_IP: PodField.POD_IP, HOST_IP: PodField.HOST_IP },
      health: HealthCheck.custom({
        // the Revision's readiness probe has no period: the API server's 10 s, 1 s timeout, 3 failures
        readiness: Probe.httpGet('/', {
          port: 8012, httpHeaders: [{ name: 'K-Network-Probe', value: 'queue' }], period: Duration.seconds(10), timeout: Duration.seconds(1), failureThreshold: 3,
        }),
      }),
      resources: { cpu: { request: '25m' } },
      security: {
        allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, runAsNonRoot: true, dropAllCapabilities: true,
        seccompProfile: SeccompProfileType.RUNTIME_DEFAULT,
      },
      podVolumeMounts: [{ volume: podInfo, path: '/etc/podinfo' }],
    });
    const { manifests, warnings } = synthWithWarnings(chart);
    expect(manifests.map(m => m.kind).sort()).toEqual(['Deployment']);
    const d = manifestOf(manifests, 'Deployment');
    const spec = podSpec(d);
    expect(d.metadata).toMatchObject({ name: `${REVISION}-deployment`, namespace: 'kserve-test', labels: LABELS });
    expect(d.spec).toMatchObject({ replicas: 1, progressDeadlineSeconds: 600, selector: { matchLabels: SELECTOR } });
    expect(d.spec.strategy.rollingUpdate.maxUnavailable).toBe(0);
    expect(d.spec.template.metadata.labels).toMatchObject(LABELS);
    expect(d.spec.template.metadata.annotations).toEqual({ 'kubectl.kubernetes.io/default-container': 'kserve-container' });
    expect(spec).toMatchObject({ terminationGracePeriodSeconds: 300, enableServiceLinks: false, affinity: ANTI_AFFINITY });
    expect(spec.containers.map((c: any) => c.name).sort()).toEqual(['kserve-container', 'queue-proxy']);

    const user = container(d, 'kserve-container');
    expect(user.args).toEqual(['--model_name=sklearn-iris', '--model_dir=/mnt/models', '--http_port=8080']);
    expect(user.ports).toEqual([{ containerPort: 8080, name: 'user-port' }]);
    expect(env(user, 'PORT').value).toBe('8080');
    expect(env(user, 'K_REVISION').value).toBe(REVISION);
    expect(user.lifecycle).toEqual({ preStop: { httpGet: { path: '/wait-for-drain', port: 8022 } } });
    expect(user.terminationMessagePolicy).toBe('FallbackToLogsOnError');
    expect(user.readinessProbe ?? user.livenessProbe ?? user.startupProbe).toBeUndefined();
    expect(user.resources).toEqual({ requests: { cpu: '1', memory: '2Gi' }, limits: { cpu: '1', memory: '2Gi' } });
    expect(user.securityContext).toMatchObject({ runAsNonRoot: true, allowPrivilegeEscalation: false, privileged: false, capabilities: { drop: ['ALL'] } });
    expect(mount(user, '/mnt/models')).toMatchObject({ name: 'kserve-provision-location', readOnly: true });
    expect(mount(user, '/var/log')).toEqual({
      name: 'knative-var-log', mountPath: '/var/log', readOnly: false, subPathExpr: '$(K_INTERNAL_POD_NAMESPACE)_$(K_INTERNAL_POD_NAME)_kserve-container',
    });
    expect(env(user, 'K_INTERNAL_POD_NAMESPACE').valueFrom).toEqual({ fieldRef: { fieldPath: 'metadata.namespace' } });

    const queue = container(d, 'queue-proxy');
    expect(queue.ports).toEqual([
      { containerPort: 9090, name: 'http-autometric' }, { containerPort: 9091, name: 'http-usermetric' },
      { containerPort: 8012, name: 'queue-port' }, { containerPort: 8112, name: 'https-port' },
    ]);
    expect(queue.readinessProbe).toEqual({
      httpGet: { path: '/', port: 8012, httpHeaders: [{ name: 'K-Network-Probe', value: 'queue' }] }, periodSeconds: 10, timeoutSeconds: 1, failureThreshold: 3,
    });
    expect(queue.livenessProbe ?? queue.startupProbe).toBeUndefined();
    for (const [name, value] of Object.entries(QUEUE_ENV)) expect(env(queue, name).value).toBe(value);
    expect(env(queue, 'SERVING_POD_IP').valueFrom).toEqual({ fieldRef: { fieldPath: 'status.podIP' } });
    expect(env(queue, 'HOST_IP').valueFrom).toEqual({ fieldRef: { fieldPath: 'status.hostIP' } });
    expect(queue.resources).toEqual({ requests: { cpu: '25m' } });
    expect(queue.securityContext).toMatchObject({
      allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, runAsNonRoot: true, capabilities: { drop: ['ALL'] }, seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(mount(queue, '/etc/podinfo')).toEqual({ name: 'pod-info', mountPath: '/etc/podinfo', readOnly: true });
    expect(volume(spec, 'pod-info').downwardAPI).toEqual({ items: [{ path: 'annotations', fieldRef: { fieldPath: 'metadata.annotations' } }] });
    expect(volume(spec, 'knative-var-log').emptyDir).toEqual({});
    expect(container(d, 'storage-initializer').args).toEqual(['gs://kfserving-examples/models/sklearn/1.0/model', '/mnt/models']);
    expect(warnings).toBe('');
  });
});

// Source: aws/amazon-eks-pod-identity-webhook pkg/handler/testdata/rawPodWithInitContainer.pod.yaml (3bf80a34): the
// pod balajilovesoreos (serviceAccountName default, whose account is annotated with the role
// arn:aws:iam::111122223333:role/s3-reader, audience sts.amazonaws.com, region seattle) as the IRSA webhook writes it —
// its testing.eks.amazonaws.com/expectedPatch: a volume aws-iam-token, projected, one serviceAccountToken source
// (audience sts.amazonaws.com, expirationSeconds 86400, path token); in the container balajilovesoreos, the init
// container initcontainer and the native sidecar sidecar (an init container with restartPolicy Always), all three
// amazonlinux, the env AWS_DEFAULT_REGION, AWS_REGION (seattle), AWS_ROLE_ARN, AWS_WEB_IDENTITY_TOKEN_FILE
// (/var/run/secrets/eks.amazonaws.com/serviceaccount/token) and the mount of aws-iam-token at
// /var/run/secrets/eks.amazonaws.com/serviceaccount read-only. Written out in full here, as on a cluster without the
// webhook (or to pin what it injects), the pod reads S3 with a token no other container sees. The fixture's
// testing.eks.amazonaws.com/* annotations only drive the webhook's test and are left out; the images are unpinned as
// in the fixture.
describe('EKS IRSA: the s3-reader pod with its audience-bound token (amazon-eks-pod-identity-webhook rawPodWithInitContainer)', () => {
  const TOKEN_DIR = '/var/run/secrets/eks.amazonaws.com/serviceaccount';
  const AWS_ENV = {
    AWS_DEFAULT_REGION: 'seattle',
    AWS_REGION: 'seattle',
    AWS_ROLE_ARN: 'arn:aws:iam::111122223333:role/s3-reader',
    AWS_WEB_IDENTITY_TOKEN_FILE: `${TOKEN_DIR}/token`,
  };

  test('the aws-iam-token projected volume (sts.amazonaws.com, 86400 s) in the container, the init container and the native sidecar', () => {
    const chart = newChart('irsa');
    const token = PodVolume.projected('aws-iam-token', {
      sources: [ProjectedSource.serviceAccountToken({ path: 'token', audience: 'sts.amazonaws.com', expiration: Duration.seconds(86400) })],
    });
    const pod = new AiInferencePod(chart, 'pod', {
      metadata: { name: 'balajilovesoreos' },
      server: {
        name: 'balajilovesoreos',
        image: 'amazonlinux',
        listens: false,
        env: AWS_ENV,
        volumeMounts: [{ volume: token, path: TOKEN_DIR }],
      },
      serviceAccountName: 'default',
    });
    new InitContainer(pod, 'initcontainer', {
      name: 'initcontainer', image: 'amazonlinux', env: AWS_ENV, podVolumeMounts: [{ volume: token, path: TOKEN_DIR }],
    });
    new Sidecar(pod, 'sidecar', {
      name: 'sidecar', mode: SidecarMode.NATIVE, image: 'amazonlinux', env: AWS_ENV, podVolumeMounts: [{ volume: token, path: TOKEN_DIR }],
    });
    const { manifests, warnings } = synthWithWarnings(chart);
    expect(manifests.map(m => m.kind).sort()).toEqual(['Pod']);
    const p = manifestOf(manifests, 'Pod');
    expect(p.metadata.name).toBe('balajilovesoreos');
    expect(p.spec.serviceAccountName).toBe('default');
    // the fixture leaves automountServiceAccountToken out: the account's API token is mounted too, as given a serviceAccountName
    expect(p.spec.automountServiceAccountToken).toBe(true);
    expect(volume(p.spec, 'aws-iam-token')).toEqual({
      name: 'aws-iam-token', projected: { sources: [{ serviceAccountToken: { audience: 'sts.amazonaws.com', expirationSeconds: 86400, path: 'token' } }] },
    });
    const all = [...p.spec.containers, ...p.spec.initContainers];
    expect(all.map((c: any) => c.name)).toEqual(['balajilovesoreos', 'initcontainer', 'sidecar']);
    for (const c of all) {
      expect(c.image).toBe('amazonlinux');
      expect(c.env).toEqual(Object.entries(AWS_ENV).map(([name, value]) => ({ name, value })));
      expect(mount(c, TOKEN_DIR)).toEqual({ name: 'aws-iam-token', mountPath: TOKEN_DIR, readOnly: true });
    }
    expect(p.spec.initContainers[0].restartPolicy).toBeUndefined();
    expect(p.spec.initContainers[1].restartPolicy).toBe('Always');
    expect(p.spec.containers[0].ports).toBeUndefined();
    for (const name of ['initcontainer', 'sidecar', 'balajilovesoreos']) expect(warnings).toContain(`container "${name}": spec.`);
    expect(warnings.match(/"amazonlinux" is not pinned \(no tag\)/g)).toHaveLength(3);
    expect(warnings.trim().split('\n')).toHaveLength(3);
  });
});

// Source: NVIDIA/dcgm-exporter deployment/examples/dcgm-exporter.yaml (8dc9e11b), the DaemonSet's one container, run
// here as a sidecar next to the GPU server it watches (the GPU Operator's exporter, one per pod instead of one per
// node): image nvcr.io/nvidia/k8s/dcgm-exporter:4.6.1-4.8.4-distroless, env DCGM_EXPORTER_LISTEN :9400,
// DCGM_EXPORTER_KUBERNETES true, NODE_NAME from spec.nodeName, port metrics 9400, securityContext runAsNonRoot
// false, runAsUser 0, capabilities add SYS_ADMIN (profiling metrics) drop ALL, no privilege escalation, the root
// filesystem writable (the manifest's readOnlyRootFilesystem is commented out), cpu 100m/200m, memory 128Mi/256Mi,
// the hostPath /var/lib/kubelet/pod-resources mounted read-only as pod-gpu-resources (to map GPUs to pods). The pod
// keeps the DaemonSet's automountServiceAccountToken false. Root, SYS_ADMIN and the hostPath put the pod at Pod
// Security level privileged. The server is Triton's NGC image on one GPU (triton-inference-server/server
// docs/user_guide/model_repository.md, --model-repository), its model repository an emptyDir here.
describe('Triton with the NVIDIA DCGM exporter as a sidecar (NVIDIA/dcgm-exporter deployment/examples/dcgm-exporter.yaml)', () => {
  test('dcgm-exporter as root with SYS_ADMIN, the pod-resources hostPath read-only, metrics on 9400 next to tritonserver', () => {
    const chart = newChart('dcgm');
    const triton = new AiInferenceDeployment(chart, 'triton', {
      server: {
        name: 'tritonserver',
        image: 'nvcr.io/nvidia/tritonserver:24.08-py3',
        command: ['tritonserver'],
        args: ['--model-repository=/models'],
        extraPorts: [{ number: 8001, name: 'grpc' }, { number: 8002, name: 'metrics' }],
        health: HealthCheck.http('/v2/health/ready'),
        volumeMounts: [{ volume: PodVolume.emptyDir('models'), path: '/models', readOnly: false }],
      },
      gpu: { count: 1 },
      automountServiceAccountToken: false,
      security: { level: PodSecurityLevel.PRIVILEGED },
    });
    new Sidecar(triton, 'dcgm-exporter', {
      name: 'dcgm-exporter',
      mode: SidecarMode.CLASSIC,
      image: 'nvcr.io/nvidia/k8s/dcgm-exporter:4.6.1-4.8.4-distroless',
      env: { DCGM_EXPORTER_LISTEN: ':9400', DCGM_EXPORTER_KUBERNETES: 'true' },
      fieldEnv: { NODE_NAME: PodField.NODE_NAME },
      ports: [{ number: 9400, name: 'metrics' }],
      security: {
        runAsNonRoot: false, runAsUser: 0, addCapabilities: ['SYS_ADMIN'], dropAllCapabilities: true, allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: false,
      },
      resources: { cpu: { request: '100m', limit: '200m' }, memory: { request: '128Mi', limit: '256Mi' } },
      podVolumeMounts: [{
        volume: PodVolume.hostPath('pod-gpu-resources', '/var/lib/kubelet/pod-resources'), path: '/var/lib/kubelet/pod-resources', readOnly: true,
      }],
    });
    const { manifests, warnings } = synthWithWarnings(chart);
    const d = manifestOf(manifests, 'Deployment');
    const spec = podSpec(d);
    expect(spec.automountServiceAccountToken).toBe(false);
    const dcgm = container(d, 'dcgm-exporter');
    expect(dcgm.image).toBe('nvcr.io/nvidia/k8s/dcgm-exporter:4.6.1-4.8.4-distroless');
    expect(dcgm.env).toEqual([
      { name: 'DCGM_EXPORTER_LISTEN', value: ':9400' }, { name: 'DCGM_EXPORTER_KUBERNETES', value: 'true' },
      { name: 'NODE_NAME', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
    ]);
    expect(dcgm.ports).toEqual([{ containerPort: 9400, name: 'metrics' }]);
    // SYS_ADMIN (without the CAP_ prefix) beside allowPrivilegeEscalation: false is what the API server accepts
    expect(dcgm.securityContext).toMatchObject({
      runAsNonRoot: false, runAsUser: 0, capabilities: { add: ['SYS_ADMIN'], drop: ['ALL'] }, allowPrivilegeEscalation: false, readOnlyRootFilesystem: false,
    });
    expect(dcgm.resources).toEqual({ requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '200m', memory: '256Mi' } });
    expect(mount(dcgm, '/var/lib/kubelet/pod-resources')).toEqual({ name: 'pod-gpu-resources', mountPath: '/var/lib/kubelet/pod-resources', readOnly: true });
    expect(volume(spec, 'pod-gpu-resources').hostPath).toEqual({ path: '/var/lib/kubelet/pod-resources' });
    expect(container(d, 'tritonserver').resources.limits['nvidia.com/gpu']).toBe('1');
    expect(warnings).toContain('the pod meets Pod Security Standard "privileged", not "restricted", as security.level declares: volume pod-gpu-resources is a hostPath; container dcgm-exporter adds capability SYS_ADMIN');
    // Triton's metrics port and the exporter's share the name, as the API server warns
    expect(warnings).toContain('spec.template.spec.containers[1].ports[0].name: duplicate port name "metrics" with spec.template.spec.containers[0].ports[2]: Services and probes that select the port by name get spec.template.spec.containers[0].ports[2]');
    expect(warnings.trim().split('\n')).toHaveLength(2);
  });
});

// Source: open-telemetry/opentelemetry-operator pkg/sidecar/pod.go add() and pkg/sidecar/pod_test.go
// TestAddSidecarWhenNoSidecarExists (be894441): the collector the operator injects as a classic sidecar for an
// OpenTelemetryCollector in mode sidecar (a port metrics 8888 TCP): container otc-container, args
// --config=env:OTEL_CONFIG, env POD_NAME (metadata.name), GOMEMLIMIT and GOMAXPROCS from its own limits.memory and
// limits.cpu (resourceFieldRef with containerName otc-container), OTEL_CONFIG the collector's configuration (a
// small OTLP-in, debug-out pipeline here, where the test has the CR's empty one), port metrics 8888; the pod labelled
// sidecar.opentelemetry.io/injected <namespace>.<collector> (truncated to 63). The CR's spec.volumes and
// spec.volumeMounts (appended to the pod and the container by add() and internal/manifests/collector/container.go)
// carry a downwardAPI podinfo volume, labels and annotations files at /etc/podinfo, which the collector's
// resource attributes read. The application container (the test's my-app, which has no image) is vLLM
// (vllm/vllm-openai, OTEL_EXPORTER_OTLP_TRACES_ENDPOINT to the collector on localhost:4317 as vLLM's
// examples/online_serving/opentelemetry README sets it, --otlp-traces-endpoint); the test's init containers are left
// out. The collector image is the operator's default collector image by tag.
describe('vLLM with the OpenTelemetry Operator\'s collector sidecar and a podinfo volume (opentelemetry-operator pkg/sidecar/pod.go)', () => {
  const OTEL_CONFIG = [
    'receivers:', '  otlp:', '    protocols:', '      grpc:', '        endpoint: 0.0.0.0:4317',
    'exporters:', '  debug: {}', 'service:', '  pipelines:', '    traces:', '      receivers: [otlp]', '      exporters: [debug]', '',
  ].join('\n');

  test('otc-container with --config=env:OTEL_CONFIG, GOMEMLIMIT/GOMAXPROCS from its own limits, /etc/podinfo from the downward API', () => {
    const chart = newChart('otel');
    const vllm = new AiInferenceDeployment(chart, 'vllm', {
      podMetadata: { labels: { 'sidecar.opentelemetry.io/injected': 'some-app.otelcol-sample' } },
      server: {
        name: 'my-app',
        image: 'vllm/vllm-openai:v0.9.1',
        args: ['--model', 'Qwen/Qwen2.5-1.5B-Instruct', '--otlp-traces-endpoint', 'grpc://localhost:4317'],
        // the read-only root filesystem: the Hub download goes to a volume (synth says so otherwise)
        env: { OTEL_SERVICE_NAME: 'vllm-server', OTEL_EXPORTER_OTLP_TRACES_INSECURE: 'true', HF_HOME: '/hf-cache' },
        volumeMounts: [{ volume: PodVolume.emptyDir('hf-cache'), path: '/hf-cache', readOnly: false }],
        health: HealthCheck.http('/health'),
      },
      gpu: { count: 1 },
    });
    new Sidecar(vllm, 'otc-container', {
      name: 'otc-container',
      mode: SidecarMode.CLASSIC,
      image: 'ghcr.io/open-telemetry/opentelemetry-collector-releases/opentelemetry-collector:0.131.0',
      args: ['--config=env:OTEL_CONFIG'],
      fieldEnv: {
        POD_NAME: PodField.POD_NAME,
        GOMEMLIMIT: PodField.containerResource('otc-container', 'limits.memory'),
        GOMAXPROCS: PodField.containerResource('otc-container', 'limits.cpu'),
      },
      env: { OTEL_CONFIG },
      ports: [{ number: 8888, name: 'metrics' }],
      podVolumeMounts: [{
        volume: PodVolume.downwardApi('podinfo', { items: [{ path: 'labels', field: PodField.LABELS }, { path: 'annotations', field: PodField.ANNOTATIONS }] }),
        path: '/etc/podinfo',
      }],
    });
    const { manifests, warnings } = synthWithWarnings(chart);
    const d = manifestOf(manifests, 'Deployment');
    const spec = podSpec(d);
    expect(d.spec.template.metadata.labels['sidecar.opentelemetry.io/injected']).toBe('some-app.otelcol-sample');
    const otc = container(d, 'otc-container');
    expect(otc.args).toEqual(['--config=env:OTEL_CONFIG']);
    expect(env(otc, 'POD_NAME').valueFrom).toEqual({ fieldRef: { fieldPath: 'metadata.name' } });
    expect(env(otc, 'GOMEMLIMIT').valueFrom).toEqual({ resourceFieldRef: { containerName: 'otc-container', resource: 'limits.memory' } });
    expect(env(otc, 'GOMAXPROCS').valueFrom).toEqual({ resourceFieldRef: { containerName: 'otc-container', resource: 'limits.cpu' } });
    expect(env(otc, 'OTEL_CONFIG').value).toBe(OTEL_CONFIG);
    // the operator writes POD_NAME, GOMEMLIMIT, GOMAXPROCS, then OTEL_CONFIG; the library writes env before fieldEnv
    expect(otc.env.map((e: any) => e.name)).toEqual(['OTEL_CONFIG', 'POD_NAME', 'GOMEMLIMIT', 'GOMAXPROCS']);
    expect(otc.ports).toEqual([{ containerPort: 8888, name: 'metrics' }]);
    expect(mount(otc, '/etc/podinfo')).toEqual({ name: 'podinfo', mountPath: '/etc/podinfo', readOnly: true });
    expect(volume(spec, 'podinfo').downwardAPI).toEqual({
      items: [{ path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } }, { path: 'annotations', fieldRef: { fieldPath: 'metadata.annotations' } }],
    });
    const server = container(d, 'my-app');
    expect(server.args).toEqual(['--model', 'Qwen/Qwen2.5-1.5B-Instruct', '--otlp-traces-endpoint', 'grpc://localhost:4317']);
    expect(mount(server, '/etc/podinfo')).toBeUndefined();
    expect(warnings).toBe('');
  });
});
