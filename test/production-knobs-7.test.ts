/**
 * The props of new-user review 7 (fields of production-pods-7 that needed a JSON patch):
 * `postStartCommand` (server and Sidecar), `security.dropCapabilities`, `PodVolume.csi` and a
 * workload's `volumes` that no container of the library mounts. Each valid use synthesizes and
 * passes the API checks; each bad value is refused with the structured error.
 */
import { ApiObject, Duration, JsonPatch } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { AiInferenceDeployment, AiInferencePod, DeploymentRollout, InferenceServer, PodSecurityLevel, PodVolume, Sidecar } from '../src';
import { synthWithWarnings } from './helpers/pod-parts';
import { expectRefused } from './helpers/refusal';
import { container, expectApiValid, manifestOf, newChart, podSpec } from './helpers/synth';

const image = 'ollama/ollama:0.6.8';

describe('postStartCommand', () => {
  test('written on the server and a Sidecar, next to a preStop hook', () => {
    const chart = newChart('poststart');
    const pod = new AiInferencePod(chart, 'pod', {
      metadata: { name: 'ollama' },
      server: { image, postStartCommand: ['/bin/sh', '-c', 'ollama pull llama3'], preStopSleep: Duration.seconds(5) },
    });
    new Sidecar(pod, 'agent', { name: 'agent', image: 'busybox:1.36', command: ['sleep', 'infinity'], postStartCommand: ['touch', '/tmp/ready'] });
    const { manifests, warnings } = synthWithWarnings(chart);
    expectApiValid(manifests);
    const pm = manifestOf(manifests, 'Pod');
    expect(container(pm, 'server').lifecycle).toEqual({
      postStart: { exec: { command: ['/bin/sh', '-c', 'ollama pull llama3'] } },
      preStop: { sleep: { seconds: 5 } },
    });
    const agent = [...(podSpec(pm).initContainers ?? []), ...podSpec(pm).containers].find((c: any) => c.name === 'agent');
    expect(agent.lifecycle).toEqual({ postStart: { exec: { command: ['touch', '/tmp/ready'] } } });
    expect(warnings).toBe('');
  });

  test('an empty command and a non-list are refused, for the server and a Sidecar', () => {
    expectRefused(c => new AiInferencePod(c, 'p', { server: { image, postStartCommand: [] } }),
      /\[test\/p\] server\.postStartCommand: \[\] is empty\. Fix: give a command such as/);
    expectRefused(c => new AiInferencePod(c, 'p', { server: { image, postStartCommand: 'ollama pull x' as any } }),
      /server\.postStartCommand: "ollama pull x" is not a list/);
    expectRefused(c => new Sidecar(new AiInferencePod(c, 'p', { server: { image } }), 's', { name: 's', image: 'busybox:1.36', postStartCommand: [] }),
      /\[test\/p\/s\] postStartCommand: \[\] is empty/);
  });

  test('preStop props keep their checks (both hooks refused, an empty command refused)', () => {
    expectRefused(c => new AiInferencePod(c, 'p', { server: { image, preStopCommand: ['sleep', '1'], preStopSleep: Duration.seconds(1) } }),
      /server\.preStopSleep: is given with server\.preStopCommand: a container has one preStop hook/);
    expectRefused(c => new AiInferencePod(c, 'p', { server: { image, preStopCommand: [] } }), /server\.preStopCommand: \[\] is empty/);
  });
});

