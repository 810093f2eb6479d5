import { spawnSync, SpawnSyncOptions } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

// `npm test`'s pretest step, run as a program on a fake machine: a PATH of stub tools, no
// fallback directories, and a fake apt-get that records how it was called and "installs" stubs.
const SCRIPT = path.join(__dirname, '..', '..', 'scripts', 'ensure-test-tools.js');
const ALL = ['nginx', 'curl', 'openssl', 'aws', 'busybox', 'dash', 'tail', 'sha256sum', 'sed'];
const PACKAGE_TOOLS: { [pkg: string]: string[] } = {
  nginx: ['nginx'], curl: ['curl'], openssl: ['openssl'], awscli: ['aws'], busybox: ['busybox'], dash: ['dash'],
  coreutils: ['tail', 'sha256sum'], sed: ['sed'],
};
const IS_ROOT = process.getuid?.() === 0;

function stub(dir: string, tool: string, version = `${tool} 1.0`): void {
  fs.writeFileSync(path.join(dir, tool), `#!/bin/sh\necho '${version}'\n`, { mode: 0o755 });
}

/** A fake machine: `bin` holds the given tools (aws as v2 unless `awsVersion` says otherwise). */
function machine(tools: string[], options: { aptGet?: 'installs' | 'installs nothing'; awsVersion?: string } = {}) {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'fake-machine-'));
  fs.chmodSync(root, 0o755);
  const bin = path.join(root, 'bin');
  fs.mkdirSync(bin, { mode: 0o755 });
  // the script spawns `aws --version` through `#!/bin/sh`, so the stubs only need /bin/sh
  for (const tool of tools) stub(bin, tool, tool === 'aws' ? options.awsVersion ?? 'aws-cli/2.15.30 Python/3.11' : undefined);
  const log = path.join(root, 'apt.log');
  if (options.aptGet) {
    const install = options.aptGet === 'installs'
      ? Object.entries(PACKAGE_TOOLS).map(([pkg, ts]) =>
        `    ${pkg}) ${ts.map(t => `printf '#!/bin/sh\\necho ${t === 'aws' ? 'aws-cli/2.9.19' : t}\\n' > ${bin}/${t}; /bin/chmod +x ${bin}/${t}`).join('; ')};;`).join('\n')
      : '';
    fs.writeFileSync(path.join(bin, 'apt-get'), [
      '#!/bin/sh',
      // what a maintainer script would get from invoke-rc.d when asked to start a service
      `policy=$(test -x ${root}/policy-rc.d && ${root}/policy-rc.d nginx start; echo $?)`,
      `echo "apt-get $* DEBIAN_FRONTEND=$DEBIAN_FRONTEND policy-rc.d=$policy" >> ${log}`,
      'if [ "$1" = install ]; then',
      '  for p in "$@"; do case "$p" in',
      install,
      '  esac; done',
      'fi',
    ].join('\n') + '\n', { mode: 0o755 });
  }
  return { root, bin, log };
}

function run(bin: string, args: string[] = [], extra: SpawnSyncOptions = {}) {
  const result = spawnSync(process.execPath, [SCRIPT, ...args], {
    encoding: 'utf8', env: { PATH: bin, TEST_TOOLS_FALLBACK_DIRS: '', TEST_TOOLS_POLICY_RC_D: path.join(path.dirname(bin), 'policy-rc.d') }, ...extra,
  });
  return { code: result.status, out: String(result.stdout), err: String(result.stderr) };
}

const asNobody: SpawnSyncOptions = { uid: 65534, gid: 65534 };

function aptCalls(log: string): string[] {
  return fs.existsSync(log) ? fs.readFileSync(log, 'utf8').trim().split('\n') : [];
}

test('all tools present: one line, exit 0', () => {
  const { bin } = machine(ALL);
  expect(run(bin)).toEqual({ code: 0, out: 'ensure-test-tools: all 9 test tools present\n', err: '' });
});

test('an AWS CLI v1 first on PATH (a pyenv shim) does not count; a v2 further on does', () => {
  const v1 = machine(ALL, { awsVersion: 'aws-cli/1.45.11 Python/3.11.7 botocore/1.43.11' });
  const v2 = machine(['aws']);
  expect(run(v1.bin, ['--dry-run']).out).toContain('AWS CLI v2: missing (Debian package awscli)');
  const both = run(`${v1.bin}:${v2.bin}`, ['--dry-run']);
  expect(both.out).toContain(`AWS CLI v2: ${v2.bin}/aws\n`);
  expect(both.out).toMatch(/^ensure-test-tools: nothing to install\n/);
});

