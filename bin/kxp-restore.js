#!/usr/bin/env node
// Thin launcher: refuse old runtimes with a clear message before loading anything that needs them.
const major = Number(process.versions.node.split('.')[0]);
if (major < 22) {
  process.stderr.write(
    `kxp-restore needs Node.js 22 or later; this is Node.js ${process.versions.node}.\n` +
      'Install Node.js 22+, or run it through npm in this repository (npm exec -- kxp-restore …), which uses the pinned Node 24.\n',
  );
  process.exit(2);
}
const { main } = await import('../dist/cli/main.js');
process.exitCode = await main(process.argv.slice(2));
