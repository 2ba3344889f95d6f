#!/usr/bin/env node
// Thin launcher. It must parse on old runtimes, so it stays plain JavaScript with nothing imported up front.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';

const major = Number(process.versions.node.split('.')[0]);
if (major < 22) {
  // The repository pins Node 24 (the node@24 devDependency): run under it when it is installed.
  const pinned = fileURLToPath(new URL('../node_modules/node/bin/node', import.meta.url));
  if (!existsSync(pinned)) {
    process.stderr.write(
      `kxp-restore needs Node.js 22 or later; this is Node.js ${process.versions.node}.\n` +
        'Install Node.js 22+, or run `npm ci` in the kxp-restore repository, which installs the pinned Node 24 that this launcher then uses.\n',
    );
    process.exit(2);
  }
  // The IPC channel is how the child learns that this process is gone, even by SIGKILL: the OS closes it.
  const child = spawn(pinned, [fileURLToPath(import.meta.url), ...process.argv.slice(2)], {
    stdio: ['inherit', 'inherit', 'inherit', 'ipc'],
    env: { ...process.env, KXP_RESTORE_LAUNCHED: '1' },
  });
  // Ctrl-C reaches the child directly (same process group); passing it on too would be a second Ctrl-C,
  // which stops the child hard. SIGTERM and SIGHUP are usually sent to this pid alone: pass them on.
  process.on('SIGINT', () => {});
  for (const signal of ['SIGTERM', 'SIGHUP']) process.on(signal, () => child.kill(signal));
  child.on('error', (error) => {
    process.stderr.write(`kxp-restore: could not start the pinned Node.js (${pinned}): ${error.message}\n`);
    process.exit(2);
  });
  child.on('exit', (code, signal) => {
    if (signal) process.kill(process.pid, signal);
    else process.exit(code ?? 1);
  });
} else {
  if (process.env.KXP_RESTORE_LAUNCHED === '1' && process.channel) {
    delete process.env.KXP_RESTORE_LAUNCHED;
    // Re-run by the launcher above: when it dies (kill -9 included), stop as on SIGTERM (clean, resumable);
    // a run that does not stop within 30 s is ended. The channel itself keeps nothing alive.
    process.channel.unref();
    process.once('disconnect', () => {
      process.kill(process.pid, 'SIGTERM');
      setTimeout(() => process.exit(3), 30_000).unref();
    });
  }
  // Many small files make garbage fast, and V8 then lets the heap grow to several times what is live between
  // full collections (peaks of 445–480 MiB at a million files for well under 200 MB live). A fixed growth
  // factor of 1.5 keeps the peak near the live size, for a few more full collections.
  if (!process.execArgv.some((flag) => flag.startsWith('--heap-growing-percent'))) setFlagsFromString('--heap-growing-percent=50');
  const { main } = await import('../dist/cli/main.js');
  process.exitCode = await main(process.argv.slice(2));
}
