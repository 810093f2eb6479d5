import * as child from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ApiObject, Chart, JsonPatch } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import {
  AiInferenceDeployment, AiInferencePod, InferenceServiceType, InitContainer, LogSidecar, ModelPrepInit, ModelSource, PodSecurityLevel, PodVolume,
  PortProtocol, ProxySidecar, Sidecar,
} from '../src';
import { expectRefused, run } from './helpers/refusal';
import { expectApiValid } from './helpers/synth';
import { main as cli } from '../src/cli/model-digest';

/*
 * Round 4 of hostile inputs against the README's promises: each case here broke one once
 * (a silently dropped volume, a toleration the API server refuses, a CLI that never returns).
 */

const SERVER = { image: 'vllm/vllm-openai:v0.6.3' };

describe('two different volumes under one name are an error wherever they are mounted, never the last one silently', () => {
  const [scratch, templates] = [PodVolume.emptyDir('data'), PodVolume.configMap('data', 'llm-templates')];
  test.each<[string, (pod: AiInferencePod) => void, any]>([
    ['both on the server', () => undefined, [{ volume: scratch, path: '/scratch' }, { volume: templates, path: '/templates' }]],
    ['server and sidecar', p => new Sidecar(p, 's', { name: 's', image: 'redis:7.4.1', podVolumeMounts: [{ volume: templates, path: '/templates' }] }), [{ volume: scratch, path: '/scratch' }]],
    ['both on one init container', p => new InitContainer(p, 'i', {
      name: 'i', image: 'busybox:1.36.1', command: ['true'], podVolumeMounts: [{ volume: scratch, path: '/scratch' }, { volume: templates, path: '/templates' }],
    }), []],
  ])('%s', (_name, addOn, serverMounts) => {
    expectRefused(c => addOn(new AiInferencePod(c, 'p', { server: { ...SERVER, volumeMounts: serverMounts } })), /spec\.volumes\[\d\]\.name: volume "data" is defined twice/);
  });

  test('the same PodVolume mounted twice is one volume', () => {
    const result = run(c => new AiInferencePod(c, 'p', { server: { ...SERVER, volumeMounts: [{ volume: scratch, path: '/a' }, { volume: scratch, path: '/b' }] } }));
    expect(result.error).toBeUndefined();
    expect(result.manifests![0].spec.volumes.map((v: any) => v.name)).toEqual(['data', 'server-tmp']);
  });
});

