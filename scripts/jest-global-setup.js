// Jest's globalSetup: runs once before the test workers start, and they inherit its environment.
// The integration tests run `aws` from PATH, and a PATH may find the AWS CLI v1 first (a pyenv
// shim) although the downloader image ships v2; put the v2 that ensure-test-tools found first.
const fs = require('fs');
const path = require('path');
const { TOOLS, locate, searchDirs } = require('./ensure-test-tools');

module.exports = function globalSetup() {
  const aws = TOOLS.find(t => t.tool === 'aws');
  const v2 = locate('aws', searchDirs(process.env), aws.accepts);
  if (v2 === undefined || locate('aws', (process.env.PATH ?? '').split(':')) === v2) return;
  const bin = path.join(__dirname, '..', 'node_modules', '.cache', 'test-tools', 'bin');
  fs.mkdirSync(bin, { recursive: true });
  fs.rmSync(path.join(bin, 'aws'), { force: true });
  fs.symlinkSync(v2, path.join(bin, 'aws'));
  process.env.PATH = `${bin}:${process.env.PATH}`;
};
