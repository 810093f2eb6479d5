/**
 * Production pods, eighteenth batch (new-user review 19, 2026-11): multi-container serving pods of
 * systems no earlier batch covers — a KServe ModelMesh Serving runtime pod (the mm router, the REST
 * proxy, the storage-pulling adapter and MLServer in one pod), KServe's ModelCar (the model's OCI
 * image run as a sidecar, reached through a shared process namespace), a Seldon Core v1
 * SeldonDeployment predictor with its executor, and the ModelMesh runtime pod for Triton. Each describe names the public source it
 * follows; each pod goes through the real App synth, the official schema and the object rules, and
 * the fields that matter are asserted against the manifest.
 */
import { Duration } from 'cdk8s';
import {
  AiInferenceDeployment, AiInferencePod, DeploymentRollout, HealthCheck, ImagePullPolicy, InitContainer, PodField, PodVolume, Probe, Sidecar,
  SidecarMode, TerminationMessagePolicy,
} from '../src';
import { env, mount, synthWithWarnings, volume } from './helpers/pod-parts';
import { container, manifestOf, newChart, podSpec } from './helpers/synth';

// Source: kserve/modelmesh-serving controllers/testdata/servingruntime_controller.golden (9c7a2b71), snapshot "REST
// Proxy configuration deployment should contain REST Proxy container and extra v2 protocol label": the Deployment the
// controller renders from config/internal/base/deployment.yaml.tmpl for the ServingRuntime config/runtimes/mlserver-1.x
// with the REST proxy enabled. Deployment modelmesh-serving-mlserver-1.x, 2 replicas, rollingUpdate maxSurge 75% /
// maxUnavailable 15%, labels modelmesh-service / app.kubernetes.io/{instance,managed-by,name} modelmesh-controller /
// name, the node affinity kubernetes.io/arch In amd64/arm64/s390x, terminationGracePeriodSeconds 90, pod
// securityContext {}; containers, in this order:
// - rest-proxy (kserve/rest-proxy:latest, Always), REST_PROXY_* env, port http 8008, cpu 50m/1, memory 96Mi/512Mi,
//   no securityContext, no probes;
// - mlserver (mlserver-1:replace, IfNotPresent), MLSERVER_* env (bound to 127.0.0.1, gRPC 8001, HTTP 8002), cpu
//   500m/5, memory 1Gi/1Gi, preStop httpGet /prestop on 8090 (the adapter's port), drop ALL, /models the models-dir;
// - mlserver-adapter (the puller: USE_EMBEDDED_PULLER true), command /opt/app/mlserver-adapter, env ADAPTER_PORT
//   8085 … CONTAINER_MEM_REQ_BYTES = mlserver's requests.memory, cpu 50m/2, memory 96Mi/512Mi, preStop httpGet
//   /prestop 8090, drop ALL, /models the models-dir and /storage-config the Secret storage-config read-only;
// - mm (the model-mesh router), port grpc 1234, env MM_* (pod name, pod IP and host IP from the downward API),
//   readiness GET /ready:8089 after 5 s every 5 s (timeout 1), liveness GET /live:8089 after 90 s every 30 s
//   (timeout 5, 2 failures), preStop exec /opt/kserve/mmesh/stop.sh wait, cpu 300m/3, memory 448Mi, drop ALL,
//   /etc/watson/mmesh/config the ConfigMap tc-config, /opt/kserve/mmesh/etcd the Secret "secret" read-only.
// Volumes: models-dir an emptyDir of 1536Mi, storage-config, tc-config, etcd-config. Images are the golden's
// placeholders (image:tag for the controller's images), kept as written. The preStop httpGet hooks are
// `preStopHttpGet` (new in this review: no prop wrote an httpGet hook); not expressed: the container order (the
// server comes first).
describe('KServe ModelMesh Serving runtime pod, MLServer with the REST proxy (modelmesh-serving servingruntime_controller.golden)', () => {
  const LABELS = {
    'app.kubernetes.io/instance': 'modelmesh-controller',
    'app.kubernetes.io/managed-by': 'modelmesh-controller',
    'app.kubernetes.io/name': 'modelmesh-controller',
    'modelmesh-service': 'modelmesh-serving',
    'name': 'modelmesh-serving-mlserver-1.x',
  };
  const SELECTOR = { 'modelmesh-service': 'modelmesh-serving', 'name': 'modelmesh-serving-mlserver-1.x' };
  const ARCH = {
    nodeAffinity: {
      requiredDuringSchedulingIgnoredDuringExecution: {
        nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/arch', operator: 'In', values: ['amd64', 'arm64', 's390x'] }] }],
      },
    },
  };
  const MLSERVER_ENV = {
    MLSERVER_MODELS_DIR: '/models/_mlserver_models/',
    MLSERVER_GRPC_PORT: '8001',
    MLSERVER_HTTP_PORT: '8002',
    MLSERVER_LOAD_MODELS_AT_STARTUP: 'false',
    MLSERVER_MODEL_NAME: 'dummy-model-fixme',
    MLSERVER_HOST: '127.0.0.1',
    MLSERVER_GRPC_MAX_MESSAGE_LENGTH: '-1',
  };
  const MM_ENV = {
    MM_SERVICE_NAME: 'modelmesh-serving',
    MM_SVC_GRPC_PORT: '1234',
    KV_STORE: 'etcd:/opt/kserve/mmesh/etcd/etcd_connection',
    MM_METRICS: 'disabled',
    SHUTDOWN_TIMEOUT_MS: '90000',
    INTERNAL_SERVING_GRPC_PORT: '8001',
    INTERNAL_GRPC_PORT: '8085',
    MM_SVC_GRPC_MAX_MSG_SIZE: '16777216',
    MM_KVSTORE_PREFIX: 'mm',
    MM_DEFAULT_VMODEL_OWNER: 'ksp',
    MM_LABELS: 'mt:lightgbm,mt:lightgbm:3,mt:sklearn,mt:sklearn:0,mt:xgboost,mt:xgboost:1,pv:grpc-v2,pv:v2,rt:mlserver-1.x',
    MM_TYPE_CONSTRAINTS_PATH: '/etc/watson/mmesh/config/type_constraints',
    MM_DATAPLANE_CONFIG_PATH: '/etc/watson/mmesh/config/dataplane_api_config',
  };
  const ADAPTER_ENV = {
    ADAPTER_PORT: '8085',
    RUNTIME_PORT: '8001',
    RUNTIME_DATA_ENDPOINT: 'port:8001',
    MEM_BUFFER_BYTES: '134217728',
    LOADTIME_TIMEOUT: '90000',
    USE_EMBEDDED_PULLER: 'true',
    RUNTIME_VERSION: 'replace',
  };
  // the golden's securityContext is capabilities.drop [ALL] alone: the images' own users, writable root filesystems
  const dropAll = { readOnlyRootFilesystem: false };
  const PRESTOP = { path: '/prestop', port: 8090 };

  test('mm, rest-proxy, the puller adapter and MLServer in one pod, the models emptyDir shared, 90 s to stop', () => {
    const chart = newChart('modelmesh');
    const modelsDir = PodVolume.emptyDir('models-dir', { sizeLimit: '1536Mi' });
    const deploy = new AiInferenceDeployment(chart, 'mlserver', {
      metadata: { name: 'modelmesh-serving-mlserver-1.x', labels: LABELS },
      podMetadata: { labels: LABELS },
      selectorLabels: SELECTOR,
      replicas: 2,
      rollout: DeploymentRollout.rollingUpdate({ maxSurgePercent: 75, maxUnavailablePercent: 15 }),
      service: false,
      server: {
        name: 'mlserver',
        image: 'mlserver-1:replace',
        imagePullPolicy: ImagePullPolicy.IF_NOT_PRESENT,
        // MLServer binds 127.0.0.1: only the adapter and mm reach it, nothing declared, nothing probed
        listens: false,
        env: MLSERVER_ENV,
        health: HealthCheck.none(),
        // the adapter unloads the models first
        preStopHttpGet: PRESTOP,
        terminationMessagePolicy: TerminationMessagePolicy.FILE,
        resources: { cpu: { request: '500m', limit: '5' }, memory: { request: '1Gi', limit: '1Gi' } },
        security: dropAll,
        volumeMounts: [{ volume: modelsDir, path: '/models', readOnly: false }],
      },
      affinity: ARCH,
      terminationGracePeriod: Duration.seconds(90),
      security: { idsFromPlatform: true },
    });
    new Sidecar(deploy, 'rest-proxy', {
      name: 'rest-proxy',
      mode: SidecarMode.CLASSIC,
      image: 'kserve/rest-proxy:latest',
      imagePullPolicy: ImagePullPolicy.ALWAYS,
      env: {
        REST_PROXY_LISTEN_PORT: '8008',
        REST_PROXY_GRPC_PORT: '1234',
        REST_PROXY_USE_TLS: 'false',
        REST_PROXY_GRPC_MAX_MSG_SIZE_BYTES: '16777216',
        REST_PROXY_SKIP_VERIFY: 'false',
      },
      ports: [{ number: 8008, name: 'http' }],
      resources: { cpu: { request: '50m', limit: '1' }, memory: { request: '96Mi', limit: '512Mi' } },
      security: dropAll,
    });
    new Sidecar(deploy, 'mlserver-adapter', {
      name: 'mlserver-adapter',
      mode: SidecarMode.CLASSIC,
      image: 'image:tag',
      imagePullPolicy: ImagePullPolicy.IF_NOT_PRESENT,
      command: ['/opt/app/mlserver-adapter'],
      env: ADAPTER_ENV,
      fieldEnv: { CONTAINER_MEM_REQ_BYTES: PodField.containerResource('mlserver', 'requests.memory') },
      preStopHttpGet: PRESTOP,
      resources: { cpu: { request: '50m', limit: '2' }, memory: { request: '96Mi', limit: '512Mi' } },
      security: dropAll,
      volumeMounts: [{ volume: 'models-dir', path: '/models', readOnly: false }],
      podVolumeMounts: [{ volume: PodVolume.secret('storage-config', 'storage-config'), path: '/storage-config' }],
    });
    new Sidecar(deploy, 'mm', {
      name: 'mm',
      mode: SidecarMode.CLASSIC,
      image: 'image:tag',
      imagePullPolicy: ImagePullPolicy.IF_NOT_PRESENT,
      ports: [{ number: 1234, name: 'grpc' }],
      env: MM_ENV,
      fieldEnv: { WKUBE_POD_NAME: PodField.POD_NAME, WKUBE_POD_IPADDR: PodField.POD_IP, MM_LOCATION: PodField.HOST_IP },
      health: HealthCheck.custom({
        readiness: Probe.httpGet('/ready', { port: 8089, initialDelay: Duration.seconds(5), period: Duration.seconds(5), timeout: Duration.seconds(1) }),
        liveness: Probe.httpGet('/live', {
          port: 8089, initialDelay: Duration.seconds(90), period: Duration.seconds(30), timeout: Duration.seconds(5), failureThreshold: 2,
        }),
      }),
      preStopCommand: ['/opt/kserve/mmesh/stop.sh', 'wait'],
      resources: { cpu: { request: '300m', limit: '3' }, memory: { request: '448Mi', limit: '448Mi' } },
      security: dropAll,
      podVolumeMounts: [
        { volume: PodVolume.configMap('tc-config', 'tc-config'), path: '/etc/watson/mmesh/config' },
        { volume: PodVolume.secret('etcd-config', 'secret'), path: '/opt/kserve/mmesh/etcd' },
      ],
    });
    const { manifests, warnings } = synthWithWarnings(chart);
    expect(manifests.map(m => m.kind).sort()).toEqual(['Deployment']);
    const d = manifestOf(manifests, 'Deployment');
    const spec = podSpec(d);
    expect(d.metadata).toMatchObject({ name: 'modelmesh-serving-mlserver-1.x', labels: LABELS });
    expect(d.spec.replicas).toBe(2);
    expect(d.spec.selector.matchLabels).toEqual(SELECTOR);
    expect(d.spec.strategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxSurge: '75%', maxUnavailable: '15%' } });
    expect(d.spec.template.metadata.labels).toMatchObject(LABELS);
    expect(spec.affinity).toEqual(ARCH);
    expect(spec.terminationGracePeriodSeconds).toBe(90);
    // the golden's pod securityContext is empty: no user, group or fsGroup is written (the images' own users)
    expect(spec.securityContext.runAsUser ?? spec.securityContext.runAsGroup ?? spec.securityContext.fsGroup).toBeUndefined();
    expect(spec.containers.map((c: any) => c.name).sort()).toEqual(['mlserver', 'mlserver-adapter', 'mm', 'rest-proxy']);
    expect(spec.initContainers).toBeUndefined();

    const proxy = container(d, 'rest-proxy');
    expect(proxy).toMatchObject({ image: 'kserve/rest-proxy:latest', imagePullPolicy: 'Always', ports: [{ containerPort: 8008, name: 'http' }] });
    expect(env(proxy, 'REST_PROXY_GRPC_PORT').value).toBe('1234');
    expect(proxy.resources).toEqual({ requests: { cpu: '50m', memory: '96Mi' }, limits: { cpu: '1', memory: '512Mi' } });
    expect(proxy.startupProbe ?? proxy.readinessProbe ?? proxy.livenessProbe).toBeUndefined();

    const server = container(d, 'mlserver');
    expect(server).toMatchObject({ image: 'mlserver-1:replace', imagePullPolicy: 'IfNotPresent' });
    for (const [name, value] of Object.entries(MLSERVER_ENV)) expect(env(server, name).value).toBe(value);
    expect(server.ports).toBeUndefined();
    expect(server.startupProbe ?? server.readinessProbe ?? server.livenessProbe).toBeUndefined();
    expect(server.resources).toEqual({ requests: { cpu: '500m', memory: '1Gi' }, limits: { cpu: '5', memory: '1Gi' } });
    expect(server.securityContext.capabilities).toEqual({ drop: ['ALL'] });
    expect(mount(server, '/models')).toMatchObject({ name: 'models-dir' });
    expect(mount(server, '/models').readOnly).toBeFalsy();
    expect(server.lifecycle).toEqual({ preStop: { httpGet: { path: '/prestop', port: 8090 } } });

    const adapter = container(d, 'mlserver-adapter');
    expect(adapter).toMatchObject({ image: 'image:tag', command: ['/opt/app/mlserver-adapter'] });
    for (const [name, value] of Object.entries(ADAPTER_ENV)) expect(env(adapter, name).value).toBe(value);
    expect(env(adapter, 'CONTAINER_MEM_REQ_BYTES').valueFrom).toEqual({ resourceFieldRef: { containerName: 'mlserver', resource: 'requests.memory' } });
    expect(adapter.resources).toEqual({ requests: { cpu: '50m', memory: '96Mi' }, limits: { cpu: '2', memory: '512Mi' } });
    expect(mount(adapter, '/models')).toMatchObject({ name: 'models-dir' });
    expect(mount(adapter, '/models').readOnly).toBeFalsy();
    expect(mount(adapter, '/storage-config')).toEqual({ name: 'storage-config', mountPath: '/storage-config', readOnly: true });
    expect(adapter.lifecycle).toEqual({ preStop: { httpGet: { path: '/prestop', port: 8090 } } });

    const mm = container(d, 'mm');
    expect(mm).toMatchObject({ image: 'image:tag', imagePullPolicy: 'IfNotPresent', ports: [{ containerPort: 1234, name: 'grpc' }] });
    for (const [name, value] of Object.entries(MM_ENV)) expect(env(mm, name).value).toBe(value);
    expect(env(mm, 'WKUBE_POD_NAME').valueFrom).toEqual({ fieldRef: { fieldPath: 'metadata.name' } });
    expect(env(mm, 'WKUBE_POD_IPADDR').valueFrom).toEqual({ fieldRef: { fieldPath: 'status.podIP' } });
    expect(env(mm, 'MM_LOCATION').valueFrom).toEqual({ fieldRef: { fieldPath: 'status.hostIP' } });
    expect(mm.readinessProbe).toEqual({ httpGet: { path: '/ready', port: 8089 }, initialDelaySeconds: 5, periodSeconds: 5, timeoutSeconds: 1, failureThreshold: 3 });
    expect(mm.livenessProbe).toEqual({ httpGet: { path: '/live', port: 8089 }, initialDelaySeconds: 90, periodSeconds: 30, timeoutSeconds: 5, failureThreshold: 2 });
    expect(mm.startupProbe).toBeUndefined();
    expect(mm.lifecycle).toEqual({ preStop: { exec: { command: ['/opt/kserve/mmesh/stop.sh', 'wait'] } } });
    expect(mm.resources).toEqual({ requests: { cpu: '300m', memory: '448Mi' }, limits: { cpu: '3', memory: '448Mi' } });
    expect(mount(mm, '/etc/watson/mmesh/config')).toMatchObject({ name: 'tc-config' });
    expect(mount(mm, '/opt/kserve/mmesh/etcd')).toMatchObject({ name: 'etcd-config', readOnly: true });

    expect(volume(spec, 'models-dir').emptyDir).toEqual({ sizeLimit: '1536Mi' });
    expect(volume(spec, 'storage-config').secret).toEqual({ secretName: 'storage-config' });
    expect(volume(spec, 'tc-config').configMap).toEqual({ name: 'tc-config' });
    expect(volume(spec, 'etcd-config').secret).toEqual({ secretName: 'secret' });
    // mm's management port 8089 is probed but not declared, as in the golden: a warning, no longer an error
    expect(warnings).toContain('containers[3].readinessProbe: probes port 8089, which no container of the pod declares (declared: 8008, 1234)');
    expect(warnings).toContain('containers[3].livenessProbe: probes port 8089, which no container of the pod declares');
    expect(warnings).toContain('"kserve/rest-proxy:latest" is not pinned (:latest)');
    expect(warnings.trim().split('\n')).toHaveLength(3);
  });
});

