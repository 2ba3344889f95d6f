import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { connect } from 'node:net';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../support/cli.js';

/** Resolves with the error code of a fresh connection attempt ('connected' if it succeeds). */
function tryConnect(port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve('connected');
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'));
  });
}

describe('Azurite child process', () => {
  it('goes away with a parent that is killed outright', async () => {
    // A parent that starts an emulator and then hangs, as a process killed mid-rehearsal would.
    const script = `
      const { startAzurite } = await import(${JSON.stringify(path.join(repoRoot, 'dist', 'index.js'))});
      const azurite = await startAzurite();
      process.stdout.write(azurite.port + '\\n');
      setInterval(() => {}, 1 << 30);`;
    const parent = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    const [line] = (await once(parent.stdout.setEncoding('utf8'), 'data')) as [string];
    const port = Number(line.trim());
    expect(port).toBeGreaterThan(0);

    // An open connection to the emulator closes when its process ends: that is the event to wait for.
    const socket = connect(port, '127.0.0.1');
    await once(socket, 'connect');
    const closed = once(socket, 'close');
    socket.on('error', () => undefined);
    parent.kill('SIGKILL');
    await closed;
    expect(await tryConnect(port)).toBe('ECONNREFUSED');
  });
});