test('--dry-run lists each tool and the exact apt-get command, and installs nothing', () => {
  const { bin, log } = machine(['curl', 'openssl', 'aws', 'dash', 'sed'], { aptGet: 'installs' });
  const dry = run(bin, ['--dry-run']);
  expect(dry.code).toBe(0);
  const command = 'apt-get install -y --no-install-recommends nginx busybox coreutils';
  expect(dry.out.split('\n')[0]).toBe(IS_ROOT
    ? `ensure-test-tools: would run: apt-get update && ${command}`
    : `ensure-test-tools: would stop with: sudo apt-get update && sudo DEBIAN_FRONTEND=noninteractive ${command}`);
  expect(dry.out).toContain('  nginx: missing (Debian package nginx)\n');
  expect(dry.out).toContain(`  curl: ${bin}/curl\n`);
  expect(dry.out).toContain('  sha256sum: missing (Debian package coreutils)\n');
  expect(aptCalls(log)).toEqual([]);
});

test('not root: stops before anything runs with the exact sudo command, exit 1', () => {
  const { bin, log } = machine(['curl', 'openssl', 'aws', 'busybox', 'dash', 'tail', 'sha256sum', 'sed'], { aptGet: 'installs' });
  const result = run(bin, [], IS_ROOT ? asNobody : {});
  expect(result.code).toBe(1);
  expect(result.err).toContain('  nginx: missing (Debian package nginx)\n');
  expect(result.err).toContain('\nRun: sudo apt-get update && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends nginx\n');
  expect(aptCalls(log)).toEqual([]);
});

test('no apt-get: stops with a command that runs the suite in a Debian container, exit 1', () => {
  const { bin } = machine(['curl', 'openssl', 'aws', 'busybox', 'dash', 'tail', 'sha256sum']);
  const result = run(bin);
  expect(result.code).toBe(1);
  expect(result.err).toContain('  sed: missing (Debian package sed)\n');
  expect(result.err).toContain('Run: docker run --rm -v "$PWD":/src -w /src node:20-bookworm bash .ci/run\n(this machine has no apt-get');
});

test('as root with apt-get: installs the missing packages non-interactively, with services kept from starting', () => {
  const { root, bin, log } = machine(['curl', 'openssl', 'dash', 'sed', 'tail', 'sha256sum'], { aptGet: 'installs' });
  const result = run(bin);
  if (!IS_ROOT) {
    // the same machine as a user: nothing installed, the command printed
    expect(result.code).toBe(1);
    expect(result.err).toContain('Run: sudo apt-get update');
    return;
  }
  expect(result.err).toBe('');
  expect(result.out).toBe('ensure-test-tools: installing nginx awscli busybox (services are not started)\n');
  expect(result.code).toBe(0);
  expect(aptCalls(log)).toEqual([
    'apt-get update DEBIAN_FRONTEND=noninteractive policy-rc.d=101',
    'apt-get install -y --no-install-recommends nginx awscli busybox DEBIAN_FRONTEND=noninteractive policy-rc.d=101',
  ]);
  expect(fs.existsSync(path.join(root, 'policy-rc.d'))).toBe(false);
  expect(run(bin).out).toBe('ensure-test-tools: all 9 test tools present\n');
});

test('a machine\'s own policy-rc.d is used as it is and left in place', () => {
  const { root, bin, log } = machine(['curl', 'openssl', 'aws', 'busybox', 'dash', 'tail', 'sha256sum', 'sed'], { aptGet: 'installs' });
  fs.writeFileSync(path.join(root, 'policy-rc.d'), '#!/bin/sh\nexit 104\n', { mode: 0o755 });
  const result = run(bin);
  expect(result.code).toBe(IS_ROOT ? 0 : 1);
  expect(aptCalls(log)).toEqual(IS_ROOT ? [
    'apt-get update DEBIAN_FRONTEND=noninteractive policy-rc.d=104',
    'apt-get install -y --no-install-recommends nginx DEBIAN_FRONTEND=noninteractive policy-rc.d=104',
  ] : []);
  expect(fs.readFileSync(path.join(root, 'policy-rc.d'), 'utf8')).toBe('#!/bin/sh\nexit 104\n');
});

test('an install that leaves a tool missing fails, naming it', () => {
  const { bin } = machine(['curl', 'openssl', 'aws', 'busybox', 'dash', 'tail', 'sha256sum', 'sed'], { aptGet: 'installs nothing' });
  const result = run(bin);
  expect(result.code).toBe(1);
  expect(result.err).toContain(IS_ROOT ? 'still missing after apt-get install:\n  nginx: missing (Debian package nginx)\n' : 'Run: sudo apt-get');
});

test('a checkout without node_modules stops with `npm ci` (s3rver is an npm devDependency)', () => {
  const copy = fs.mkdtempSync(path.join(os.tmpdir(), 'no-modules-'));
  fs.mkdirSync(path.join(copy, 'scripts'));
  fs.copyFileSync(SCRIPT, path.join(copy, 'scripts', 'ensure-test-tools.js'));
  const { bin } = machine(ALL);
  const result = spawnSync(process.execPath, [path.join(copy, 'scripts', 'ensure-test-tools.js')], { encoding: 'utf8', env: { PATH: bin, TEST_TOOLS_FALLBACK_DIRS: '' } });
  expect({ code: result.status, err: result.stderr }).toEqual({
    code: 1, err: 'ensure-test-tools: the npm package s3rver (a devDependency) is missing. Run: npm ci\n',
  });
});
