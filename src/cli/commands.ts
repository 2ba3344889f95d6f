import type { CommandModule } from 'yargs';
import type { CliContext } from './context.js';
import { planCommand } from './plan.js';

/** Every command of the CLI, in the order `--help` lists them. One module per command. */
export function commands(ctx: CliContext): CommandModule[] {
  return [planCommand(ctx)];
}
