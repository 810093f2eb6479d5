/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  // Type checking runs once over the whole tree (`tsc -p tsconfig.dev.json`) before jest,
  // so ts-jest only transpiles: that keeps the suite fast.
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.dev.json' }],
    // kubernetes-models ships ES modules only; transpile them to CommonJS for jest.
    '^.+\\.js$': ['ts-jest', { tsconfig: { allowJs: true, module: 'commonjs', target: 'ES2022', isolatedModules: true } }],
  },
  transformIgnorePatterns: ['/node_modules/(?!(kubernetes-models|@kubernetes-models|is-cidr|cidr-regex|ip-regex|re2js)/)'],
  // ...and resolve them by path: their package exports offer only an "import" condition.
  moduleNameMapper: {
    '^kubernetes-models/(.*)$': '<rootDir>/node_modules/kubernetes-models/$1.js',
    '^@kubernetes-models/(base|validate)$': '<rootDir>/node_modules/@kubernetes-models/$1/dist/index.js',
    '^@kubernetes-models/validate/runtime/(.*)$': '<rootDir>/node_modules/@kubernetes-models/validate/dist/runtime/$1.js',
    '^@kubernetes-models/apimachinery/(.*)$': '<rootDir>/node_modules/@kubernetes-models/apimachinery/$1.js',
  },
  // the AWS CLI v2 first on PATH, whatever the machine's PATH finds first (scripts/ensure-test-tools.js)
  // generated scripts and configs print as name + digest: snapshots read like the YAML a reviewer checks
  snapshotSerializers: ['<rootDir>/test/tooling/script-serializer.ts'],
  globalSetup: '<rootDir>/scripts/jest-global-setup.js',
  setupFiles: ['<rootDir>/test/helpers/fast-check-seed.ts'],
  testTimeout: 120000,
  // Two suites at a time, whatever the machine's core count: the integration suites mostly wait
  // on real tools (nginx, curl, the AWS CLI), so a second worker cuts the run by about a fifth on
  // 2 vCPUs (jest's default there is one); more would crowd the timing-sensitive fault suites.
  maxWorkers: 2,
};
