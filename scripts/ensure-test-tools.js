#!/usr/bin/env node
// `npm test`'s first step (pretest): the integration tests run real tools, and a fresh machine
// must pass `npm test` by itself. Finds every tool; on a Debian-like machine as root, installs the
// missing ones with apt-get (non-interactive, no service started); anywhere else, stops before a
// test runs and prints the exact command that fixes it.
//
//   node scripts/ensure-test-tools.js            check, install as root with apt-get, or stop
//   node scripts/ensure-test-tools.js --dry-run  print what it would do, change nothing
//
// Test seams (test/tooling gives the script a fake machine): TEST_TOOLS_FALLBACK_DIRS
// (colon-separated) replaces the directories searched after PATH; TEST_TOOLS_POLICY_RC_D replaces
// /usr/sbin/policy-rc.d, so a test never writes a system file.
const { spawnSync } = require('child_process');
const fs = require('fs');
const path = require('path');

/**
 * Every system tool the integration tests run, with the Debian package that provides it.
 * `accepts` rejects a found binary of the wrong kind (the AWS CLI v1, e.g. a pyenv shim).
 */
const TOOLS = [
  { tool: 'nginx', pkg: 'nginx' },
  { tool: 'curl', pkg: 'curl' },
  { tool: 'openssl', pkg: 'openssl' },
  { tool: 'aws', pkg: 'awscli', label: 'AWS CLI v2', accepts: (bin) => /^aws-cli\/2\./.test(versionOf(bin)) },
  { tool: 'busybox', pkg: 'busybox' },
  { tool: 'dash', pkg: 'dash' },
  { tool: 'tail', pkg: 'coreutils' },
  { tool: 'sha256sum', pkg: 'coreutils' },
  { tool: 'sed', pkg: 'sed' },
];

/** Debian installs daemons (nginx) in sbin and the AWS CLI v2 in /usr/bin, which a PATH may miss or shadow. */
const FALLBACK_DIRS = ['/usr/local/sbin', '/usr/sbin', '/sbin', '/usr/bin', '/bin'];

/** A policy-rc.d that answers "forbidden" (101) keeps apt from starting the services it installs. */
const POLICY_RC_D = '/usr/sbin/policy-rc.d';

const CONTAINER_COMMAND = 'docker run --rm -v "$PWD":/src -w /src node:20-bookworm bash .ci/run';

function versionOf(bin) {
  const run = spawnSync(bin, ['--version'], { encoding: 'utf8', timeout: 30000 });
  return `${run.stdout ?? ''}${run.stderr ?? ''}`.trim();
}

function searchDirs(env) {
  const fallback = env.TEST_TOOLS_FALLBACK_DIRS !== undefined ? env.TEST_TOOLS_FALLBACK_DIRS.split(':') : FALLBACK_DIRS;
  return [...(env.PATH ?? '').split(':'), ...fallback].filter(d => d !== '');
}