describe('security.dropCapabilities', () => {
  test('drops the named capabilities only, with dropAllCapabilities false (a baseline pod, as AWS\'s Neuron manifests)', () => {
    const chart = newChart('drop');
    new AiInferencePod(chart, 'pod', {
      server: { image, security: { dropAllCapabilities: false, dropCapabilities: ['NET_RAW'] } },
      security: { level: PodSecurityLevel.BASELINE },
    });
    const { manifests } = synthWithWarnings(chart);
    expectApiValid(manifests);
    expect(container(manifests[0], 'server').securityContext.capabilities).toEqual({ drop: ['NET_RAW'] });
  });

  test('with ALL dropped it changes nothing and is refused; bad names are refused', () => {
    expectRefused(c => new AiInferencePod(c, 'p', { server: { image, security: { dropCapabilities: ['NET_RAW'] } } }),
      /server\.security\.dropCapabilities: \["NET_RAW"\] is given while ALL capabilities are dropped .* Fix: set security\.dropAllCapabilities: false/);
    expectRefused(c => new AiInferencePod(c, 'p', {
      server: { image, security: { dropAllCapabilities: false, dropCapabilities: ['net raw', 7 as any] } }, security: { level: PodSecurityLevel.BASELINE },
    }), /server\.security\.dropCapabilities\[0\]: "net raw" is not a capability name/);
  });
});

describe('PodVolume.csi and volumes no container of the library mounts', () => {
  // GoogleCloudPlatform/kubernetes-engine-samples ai-ml/gcsfuse-shared-cache/vllm-a.yaml
  const fuse = PodVolume.csi('gcs-fuse-csi-ephemeral', 'gcsfuse.csi.storage.gke.io', {
    readOnly: true, volumeAttributes: { bucketName: 'my-models', mountOptions: 'implicit-dirs,file-cache:enable-parallel-downloads:true' },
  });

  test('a CSI volume mounted in the server and a cache volume only the injected sidecar mounts, at restricted', () => {
    const chart = newChart('csi');
    new AiInferenceDeployment(chart, 'vllm', {
      metadata: { name: 'vllm' },
      server: { image: 'vllm/vllm-openai:v0.9.1', volumeMounts: [{ volume: fuse, path: '/data' }] },
      volumes: [PodVolume.persistentVolumeClaim('gke-gcsfuse-cache', 'gcs-cache-claim')],
    });
    const { manifests, warnings } = synthWithWarnings(chart);
    expectApiValid(manifests);
    const spec = podSpec(manifestOf(manifests, 'Deployment'));
    expect(spec.volumes).toEqual(expect.arrayContaining([
      { name: 'gcs-fuse-csi-ephemeral', csi: { driver: 'gcsfuse.csi.storage.gke.io', readOnly: true, volumeAttributes: { bucketName: 'my-models', mountOptions: 'implicit-dirs,file-cache:enable-parallel-downloads:true' } } },
      { name: 'gke-gcsfuse-cache', persistentVolumeClaim: { claimName: 'gcs-cache-claim' } },
    ]));
    expect(container(manifestOf(manifests, 'Deployment'), 'server').volumeMounts).toEqual(expect.arrayContaining([{ name: 'gcs-fuse-csi-ephemeral', mountPath: '/data', readOnly: true }]));
    expect(warnings).toBe('');
  });

  test('fsType and nodePublishSecretName are written', () => {
    const chart = newChart('csi2');
    new AiInferencePod(chart, 'p', {
      server: { image, volumeMounts: [{ volume: PodVolume.csi('s', 'secrets-store.csi.k8s.io', { fsType: 'ext4', nodePublishSecretName: 'creds' }), path: '/mnt/s' }] },
    });
    const { manifests } = synthWithWarnings(chart);
    expectApiValid(manifests);
    expect(podSpec(manifests[0]).volumes.find((v: any) => v.name === 's').csi).toEqual({ driver: 'secrets-store.csi.k8s.io', fsType: 'ext4', nodePublishSecretRef: { name: 'creds' } });
  });

  test('bad CSI values are refused', () => {
    const mounted = (v: PodVolume) => (c: any) => new AiInferencePod(c, 'p', { server: { image, volumeMounts: [{ volume: v, path: '/m' }] } });
    expectRefused(mounted(PodVolume.csi('v', '-bad.driver')), /volume "v"\.driver: "-bad\.driver" is not a CSI driver name/);
    expectRefused(mounted(PodVolume.csi('v', 'd'.repeat(64))), /volume "v"\.driver: "d{64}" is not a CSI driver name/);
    expectRefused(mounted(PodVolume.csi('v', 'x.csi.io', { volumeAttributes: { size: 3 as any } })), /volume "v"\.volumeAttributes\.size: 3 is not a text/);
    expectRefused(mounted(PodVolume.csi('v', 'x.csi.io', { readOnly: 'yes' as any })), /volume "v"\.readOnly: "yes" is not true or false/);
    expectRefused(mounted(PodVolume.csi('v', 'x.csi.io', { nodePublishSecretName: 'Bad_Name' })), /volume "v"\.nodePublishSecretName: "Bad_Name"/);
    expectRefused(mounted(PodVolume.csi('v', 'x.csi.io', { bucket: 'x' } as any)), /volume "v"\.bucket: unknown prop \(given "x"\)\. Fix: remove it \(known: fsType, nodePublishSecretName, readOnly, volumeAttributes\)/);
  });

  test('volumes: not a PodVolume, a claim template outside a StatefulSet, a bad name are refused; on a StatefulSet a claim template is lifted', () => {
    expectRefused(c => new AiInferencePod(c, 'p', { server: { image }, volumes: [{ name: 'x' } as any] }), /\[test\/p\] volumes\[0\]: \{"name":"x"\} is not a PodVolume/);
    expectRefused(c => new AiInferencePod(c, 'p', { server: { image }, volumes: [PodVolume.claimTemplate('c', { storage: '1Gi' })] }),
      /volumes\[0\]: PodVolume\.claimTemplate\("c"\) gives each pod of a StatefulSet a claim of its own, and this is a Pod/);
    expectRefused(c => new AiInferencePod(c, 'p', { server: { image }, volumes: [PodVolume.emptyDir('Bad')] }), /volume name: "Bad"/);
    const chart = newChart('sts');
    const sts = new kplus.StatefulSet(chart, 's', { metadata: { name: 's' }, service: new kplus.Service(chart, 'svc', { metadata: { name: 's' }, clusterIP: 'None', ports: [{ port: 8000 }] }) });
    new InferenceServer(sts, 'server', { server: { image }, volumes: [PodVolume.claimTemplate('scratch', { storage: '1Gi' })] });
    const { manifests } = synthWithWarnings(chart);
    expectApiValid(manifests);
    const set = manifestOf(manifests, 'StatefulSet');
    expect(set.spec.volumeClaimTemplates.map((t: any) => t.metadata.name)).toEqual(['scratch']);
    expect((podSpec(set).volumes ?? []).map((v: any) => v.name)).not.toContain('scratch');
  });
});

