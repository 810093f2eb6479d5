import { execFileSync } from 'child_process';

test('the integration tests run the AWS CLI v2 (what the downloader image ships), whatever is first on the machine\'s PATH', () => {
  expect(execFileSync('aws', ['--version'], { encoding: 'utf8' })).toMatch(/^aws-cli\/2\./);
});
