import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { startAzurite } from '../../src/azure/azurite.js';
import { tryConnect } from '../support/net.js';

describe('Azurite child process', () => {
  it('exits when its parent goes away (the parent end of its stdin pipe closes)', async () => {
    const azurite = await startAzurite();
    try {
      expect(await tryConnect(azurite.port)).toBe('connected');
      // When a parent dies, even by SIGKILL, the OS closes its end of the pipe: the same thing as this.
      const exited = once(azurite.process, 'exit');
      azurite.process.stdin?.end();
      await exited;
      expect(await tryConnect(azurite.port)).toBe('ECONNREFUSED');
    } finally {
      await azurite.stop();
    }
  });
});
