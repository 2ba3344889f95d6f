/**
 * The person-facing side of the manual driver: shows each Portal step and asks with @inquirer/prompts
 * on the command's own streams (stderr, so `--json` output on stdout stays clean). Secrets are read
 * with `password` and no mask, so nothing of a pasted SAS URL is echoed.
 */
import { Writable } from 'node:stream';
import { confirm, input, password, select } from '@inquirer/prompts';
import { KxpError } from '../errors.js';
import type { ManualPrompter } from '../portal/manual-portal.js';
import { renderManualStep } from '../report/session.js';
import type { CliContext } from './context.js';

/**
 * Asks one question. Ends with NOT_CONFIRMED when the input ends before an answer (a pipe or /dev/null
 * instead of a person) rather than waiting forever, and with ABORTED on Ctrl-C.
 */
async function asked<T>(ctx: CliContext, ask: (signal: AbortSignal) => Promise<T>, outer?: AbortSignal): Promise<T> {
  const controller = new AbortController();
  const stop = () => controller.abort();
  const signals = [ctx.signal, outer].filter((signal): signal is AbortSignal => signal !== undefined);
  for (const signal of signals) signal.addEventListener('abort', stop, { once: true });
  ctx.stdin.once('end', stop);
  if (ctx.stdin.readableEnded) stop();
  try {
    return await ask(controller.signal);
  } catch (error) {
    if (signals.some((signal) => signal.aborted)) throw new KxpError('ABORTED', 'Interrupted.', { cause: error });
    const name = (error as Error).name;
    if (name === 'ExitPromptError' || name === 'AbortPromptError') {
      throw new KxpError('NOT_CONFIRMED', 'The question was not answered (the input ended), so kxp-restore stopped here.', {
        hint: 'Run the command in a terminal and answer each step (or pass --yes where the command offers it).',
        cause: error,
      });
    }
    throw error;
  } finally {
    for (const signal of signals) signal.removeEventListener('abort', stop);
    ctx.stdin.off('end', stop);
  }
}

/** A view of `target` that a prompt may end without ending the command's own stream (inquirer pipes into it and ends the pipe). */
function unendable(target: Writable): Writable {
  return new Writable({
    write(chunk: Buffer, _encoding, done) {
      target.write(chunk, () => done());
    },
  });
}

export function inquirerPrompter(ctx: CliContext): ManualPrompter {
  const streams = (signal: AbortSignal) => ({ input: ctx.stdin, output: unendable(ctx.stderr), signal, clearPromptOnDone: false });
  return {
    show(step) {
      ctx.stderr.write(renderManualStep(step));
    },
    confirm: (message, signal) => asked(ctx, (inner) => confirm({ message, default: false }, streams(inner)), signal),
    secret: (message, validate, signal) => asked(ctx, (inner) => password({ message, validate }, streams(inner)), signal),
    choose: (message, choices, signal) => asked(ctx, (inner) => select({ message, choices: [...choices] }, streams(inner)), signal),
    text: (message, signal) => asked(ctx, (inner) => input({ message }, streams(inner)), signal),
  };
}
