// The layering of apps/ and libs/, checked by `npm run lint` (depcruise apps libs --config .dependency-cruiser.js).

/** Which libs/* package may import which other ones (through @d1/<name>). Anything else is undeclared. */
const LIB_DEPENDENCIES = {
  client: ['notebook'],
  'kernel-relay': [],
  notebook: [],
  supervisor: [],
};

module.exports = {
  forbidden: [
    {
      name: 'libs-not-to-apps',
      comment: 'libs/ are packages apps build on: they never import from apps/.',
      severity: 'error',
      from: { path: '^libs/' },
      to: { path: '^apps/' },
    },
    {
      name: 'no-circular',
      comment: 'No file of apps/ or libs/ imports itself back through other files.',
      severity: 'error',
      from: { path: '^(apps|libs)/' },
      to: { circular: true },
    },
    {
      name: 'no-gateway-imports',
      comment:
        'Websocket gateways are entry points: services and other code never import one. Only a gateway (extending ' +
        'a base gateway) or the Nest module that provides it does.',
      severity: 'error',
      from: { path: '^(apps|libs)/', pathNot: ['[.]gateway[.]ts$', '[.]module[.]ts$'] },
      to: { path: '[.]gateway[.]ts$' },
    },
    {
      name: 'jupyterlab-services-only-in-kernel-relay',
      comment:
        'libs/kernel-relay is the one adapter to @jupyterlab/services; everything else goes through it. ' +
        'Type-only imports count too.',
      severity: 'error',
      from: { pathNot: '^libs/kernel-relay/' },
      to: { path: '(^|/)node_modules/@jupyterlab/services/|^@jupyterlab/services($|/)' },
    },
    ...Object.entries(LIB_DEPENDENCIES).map(([lib, deps]) => ({
      name: `libs-${lib}-declared-deps`,
      comment: `libs/${lib} imports only ${deps.length ? deps.map((d) => `libs/${d}`).join(', ') : 'no other lib'}.`,
      severity: 'error',
      from: { path: `^libs/${lib}/` },
      to: { path: '^libs/', pathNot: `^libs/(${[lib, ...deps].join('|')})/` },
    })),
    {
      name: 'not-to-unresolvable',
      comment: 'Every import resolves (a typo in a path alias would hide a dependency from the other rules).',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(dist|dist-bench|coverage|[.]cache)/' },
    // Type-only imports are dependencies too.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.tsx', '.d.ts', '.js', '.mjs', '.cjs', '.json'],
    },
    reporterOptions: {
      text: { highlightFocused: true },
    },
  },
};