// Source: kserve/kserve (aaac4e29) test/e2e/storage/test_oci_modelcar.py, test_oci_modelcar_uid_isvc: InferenceService
// isvc-oci-modelcar-uid-smoke (namespace kserve-ci-e2e-test), model format sklearn, storageUri
// oci://kserve/sklearn-modelcar:<TAG> (.github/workflows/e2e-test.yml; the CI tag, v0.16.0 here), resources cpu
// 50m/100m, memory 128Mi/256Mi; the runtime config/runtimes/kserve-sklearnserver.yaml (kserve-container,
// kserve/sklearnserver:latest by config/runtimes/kustomization.yaml, args --model_name=<name> --model_dir=/mnt/models
// --http_port=8080, securityContext allowPrivilegeEscalation false / privileged false / runAsNonRoot / drop ALL); the
// storageInitializer config of config/configmap/inferenceservice.yaml (enableModelcar true, cpuModelcar 10m,
// memoryModelcar 15Mi, uidModelcar 1010); and what pkg/utils/storage.go ConfigureModelcarToContainer does with them:
// env MODEL_INIT_MODE=async and runAsUser 1010 on kserve-container, an emptyDir kserve-provision-location mounted
// read-write at /mnt (the parent of /mnt/models) in kserve-container and in the modelcar container, the modelcar
// container appended to the containers (the model image, args sh -c "ln -sf /proc/$$$$/root/models /mnt/models &&
// sleep infinity": Kubernetes turns $$$$ into $$, the shell's PID, so /mnt/models links into the modelcar's root
// filesystem), cpu 10m / memory 15Mi as request and limit, FallbackToLogsOnError, runAsUser 1010; the init container
// modelcar-init (same image, args sh -c "echo 'Pre-fetching modelcar …' && [ -d /models ] && [ "$$(ls -A /models)" ] …",
// the same resources: it makes the kubelet pull the model image before the server starts); shareProcessNamespace true.
describe('KServe ModelCar: the model\'s OCI image as a sidecar behind a shared process namespace (kserve storage.go, test_oci_modelcar.py)', () => {
  const MODEL_IMAGE = 'kserve/sklearn-modelcar:v0.16.0';
  const LINK = 'ln -sf /proc/$$$$/root/models /mnt/models && sleep infinity';
  const PREFETCH = `echo 'Pre-fetching modelcar ${MODEL_IMAGE}: ' && [ -d /models ] && [ "$$(ls -A /models)" ] && echo 'OK ... Prefetched and valid (/models exists)' || (echo 'NOK ... Prefetched but modelcar is invalid (/models does not exist or is empty)' && exit 1)`;
  const tiny = { cpu: { request: '10m', limit: '10m' }, memory: { request: '15Mi', limit: '15Mi' } };

  test('the server reads /mnt/models through /proc/<pid>/root of the modelcar; both run as uidModelcar 1010', () => {
    const chart = newChart('modelcar');
    const provision = PodVolume.emptyDir('kserve-provision-location');
    const pod = new AiInferencePod(chart, 'predictor', {
      metadata: { namespace: 'kserve-ci-e2e-test', labels: { 'serving.kserve.io/inferenceservice': 'isvc-oci-modelcar-uid-smoke' } },
      server: {
        name: 'kserve-container',
        image: 'kserve/sklearnserver:latest',
        args: ['--model_name=isvc-oci-modelcar-uid-smoke', '--model_dir=/mnt/models', '--http_port=8080'],
        port: 8080,
        env: { MODEL_INIT_MODE: 'async' },
        health: HealthCheck.none(),
        resources: { cpu: { request: '50m', limit: '100m' }, memory: { request: '128Mi', limit: '256Mi' } },
        security: { runAsUser: 1010, readOnlyRootFilesystem: false },
        volumeMounts: [{ volume: provision, path: '/mnt', readOnly: false }],
      },
      shareProcessNamespace: true,
      terminationGracePeriod: Duration.seconds(30),
      security: { idsFromPlatform: true },
    });
    new Sidecar(pod, 'modelcar', {
      name: 'modelcar',
      mode: SidecarMode.CLASSIC,
      image: MODEL_IMAGE,
      args: ['sh', '-c', LINK],
      terminationMessagePolicy: TerminationMessagePolicy.FALLBACK_TO_LOGS_ON_ERROR,
      resources: tiny,
      security: { runAsUser: 1010, readOnlyRootFilesystem: false },
      volumeMounts: [{ volume: 'kserve-provision-location', path: '/mnt', readOnly: false }],
    });
    new InitContainer(pod, 'modelcar-init', {
      name: 'modelcar-init',
      image: MODEL_IMAGE,
      args: ['sh', '-c', PREFETCH],
      resources: tiny,
      security: { runAsUser: 1010, readOnlyRootFilesystem: false },
    });
    const { manifests, warnings } = synthWithWarnings(chart);
    expect(manifests.map(m => m.kind).sort()).toEqual(['Pod']);
    const p = manifestOf(manifests, 'Pod');
    const spec = p.spec;
    expect(p.metadata).toMatchObject({ namespace: 'kserve-ci-e2e-test', labels: { 'serving.kserve.io/inferenceservice': 'isvc-oci-modelcar-uid-smoke' } });
    expect(spec.shareProcessNamespace).toBe(true);
    expect(spec.terminationGracePeriodSeconds).toBe(30);
    expect(spec.securityContext.runAsUser ?? spec.securityContext.runAsGroup ?? spec.securityContext.fsGroup).toBeUndefined();
    // the modelcar comes after the server, as ConfigureModelcarToContainer appends it
    expect(spec.containers.map((c: any) => c.name)).toEqual(['kserve-container', 'modelcar']);

    const server = spec.containers[0];
    expect(server.image).toBe('kserve/sklearnserver:latest');
    expect(server.args).toEqual(['--model_name=isvc-oci-modelcar-uid-smoke', '--model_dir=/mnt/models', '--http_port=8080']);
    expect(env(server, 'MODEL_INIT_MODE').value).toBe('async');
    expect(server.resources).toEqual({ requests: { cpu: '50m', memory: '128Mi' }, limits: { cpu: '100m', memory: '256Mi' } });
    expect(server.securityContext).toMatchObject({
      runAsUser: 1010, runAsNonRoot: true, allowPrivilegeEscalation: false, privileged: false, capabilities: { drop: ['ALL'] },
    });
    expect(mount(server, '/mnt')).toMatchObject({ name: 'kserve-provision-location', readOnly: false });
    expect(server.startupProbe ?? server.readinessProbe ?? server.livenessProbe).toBeUndefined();

    const modelcar = spec.containers[1];
    expect(modelcar).toMatchObject({ image: MODEL_IMAGE, args: ['sh', '-c', LINK], terminationMessagePolicy: 'FallbackToLogsOnError' });
    expect(modelcar.resources).toEqual({ requests: { cpu: '10m', memory: '15Mi' }, limits: { cpu: '10m', memory: '15Mi' } });
    expect(modelcar.securityContext.runAsUser).toBe(1010);
    expect(mount(modelcar, '/mnt')).toMatchObject({ name: 'kserve-provision-location', readOnly: false });
    expect(modelcar.ports ?? modelcar.readinessProbe ?? modelcar.restartPolicy).toBeUndefined();

    expect(spec.initContainers).toHaveLength(1);
    expect(spec.initContainers[0]).toMatchObject({
      name: 'modelcar-init', image: MODEL_IMAGE, args: ['sh', '-c', PREFETCH], terminationMessagePolicy: 'FallbackToLogsOnError',
    });
    expect(spec.initContainers[0].resources).toEqual({ requests: { cpu: '10m', memory: '15Mi' }, limits: { cpu: '10m', memory: '15Mi' } });
    expect(volume(spec, 'kserve-provision-location').emptyDir).toEqual({});
    expect(warnings).toContain('"kserve/sklearnserver:latest" is not pinned (:latest)');
    expect(warnings.trim().split('\n')).toHaveLength(1);
  });
});

