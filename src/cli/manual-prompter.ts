/**
 * The person-facing side of the manual driver: shows each Portal step and asks with @inquirer/prompts
 * on the command's own streams (stderr, so `--json` output on stdout stays clean). Secrets are read
 * with `password` and no mask, so nothing of a pasted SAS URL is echoed.
 */
import { Writable } from 'node:stream';
import { confirm, input, password, select } from '@inquirer/prompts';
import { ExitCode, KxpError } from '../errors.js';
import type { ManualPrompter } from '../portal/manual-portal.js';
import { renderManualStep } from '../report/session.js';
import type { CliContext } from './context.js';

/**
 * Asks one question. Ends with NOT_CONFIRMED when the input ends before an answer (a pipe or /dev/null
 * instead of a person) rather than waiting forever, and with ABORTED, exit 130, on Ctrl-C: in a terminal
 * the prompt reads Ctrl-C as a key (raw mode, no SIGINT), and ends with ExitPromptError while the input is open.
 */
async function asked<T>(ctx: CliContext, question: string, ask: (signal: AbortSignal) => Promise<T>, outer?: AbortSignal): Promise<T> {
  const controller = new AbortController();
  let ended = false;
  const stop = () => controller.abort();
  const end = () => {
    ended = true;
    stop();
  };
  const signals = [ctx.signal, outer].filter((signal): signal is AbortSignal => signal !== undefined);
  for (const signal of signals) signal.addEventListener('abort', stop, { once: true });
  ctx.stdin.once('end', end);
  if (ctx.stdin.readableEnded) end();
  try {
    return await ask(controller.signal);
  } catch (error) {
    const name = (error as Error).name;
    if (signals.some((signal) => signal.aborted) || (name === 'ExitPromptError' && !ended)) throw interruptedAt(question, error);
    if (name === 'ExitPromptError' || name === 'AbortPromptError') {
      throw new KxpError('NOT_CONFIRMED', 'The question was not answered (the input ended), so kxp-restore stopped here.', {
        hint: 'Run the command in a terminal and answer each step (or pass --yes where the command offers it).',
        cause: error,
      });
    }
    throw error;
  } finally {
    for (const signal of signals) signal.removeEventListener('abort', stop);
    ctx.stdin.off('end', end);
  }
}

/** Ctrl-C at a question: what stopped, and that nothing done in the Portal is undone by it. */
function interruptedAt(question: string, cause: unknown): KxpError {
  return new KxpError('ABORTED', `Interrupted (Ctrl-C) at the question "${question}"; kxp-restore did nothing more.`, {
    hint: 'Whatever was done in the Portal stays as it is (a restore started there goes on). Run the command again to take it up from there.',
    exitCode: ExitCode.interrupted,
    cause,
  });
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
    confirm: (message, signal) => asked(ctx, message, (inner) => confirm({ message, default: false }, streams(inner)), signal),
    secret: (message, validate, signal) => asked(ctx, message, (inner) => password({ message, validate }, streams(inner)), signal),
    choose: (message, choices, signal) => asked(ctx, message, (inner) => select({ message, choices: [...choices] }, streams(inner)), signal),
    text: (message, signal) => asked(ctx, message, (inner) => input({ message }, streams(inner)), signal),
  };
}