describe('tolerations the API server refuses fail at synth (validateTolerations)', () => {
  test.each<[string, any, RegExp]>([
    ['an empty key with operator Equal', { operator: 'Equal', value: 'gpu' }, /tolerations\[0\]\.operator: "Equal" with an empty key/],
    ['an empty key with a value (operator Equal by default)', { value: 'gpu' }, /tolerations\[0\]\.operator: "Equal" with an empty key/],
    ['a value that is not a label value', { key: 'dedicated', value: 'gpu pool!' }, /tolerations\[0\]\.value: "gpu pool!" is not a label value/],
  ])('props: %s', (_name, toleration, field) => {
    expectRefused(c => new AiInferencePod(c, 'p', { server: SERVER, tolerations: [toleration] }), field);
  });

  test('a JSON patch: tolerationSeconds with an effect other than NoExecute', () => {
    expectRefused(c => {
      const pod = new AiInferencePod(c, 'p', { server: SERVER });
      ApiObject.of(pod.pod).addJsonPatch(JsonPatch.add('/spec/tolerations', [{ key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoSchedule', tolerationSeconds: 30 }]));
    }, /tolerations\[0\]\.tolerationSeconds: 30 is set with effect "NoSchedule"/);
  });

  test('what the API server accepts still passes: every taint, NoExecute with seconds, Equal with a label value', () => {
    const result = run(c => {
      const pod = new AiInferencePod(c, 'p', { server: SERVER, tolerations: [{ operator: 'Exists' }, { key: 'dedicated', value: 'gpu-pool' }] });
      ApiObject.of(pod.pod).addJsonPatch(JsonPatch.add('/spec/tolerations/-', { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 30 }));
    });
    expect(result.error).toBeUndefined();
    expectApiValid(result.manifests!);
  });
});

describe('model-digest: inputs that have no end fail at once', () => {
  const dir = () => fs.mkdtempSync(path.join(os.tmpdir(), 'digest-'));
  const digest = async (target: string) => {
    const [out, err]: string[][] = [[], []];
    const code = await cli(['model-digest', target], l => out.push(l), l => err.push(l));
    return { code, out, err };
  };

  test('a FIFO (or a device) is not a model: an error, not a read that never returns', async () => {
    const fifo = path.join(dir(), 'weights.bin');
    child.execFileSync('mkfifo', [fifo]);
    expect(await digest(fifo)).toEqual({ code: 1, out: [], err: [`model-digest: ${fifo} is not a regular file or a directory`] });
    expect((await digest('/dev/zero')).code).toBe(1);
  });

  test('a FIFO inside a directory is skipped like any file that is not regular', async () => {
    const d = dir();
    fs.writeFileSync(path.join(d, 'a.bin'), 'a');
    child.execFileSync('mkfifo', [path.join(d, 'pipe')]);
    const withFifo = await digest(d);
    fs.rmSync(path.join(d, 'pipe'));
    expect(withFifo).toEqual(await digest(d));
  });

  test('symlinks to a directory above them: an error naming the loop, not ELOOP on a path 40 links deep', async () => {
    const d = dir();
    fs.mkdirSync(path.join(d, 'sub'));
    fs.writeFileSync(path.join(d, 'sub', 'a.bin'), 'a');
    fs.symlinkSync('..', path.join(d, 'sub', 'up1'));
    fs.symlinkSync('..', path.join(d, 'sub', 'up2'));
    const started = Date.now();
    const result = await digest(d);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(result.code).toBe(1);
    expect(result.err).toEqual([`model-digest: ${path.join(d, 'sub', 'up1')} is a symlink loop (a directory inside itself); remove the link or point it elsewhere`]);
  });

  test('a symlink to a directory elsewhere is still followed (a Hugging Face snapshot is all symlinks)', async () => {
    const [real, linked] = [dir(), dir()];
    fs.mkdirSync(path.join(real, 'tok'));
    fs.writeFileSync(path.join(real, 'tok', 'vocab.json'), '{}');
    fs.writeFileSync(path.join(real, 'w.bin'), 'w');
    fs.symlinkSync(path.join(real, 'tok'), path.join(linked, 'tok'));
    fs.symlinkSync(path.join(real, 'w.bin'), path.join(linked, 'w.bin'));
    expect(await digest(linked)).toEqual(await digest(real));
  });
});

describe('what cdk8s-plus-27 throws at render is a field and a fix, not its serializer\'s message', () => {
  test.each<[string, (c: Chart) => void, RegExp]>([
    ['server.mount of a volume named like the server\'s /tmp', c => {
      const pod = new AiInferencePod(c, 'p', { server: SERVER });
      pod.server.mount('/scratch', kplus.Volume.fromEmptyDir(c, 'v', 'server-tmp'));
    }, /\[test\/p\] spec\.volumes: two different volumes are named "server-tmp" .*Fix: give the volume you added another name/],
    ['pod.addVolume named like the LogSidecar\'s volume, after it (before it, the LogSidecar names its volumeName prop)', c => {
      const pod = new AiInferencePod(c, 'p', { server: SERVER });
      new LogSidecar(pod, 'logs');
      pod.pod.addVolume(kplus.Volume.fromEmptyDir(c, 'v', 'app-logs'));
    }, /spec\.volumes: two different volumes are named "app-logs"/],
    ['a ModelPrepInit on a cdk8s-plus Pod without a container', c => {
      new ModelPrepInit(new kplus.Pod(c, 'p'), 'm', { source: ModelSource.s3('s3://my-models/llama.bin') });
    }, /\[test\/p\/m\] spec\.containers: the workload has no regular container .*Fix: add the container that does the work/],
  ])('%s', (_name, build, field) => {
    expectRefused(build, field);
  });
});

describe('topology spread constraints the API server refuses fail at synth', () => {
  const spread = (extra: any) => ({ maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'DoNotSchedule', ...extra });
  test.each<[string, any[], RegExp]>([
    ['nodeAffinityPolicy not Honor or Ignore (the official schema refuses it too)', [spread({ nodeAffinityPolicy: 'Sometimes' })], /topologySpreadConstraints\[0\]\.nodeAffinityPolicy: "Sometimes" is not one of Honor, Ignore/],
    ['nodeTaintsPolicy not Honor or Ignore', [spread({ nodeTaintsPolicy: 'honor' })], /topologySpreadConstraints\[0\]\.nodeTaintsPolicy: "honor"/],
    ['minDomains with ScheduleAnyway', [spread({ whenUnsatisfiable: 'ScheduleAnyway', minDomains: 2 })], /topologySpreadConstraints\[0\]\.minDomains: 2 needs/],
    ['the same key and whenUnsatisfiable twice', [spread({}), spread({ maxSkew: 2 })], /topologySpreadConstraints\[1\]: topologyKey "topology.kubernetes.io\/zone" .* constrained twice/],
  ])('%s', (_name, topologySpreadConstraints, field) => {
    expectRefused(c => new AiInferencePod(c, 'p', { server: SERVER, topologySpreadConstraints }), field);
  });

  test('the values the API server accepts pass', () => {
    const result = run(c => new AiInferencePod(c, 'p', {
      server: SERVER,
      topologySpreadConstraints: [spread({ nodeAffinityPolicy: 'Honor', nodeTaintsPolicy: 'Ignore', minDomains: 2 }), spread({ whenUnsatisfiable: 'ScheduleAnyway' })],
    }));
    expect(result.error).toBeUndefined();
    expectApiValid(result.manifests!);
  });
});

describe('round 6: the last hour\'s props (serviceOptions, sysctls) against the API server and PSA', () => {
  const image = 'vllm/vllm-openai:v0.9.1';

  test('PSA 1.32 allows net.ipv4.tcp_rmem and tcp_wmem (sysctlsAllowedV1Dot32): a restricted pod on the default target keeps them', () => {
    const result = run(c => new AiInferencePod(c, 'p', {
      server: { image }, security: { sysctls: { 'net.ipv4.tcp_rmem': '4096 87380 6291456', 'net.ipv4.tcp_wmem': '4096 16384 4194304' } },
    }));
    expect(result.error).toBeUndefined();
    expectApiValid(result.manifests!);
  });

  test('a node port is one per protocol: 30053/TCP and 30053/UDP are two ports (the API server keys them so)', () => {
    const result = run(c => new AiInferenceDeployment(c, 'd', {
      server: { image, port: 8000 }, serviceType: InferenceServiceType.NODE_PORT,
      serviceOptions: { nodePort: 30053, extraPorts: [{ name: 'dns-udp', port: 8000, protocol: PortProtocol.UDP, nodePort: 30053 }] },
    }));
    expect(result.error).toBeUndefined();
    expectApiValid(result.manifests!);
    expect(() => expectRefused(c => new AiInferenceDeployment(c, 'd', {
      server: { image, port: 8000 }, serviceType: InferenceServiceType.NODE_PORT,
      serviceOptions: { nodePort: 30053, extraPorts: [{ name: 'b', port: 9000, nodePort: 30053 }] },
    }), /extraPorts\[0\]\.nodePort: 30053\/TCP is already the node port/)).not.toThrow();
  });

  test('a hole in serviceOptions.extraPorts is a missing port, refused like a hole in tolerations (not silently skipped)', () => {
    // eslint-disable-next-line no-sparse-arrays
    const extraPorts: any = [, { name: 'metrics', port: 9000 }];
    expectRefused(c => new AiInferenceDeployment(c, 'd', { server: { image }, serviceOptions: { extraPorts } }), /serviceOptions\.extraPorts\[0\]: undefined is not a port/);
  });
});

describe('round 6: PodVolume.hostPath paths as the API server takes them', () => {
  const image = 'vllm/vllm-openai:v0.9.1';
  const privileged = { level: PodSecurityLevel.PRIVILEGED };

  test.each(['/mnt/models/', '/mnt//models', '/mnt/./models'])('a valid node path %j is written (no false refusal)', nodePath => {
    const result = run(c => new AiInferencePod(c, 'p', { server: { image, volumeMounts: [{ volume: PodVolume.hostPath('node', nodePath), path: '/data' }] }, security: privileged }));
    expect(result.error).toBeUndefined();
    expectApiValid(result.manifests!);
    expect(result.manifests![0].spec.volumes.find((v: any) => v.name === 'node').hostPath.path).toBe(nodePath);
  });

  test('a \'..\' segment is refused by the prop check and on a patched volume (validatePathNoBacksteps)', () => {
    expectRefused(c => new AiInferencePod(c, 'p', { server: { image, volumeMounts: [{ volume: PodVolume.hostPath('node', '/mnt/../etc'), path: '/data' }] }, security: privileged }),
      /volume "node"\.path: "\/mnt\/\.\.\/etc" must be an absolute path of the node without '\.\.'/);
    expectRefused(c => {
      const pod = new AiInferencePod(c, 'p', { server: { image }, security: privileged });
      ApiObject.of(pod.pod).addJsonPatch(JsonPatch.add('/spec/volumes/-', { name: 'x', hostPath: { path: 'mnt/../etc' } }));
    }, /spec\.volumes\[1\]\.hostPath\.path: "mnt\/\.\.\/etc" is not a path of the node the API server accepts/);
  });
});

describe('round 6: a sysctl the kubelet refuses to set is refused at synth (README: "any namespaced kernel parameter")', () => {
  const image = 'vllm/vllm-openai:v0.9.1';
  const privileged = PodSecurityLevel.PRIVILEGED;

  test.each(['vm.swappiness', 'kernel.pid_max', 'vm/max_map_count'])('%s is the node\'s, not the pod\'s: refused even as privileged', name => {
    expectRefused(c => new AiInferencePod(c, 'p', { server: { image }, security: { level: privileged, sysctls: { [name]: '1' } } }),
      /securityContext\.sysctls\[0\]\.name: "[a-z_./]+" is not a namespaced sysctl .*SysctlForbidden/);
  });

  test('a net.* sysctl with hostNetwork (a JSON patch) is refused: the pod has no network namespace of its own', () => {
    expectRefused(c => {
      const pod = new AiInferencePod(c, 'p', { server: { image }, security: { level: privileged, sysctls: { 'net.ipv4.tcp_syncookies': '1' } } });
      ApiObject.of(pod.pod).addJsonPatch(JsonPatch.add('/spec/hostNetwork', true));
    }, /securityContext\.sysctls\[0\]\.name: "net\.ipv4\.tcp_syncookies" is set in the pod's network namespace, but the pod uses the node's \(hostNetwork\)/);
  });

  test('namespaced ones of every family still pass', () => {
    const result = run(c => new AiInferencePod(c, 'p', {
      server: { image },
      security: { level: privileged, sysctls: { 'kernel.sem': '250 32000 100 128', 'kernel.msgmax': '65536', 'kernel.shmmax': '68719476736', 'fs.mqueue.msg_max': '100', 'net.core.somaxconn': '4096' } },
    }));
    expect(result.error).toBeUndefined();
    expectApiValid(result.manifests!);
  });
});

describe('round 6: a patched Service trafficDistribution the API server does not know is refused; the known ones pass', () => {
  const image = 'vllm/vllm-openai:v0.9.1';
  test('Bogus is refused', () => {
    expectRefused(c => {
      const llm = new AiInferenceDeployment(c, 'd', { server: { image } });
      llm.service!.addJsonPatch(JsonPatch.add('/spec/trafficDistribution', 'Bogus'));
    }, /spec\.trafficDistribution: "Bogus" is not one of PreferClose, PreferSameZone, PreferSameNode/);
  });
  test('PreferClose is written', () => {
    const result = run(c => {
      const llm = new AiInferenceDeployment(c, 'd', { server: { image } });
      llm.service!.addJsonPatch(JsonPatch.add('/spec/trafficDistribution', 'PreferClose'));
    });
    expect(result.error).toBeUndefined();
    expectApiValid(result.manifests!);
  });
});

describe('round 6: serviceOptions.extraPorts and a front door\'s NetworkPolicy (as admitPorts: no way around it, no dead port)', () => {
  const image = 'vllm/vllm-openai:v0.9.1';
  const server = { image, port: 8000, extraPorts: [{ number: 9000, name: 'grpc' }] };

  test.each<[string, any, RegExp]>([
    ['the server\'s port by number', { name: 'direct', port: 8000 }, /spec\.ports\[1\]\.targetPort: port 8000, the server's port: the Service would reach the server around the front door \(port 8080\)/],
    ['the server\'s port by name', { name: 'direct', port: 9999, targetPortName: 'http' }, /spec\.ports\[1\]\.targetPort: "http" is port 8000, the server's port/],
    ['a port the NetworkPolicy does not admit', { name: 'grpc', port: 9000 }, /spec\.ports\[1\]\.targetPort: port 9000, which the front door's NetworkPolicy does not admit \(8080\): the Service would send its traffic nowhere\. Fix: add 9000 to the front door's admitPorts/],
  ])('refused: %s', (_name, extraPort, expected) => {
    expectRefused(c => {
      const llm = new AiInferenceDeployment(c, 'd', { server, serviceOptions: { extraPorts: [extraPort] } });
      new ProxySidecar(llm, 'proxy', {});
    }, expected);
  });

  test('refused: an admitted port over UDP (the NetworkPolicy admits TCP only)', () => {
    expectRefused(c => {
      const llm = new AiInferenceDeployment(c, 'd', { server, serviceOptions: { extraPorts: [{ name: 'grpc', port: 9000, protocol: PortProtocol.UDP }] } });
      new ProxySidecar(llm, 'proxy', { admitPorts: [9000] });
    }, /spec\.ports\[1\]\.targetPort: port 9000\/UDP, and the front door's NetworkPolicy admits TCP only: the Service would send its traffic nowhere/);
  });

  test('written: the port admitted (admitPorts), or the front door without a NetworkPolicy', () => {
    for (const proxy of [{ admitPorts: [9000] }, { networkPolicy: false }]) {
      const result = run(c => {
        const llm = new AiInferenceDeployment(c, 'd', { server, serviceOptions: { extraPorts: [{ name: 'grpc', port: 9000, targetPortName: 'grpc' }] } });
        new ProxySidecar(llm, 'proxy', proxy);
      });
      expect(result.error).toBeUndefined();
      expectApiValid(result.manifests!);
    }
  });
});

describe('round 6: a node port twice on a patched Service (the API server\'s duplicate nodePort)', () => {
  test('30001/TCP on two ports is refused; 30001 TCP and UDP is two node ports', () => {
    expectRefused(c => {
      const llm = new AiInferenceDeployment(c, 'd', {
        server: { image: 'vllm/vllm-openai:v0.9.1', port: 8000 }, serviceType: InferenceServiceType.NODE_PORT,
        serviceOptions: { nodePort: 30001, extraPorts: [{ name: 'm', port: 9000 }] },
      });
      llm.service!.addJsonPatch(JsonPatch.add('/spec/ports/1/nodePort', 30001));
    }, /spec\.ports\[1\]\.nodePort: node port 30001\/TCP is listed twice/);
  });
});
