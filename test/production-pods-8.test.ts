/**
 * Production pods, eighth batch (new-user review 8, 2026-11): serving systems not covered by
 * production-pods*.test.ts — KServe's LLMInferenceService pod templates (the single-node template and
 * the data-parallel LeaderWorkerSet worker), the vLLM project's own Helm chart (an init container
 * that waits for a Job's download instead of downloading), Open Data Hub / OpenShift AI's vLLM
 * ServingRuntimes (Intel Gaudi with the platform's random UID, and the multi-node Ray head with exec
 * probes). Each describe names the public manifest it follows; each pod goes through the real App
 * synth, the official schema and the object rules, and the fields that matter are asserted. Where
 * the real pod has a field the library cannot express, the test says so and shows the escape hatch
 * (a JSON patch).
 */
import { ApiObject, Duration, Testing } from 'cdk8s';
import {
  AiInferenceDeployment, AiInferencePod, DeploymentRollout, HealthCheck, ImagePullPolicy, InitContainer, LogSidecar, ModelPrepInit, ModelSource,
  PodField, PodSecurityLevel, PodVolume, Probe, ProxySidecar,
} from '../src';
import { env, mount, synthWithWarnings, templateOf, volume, withWarnings } from './helpers/pod-parts';
import { pssRestrictedViolations } from './helpers/pss';
import { expectRefused } from './helpers/refusal';
import { container, expectApiValid, manifestOf, newChart, podSpec } from './helpers/synth';

/** Probe timings in seconds, as the manifests write them. */
function timing(initialDelay: number, period: number, timeout: number, failureThreshold: number): any {
  return { initialDelay: Duration.seconds(initialDelay), period: Duration.seconds(period), timeout: Duration.seconds(timeout), failureThreshold };
}

// Source: kserve/kserve config/llmisvc/config-llm-template.yaml (bc3894bf): the LLMInferenceServiceConfig
// "kserve-config-llm-template" whose pod template the LLMInferenceService controller renders into a
// Deployment for a single-node model — container "main" (ghcr.io/llm-d/llm-d:0.0.8, IfNotPresent,
// port 8000/TCP with no name), `vllm serve <model>` with --served-model-name and --port, HOME=/home,
// VLLM_LOGGING_LEVEL=INFO, HF_HUB_CACHE=/models; a container security context that only forbids
// escalation and drops MKNOD (the image's user, the runtime's other capabilities, a writable root
// filesystem); liveness GET /health on 8000 (10 s delay, every 30 s, timeout 10, 3 failures), readiness
// GET /health (10 s delay, every 10 s, timeout 5, 60 failures), no startup probe; emptyDirs home
// (/home) and model-cache (/models), a memory-backed dshm of 1Gi at /dev/shm; a 30 s grace period.
// The GPU (nvidia.com/gpu: 1) comes from the LLMInferenceService's own resources.
describe('KServe LLMInferenceService template (kserve config/llmisvc/config-llm-template.yaml)', () => {
  test('drop MKNOD only (baseline), liveness and readiness with the template\'s timings, home and model-cache emptyDirs, dshm 1Gi', () => {
    const chart = newChart('llmisvc');
    new AiInferenceDeployment(chart, 'llm', {
      metadata: { name: 'facebook-opt-125m-single-kserve', labels: { 'app.kubernetes.io/name': 'facebook-opt-125m-single' } },
      server: {
        name: 'main',
        image: 'ghcr.io/llm-d/llm-d:0.0.8',
        imagePullPolicy: ImagePullPolicy.IF_NOT_PRESENT,
        port: 8000,
        command: ['vllm', 'serve', 'facebook/opt-125m'],
        args: ['--served-model-name', 'facebook/opt-125m', '--port', '8000'],
        env: { HOME: '/home', VLLM_LOGGING_LEVEL: 'INFO', HF_HUB_CACHE: '/models' },
        security: { dropAllCapabilities: false, dropCapabilities: ['MKNOD'], readOnlyRootFilesystem: false },
        health: HealthCheck.custom({
          liveness: Probe.httpGet('/health', timing(10, 30, 10, 3)),
          readiness: Probe.httpGet('/health', timing(10, 10, 5, 60)),
        }),
        volumeMounts: [
          { volume: PodVolume.emptyDir('home'), path: '/home' },
          { volume: PodVolume.emptyDir('model-cache'), path: '/models' },
        ],
      },
      gpu: { count: 1, tolerate: false },
      terminationGracePeriod: Duration.seconds(30),
      security: { level: PodSecurityLevel.BASELINE },
      service: false,
    });
    const { manifests, warnings } = synthWithWarnings(chart);
    const deploy = manifestOf(manifests, 'Deployment');
    const spec = podSpec(deploy);
    const c = container(deploy, 'main');
    expect(c.image).toBe('ghcr.io/llm-d/llm-d:0.0.8');
    expect(c.imagePullPolicy).toBe('IfNotPresent');
    expect(c.command).toEqual(['vllm', 'serve', 'facebook/opt-125m']);
    expect(c.args).toEqual(['--served-model-name', 'facebook/opt-125m', '--port', '8000']);
    // the template's port has no name; the library names it http (harmless: nothing refers to it by name)
    expect(c.ports).toEqual([{ containerPort: 8000, name: 'http' }]);
    expect(env(c, 'HOME').value).toBe('/home');
    expect(env(c, 'HF_HUB_CACHE').value).toBe('/models');
    expect(c.securityContext).toMatchObject({ allowPrivilegeEscalation: false, capabilities: { drop: ['MKNOD'] }, readOnlyRootFilesystem: false });
    expect(c.livenessProbe).toEqual({
      httpGet: { path: '/health', port: 8000 }, initialDelaySeconds: 10, periodSeconds: 30, timeoutSeconds: 10, failureThreshold: 3,
    });
    expect(c.readinessProbe).toEqual({
      httpGet: { path: '/health', port: 8000 }, initialDelaySeconds: 10, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 60,
    });
    expect(c.startupProbe).toBeUndefined();
    expect(c.terminationMessagePolicy).toBe('FallbackToLogsOnError');
    expect(mount(c, '/home')).toMatchObject({ name: 'home' });
    expect(mount(c, '/models')).toMatchObject({ name: 'model-cache' });
    expect(mount(c, '/dev/shm')).toMatchObject({ name: 'dshm' });
    expect(volume(spec, 'home').emptyDir).toEqual({});
    expect(volume(spec, 'model-cache').emptyDir).toEqual({});
    expect(volume(spec, 'dshm').emptyDir).toEqual({ medium: 'Memory', sizeLimit: '1Gi' });
    expect(c.resources.limits['nvidia.com/gpu']).toBe('1');
    expect(spec.tolerations).toBeUndefined();
    expect(spec.terminationGracePeriodSeconds).toBe(30);
    expect(warnings).toContain('"baseline"');
  });
});

