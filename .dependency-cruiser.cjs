/**
 * The layers of src/ (docs/development.md, "How the code is laid out"), checked by `npm run lint`.
 * Imports only go down a floor, never up, and never round in a cycle. Type-only imports count too:
 * a type names what a module knows about.
 *
 *   floor 1  src/rules/, src/errors.ts, src/digest-table.ts  pure model and checks, no I/O
 *   floor 2  src/fs/, src/azure/, src/bacpac/, src/package/  adapters, one outside thing each
 *   floor 3  src/layout/, src/source/                        readers that produce the model
 *   floor 4  src/transfer/, src/portal/                      moving bytes; talking to the Portal
 *   floor 5  src/operations/                                 plan, upload, verify, rehearse, package
 *   floor 6  src/report/                                     every rendering
 *   floor 7  src/cli/                                        one module per command
 *   top      src/index.ts                                    the library's public surface
 *
 * Within a floor:
 * - floor 2: `fs/` is the bottom adapter (any adapter may write a private or atomic file with it);
 *   `azure/`, `bacpac/` and `package/` never import each other: a package check that needs a BACPAC
 *   fact gets it from the operation that read both.
 * - floor 3: a source applies the layout, so `source/` may import `layout/`; `layout/` never imports `source/`.
 * - floor 4: `transfer/` and `portal/` never import each other (restore data never goes through the Portal).
 *
 * Known violations owned by other work in progress are listed in .dependency-cruiser-known-violations.json
 * (`--ignore-known`); that list only shrinks.
 */
const floors = [
  ['^src/(rules/|errors\\.ts$|digest-table\\.ts$)'],
  ['^src/(fs|azure|bacpac|package)/'],
  ['^src/(layout|source)/'],
  ['^src/(transfer|portal)/'],
  ['^src/operations/'],
  ['^src/report/'],
  ['^src/cli/'],
  ['^src/index\\.ts$'],
];

const floorRules = floors.slice(0, -1).map(([from], index) => ({
  name: `up-from-floor-${index + 1}`,
  comment: `floor ${index + 1} (${from}) imports only from its own floor or below`,
  severity: 'error',
  from: { path: from },
  to: { path: floors.slice(index + 1).map(([path]) => path) },
}));

/** Siblings on one floor that must not import each other: [rule name, from, to, why]. */
const siblings = [
  ['fs-is-the-bottom-adapter', '^src/fs/', '^src/(azure|bacpac|package)/', 'fs/ knows files, not what is in them'],
  ['azure-alone', '^src/azure/', '^src/(bacpac|package)/', 'azure/ is the Azure adapter only'],
  ['bacpac-alone', '^src/bacpac/', '^src/(azure|package)/', 'bacpac/ reads BACPACs only'],
  ['package-alone', '^src/package/', '^src/(azure|bacpac)/', 'package/ reads deployment packages only'],
  ['layout-not-to-source', '^src/layout/', '^src/source/', 'sources apply the layout, not the reverse'],
  ['transfer-not-to-portal', '^src/transfer/', '^src/portal/', 'transfer never talks to the Portal'],
  ['portal-not-to-transfer', '^src/portal/', '^src/transfer/', 'restore data never goes through the Portal'],
];

const siblingRules = siblings.map(([name, from, to, why]) => ({
  name,
  comment: why,
  severity: 'error',
  from: { path: from },
  to: { path: to },
}));

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-cycle',
      comment: 'a cycle makes two modules one; move the shared part down into its own module',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    ...floorRules,
    ...siblingRules,
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    includeOnly: '^src/',
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default', 'types'] },
  },
};
