/** The one type every command module is listed as (commands.ts, and commands with subcommands such as package.ts). */
import type { CommandModule } from 'yargs';

/** A command module with its argument type erased, so modules of different argument types share one list. */
export type Command = CommandModule<object, never>;

/** Erases a module's argument type; yargs validates the arguments at run time against the module's own builder. */
export function command<A>(module: CommandModule<object, A>): Command {
  return module as unknown as Command;
}
