// The layering of apps/ and libs/, checked by `npm run lint` (depcruise apps libs --config .dependency-cruiser.js).

/** Which libs/* package may import which other ones (through @d1/<name>). Anything else is undeclared. */
const LIB_DEPENDENCIES = {
  client: ['notebook'],
  'kernel-relay': [],
  notebook: [],
  supervisor: [],
};

/**
 * The floors of apps/d1/src, lowest first. A folder imports only from its own floor's folders or lower ones, never
 * from a higher floor; folders on one floor do not import each other. The files at the top of apps/d1/src
 * (config, main, cli, app.module) stand outside: they wire everything together.
 */
const FLOORS = [
  ['common'],
  ['auth'],
  ['events', 'metrics'],
  ['files', 'kernels'],
  ['notebooks', 'server'],
  ['execution'],
  ['websockets', 'mcp', 'web'],
];

const layering = FLOORS.flatMap((floor, level) =>
  floor.map((folder) => {
    const allowed = [...FLOORS.slice(0, level).flat(), folder];
    return {
      name: `layers-${folder}`,
      comment: `apps/d1/src/${folder}/ imports only from ${allowed.join(', ')} (and the top-level config files).`,
      severity: 'error',
      from: { path: `^apps/d1/src/${folder}/` },
      to: { path: '^apps/d1/src/[^/]+/', pathNot: `^apps/d1/src/(${allowed.join('|')})/` },
    };
  }),
);

module.exports = {
  forbidden: [
    ...layering,
    {
      name: 'layers-entry-points',
      comment: 'main.ts, cli.ts and app.module.ts wire the folders together; no folder imports them.',
      severity: 'error',
      from: { path: '^apps/d1/src/[^/]+/' },
      to: { path: '^apps/d1/src/(main|cli|app[.]module)[.]ts$' },
    },
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