// Source: SeldonIO/seldon-core v1 (branch release-1.19.0-rc.1, 43940c85): notebooks/resources/model.yaml, the
// SeldonDeployment seldon-model (predictor "example", one MODEL "classifier", image seldonio/mock_classifier:1.19.0-rc.1,
// REST), rendered by the operator with the chart's defaults (helm-charts/seldon-core-operator/values.yaml: executor
// seldonio/seldon-core-executor:1.19.0-rc.1, port 8000, cpu 500m / memory 512Mi as request and limit, user 8888,
// request logger http://default-broker, defaultUserID 8888). operator/controllers/seldondeployment_controller.go
// (createDeploymentWithoutEngine, createContainerService), seldondeployment_engine.go (createExecutorContainer) and
// apis/…/v1/defaults.go give: Deployment seldon-model-example-0-classifier, labels seldon-deployment-id / app /
// fluentd / seldon-app / seldon-app-svc, rollingUpdate maxUnavailable 10%, template annotations prometheus.io/path
// /prometheus and scrape "true", terminationGracePeriodSeconds 20, pod securityContext runAsUser 8888;
// the model container with ports metrics 6000 (defaults.go), http 9000 and grpc 9500, tcpSocket readiness on 9000
// after 20 s and liveness after 60 s (every 5 s, timeout 1, 3 failures), preStop /bin/sh -c "/bin/sleep 10",
// IfNotPresent, terminationMessagePolicy File and the PREDICTIVE_UNIT_* / MLSERVER_* / SELDON_* variables;
// the executor seldon-container-engine with args --sdep … --full_health_checks=false, ports http 8000, metrics 8000
// (the same number under a second name, for the Prometheus scrape) and grpc 5001, readiness GET /ready and liveness
// GET /live on 8000 (after 20 s, every 5 s, timeout 60, 3 failures), runAsUser 8888 with no privilege escalation,
// ENGINE_PREDICTOR (the predictor as base64 JSON; shortened here), and /etc/podinfo the downwardAPI volume
// seldon-podinfo (file "annotations" = metadata.annotations, mode 0644), PodVolume.downwardApi.
describe('Seldon Core v1 SeldonDeployment with the executor (seldon-core release-1.19 notebooks/resources/model.yaml, operator)', () => {
  const LABELS = {
    'seldon-deployment-id': 'seldon-model',
    'app': 'seldon-model-example-0-classifier',
    'fluentd': 'true',
    'seldon-app': 'seldon-model-example',
    'seldon-app-svc': 'seldon-model-example-classifier',
  };
  const SELECTOR = { 'seldon-deployment-id': 'seldon-model', 'seldon-app': 'seldon-model-example', 'seldon-app-svc': 'seldon-model-example-classifier' };
  const MODEL_IMAGE = 'seldonio/mock_classifier:1.19.0-rc.1';
  const MODEL_ENV = {
    PREDICTIVE_UNIT_SERVICE_PORT: '9000',
    PREDICTIVE_UNIT_HTTP_SERVICE_PORT: '9000',
    MLSERVER_HTTP_PORT: '9000',
    PREDICTIVE_UNIT_GRPC_SERVICE_PORT: '9500',
    MLSERVER_GRPC_PORT: '9500',
    PREDICTIVE_UNIT_ID: 'classifier',
    MLSERVER_MODEL_NAME: 'classifier',
    PREDICTIVE_UNIT_IMAGE: MODEL_IMAGE,
    PREDICTOR_ID: 'example',
    PREDICTOR_LABELS: '{}',
    SELDON_DEPLOYMENT_ID: 'seldon-model',
    SELDON_EXECUTOR_ENABLED: 'true',
    PREDICTIVE_UNIT_METRICS_SERVICE_PORT: '6000',
    PREDICTIVE_UNIT_METRICS_ENDPOINT: '/prometheus',
    MLSERVER_METRICS_PORT: '6000',
    MLSERVER_METRICS_ENDPOINT: '/prometheus',
  };
  const PREDICTOR = Buffer.from(JSON.stringify({
    name: 'example', graph: { name: 'classifier', type: 'MODEL', endpoint: { type: 'REST', service_host: 'localhost', service_port: 9000, httpPort: 9000, grpcPort: 9500 } },
    componentSpecs: [{ spec: { containers: [{ name: 'classifier', image: MODEL_IMAGE }] } }], replicas: 0, engineResources: {}, labels: {}, svcOrchSpec: {},
  })).toString('base64');
  const EXECUTOR_ARGS = [
    '--sdep', 'seldon-model', '--namespace', 'default', '--predictor', 'example', '--http_port', '8000', '--grpc_port', '5001',
    '--protocol', 'seldon', '--transport', 'rest', '--prometheus_path', '/prometheus', '--server_type', 'rpc',
    '--log_work_buffer_size', '10000', '--log_write_timeout_ms', '2000', '--full_health_checks=false',
  ];

  test('the model container and the executor in one pod, the executor\'s two names for port 8000, the pod info volume', () => {
    const chart = newChart('seldon');
    const deploy = new AiInferenceDeployment(chart, 'classifier', {
      metadata: { name: 'seldon-model-example-0-classifier', namespace: 'default', labels: LABELS },
      podMetadata: { labels: LABELS, annotations: { 'prometheus.io/path': '/prometheus', 'prometheus.io/scrape': 'true' } },
      selectorLabels: SELECTOR,
      replicas: 1,
      // the operator writes maxUnavailable alone: the API server adds its default maxSurge, 25%
      rollout: DeploymentRollout.rollingUpdate({ maxSurgePercent: 25, maxUnavailablePercent: 10 }),
      service: false,
      server: {
        name: 'classifier',
        image: MODEL_IMAGE,
        imagePullPolicy: ImagePullPolicy.IF_NOT_PRESENT,
        port: 9000,
        portName: 'http',
        extraPorts: [{ number: 6000, name: 'metrics' }, { number: 9500, name: 'grpc' }],
        env: MODEL_ENV,
        health: HealthCheck.custom({
          readiness: Probe.tcp({
            initialDelay: Duration.seconds(20), period: Duration.seconds(5), timeout: Duration.seconds(1), failureThreshold: 3,
          }),
          liveness: Probe.tcp({ initialDelay: Duration.seconds(60), period: Duration.seconds(5), timeout: Duration.seconds(1), failureThreshold: 3 }),
        }),
        preStopCommand: ['/bin/sh', '-c', '/bin/sleep 10'],
        terminationMessagePolicy: TerminationMessagePolicy.FILE,
        // the SeldonDeployment gives the model no resources, and the mock classifier writes nothing outside /tmp
        resources: {},
      },
      terminationGracePeriod: Duration.seconds(20),
      security: { runAsUser: 8888, keepVolumeOwnership: true },
    });
    new Sidecar(deploy, 'executor', {
      name: 'seldon-container-engine',
      mode: SidecarMode.CLASSIC,
      image: 'docker.io/seldonio/seldon-core-executor:1.19.0-rc.1',
      imagePullPolicy: ImagePullPolicy.IF_NOT_PRESENT,
      args: EXECUTOR_ARGS,
      env: { ENGINE_PREDICTOR: PREDICTOR, REQUEST_LOGGER_DEFAULT_ENDPOINT: 'http://default-broker' },
      // the operator declares 8000 twice, as http and as metrics: refused (server-side apply keys ports by number and
      // protocol, and Flux applies server-side only); the second name is left out
      ports: [{ number: 8000, name: 'http' }, { number: 5001, name: 'grpc' }],
      health: HealthCheck.custom({
        readiness: Probe.httpGet('/ready', { port: 8000, initialDelay: Duration.seconds(20), period: Duration.seconds(5), timeout: Duration.seconds(60), failureThreshold: 3 }),
        liveness: Probe.httpGet('/live', { port: 8000, initialDelay: Duration.seconds(20), period: Duration.seconds(5), timeout: Duration.seconds(60), failureThreshold: 3 }),
      }),
      resources: { cpu: { request: '500m', limit: '500m' }, memory: { request: '512Mi', limit: '512Mi' } },
      security: { runAsUser: 8888, allowPrivilegeEscalation: false },
      // the pod's annotations as a file (the API server adds fieldRef.apiVersion v1)
      podVolumeMounts: [{
        volume: PodVolume.downwardApi('seldon-podinfo', { items: [{ path: 'annotations', field: PodField.ANNOTATIONS }], defaultMode: 0o644 }),
        path: '/etc/podinfo',
      }],
    });
    const { manifests, warnings } = synthWithWarnings(chart);
    expect(manifests.map(m => m.kind).sort()).toEqual(['Deployment']);
    const d = manifestOf(manifests, 'Deployment');
    const spec = podSpec(d);
    expect(d.metadata).toMatchObject({ name: 'seldon-model-example-0-classifier', namespace: 'default', labels: LABELS });
    expect(d.spec.selector.matchLabels).toEqual(SELECTOR);
    expect(d.spec.strategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '10%' } });
    expect(d.spec.template.metadata.labels).toMatchObject(LABELS);
    expect(d.spec.template.metadata.annotations).toEqual({ 'prometheus.io/path': '/prometheus', 'prometheus.io/scrape': 'true' });
    expect(spec.terminationGracePeriodSeconds).toBe(20);
    expect(spec.securityContext).toMatchObject({ runAsUser: 8888 });
    expect(spec.securityContext.fsGroup).toBeUndefined();
    expect(spec.containers.map((c: any) => c.name)).toEqual(['classifier', 'seldon-container-engine']);

    const model = container(d, 'classifier');
    expect(model).toMatchObject({ image: MODEL_IMAGE, imagePullPolicy: 'IfNotPresent', terminationMessagePolicy: 'File' });
    expect(model.ports).toEqual(expect.arrayContaining([
      { containerPort: 6000, name: 'metrics' }, { containerPort: 9000, name: 'http' }, { containerPort: 9500, name: 'grpc' },
    ]));
    expect(model.ports).toHaveLength(3);
    for (const [name, value] of Object.entries(MODEL_ENV)) expect(env(model, name).value).toBe(value);
    const tcp = { tcpSocket: { port: 9000 }, periodSeconds: 5, timeoutSeconds: 1, failureThreshold: 3 };
    expect(model.readinessProbe).toEqual({ ...tcp, initialDelaySeconds: 20 });
    expect(model.livenessProbe).toEqual({ ...tcp, initialDelaySeconds: 60 });
    expect(model.startupProbe).toBeUndefined();
    expect(model.lifecycle).toEqual({ preStop: { exec: { command: ['/bin/sh', '-c', '/bin/sleep 10'] } } });
    expect(model.resources).toBeUndefined();

    const engine = container(d, 'seldon-container-engine');
    expect(engine).toMatchObject({ image: 'docker.io/seldonio/seldon-core-executor:1.19.0-rc.1', imagePullPolicy: 'IfNotPresent', args: EXECUTOR_ARGS });
    expect(env(engine, 'ENGINE_PREDICTOR').value).toBe(PREDICTOR);
    expect(env(engine, 'REQUEST_LOGGER_DEFAULT_ENDPOINT').value).toBe('http://default-broker');
    expect(engine.ports).toEqual([{ containerPort: 8000, name: 'http' }, { containerPort: 5001, name: 'grpc' }]);
    expect(engine.readinessProbe).toEqual({ httpGet: { path: '/ready', port: 8000 }, initialDelaySeconds: 20, periodSeconds: 5, timeoutSeconds: 60, failureThreshold: 3 });
    expect(engine.livenessProbe).toEqual({ httpGet: { path: '/live', port: 8000 }, initialDelaySeconds: 20, periodSeconds: 5, timeoutSeconds: 60, failureThreshold: 3 });
    expect(engine.resources).toEqual({ requests: { cpu: '500m', memory: '512Mi' }, limits: { cpu: '500m', memory: '512Mi' } });
    expect(engine.securityContext).toMatchObject({ runAsUser: 8888, allowPrivilegeEscalation: false });
    expect(mount(engine, '/etc/podinfo')).toEqual({ name: 'seldon-podinfo', mountPath: '/etc/podinfo', readOnly: true });
    expect(volume(spec, 'seldon-podinfo').downwardAPI).toEqual({
      items: [{ path: 'annotations', fieldRef: { fieldPath: 'metadata.annotations' } }], defaultMode: 420,
    });
    // the operator names the executor's ports http and grpc as the model's: the API server warns, and so does synth
    expect(warnings).toContain('spec.template.spec.containers[1].ports[0].name: duplicate port name "http" with spec.template.spec.containers[0].ports[0]');
    expect(warnings).toContain('spec.template.spec.containers[1].ports[1].name: duplicate port name "grpc" with spec.template.spec.containers[0].ports[2]');
    expect(warnings.trim().split('\n')).toHaveLength(2);
  });
});

