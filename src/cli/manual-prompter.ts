/**
 * The person-facing side of the manual driver: shows each Portal step and asks with @inquirer/prompts
 * on the command's own streams (stderr, so `--json` output on stdout stays clean). Secrets are read
 * with `password` and no mask, so nothing of a pasted SAS URL is echoed.
 */
import { confirm, input, password, select } from '@inquirer/prompts';
import { KxpError } from '../errors.js';
import type { ManualPrompter } from '../portal/manual-portal.js';
import { renderManualStep } from '../report/session.js';
import type { CliContext } from './context.js';

/** Turns "the prompt was closed" (Ctrl-C, end of input) into a clear stop instead of a stack trace. */
async function asked<T>(question: Promise<T>, signal?: AbortSignal): Promise<T> {
  try {
    return await question;
  } catch (error) {
    if (signal?.aborted) throw new KxpError('ABORTED', 'Interrupted.', { cause: error });
    const name = (error as Error).name;
    if (name === 'ExitPromptError' || name === 'AbortPromptError') {
      throw new KxpError('NOT_CONFIRMED', 'The question was not answered (input closed), so kxp-restore stopped here.', {
        hint: 'Run the command in a terminal and answer each step.',
        cause: error,
      });
    }
    throw error;
  }
}

export function inquirerPrompter(ctx: CliContext): ManualPrompter {
  const streams = (signal?: AbortSignal) => ({ input: ctx.stdin, output: ctx.stderr, signal: signal ?? ctx.signal, clearPromptOnDone: false });
  return {
    show(step) {
      ctx.stderr.write(renderManualStep(step));
    },
    confirm: (message, signal) => asked(confirm({ message, default: false }, streams(signal)), signal),
    secret: (message, validate, signal) => asked(password({ message, validate }, streams(signal)), signal),
    choose: (message, choices, signal) => asked(select({ message, choices: [...choices] }, streams(signal)), signal),
    text: (message, signal) => asked(input({ message }, streams(signal)), signal),
  };
}
