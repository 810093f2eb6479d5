import { AiInferencePod, LogSidecar } from '../src';
import { expectRefused, run } from './helpers/refusal';
import { expectApiValid } from './helpers/synth';

// Hostile round 20, synth time: LogSidecar's logDir on a directory of the image itself. The
// log volume (an emptyDir) mounted there hides the image's files in the server (and the
// sidecar): /etc without passwd or certificates, /usr without binaries, /dev without the GPU
// devices, the service account token; runc refuses mounts into /proc and /sys.
function withLogDir(logDir: string) {
  return (chart: any) => {
    const pod = new AiInferencePod(chart, 'llm', { server: { image: 'vllm/vllm-openai:v0.6.3' }, gpu: { count: 1 } });
    new LogSidecar(pod, 'log-forwarder', { logDir });
  };
}

describe('LogSidecar logDir on a system directory is refused at synth', () => {
  test.each(['/etc', '/usr', '/bin', '/lib', '/dev', '/proc', '/proc/1', '/sys', '/sys/fs', '/var', '/run', '/var/run/secrets/kubernetes.io/serviceaccount', '/var/run/secrets/x', '/etc/'])('%s', (logDir) => {
    const lines = expectRefused(withLogDir(logDir), /\[test\/llm\/log-forwarder\] logDir: ".*" is a system directory.*Fix: use e\.g\. '\/var\/log\/app'/);
    expect(lines.join('\n')).toContain(JSON.stringify(logDir.replace(/\/$/, '')));
  });

  test.each(['/var/log/app', '/var/log', '/etc-logs', '/usr/local/app/logs', '/devlogs', '/run-logs', '/tmp/logs', '/srv/logs'])('%s is still accepted', (logDir) => {
    const result = run(withLogDir(logDir));
    expect(result.error).toBeUndefined();
    expectApiValid(result.manifests!);
  });
});
