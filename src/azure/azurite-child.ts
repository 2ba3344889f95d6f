/**
 * Runs Azurite's blob service in this process and exits as soon as the parent's end of stdin closes.
 * A parent that is killed outright (SIGKILL, a crash) cannot stop its emulator; this way the emulator,
 * and the memory it holds, goes with it. Usage: node azurite-child.js <azurite main.js> [azurite args…]
 */
import { pathToFileURL } from 'node:url';

const [mainScript, ...azuriteArgs] = process.argv.slice(2);
if (mainScript === undefined) {
  process.stderr.write('usage: azurite-child <azurite main script> [arguments…]\n');
  process.exit(2);
}
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
// Watching stdin must not keep the process alive by itself: after Azurite's own graceful shutdown
// (SIGTERM from stop()) the process should end as it would have without the launcher.
process.stdin.unref();
// Azurite reads its options from process.argv, as if it had been started directly.
process.argv = [process.argv[0] ?? process.execPath, mainScript, ...azuriteArgs];
await import(pathToFileURL(mainScript).href);
