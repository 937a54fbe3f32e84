// Two projects: fast unit specs beside the code, and end-to-end suites against real Jupyter.
const moduleNameMapper = {
  '^@d1/notebook$': '<rootDir>/libs/notebook/src',
  '^@d1/kernel-relay$': '<rootDir>/libs/kernel-relay/src',
  '^@d1/supervisor$': '<rootDir>/libs/supervisor/src',
  '^@d1/client$': '<rootDir>/libs/client/src',
};
// A few dependencies of @fastify/static ship ESM only; Jest (CommonJS) needs them transpiled.
const ESM_DEPS = ['content-disposition'];
const transform = {
  '^.+\\.ts$': ['ts-jest', {}],
  '^.+\\.js$': ['ts-jest', { tsconfig: { allowJs: true, isolatedModules: true } }],
};
const transformIgnorePatterns = [`node_modules/(?!(${ESM_DEPS.join('|')})/)`];
// Node.js binaries fetched by scripts/node.sh live in .cache/ and carry package.json files of their own.
const modulePathIgnorePatterns = ['<rootDir>/.cache/', '<rootDir>/dist/'];
module.exports = {
  testTimeout: 60000,
  projects: [
    {
      displayName: 'unit',
      testEnvironment: 'node',
      rootDir: __dirname,
      testMatch: ['<rootDir>/apps/**/*.spec.ts', '<rootDir>/libs/**/*.spec.ts'],
      transform,
      transformIgnorePatterns,
      moduleNameMapper,
      modulePathIgnorePatterns,
    },
    {
      displayName: 'e2e',
      testEnvironment: 'node',
      rootDir: __dirname,
      testMatch: ['<rootDir>/test/**/*.e2e-spec.ts'],
      globalSetup: '<rootDir>/test/support/global-setup.ts',
      transform,
      transformIgnorePatterns,
      moduleNameMapper,
      modulePathIgnorePatterns,
    },
  ],
};
