import type { CommandModule } from 'yargs';
import type { CliContext } from './context.js';

export function planCommand(_ctx: CliContext): CommandModule {
  return {
    command: 'plan [dir]',
    describe: 'Check a migration folder against every custom-restore rule, without sending anything',
    handler: () => undefined,
  };
}