// Source: kserve/modelmesh-serving controllers/testdata/servingruntime_controller.golden (9c7a2b71), snapshot "Sample
// Runtime config/runtimes/triton-2.x.yaml should be a valid runtime specification": Deployment
// modelmesh-serving-triton-2.x (same labels, affinity, strategy, grace period and volumes as the MLServer one, no REST
// proxy). Containers: triton-adapter (command /opt/app/triton-adapter, the puller env with LOADING_CONCURRENCY "2" from
// the runtime's maxLoadingConcurrency annotation, CONTAINER_MEM_REQ_BYTES = triton's requests.memory, cpu 50m/2, memory
// 96Mi/512Mi, /models and /storage-config); triton (tritonserver-2:replace, command /bin/sh, args -c "mkdir -p
// /models/_triton_models; chmod 777 /models/_triton_models; exec tritonserver … --model-control-mode=explicit …",
// liveness exec curl --fail --silent --show-error --max-time 9 http://localhost:8000/v2/health/live after 5 s every
// 30 s with timeout 10 — the runtime's comment: Triton listens on 127.0.0.1 only, so an httpGet from the kubelet
// cannot reach it —, cpu 500m/5, memory 1Gi, /models); mm (MM_LABELS of Triton's model types, port grpc 1234, probes
// on 8089); triton and triton-adapter have the preStop httpGet /prestop on 8090.
describe('KServe ModelMesh Serving runtime pod, Triton (modelmesh-serving servingruntime_controller.golden, triton-2.x)', () => {
  const LABELS = {
    'app.kubernetes.io/instance': 'modelmesh-controller',
    'app.kubernetes.io/managed-by': 'modelmesh-controller',
    'app.kubernetes.io/name': 'modelmesh-controller',
    'modelmesh-service': 'modelmesh-serving',
    'name': 'modelmesh-serving-triton-2.x',
  };
  const SELECTOR = { 'modelmesh-service': 'modelmesh-serving', 'name': 'modelmesh-serving-triton-2.x' };
  const TRITON = 'mkdir -p /models/_triton_models; chmod 777 /models/_triton_models; exec tritonserver "--model-repository=/models/_triton_models" '
    + '"--model-control-mode=explicit" "--strict-model-config=false" "--strict-readiness=false" "--allow-http=true" "--allow-sagemaker=false" ';
  const LIVE = ['curl', '--fail', '--silent', '--show-error', '--max-time', '9', 'http://localhost:8000/v2/health/live'];
  const MM_LABELS = 'mt:keras,mt:keras:2,mt:onnx,mt:onnx:1,mt:pytorch,mt:pytorch:1,mt:tensorflow,mt:tensorflow:1,mt:tensorflow:2,mt:tensorrt,mt:tensorrt:7,pv:grpc-v2,rt:triton-2.x';
  const dropAll = { readOnlyRootFilesystem: false };
  const PRESTOP = { path: '/prestop', port: 8090 };

  test('Triton on loopback probed by an exec curl, its adapter pulling into /models, mm in front', () => {
    const chart = newChart('modelmesh-triton');
    const modelsDir = PodVolume.emptyDir('models-dir', { sizeLimit: '1536Mi' });
    const deploy = new AiInferenceDeployment(chart, 'triton', {
      metadata: { name: 'modelmesh-serving-triton-2.x', labels: LABELS },
      podMetadata: { labels: LABELS },
      selectorLabels: SELECTOR,
      replicas: 2,
      rollout: DeploymentRollout.rollingUpdate({ maxSurgePercent: 75, maxUnavailablePercent: 15 }),
      service: false,
      server: {
        name: 'triton',
        image: 'tritonserver-2:replace',
        imagePullPolicy: ImagePullPolicy.IF_NOT_PRESENT,
        command: ['/bin/sh'],
        args: ['-c', TRITON],
        listens: false,
        health: HealthCheck.custom({
          liveness: Probe.exec(LIVE, { initialDelay: Duration.seconds(5), period: Duration.seconds(30), timeout: Duration.seconds(10) }),
        }),
        terminationMessagePolicy: TerminationMessagePolicy.FILE,
        preStopHttpGet: PRESTOP,
        resources: { cpu: { request: '500m', limit: '5' }, memory: { request: '1Gi', limit: '1Gi' } },
        security: dropAll,
        volumeMounts: [{ volume: modelsDir, path: '/models', readOnly: false }],
      },
      affinity: {
        nodeAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: {
            nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/arch', operator: 'In', values: ['amd64', 'arm64', 's390x'] }] }],
          },
        },
      },
      terminationGracePeriod: Duration.seconds(90),
      security: { idsFromPlatform: true },
    });
    new Sidecar(deploy, 'triton-adapter', {
      name: 'triton-adapter',
      mode: SidecarMode.CLASSIC,
      image: 'image:tag',
      imagePullPolicy: ImagePullPolicy.IF_NOT_PRESENT,
      command: ['/opt/app/triton-adapter'],
      env: {
        ADAPTER_PORT: '8085', RUNTIME_PORT: '8001', RUNTIME_DATA_ENDPOINT: 'port:8001', MEM_BUFFER_BYTES: '134217728',
        LOADTIME_TIMEOUT: '90000', USE_EMBEDDED_PULLER: 'true', RUNTIME_VERSION: 'replace', LOADING_CONCURRENCY: '2',
      },
      fieldEnv: { CONTAINER_MEM_REQ_BYTES: PodField.containerResource('triton', 'requests.memory') },
      preStopHttpGet: PRESTOP,
      resources: { cpu: { request: '50m', limit: '2' }, memory: { request: '96Mi', limit: '512Mi' } },
      security: dropAll,
      volumeMounts: [{ volume: 'models-dir', path: '/models', readOnly: false }],
      podVolumeMounts: [{ volume: PodVolume.secret('storage-config', 'storage-config'), path: '/storage-config' }],
    });
    new Sidecar(deploy, 'mm', {
      name: 'mm',
      mode: SidecarMode.CLASSIC,
      image: 'image:tag',
      imagePullPolicy: ImagePullPolicy.IF_NOT_PRESENT,
      ports: [{ number: 1234, name: 'grpc' }],
      env: {
        MM_SERVICE_NAME: 'modelmesh-serving', MM_SVC_GRPC_PORT: '1234', KV_STORE: 'etcd:/opt/kserve/mmesh/etcd/etcd_connection', MM_METRICS: 'disabled',
        SHUTDOWN_TIMEOUT_MS: '90000', INTERNAL_SERVING_GRPC_PORT: '8001', INTERNAL_GRPC_PORT: '8085', MM_SVC_GRPC_MAX_MSG_SIZE: '16777216',
        MM_KVSTORE_PREFIX: 'mm', MM_DEFAULT_VMODEL_OWNER: 'ksp', MM_LABELS,
        MM_TYPE_CONSTRAINTS_PATH: '/etc/watson/mmesh/config/type_constraints', MM_DATAPLANE_CONFIG_PATH: '/etc/watson/mmesh/config/dataplane_api_config',
      },
      fieldEnv: { WKUBE_POD_NAME: PodField.POD_NAME, WKUBE_POD_IPADDR: PodField.POD_IP, MM_LOCATION: PodField.HOST_IP },
      health: HealthCheck.custom({
        readiness: Probe.httpGet('/ready', { port: 8089, initialDelay: Duration.seconds(5), period: Duration.seconds(5), timeout: Duration.seconds(1) }),
        liveness: Probe.httpGet('/live', {
          port: 8089, initialDelay: Duration.seconds(90), period: Duration.seconds(30), timeout: Duration.seconds(5), failureThreshold: 2,
        }),
      }),
      preStopCommand: ['/opt/kserve/mmesh/stop.sh', 'wait'],
      resources: { cpu: { request: '300m', limit: '3' }, memory: { request: '448Mi', limit: '448Mi' } },
      security: dropAll,
      podVolumeMounts: [
        { volume: PodVolume.configMap('tc-config', 'tc-config'), path: '/etc/watson/mmesh/config' },
        { volume: PodVolume.secret('etcd-config', 'secret'), path: '/opt/kserve/mmesh/etcd' },
      ],
    });
    const { manifests, warnings } = synthWithWarnings(chart);
    expect(manifests.map(m => m.kind).sort()).toEqual(['Deployment']);
    const d = manifestOf(manifests, 'Deployment');
    const spec = podSpec(d);
    expect(d.metadata).toMatchObject({ name: 'modelmesh-serving-triton-2.x', labels: LABELS });
    expect(d.spec.selector.matchLabels).toEqual(SELECTOR);
    expect(d.spec.strategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxSurge: '75%', maxUnavailable: '15%' } });
    expect(spec.terminationGracePeriodSeconds).toBe(90);
    expect(spec.containers.map((c: any) => c.name).sort()).toEqual(['mm', 'triton', 'triton-adapter']);

    const triton = container(d, 'triton');
    expect(triton).toMatchObject({ image: 'tritonserver-2:replace', command: ['/bin/sh'], args: ['-c', TRITON], terminationMessagePolicy: 'File' });
    expect(triton.ports).toBeUndefined();
    expect(triton.livenessProbe).toEqual({
      exec: { command: LIVE }, initialDelaySeconds: 5, periodSeconds: 30, timeoutSeconds: 10, failureThreshold: 3,
    });
    expect(triton.readinessProbe ?? triton.startupProbe).toBeUndefined();
    expect(triton.resources).toEqual({ requests: { cpu: '500m', memory: '1Gi' }, limits: { cpu: '5', memory: '1Gi' } });
    expect(mount(triton, '/models')).toMatchObject({ name: 'models-dir' });
    expect(triton.lifecycle).toEqual({ preStop: { httpGet: { path: '/prestop', port: 8090 } } });

    const adapter = container(d, 'triton-adapter');
    expect(adapter.command).toEqual(['/opt/app/triton-adapter']);
    expect(env(adapter, 'LOADING_CONCURRENCY').value).toBe('2');
    expect(env(adapter, 'USE_EMBEDDED_PULLER').value).toBe('true');
    expect(env(adapter, 'CONTAINER_MEM_REQ_BYTES').valueFrom).toEqual({ resourceFieldRef: { containerName: 'triton', resource: 'requests.memory' } });
    expect(mount(adapter, '/models')).toMatchObject({ name: 'models-dir' });
    expect(mount(adapter, '/storage-config')).toMatchObject({ name: 'storage-config', readOnly: true });
    expect(adapter.lifecycle).toEqual({ preStop: { httpGet: { path: '/prestop', port: 8090 } } });

    const mm = container(d, 'mm');
    expect(env(mm, 'MM_LABELS').value).toBe(MM_LABELS);
    expect(mm.ports).toEqual([{ containerPort: 1234, name: 'grpc' }]);
    expect(mm.readinessProbe.httpGet).toEqual({ path: '/ready', port: 8089 });
    expect(mm.lifecycle).toEqual({ preStop: { exec: { command: ['/opt/kserve/mmesh/stop.sh', 'wait'] } } });
    expect(volume(spec, 'models-dir').emptyDir).toEqual({ sizeLimit: '1536Mi' });
    // Triton binds loopback and declares no port: nothing to warn about the exec probe; mm's 8089 as for MLServer
    expect(warnings).toContain('containers[2].readinessProbe: probes port 8089');
    expect(warnings.trim().split('\n')).toHaveLength(2);
  });
});