describe('server.stdin and server.tty', () => {
  test('written on the server; a non-boolean is refused', () => {
    const chart = newChart('tty');
    new AiInferencePod(chart, 'p', { server: { image, stdin: true, tty: true } });
    const { manifests } = synthWithWarnings(chart);
    expect(container(manifests[0], 'server')).toMatchObject({ stdin: true, tty: true });
    expectRefused(c => new AiInferencePod(c, 'p', { server: { image, tty: 'yes' as any } }), /\[test\/p\] server\.tty: "yes" is not true or false\. Fix: true gives the server a TTY, or leave it out/);
  });
});

describe('rollout percentages', () => {
  test('maxSurgePercent and maxUnavailablePercent are written as percentages', () => {
    const chart = newChart('pct');
    new AiInferenceDeployment(chart, 'd', { server: { image }, rollout: DeploymentRollout.rollingUpdate({ maxSurgePercent: 25, maxUnavailablePercent: 10 }) });
    const { manifests } = synthWithWarnings(chart);
    expect(manifestOf(manifests, 'Deployment').spec.strategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '10%' } });
  });

  test('both forms of one amount, a percentage above 100 unavailable, fractions and both 0 are refused', () => {
    const rollout = (options: any) => (c: any) => new AiInferenceDeployment(c, 'd', { server: { image }, rollout: DeploymentRollout.rollingUpdate(options) });
    expectRefused(rollout({ maxSurge: 1, maxSurgePercent: 25 }), /rollout\.maxSurgePercent: 25 is given with rollout\.maxSurge 1\. Fix: keep one of them/);
    expectRefused(rollout({ maxUnavailablePercent: 101 }), /rollout\.maxUnavailablePercent: 101 must be a whole number from 0 to 100/);
    expectRefused(rollout({ maxSurgePercent: 2.5 }), /rollout\.maxSurgePercent: 2\.5 must be a whole number/);
    expectRefused(rollout({ maxSurgePercent: 0, maxUnavailable: 0 }), /rollout: maxSurge 0% and maxUnavailable 0 would never replace a pod/);
  });
});