function isExecutable(file) {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

/**
 * The first executable called `tool` in `dirs` that `accepts` (when given) takes.
 * @returns its path, or undefined
 */
function locate(tool, dirs, accepts) {
  const seen = new Set();
  for (const dir of dirs) {
    const candidate = path.join(dir, tool);
    if (seen.has(candidate) || !isExecutable(candidate)) continue;
    seen.add(candidate);
    if (!accepts || accepts(candidate)) return candidate;
  }
  return undefined;
}

/**
 * Where each tool is, given an environment (PATH and TEST_TOOLS_FALLBACK_DIRS).
 * @returns one entry per tool: `{ tool, pkg, label, found }`, `found` undefined when missing
 */
function survey(env) {
  const dirs = searchDirs(env);
  return TOOLS.map(t => ({ tool: t.tool, pkg: t.pkg, label: t.label ?? t.tool, found: locate(t.tool, dirs, t.accepts) }));
}

/** The Debian packages that provide the missing tools, each once. */
function packagesFor(missing) {
  return [...new Set(missing.map(t => t.pkg))];
}

/** What to do about the missing tools on this machine: install (root + apt-get) or stop with a command. */
function plan(missing, { isRoot, aptGet }) {
  const pkgs = packagesFor(missing);
  const install = `apt-get install -y --no-install-recommends ${pkgs.join(' ')}`;
  if (aptGet && isRoot) {
    return { action: 'install', pkgs, command: `apt-get update && ${install}` };
  }
  if (aptGet) {
    return { action: 'stop', command: `sudo apt-get update && sudo DEBIAN_FRONTEND=noninteractive ${install}` };
  }
  // no apt-get: the one command that works everywhere is the suite in a Debian container
  return { action: 'stop', command: CONTAINER_COMMAND, note: 'this machine has no apt-get; or install the missing tools listed above yourself' };
}

function runOrFail(command, args, env) {
  const run = spawnSync(command, args, { stdio: 'inherit', env });
  if (run.status !== 0) {
    throw new Error(`${command} ${args.join(' ')} failed (exit ${run.status ?? run.signal})`);
  }
}

/** Runs apt-get with services kept from starting; restores policy-rc.d as it was. */
function aptInstall(aptGet, pkgs, env) {
  const aptEnv = { ...env, DEBIAN_FRONTEND: 'noninteractive' };
  const policy = env.TEST_TOOLS_POLICY_RC_D ?? POLICY_RC_D;
  // a machine's own policy stays as it is: it was put there on purpose
  const madePolicy = !fs.existsSync(policy);
  if (madePolicy) fs.writeFileSync(policy, '#!/bin/sh\nexit 101\n', { mode: 0o755 });
  try {
    runOrFail(aptGet, ['update'], aptEnv);
    runOrFail(aptGet, ['install', '-y', '--no-install-recommends', ...pkgs], aptEnv);
  } finally {
    if (madePolicy) fs.rmSync(policy, { force: true });
  }
}

function s3rverMissing() {
  try {
    require.resolve('s3rver', { paths: [path.join(__dirname, '..')] });
    return false;
  } catch {
    return true;
  }
}

function describe(tools) {
  return tools.map(t => (t.found ? `  ${t.label}: ${t.found}` : `  ${t.label}: missing (Debian package ${t.pkg})`)).join('\n');
}

/**
 * The command line: check, then install or stop. Writes to `out`/`err`.
 * @returns the exit code
 */
function main(argv, env, out, err) {
  const dryRun = argv.includes('--dry-run');
  if (s3rverMissing()) {
    err.write('ensure-test-tools: the npm package s3rver (a devDependency) is missing. Run: npm ci\n');
    return 1;
  }
  const tools = survey(env);
  const missing = tools.filter(t => !t.found);
  if (missing.length === 0) {
    out.write(dryRun ? `ensure-test-tools: nothing to install\n${describe(tools)}\n` : `ensure-test-tools: all ${tools.length} test tools present\n`);
    return 0;
  }
  const aptGet = locate('apt-get', searchDirs(env));
  const todo = plan(missing, { isRoot: process.getuid?.() === 0, aptGet });
  if (dryRun) {
    out.write(`ensure-test-tools: ${todo.action === 'install' ? 'would run' : 'would stop with'}: ${todo.command}\n${describe(tools)}\n`);
    return 0;
  }
  if (todo.action === 'stop') {
    err.write(`ensure-test-tools: the integration tests need tools this machine lacks:\n${describe(tools)}\nRun: ${todo.command}\n`);
    if (todo.note) err.write(`(${todo.note})\n`);
    return 1;
  }
  out.write(`ensure-test-tools: installing ${todo.pkgs.join(' ')} (services are not started)\n`);
  aptInstall(aptGet, todo.pkgs, env);
  const still = survey(env).filter(t => !t.found);
  if (still.length > 0) {
    err.write(`ensure-test-tools: still missing after apt-get install:\n${describe(still)}\n`);
    return 1;
  }
  return 0;
}

module.exports = { TOOLS, survey, plan, locate, searchDirs, main };

if (require.main === module) {
  try {
    process.exitCode = main(process.argv.slice(2), process.env, process.stdout, process.stderr);
  } catch (e) {
    process.stderr.write(`ensure-test-tools: ${e.message}\n`);
    process.exitCode = 1;
  }
}
