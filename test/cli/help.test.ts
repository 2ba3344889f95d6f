import { describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';

const COMMANDS = ['plan', 'upload', 'verify', 'inspect', 'session', 'restore', 'portal-emulator', 'rehearse', 'package check', 'layout'];

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

  it.each(COMMANDS)('of %s describes every option and shows each in an example', async (command) => {
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