describe('PodVolume.nfs', () => {
  test('written; restricted refuses it (baseline allows NFS volumes)', () => {
    const models = PodVolume.nfs('models', 'nfs.example.com', '/srv/models');
    const chart = newChart('nfs');
    new AiInferencePod(chart, 'p', { server: { image, volumeMounts: [{ volume: models, path: '/models' }] }, security: { level: PodSecurityLevel.BASELINE } });
    const { manifests } = synthWithWarnings(chart);
    expect(podSpec(manifests[0]).volumes.find((v: any) => v.name === 'models')).toEqual({ name: 'models', nfs: { server: 'nfs.example.com', path: '/srv/models' } });
    expect(container(manifests[0], 'server').volumeMounts).toContainEqual({ name: 'models', mountPath: '/models', readOnly: true });
    expectRefused(c => new AiInferencePod(c, 'p', { server: { image, volumeMounts: [{ volume: models, path: '/models' }] } }), /volume models has type nfs/);
  });

  test('bad server, path and readOnly are refused', () => {
    const mounted = (v: PodVolume) => (c: any) => new AiInferencePod(c, 'p', { server: { image, volumeMounts: [{ volume: v, path: '/m' }] }, security: { level: PodSecurityLevel.BASELINE } });
    expectRefused(mounted(PodVolume.nfs('v', 'nfs server', '/x')), /volume "v"\.server: "nfs server" is not a host name or IP address/);
    expectRefused(mounted(PodVolume.nfs('v', '10.0.0.5', 'srv')), /volume "v"\.path: "srv" is not an absolute path/);
    expectRefused(mounted(PodVolume.nfs('v', '10.0.0.5', '/srv', { readOnly: 1 as any })), /volume "v"\.readOnly: 1 is not true or false/);
  });

  test('a JSON patch that replaces the volume list (add at /spec/volumes) is refused: the server\'s /tmp mount would have no volume', () => {
    expectRefused(c => {
      const p = new AiInferencePod(c, 'p', { server: { image } });
      ApiObject.of(p.pod).addJsonPatch(JsonPatch.add('/spec/volumes', [{ name: 'models', emptyDir: {} }]));
    }, /mounts volume "server-tmp", which the pod does not define/);
  });
});

describe('pod security.supplementalGroups', () => {
  test('written on the pod (AMD GPUs\' video and render groups for a non-root server); bad ids are refused', () => {
    const chart = newChart('groups');
    new AiInferencePod(chart, 'p', { server: { image }, gpu: { count: 1, resourceName: 'amd.com/gpu' }, security: { supplementalGroups: [44, 110] } });
    const { manifests } = synthWithWarnings(chart);
    expect(podSpec(manifests[0]).securityContext).toMatchObject({ runAsUser: 1000, runAsGroup: 1000, supplementalGroups: [44, 110] });
    expectRefused(c => new AiInferencePod(c, 'p', { server: { image }, security: { supplementalGroups: [-1] } }), /supplementalGroups\[0\]: -1 is not a valid group id/);
    expectRefused(c => new AiInferencePod(c, 'p', { server: { image }, security: { supplementalGroups: ['video' as any] } }), /supplementalGroups\[0\]/);
  });
});
