import yargs from 'yargs';
import { ExitCode, KxpError, toKxpError } from '../errors.js';
import { formatError } from '../report/errors.js';
import { commands } from './commands.js';
import { terminalColumns, type CliContext } from './context.js';

export interface MainOptions extends Partial<Omit<CliContext, 'setExitCode' | 'signal'>> {
  signal?: AbortSignal;
}

/** Runs the CLI and resolves to the process exit status. Never calls process.exit. */
export async function main(argv: string[], options: MainOptions = {}): Promise<number> {
  const controller = new AbortController();
  const onSignal = () => controller.abort(new KxpError('ABORTED', 'Interrupted.'));
  const ownSignals = options.signal === undefined;
  if (ownSignals) {
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
  } else {
    options.signal?.addEventListener('abort', () => controller.abort(options.signal?.reason), { once: true });
  }
  let exitCode: number = ExitCode.ok;
  const ctx: CliContext = {
    stdin: options.stdin ?? process.stdin,
    stdout: options.stdout ?? process.stdout,
    stderr: options.stderr ?? process.stderr,
    env: options.env ?? process.env,
    cwd: options.cwd ?? process.cwd(),
    signal: controller.signal,
    setExitCode(code) {
      exitCode = code;
    },
  };
  try {
    let helpOrVersion = '';
    let cli = yargs()
      .scriptName('kxp-restore')
      .usage('$0 <command> [options]\n\nValidate, upload, verify and restore the data of an Xperience by Kentico SaaS custom restore.')
      .strict()
      .demandCommand(1, 'Name a command; see the list above.')
      .recommendCommands()
      .epilog(
        [
          'A custom restore, step by step:',
          '  kxp-restore plan ./migration                 check everything locally; nothing is sent',
          '  kxp-restore upload ./migration …SAS URLs…    send db.bacpac and storage/ (resumable: re-run the same command)',
          '  kxp-restore verify ./migration …SAS URLs…    prove the containers hold exactly the source',
          '  kxp-restore restore --env qa                 restore into an environment, then: kxp-restore session close',
          'Rehearse all of it locally first: kxp-restore rehearse ./migration',
          'From a project folder instead: kxp-restore layout --project ./MySite, then plan/upload --project ./MySite --bacpac FILE (docs/layout.md)',
          'Exit status: 0 done, 1 failed, 2 invalid input (nothing sent), 3 stopped but resumable, 130 interrupted with nothing to resume.',
        ].join('\n'),
      )
      .help()
      .alias('h', 'help')
      .version()
      .wrap(Math.min(110, ctx.stdout.columns ?? 100))
      .exitProcess(false)
      .fail((message, error, instance) => {
        // yargs wraps what an option's coerce throws (checkedNumber's KxpError) in its own YError: a usage error.
        if (error?.name === 'YError') throw new KxpError('USAGE', error.message, { hint: 'Run with --help to see the options.' });
        if (error) throw error;
        // No command (or no session action): the list of them is what the person needs, above the error.
        if (/^Name a (command|session action)/.test(message ?? '')) instance.showHelp((text) => ctx.stderr.write(`${text}\n\n`));
        throw new KxpError('USAGE', message ?? 'Invalid usage.', { hint: 'Run with --help to see the options.' });
      });
    for (const command of commands(ctx)) cli = cli.command(command);
    // The callback receives --help and --version text instead of yargs printing it, so it reaches ctx.stdout.
    await cli.parseAsync(argv, {}, (_error, _argv, output) => {
      helpOrVersion = output;
    });
    if (helpOrVersion) ctx.stdout.write(helpOrVersion.endsWith('\n') ? helpOrVersion : `${helpOrVersion}\n`);
    return exitCode;
  } catch (thrown) {
    const error = toKxpError(thrown);
    ctx.stderr.write(formatError(error, terminalColumns(ctx.stderr)));
    return error.exitCode;
  } finally {
    if (ownSignals) {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
  }
}
