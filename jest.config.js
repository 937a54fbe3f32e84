// Two projects: fast unit specs beside the code, and end-to-end suites against real Jupyter.
const moduleNameMapper = {
  '^@d1/notebook$': '<rootDir>/libs/notebook/src',
  '^@d1/kernel-relay$': '<rootDir>/libs/kernel-relay/src',
  '^@d1/supervisor$': '<rootDir>/libs/supervisor/src',
};
const transform = { '^.+\\.ts$': ['ts-jest', { isolatedModules: true }] };
module.exports = {
  projects: [
    {
      displayName: 'unit',
      testEnvironment: 'node',
      rootDir: __dirname,
      testMatch: ['<rootDir>/apps/**/*.spec.ts', '<rootDir>/libs/**/*.spec.ts'],
      transform,
      moduleNameMapper,
    },
    {
      displayName: 'e2e',
      testEnvironment: 'node',
      rootDir: __dirname,
      testMatch: ['<rootDir>/test/**/*.e2e-spec.ts'],
      transform,
      moduleNameMapper,
      testTimeout: 60000,
    },
  ],
};
