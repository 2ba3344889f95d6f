import { describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';

const COMMANDS = ['plan', 'upload', 'verify', 'inspect', 'session', 'restore', 'portal-emulator', 'rehearse', 'package check', 'package upload', 'layout'];
const SESSION_ACTIONS = ['create', 'access', 'revoke', 'status', 'close'];

/** Long options listed in a help text's option table (help and version are yargs' own). */
function optionsOf(help: string): string[] {
  const names = [...help.matchAll(/^\s+(?:-\w, )?--([a-z][a-z0-9-]*)/gm)].map((match) => match[1] ?? '');
  return [...new Set(names)].filter((name) => name !== 'help' && name !== 'version');
}

describe('--help', () => {
  it('lists every command at the top level', async () => {
    const top = await runCli(['--help']);
    expect(top.exitCode).toBe(0);
    for (const command of COMMANDS) expect(top.stdout).toContain(`kxp-restore ${command.split(' ')[0] ?? ''}`);
  });

  it('prints the command list when no command is given, and exits 2', async () => {
    const result = await runCli([]);
    expect(result.exitCode).toBe(2);
    for (const command of COMMANDS) expect(result.stderr).toContain(`kxp-restore ${command.split(' ')[0] ?? ''}`);
    expect(result.stderr).toContain('Name a command; see the list above.');
  });

  it('of each session action shows only that action\'s options', async () => {
    const access = await runCli(['session', 'access', '--help']);
    expect(access.exitCode).toBe(0);
    expect(optionsOf(access.stdout.split('\nExamples:\n')[0] ?? '')).toContain('allowlist');
    for (const action of ['create', 'revoke', 'status', 'close']) {
      const help = await runCli(['session', action, '--help']);
      expect(help.stdout).toContain(`kxp-restore session ${action}`);
      expect(optionsOf(help.stdout), action).not.toContain('allowlist');
    }
    const bare = await runCli(['session']);
    expect(bare.exitCode).toBe(2);
    for (const action of ['create', 'access', 'revoke', 'status', 'close']) expect(bare.stderr).toContain(`kxp-restore session ${action}`);
  });

  it.each(COMMANDS)('of %s quotes $StorageAssets in its examples, so the shell does not expand it', async (command) => {
    const help = (await runCli([...command.split(' '), '--help'])).stdout;
    // A path with $StorageAssets given to an option must be in single quotes; prose may name the folder.
    expect(help.match(/--\w[\w-]*\s+(?!')\S*\$StorageAssets/g) ?? [], 'unquoted $StorageAssets').toEqual([]);
  });

  it.each([...COMMANDS.filter((command) => command !== 'session'), ...SESSION_ACTIONS.map((action) => `session ${action}`)])('of %s describes every option and shows each in an example', async (command) => {
    const result = await runCli([...command.split(' '), '--help']);
    expect(result.exitCode).toBe(0);
    const [table = '', rest = ''] = result.stdout.split('\nExamples:\n');
    expect(rest, 'an Examples section').not.toBe('');
    const examples = rest.split(/\n\s*\n/)[0] ?? '';
    const options = optionsOf(table);
    expect(options.length).toBeGreaterThan(0);
    const missing = options.filter((name) => !new RegExp(`--(?:no-)?${name}(?![a-z0-9-])`).test(examples));
    expect(missing, `options of ${command} with no example`).toEqual([]);
  });
});
