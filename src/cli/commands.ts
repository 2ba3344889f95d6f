import { command, type Command } from './command.js';
import type { CliContext } from './context.js';
import { planCommand } from './plan.js';
import { uploadCommand } from './upload.js';
import { verifyCommand } from './verify.js';
import { portalEmulatorCommand } from './portal-emulator.js';
import { rehearseCommand } from './rehearse.js';
import { restoreCommand } from './restore.js';
import { sessionCommand } from './session.js';
import { inspectCommand } from './inspect.js';
import { packageCommand } from './package.js';
import { layoutCommand } from './layout.js';
import { statusCommand } from './shard.js';

/** Every command of the CLI, in the order `--help` lists them. One module per command: add yours as `command(xCommand(ctx))`. */
export function commands(ctx: CliContext): Command[] {
  return [command(planCommand(ctx)), command(uploadCommand(ctx)), command(verifyCommand(ctx)), command(statusCommand(ctx)), command(inspectCommand(ctx)), command(sessionCommand(ctx)), command(restoreCommand(ctx)), command(portalEmulatorCommand(ctx)), command(rehearseCommand(ctx)), command(packageCommand(ctx)), command(layoutCommand(ctx))];
}
