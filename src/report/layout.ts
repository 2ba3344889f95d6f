/** Text and JSON renderings of a storage layout. Decides nothing; only shows. */
import { containersOf, describeOrigin, layoutFileJson, type Layout } from '../rules/layout-model.js';

const SOURCE_WORDS: Record<Layout['source'], string> = {
  'layout-file': 'layout file',
  project: "project's storage mapping code",
  export: '"Storage and files" export',
  'template-default': 'template default (no --project, --layout, --from-export)',
};

export function layoutJson(layout: Layout) {
  return {
    source: layout.source,
    from: layout.from,
    containers: layoutFileJson(layout).containers,
    rules: layout.rules.map((rule) => ({ container: rule.container, prefix: rule.prefix, origin: describeOrigin(rule.origin), originDetail: rule.origin })),
    exclusions: layout.exclusions.map((exclusion) => ({ prefix: exclusion.prefix, origin: describeOrigin(exclusion.origin), originDetail: exclusion.origin })),
    storageAssetsDir: layout.storageAssetsDir,
    notes: layout.notes,
    layoutFile: layoutFileJson(layout),
  };
}

export function renderLayout(layout: Layout): string {
  const lines = [`Storage layout: ${SOURCE_WORDS[layout.source]}${layout.from ? ` ${layout.from}` : ''}`, ''];
  const containers = containersOf(layout);
  const width = Math.max(...[...layout.rules, ...layout.exclusions].map((rule) => rule.prefix.length), 8);
  for (const [container] of containers) {
    lines.push(`  container ${container}`);
    for (const rule of layout.rules.filter((candidate) => candidate.container === container)) {
      lines.push(`    ${rule.prefix.padEnd(width)}  ← ${describeOrigin(rule.origin)}`);
    }
  }
  if (layout.exclusions.length > 0) {
    lines.push('  in no container (left out of the upload)');
    for (const exclusion of layout.exclusions) lines.push(`    ${exclusion.prefix.padEnd(width)}  ← ${describeOrigin(exclusion.origin)}`);
  }
  const example = layout.rules[0];
  if (example) {
    lines.push('', `A project file ${example.prefix}… is uploaded as ${example.container}/${example.prefix}… (names lowercased).`);
  }
  if (layout.source !== 'export') lines.push(`Files under ${layout.storageAssetsDir}/<container>/ are read as they are.`);
  if (layout.notes.length > 0) lines.push('', 'Notes', ...layout.notes.map((note) => `  ${note}`));
  lines.push('', 'As a layout file (save as kxp-layout.json, pass --layout kxp-layout.json):', JSON.stringify(layoutFileJson(layout), null, 2));
  return lines.join('\n') + '\n';
}

/** The layout lines of the plan summary: where it came from, then one rule a line with its origin. */
export function layoutLines(layout: Layout): string[] {
  const from = { 'layout-file': 'layout file', project: 'project code', export: 'export', 'template-default': 'template default' }[layout.source];
  const lines = [`Layout    ${from}${layout.from ? ` ${layout.from}` : ''}: files checked against it`];
  const width = Math.max(...layout.rules.map((rule) => rule.container.length + rule.prefix.length + 3), ...layout.exclusions.map((exclusion) => exclusion.prefix.length + 11));
  for (const rule of layout.rules) lines.push(`  ${`${rule.container} ← ${rule.prefix}`.padEnd(width)}  ${describeOrigin(rule.origin)}`);
  for (const exclusion of layout.exclusions) lines.push(`  ${`excluded: ${exclusion.prefix}`.padEnd(width)}  ${describeOrigin(exclusion.origin)}`);
  return lines;
}