// Source: kserve/kserve config/llmisvc/config-llm-worker-data-parallel.yaml (d0e8a2cf): the worker template
// of a data-parallel LLMInferenceService (a LeaderWorkerSet: LWS_WORKER_INDEX and LWS_LEADER_ADDRESS are set
// by the LWS controller) — `/bin/sh -c` with a script that starts the leader's API servers or a --headless
// worker, `$(LWS_LEADER_ADDRESS)` in the script, stdin: true and tty: true, capabilities IPC_LOCK and
// SYS_RAWIO added to the runtime's defaults (RDMA memory registration) with no escalation, liveness
// GET /health after 120 s (every 10 s, timeout 10, 3 failures), readiness GET /health (10 s, every 10 s,
// timeout 5, 60 failures), the same home / dshm 1Gi / model-cache volumes and a 30 s grace period.
describe('KServe LLMInferenceService data-parallel worker (kserve config-llm-worker-data-parallel.yaml)', () => {
  const script = [
    '', 'START_RANK=$(( ${LWS_WORKER_INDEX:-0} * 8 ))', 'if [ "${LWS_WORKER_INDEX:-0}" -eq 0 ]; then',
    '  vllm serve deepseek-ai/DeepSeek-R1 --port 8000 --api-server-count 4 --disable-log-requests --enable-expert-parallel \\',
    '    --data-parallel-size 16 --data-parallel-size-local 8 --data-parallel-address $(LWS_LEADER_ADDRESS) \\',
    '    --data-parallel-rpc-port 5555 --data-parallel-start-rank $START_RANK --trust-remote-code',
    'else',
    '  vllm serve deepseek-ai/DeepSeek-R1 --port 8000 --disable-log-requests --enable-expert-parallel \\',
    '    --data-parallel-size 16 --data-parallel-size-local 8 --data-parallel-address $(LWS_LEADER_ADDRESS) \\',
    '    --data-parallel-rpc-port 5555 --data-parallel-start-rank $START_RANK --trust-remote-code --headless',
    'fi',
  ].join('\n');

  function worker(chart: any, injectedEnv?: string[]): AiInferencePod {
    return new AiInferencePod(chart, 'worker', {
      metadata: { name: 'deepseek-r1-worker' },
      server: {
        name: 'main',
        stdin: true,
        tty: true,
        image: 'ghcr.io/llm-d/llm-d:0.0.8',
        imagePullPolicy: ImagePullPolicy.IF_NOT_PRESENT,
        port: 8000,
        command: ['/bin/sh', '-c'],
        args: [script],
        env: { HOME: '/home', VLLM_LOGGING_LEVEL: 'INFO', HF_HUB_CACHE: '/models' },
        // the template sets no user: the image's (root). As user 1000 the added capabilities would be void (synth warns)
        security: {
          dropAllCapabilities: false, addCapabilities: ['IPC_LOCK', 'SYS_RAWIO'], readOnlyRootFilesystem: false, runAsNonRoot: false, runAsUser: 0, runAsGroup: 0,
        },
        health: HealthCheck.custom({
          liveness: Probe.httpGet('/health', timing(120, 10, 10, 3)),
          readiness: Probe.httpGet('/health', timing(10, 10, 5, 60)),
        }),
        volumeMounts: [
          { volume: PodVolume.emptyDir('home'), path: '/home' },
          { volume: PodVolume.emptyDir('model-cache'), path: '/models' },
        ],
      },
      gpu: { count: 8, tolerate: false },
      terminationGracePeriod: Duration.seconds(30),
      injectedEnv,
      // IPC_LOCK and SYS_RAWIO are outside baseline's capability list
      security: { level: PodSecurityLevel.PRIVILEGED },
    });
  }

  test('$(LWS_LEADER_ADDRESS) inside a multi-line script: a warning unless injectedEnv lists it (the kubelet expands it in scripts too)', () => {
    const chart = newChart('llmisvc-dp');
    worker(chart);
    const { warnings } = synthWithWarnings(chart);
    // the kubelet expands $(NAME) in every command/args string; outside a LeaderWorkerSet the shell
    // would run `LWS_LEADER_ADDRESS` as a command substitution
    expect(warnings).toContain('spec.containers[0].args[0]: the script refers to $(LWS_LEADER_ADDRESS), which only the LeaderWorkerSet controller sets');
    expect(warnings).toContain('the shell then runs it as a command substitution');
    // the script's own $(( … )) arithmetic and lowercase names stay the shell's
    expect(warnings).not.toContain('START_RANK');
    const listed = newChart('llmisvc-dp');
    worker(listed, ['LWS_LEADER_ADDRESS']);
    expect(synthWithWarnings(listed).warnings).not.toContain('LeaderWorkerSet controller');
  });

  test('a script\'s other $(NAME) stays the shell\'s command substitution (no error)', () => {
    const chart = newChart('script-subst');
    new AiInferencePod(chart, 'pod', {
      server: { image: 'vllm/vllm-openai:v0.9.1', command: ['/bin/sh', '-c'], args: ['X=$(HOSTNAME_CMD)\nexec vllm serve m'], health: HealthCheck.none() },
    });
    expect(synthWithWarnings(chart).warnings).not.toContain('HOSTNAME_CMD');
  });

  test('added capabilities without a drop (privileged level), the template\'s probes; stdin and tty (server.stdin, server.tty)', () => {
    const chart = newChart('llmisvc-dp');
    const pod = worker(chart, ['LWS_LEADER_ADDRESS', 'LWS_WORKER_INDEX']);
    const { manifests, warnings } = synthWithWarnings(chart);
    expect(warnings).not.toContain('a non-root process gets none of them');
    const p = manifestOf(manifests, 'Pod');
    const c = container(p, 'main');
    expect(c.stdin).toBe(true);
    expect(c.tty).toBe(true);
    expect(c.args).toEqual([script]);
    expect(c.securityContext).toMatchObject({ allowPrivilegeEscalation: false, capabilities: { add: ['IPC_LOCK', 'SYS_RAWIO'] } });
    expect(c.securityContext.capabilities.drop).toBeUndefined();
    expect(c.livenessProbe).toEqual({
      httpGet: { path: '/health', port: 8000 }, initialDelaySeconds: 120, periodSeconds: 10, timeoutSeconds: 10, failureThreshold: 3,
    });
    expect(c.readinessProbe.failureThreshold).toBe(60);
    expect(c.resources.limits['nvidia.com/gpu']).toBe('8');
    expect(volume(podSpec(p), 'dshm').emptyDir).toEqual({ medium: 'Memory', sizeLimit: '1Gi' });
    const { template } = templateOf(pod);
    expect(template.spec.containers[0].name).toBe('main');
  });
});