// Found while writing these pods: ModelMesh's runtime containers (and Knative's user container, /wait-for-drain on
// 8022) stop through a preStop httpGet hook, which no prop wrote (a JSON patch was the only way).
describe('preStopHttpGet: an HTTP GET as the preStop hook', () => {
  test('on the server and on a Sidecar; https writes scheme HTTPS', () => {
    const chart = newChart('hook');
    const pod = new AiInferencePod(chart, 'pod', {
      server: { image: 'registry.example.com/server:1.0', health: HealthCheck.none(), preStopHttpGet: { path: '/wait-for-drain', port: 8022 } },
    });
    new Sidecar(pod, 'adapter', { name: 'adapter', image: 'registry.example.com/adapter:1.0', preStopHttpGet: { path: '/prestop', port: 8090, https: true } });
    const spec = manifestOf(synthWithWarnings(chart).manifests, 'Pod').spec;
    expect(spec.containers[0].lifecycle).toEqual({ preStop: { httpGet: { path: '/wait-for-drain', port: 8022 } } });
    expect(spec.initContainers[0].lifecycle).toEqual({ preStop: { httpGet: { path: '/prestop', port: 8090, scheme: 'HTTPS' } } });
  });
  test.each<[string, any, string]>([
    ['with preStopCommand', { preStopCommand: ['sleep', '1'], preStopHttpGet: { path: '/x', port: 80 } },
      'server.preStopHttpGet: is given with server.preStopCommand: a container has one preStop hook'],
    ['with preStopSleep', { preStopSleep: Duration.seconds(5), preStopHttpGet: { path: '/x', port: 80 } },
      'server.preStopHttpGet: is given with server.preStopSleep: a container has one preStop hook'],
    ['a relative path', { preStopHttpGet: { path: 'prestop', port: 8090 } }, 'server.preStopHttpGet.path: "prestop" is not an absolute request path'],
    ['port 0', { preStopHttpGet: { path: '/prestop', port: 0 } }, 'server.preStopHttpGet.port: 0 must be a whole number from 1 to 65535'],
    ['no port', { preStopHttpGet: { path: '/prestop' } }, 'server.preStopHttpGet.port: is missing (the API server requires it)'],
    ['an unknown key', { preStopHttpGet: { path: '/prestop', port: 8090, host: 'x' } }, 'server.preStopHttpGet.host: unknown prop (given "x")'],
  ])('refused: %s', (_name, hooks, message) => {
    const chart = newChart('hook');
    new AiInferencePod(chart, 'pod', { server: { image: 'registry.example.com/server:1.0', health: HealthCheck.none(), ...hooks } });
    expect(() => synthWithWarnings(chart)).toThrow(message);
  });
});