// Source: vllm-project/vllm examples/online_serving/chart-helm (templates/deployment.yaml c6691785,
// _helpers.tpl 4694df5f, values.yaml 466716c2), rendered as release "test" with the default values: a
// Deployment test-deployment-vllm (labels environment/release: test, rollingUpdate maxSurge 100% /
// maxUnavailable 0, progressDeadlineSeconds 1200); container "vllm" (vllm/vllm-openai:latest, IfNotPresent,
// `vllm serve /data/ …` as its command, runAsNonRoot: false and no user, the port named
// "container-port" 8000, readiness GET /health:8000 after 5 s every 5 s 3 failures, liveness after 15 s
// every 10 s 3 failures, cpu 4 / memory 16Gi / one GPU as requests = limits, the claim
// test-storage-claim at /data); the init container "wait-download-model" (amazon/aws-cli:2.6.4) that does
// not download: it polls `aws s3 sync --dryrun` until the chart's Job has copied the model into the
// claim, with the S3 endpoint, bucket and keys from the Secret test-secrets, 200m/1Gi requests and
// 500m/2Gi limits; runtimeClassName nvidia and a required node affinity on nvidia.com/gpu.product.
// The Service test-service: port 80 "service-port" to 8000.
describe('vLLM Helm chart (vllm-project/vllm examples/online_serving/chart-helm)', () => {
  const command = ['vllm', 'serve', '/data/', '--served-model-name', 'opt-125m', '--enforce-eager', '--dtype', 'bfloat16', '--block-size', '16',
    '--host', '0.0.0.0', '--port', '8000'];
  const wait = 'while aws --endpoint-url $S3_ENDPOINT_URL s3 sync --dryrun s3://$S3_BUCKET_NAME/$S3_PATH /data | grep -q download; do sleep 10; done';
  const secret = (key: string) => ({ secretName: 'test-secrets', key });

  test('an init container that waits (InitContainer), runtimeClassName, node affinity, the chart\'s probes and Service; maxSurge 100% (maxSurgePercent)', () => {
    const chart = newChart('vllm-chart');
    const storage = PodVolume.persistentVolumeClaim('test-storage', 'test-storage-claim');
    const deploy = new AiInferenceDeployment(chart, 'vllm', {
      metadata: { name: 'test-deployment-vllm', labels: { environment: 'test', release: 'test' } },
      rollout: DeploymentRollout.rollingUpdate({ maxSurgePercent: 100, maxUnavailable: 0 }),
      modelLoadTimeout: Duration.minutes(10),
      server: {
        name: 'vllm',
        image: 'vllm/vllm-openai:latest',
        imagePullPolicy: ImagePullPolicy.IF_NOT_PRESENT,
        command,
        port: 8000,
        portName: 'container-port',
        security: { runAsNonRoot: false, runAsUser: 0, runAsGroup: 0, readOnlyRootFilesystem: false },
        health: HealthCheck.custom({
          readiness: Probe.httpGet('/health', { initialDelay: Duration.seconds(5), period: Duration.seconds(5), failureThreshold: 3 }),
          liveness: Probe.httpGet('/health', { initialDelay: Duration.seconds(15), period: Duration.seconds(10), failureThreshold: 3 }),
        }),
        resources: { cpu: { request: '4', limit: '4' }, memory: { request: '16Gi', limit: '16Gi' } },
        volumeMounts: [{ volume: storage, path: '/data', readOnly: false }],
      },
      gpu: { count: 1, tolerate: false, sharedMemory: false },
      runtimeClassName: 'nvidia',
      affinity: {
        nodeAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: {
            nodeSelectorTerms: [{ matchExpressions: [{ key: 'nvidia.com/gpu.product', operator: 'In', values: ['NVIDIA-L4'] }] }],
          },
        },
      },
      security: { level: PodSecurityLevel.BASELINE },
      serviceOptions: { name: 'test-service', port: 80, portName: 'service-port' },
    });
    new InitContainer(deploy, 'wait-download-model', {
      name: 'wait-download-model',
      image: 'amazon/aws-cli:2.6.4',
      command: ['/bin/bash'],
      args: ['-eucx', wait],
      secretEnv: {
        S3_ENDPOINT_URL: secret('s3endpoint'), S3_BUCKET_NAME: secret('s3bucketname'),
        AWS_ACCESS_KEY_ID: secret('s3accesskeyid'), AWS_SECRET_ACCESS_KEY: secret('s3accesskey'),
      },
      env: { S3_PATH: 'relative_s3_model_path/opt-125m', AWS_EC2_METADATA_DISABLED: 'true' },
      resources: { cpu: { request: '200m', limit: '500m' }, memory: { request: '1Gi', limit: '2Gi' } },
      volumeMounts: [{ volume: 'test-storage', path: '/data' }],
    });
    const { manifests, warnings } = synthWithWarnings(chart);
    // the chart's default tag: a warning, not a refusal
    expect(warnings).toContain('"vllm/vllm-openai:latest" is not pinned (:latest)');
    const d = manifestOf(manifests, 'Deployment');
    const spec = podSpec(d);
    const c = container(d, 'vllm');
    expect(d.metadata.name).toBe('test-deployment-vllm');
    expect(d.spec.template.metadata.labels).toMatchObject({ environment: 'test', release: 'test' });
    expect(d.spec.strategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxSurge: '100%', maxUnavailable: 0 } });
    expect(d.spec.progressDeadlineSeconds).toBe(1200);
    expect(c.command).toEqual(command);
    expect(c.args).toBeUndefined();
    expect(c.ports).toEqual([{ containerPort: 8000, name: 'container-port' }]);
    expect(c.readinessProbe).toMatchObject({ httpGet: { path: '/health', port: 8000 }, initialDelaySeconds: 5, periodSeconds: 5, failureThreshold: 3 });
    expect(c.livenessProbe).toMatchObject({ httpGet: { path: '/health', port: 8000 }, initialDelaySeconds: 15, periodSeconds: 10, failureThreshold: 3 });
    expect(c.startupProbe).toBeUndefined();
    expect(c.resources).toEqual({ limits: { 'cpu': '4', 'memory': '16Gi', 'nvidia.com/gpu': '1' }, requests: { 'cpu': '4', 'memory': '16Gi', 'nvidia.com/gpu': '1' } });
    expect(mount(c, '/data')).toEqual({ name: 'test-storage', mountPath: '/data', readOnly: false });
    expect(volume(spec, 'test-storage').persistentVolumeClaim).toEqual({ claimName: 'test-storage-claim' });
    const init = spec.initContainers.find((x: any) => x.name === 'wait-download-model');
    expect(init.command).toEqual(['/bin/bash']);
    expect(init.args).toEqual(['-eucx', wait]);
    expect(env(init, 'S3_BUCKET_NAME').valueFrom).toEqual({ secretKeyRef: { name: 'test-secrets', key: 's3bucketname' } });
    expect(env(init, 'AWS_EC2_METADATA_DISABLED').value).toBe('true');
    expect(init.resources).toEqual({ limits: { cpu: '500m', memory: '2Gi' }, requests: { cpu: '200m', memory: '1Gi' } });
    expect(mount(init, '/data')).toEqual({ name: 'test-storage', mountPath: '/data', readOnly: true });
    expect(spec.runtimeClassName).toBe('nvidia');
    expect(spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[0])
      .toEqual({ key: 'nvidia.com/gpu.product', operator: 'In', values: ['NVIDIA-L4'] });
    expect(spec.tolerations).toBeUndefined();
    expect(volume(spec, 'dshm')).toBeUndefined();
    const svc = manifestOf(manifests, 'Service');
    expect(svc.metadata.name).toBe('test-service');
    expect(svc.spec.ports).toEqual([{ name: 'service-port', port: 80, protocol: 'TCP', targetPort: 8000 }]);
  });
});

// Source: opendatahub-io/odh-model-controller config/runtimes/vllm-gaudi-template.yaml (00a4e9f0): the
// "vLLM Gaudi ServingRuntime for KServe" of OpenShift AI, as KServe's raw deployment mode renders its
// predictor pod: container "kserve-container" running `python -m vllm.entrypoints.openai.api_server
// --port=8080 --model=/mnt/models --served-model-name=<isvc>`, HF_HOME=/tmp/hf_home, port 8080/TCP,
// the pod annotations prometheus.io/port "8080" and prometheus.io/path /metrics, one habana.ai/gaudi
// from the InferenceService's resources. The runtime sets no user: OpenShift's restricted-v2 SCC
// assigns one from the namespace's range (e.g. 1000680000) and refuses a pod that asks for another.
describe('OpenShift AI vLLM Gaudi ServingRuntime (odh-model-controller vllm-gaudi-template.yaml)', () => {
  function gaudi(chart: any, security: any = {}): AiInferenceDeployment {
    return new AiInferenceDeployment(chart, 'granite', {
      metadata: { name: 'granite-predictor', namespace: 'granite' },
      podMetadata: { annotations: { 'prometheus.io/port': '8080', 'prometheus.io/path': '/metrics' } },
      server: {
        name: 'kserve-container',
        image: 'quay.io/modh/vllm:rhoai-2.16-gaudi',
        command: ['python', '-m', 'vllm.entrypoints.openai.api_server'],
        args: ['--port=8080', '--model=/mnt/models', '--served-model-name=granite'],
        port: 8080,
        env: { HF_HOME: '/tmp/hf_home' },
        // the runtime declares no probes (KServe's raw deployment adds none)
        health: HealthCheck.none(),
      },
      gpu: { count: 1, resourceName: 'habana.ai/gaudi' },
      security,
      service: false,
    });
  }

  test('habana.ai/gaudi, the scrape annotations, HF_HOME under the writable /tmp', () => {
    const chart = newChart('odh-gaudi');
    gaudi(chart);
    const { manifests, warnings } = synthWithWarnings(chart);
    expect(warnings).toBe('');
    const d = manifestOf(manifests, 'Deployment');
    const spec = podSpec(d);
    const c = container(d, 'kserve-container');
    expect(d.spec.template.metadata.annotations).toEqual({ 'prometheus.io/port': '8080', 'prometheus.io/path': '/metrics' });
    expect(c.args).toEqual(['--port=8080', '--model=/mnt/models', '--served-model-name=granite']);
    expect(c.ports).toEqual([{ containerPort: 8080, name: 'http' }]);
    expect(c.resources.limits['habana.ai/gaudi']).toBe('1');
    expect(mount(c, '/tmp')).toBeDefined();
    expect(c.startupProbe ?? c.readinessProbe ?? c.livenessProbe).toBeUndefined();
    expect(spec.tolerations).toEqual([{ effect: 'NoSchedule', key: 'habana.ai/gaudi', operator: 'Exists' }]);
  });

  test('OpenShift\'s random UID (security.idsFromPlatform): no user, group or fsGroup on the pod or any container of the library', () => {
    const chart = newChart('odh-gaudi');
    const d = gaudi(chart, { idsFromPlatform: true });
    new ModelPrepInit(d, 'model', { source: ModelSource.s3('s3://models/granite/') });
    new LogSidecar(d, 'logs');
    new ProxySidecar(d, 'proxy', { port: 8443 });
    const { manifests } = synthWithWarnings(chart);
    expectApiValid(manifests);
    const spec = podSpec(manifestOf(manifests, 'Deployment'));
    expect(spec.securityContext).toEqual({ fsGroupChangePolicy: 'OnRootMismatch', runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    const all = [...(spec.initContainers ?? []), ...spec.containers];
    expect(all).toHaveLength(4);
    for (const c of all) {
      expect([c.name, c.securityContext.runAsUser, c.securityContext.runAsGroup]).toEqual([c.name, undefined, undefined]);
      expect(c.securityContext.capabilities).toEqual({ drop: ['ALL'] });
    }
    expect(pssRestrictedViolations(manifestOf(manifests, 'Deployment'))).toEqual([]);
  });

  test('idsFromPlatform is refused with ids of its own or runAsNonRoot false', () => {
    expectRefused(c => gaudi(c, { idsFromPlatform: true, runAsUser: 1000 }),
      /security\.runAsUser: 1000 is given with security\.idsFromPlatform, which leaves the ids to the platform\. Fix: keep one of them/);
    expectRefused(c => gaudi(c, { idsFromPlatform: true, runAsNonRoot: false, level: PodSecurityLevel.BASELINE }),
      /security\.runAsNonRoot: false is given with security\.idsFromPlatform/);
    expectRefused(c => gaudi(c, { idsFromPlatform: 'yes' }), /security\.idsFromPlatform: "yes" is not true or false/);
  });
});

// Source: opendatahub-io/odh-model-controller config/runtimes/vllm-multinode-template.yaml (0901977d):
// the head pod of OpenShift AI's multi-node vLLM (Ray) ServingRuntime — `bash -c` starting a Ray head,
// waiting for PIPELINE_PARALLEL_SIZE nodes and exec'ing the OpenAI server on 8080 (port "http");
// RAY_PORT, RAY_ADDRESS, POD_NAMESPACE from the downward API, VLLM_NO_USAGE_STATS, HOME=/tmp,
// HF_HOME=/tmp/hf_home (MODEL_DIR, MODEL_NAME, TENSOR_PARALLEL_SIZE and PIPELINE_PARALLEL_SIZE come from
// KServe's controller); requests cpu 8 / memory 24Gi, limits cpu 16 / memory 48Gi; three exec probes
// running bash scripts against `ray status` and /health — startup after 20 s every 30 s (timeout 30, 40
// failures), readiness and liveness every 5 s (timeout 15, 2 failures, success 1); /dev/shm from the
// memory-backed emptyDir "shm" of 12Gi.
describe('OpenShift AI multi-node vLLM head (odh-model-controller vllm-multinode-template.yaml)', () => {
  const head = 'ray start --head --disable-usage-stats --include-dashboard false \n# wait for other node to join\n'
    + 'until [[ $(ray status --address ${RAY_ADDRESS} | grep -c node_) -eq ${PIPELINE_PARALLEL_SIZE} ]]; do\n  echo "Waiting..."\n  sleep 1\ndone\n'
    + 'export SERVED_MODEL_NAME=${MODEL_NAME}\nexport MODEL_NAME=${MODEL_DIR}\n'
    + 'exec python3 -m vllm.entrypoints.openai.api_server --port=8080 --distributed-executor-backend ray --model=${MODEL_NAME} '
    + '--served-model-name=${SERVED_MODEL_NAME} --tensor-parallel-size=${TENSOR_PARALLEL_SIZE} --pipeline-parallel-size=${PIPELINE_PARALLEL_SIZE} '
    + '--disable_custom_all_reduce\n';
  const gpuCheck = 'gpu_status=$(ray status --address ${RAY_ADDRESS} | grep GPU)\nif [[ -z ${gpu_status} ]]; then\n  exit 1\nfi\n';
  const nodesCheck = 'registered_node_count=$(ray status --address ${RAY_ADDRESS} | grep -c node_)\n'
    + 'if [[ ${registered_node_count} -ne "${PIPELINE_PARALLEL_SIZE}" ]]; then\n  exit 1\nfi\n';
  const healthCheck = 'health_check=$(curl -o /dev/null -s -w "%{http_code}\\n" http://localhost:8080/health)\nif [[ ${health_check} != 200 ]]; then\n  exit 1\nfi\n';
  const every5 = { period: Duration.seconds(5), timeout: Duration.seconds(15), failureThreshold: 2, successThreshold: 1 };

  test('exec startup, readiness and liveness probes with their timings, a downward-API variable, a 12Gi /dev/shm', () => {
    const chart = newChart('odh-multinode');
    new AiInferenceDeployment(chart, 'head', {
      metadata: { name: 'vllm-multinode-predictor' },
      server: {
        name: 'kserve-container',
        image: 'quay.io/modh/vllm:rhoai-2.16-cuda',
        command: ['bash', '-c'],
        args: [head],
        port: 8080,
        env: { RAY_PORT: '6379', RAY_ADDRESS: '127.0.0.1:6379', VLLM_NO_USAGE_STATS: '1', HOME: '/tmp', HF_HOME: '/tmp/hf_home' },
        fieldEnv: { POD_NAMESPACE: PodField.POD_NAMESPACE },
        resources: { cpu: { request: '8', limit: '16' }, memory: { request: '24Gi', limit: '48Gi' } },
        health: HealthCheck.custom({
          startup: Probe.exec(['bash', '-c', nodesCheck + healthCheck], { ...timing(20, 30, 30, 40), successThreshold: 1 }),
          readiness: Probe.exec(['bash', '-c', nodesCheck + gpuCheck + healthCheck], every5),
          liveness: Probe.exec(['bash', '-c', gpuCheck], every5),
        }),
      },
      gpu: { count: 1, shmSize: '12Gi' },
      injectedEnv: ['MODEL_DIR', 'MODEL_NAME', 'TENSOR_PARALLEL_SIZE', 'PIPELINE_PARALLEL_SIZE'],
      service: false,
    });
    const { manifests, warnings } = synthWithWarnings(chart);
    expect(warnings).toBe('');
    const d = manifestOf(manifests, 'Deployment');
    const spec = podSpec(d);
    const c = container(d, 'kserve-container');
    expect(c.args).toEqual([head]);
    expect(env(c, 'POD_NAMESPACE').valueFrom).toEqual({ fieldRef: { fieldPath: 'metadata.namespace' } });
    expect(env(c, 'HOME').value).toBe('/tmp');
    expect(c.resources).toEqual({ limits: { 'cpu': '16', 'memory': '48Gi', 'nvidia.com/gpu': '1' }, requests: { 'cpu': '8', 'memory': '24Gi', 'nvidia.com/gpu': '1' } });
    expect(c.startupProbe).toEqual({
      exec: { command: ['bash', '-c', nodesCheck + healthCheck] }, initialDelaySeconds: 20, periodSeconds: 30, timeoutSeconds: 30, failureThreshold: 40, successThreshold: 1,
    });
    expect(c.readinessProbe).toEqual({
      exec: { command: ['bash', '-c', nodesCheck + gpuCheck + healthCheck] }, periodSeconds: 5, timeoutSeconds: 15, failureThreshold: 2, successThreshold: 1,
    });
    expect(c.livenessProbe).toEqual({ exec: { command: ['bash', '-c', gpuCheck] }, periodSeconds: 5, timeoutSeconds: 15, failureThreshold: 2, successThreshold: 1 });
    // the template's volume is named "shm"; the library's is "dshm" (nothing refers to it by name)
    expect(mount(c, '/dev/shm')).toMatchObject({ name: 'dshm' });
    expect(volume(spec, 'dshm').emptyDir).toEqual({ medium: 'Memory', sizeLimit: '12Gi' });
  });
});

// Source: triton-inference-server/tutorials Deployment/Kubernetes/EKS_Multinode_Triton_TRTLLM/multinode_helm_chart
// (chart/templates/deployment.yaml and chart/example_values.yaml, f59d9688): the leader template of a
// LeaderWorkerSet running Triton with TensorRT-LLM across two EKS nodes — `python3 ./server.py leader …
// --stateful_set_group_key=$(GROUP_KEY)`, GROUP_KEY from the downward API (the pod's label
// leaderworkerset.sigs.k8s.io/group-key), NCCL_DEBUG=INFO; ports http 8000, grpc 8001, metrics 8002;
// startup GET /v2/health/ready after 60 s every 15 s (60 failures), readiness GET /v2/health/ready after
// 15 s every 2 s (15 failures), liveness GET /v2/health/live after 10 s every 2 s (15 failures);
// cpu 8 / memory 32Gi / ephemeral-storage 1Gi / 4 GPUs / one vpc.amazonaws.com/efa as requests = limits;
// the EFS claim efs-claim-2 at /var/run/models (writable), a 256Gi memory-backed /dev/shm; the
// release's ServiceAccount, a 30 s grace period, the nvidia.com/gpu toleration and a required node
// affinity (nvidia.com/gpu Exists, nvidia.com/gpu.product In [NVIDIA-A10G]).
describe('Triton + TensorRT-LLM multi-node leader on EKS (triton tutorials EKS_Multinode_Triton_TRTLLM)', () => {
  function leaderPod(chart: any, shmSize: string): AiInferencePod {
    return new AiInferencePod(chart, 'leader', {
      metadata: { labels: { app: 'triton', role: 'leader' } },
      server: {
        name: 'triton',
        image: '210086341041.dkr.ecr.us-west-2.amazonaws.com/triton_trtllm_multinode:24.08',
        imagePullPolicy: ImagePullPolicy.IF_NOT_PRESENT,
        command: ['python3', './server.py', 'leader', '--triton_model_repo_dir=/var/run/models/tensorrtllm_backend/triton_model_repo',
          '--namespace=default', '--pp=2', '--tp=4', '--gpu_per_node=4', '--stateful_set_group_key=$(GROUP_KEY)', '--verbose'],
        port: 8000,
        extraPorts: [{ number: 8001, name: 'grpc' }, { number: 8002, name: 'metrics' }],
        fieldEnv: { GROUP_KEY: PodField.label('leaderworkerset.sigs.k8s.io/group-key') },
        env: { NCCL_DEBUG: 'INFO' },
        health: HealthCheck.custom({
          startup: Probe.httpGet('/v2/health/ready', { initialDelay: Duration.seconds(60), period: Duration.seconds(15), failureThreshold: 60, successThreshold: 1 }),
          readiness: Probe.httpGet('/v2/health/ready', { initialDelay: Duration.seconds(15), period: Duration.seconds(2), failureThreshold: 15, successThreshold: 1 }),
          liveness: Probe.httpGet('/v2/health/live', { initialDelay: Duration.seconds(10), period: Duration.seconds(2), failureThreshold: 15, successThreshold: 1 }),
        }),
        resources: {
          cpu: { request: '8', limit: '8' }, memory: { request: '32Gi', limit: '32Gi' }, ephemeralStorage: { request: '1Gi', limit: '1Gi' },
          extended: { 'vpc.amazonaws.com/efa': '1' },
        },
        // the chart sets no security context; server.py writes its ssh and MPI files under the image's home
        security: { readOnlyRootFilesystem: false },
        volumeMounts: [{ volume: PodVolume.persistentVolumeClaim('model-repository', 'efs-claim-2'), path: '/var/run/models', readOnly: false }],
      },
      gpu: { count: 4, shmSize },
      affinity: {
        nodeAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: {
            nodeSelectorTerms: [{
              matchExpressions: [
                { key: 'nvidia.com/gpu', operator: 'Exists' }, { key: 'nvidia.com/gpu.product', operator: 'In', values: ['NVIDIA-A10G'] },
              ],
            }],
          },
        },
      },
      serviceAccountName: 'triton',
      terminationGracePeriod: Duration.seconds(30),
    });
  }

  test('the chart\'s 256Gi /dev/shm over a 32Gi memory limit is written with a warning (tmpfs pages are charged to the container\'s memory)', () => {
    const leader = leaderPod(newChart('triton-multinode'), '256Gi');
    const { value: template, warnings } = withWarnings(() => leader.toPodTemplate());
    expect(warnings).toContain('memory limit "32Gi" is below the size of memory volume "dshm" ("256Gi")');
    expect(template.spec.volumes.find((v: any) => v.name === 'dshm').emptyDir).toEqual({ medium: 'Memory', sizeLimit: '256Gi' });
  });

  test('a label through the downward API in $(GROUP_KEY), three named ports, EFA and ephemeral-storage, /dev/shm at the limit, inside a LeaderWorkerSet', () => {
    const chart = newChart('triton-multinode');
    const { template, warnings } = templateOf(leaderPod(chart, '32Gi'));
    new ApiObject(chart, 'lws', {
      apiVersion: 'leaderworkerset.x-k8s.io/v1', kind: 'LeaderWorkerSet', metadata: { name: 'leaderworkerset-sample' },
      spec: { replicas: 1, leaderWorkerTemplate: { size: 2, leaderTemplate: template } },
    });
    const spec = template.spec;
    const c = spec.containers.find((x: any) => x.name === 'triton');
    expect(c.command).toContain('--stateful_set_group_key=$(GROUP_KEY)');
    expect(env(c, 'GROUP_KEY').valueFrom).toEqual({ fieldRef: { fieldPath: "metadata.labels['leaderworkerset.sigs.k8s.io/group-key']" } });
    expect(c.ports).toEqual([{ containerPort: 8000, name: 'http' }, { containerPort: 8001, name: 'grpc' }, { containerPort: 8002, name: 'metrics' }]);
    // the chart leaves timeoutSeconds to Kubernetes (1 s); the library writes its own default, 5 s, unless a probe gives one
    expect(c.startupProbe).toEqual({
      httpGet: { path: '/v2/health/ready', port: 8000 }, initialDelaySeconds: 60, periodSeconds: 15, timeoutSeconds: 5, failureThreshold: 60, successThreshold: 1,
    });
    expect(c.readinessProbe).toMatchObject({ httpGet: { path: '/v2/health/ready', port: 8000 }, initialDelaySeconds: 15, periodSeconds: 2, failureThreshold: 15 });
    expect(c.livenessProbe).toMatchObject({ httpGet: { path: '/v2/health/live', port: 8000 }, initialDelaySeconds: 10, periodSeconds: 2, failureThreshold: 15 });
    const amounts = { 'cpu': '8', 'memory': '32Gi', 'ephemeral-storage': '1Gi', 'nvidia.com/gpu': '4', 'vpc.amazonaws.com/efa': '1' };
    expect(c.resources).toEqual({ limits: amounts, requests: amounts });
    expect(mount(c, '/var/run/models')).toMatchObject({ name: 'model-repository', readOnly: false });
    expect(volume(spec, 'dshm').emptyDir).toEqual({ medium: 'Memory', sizeLimit: '32Gi' });
    expect(spec.tolerations).toEqual([{ effect: 'NoSchedule', key: 'nvidia.com/gpu', operator: 'Exists' }]);
    expect(spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions).toHaveLength(2);
    expect(spec.serviceAccountName).toBe('triton');
    expect(spec.terminationGracePeriodSeconds).toBe(30);
    expect(warnings).toBe('');
    // the chart writes the LeaderWorkerSet with the template, no Pod of its own
    const lws = Testing.synth(chart);
    expect(lws.map(m => m.kind)).toEqual(['LeaderWorkerSet']);
    expect(lws[0].spec.leaderWorkerTemplate.leaderTemplate.spec.containers[0].name).toBe('triton');
  });
});