// Found while writing these pods: KServe's modelcar container sets terminationMessagePolicy FallbackToLogsOnError, and a
// Sidecar had no prop for it (the kubelet's File was the only value).
describe('Sidecar terminationMessagePolicy', () => {
  test('written as given, native or classic; left to the kubelet when not given', () => {
    const chart = newChart('tmp');
    const pod = new AiInferencePod(chart, 'pod', { server: { image: 'registry.example.com/server:1.0', health: HealthCheck.none() } });
    new Sidecar(pod, 'native', { name: 'native', image: 'registry.example.com/a:1.0', terminationMessagePolicy: TerminationMessagePolicy.FALLBACK_TO_LOGS_ON_ERROR });
    new Sidecar(pod, 'classic', { name: 'classic', image: 'registry.example.com/b:1.0', mode: SidecarMode.CLASSIC, terminationMessagePolicy: TerminationMessagePolicy.FILE });
    new Sidecar(pod, 'plain', { name: 'plain', image: 'registry.example.com/c:1.0', mode: SidecarMode.CLASSIC });
    const spec = manifestOf(synthWithWarnings(chart).manifests, 'Pod').spec;
    expect(spec.initContainers.find((c: any) => c.name === 'native').terminationMessagePolicy).toBe('FallbackToLogsOnError');
    expect(spec.containers.find((c: any) => c.name === 'classic').terminationMessagePolicy).toBe('File');
    expect(spec.containers.find((c: any) => c.name === 'plain').terminationMessagePolicy).toBeUndefined();
  });
  test('a value Kubernetes does not know is refused', () => {
    const chart = newChart('tmp');
    const pod = new AiInferencePod(chart, 'pod', { server: { image: 'registry.example.com/server:1.0', health: HealthCheck.none() } });
    new Sidecar(pod, 'bad', { name: 'bad', image: 'registry.example.com/a:1.0', terminationMessagePolicy: 'Logs' as TerminationMessagePolicy });
    expect(() => synthWithWarnings(chart)).toThrow('spec.initContainers[0].terminationMessagePolicy: "Logs" is not one of File, FallbackToLogsOnError');
  });
});
