import path from 'node:path';
import type { CommandModule } from 'yargs';
import { inspectBacpac } from '../bacpac/index.js';
import { ExitCode } from '../errors.js';
import { jsonText } from '../report/escape.js';
import { inspectJson, inspectProgressLine, renderInspect } from '../report/inspect.js';
import type { CliContext } from './context.js';

interface InspectArgs {
  file: string;
  rows: boolean;
  json: boolean;
}

export function inspectCommand(ctx: CliContext): CommandModule<object, InspectArgs> {
  return {
    command: 'inspect <file>',
    describe: 'Check a .bacpac before uploading it: zip, parts, data, checksum, tables, rows, Xperience version',
    builder: (yargs) =>
      yargs
        .positional('file', { type: 'string', demandOption: true, describe: 'The .bacpac file to check (read only; nothing is sent)' })
        .option('rows', {
          type: 'boolean',
          default: false,
          describe: "Also count every table's rows by reading all the table data, and compare the total with Origin.xml (reads the whole file)",
        })
        .option('json', { type: 'boolean', default: false, describe: 'Print one JSON object instead of the summary' })
        .example('$0 inspect ./migration/db.bacpac', 'The cheap checks (seconds, even for hundreds of GB): zip, parts, data present, model.xml checksum, version')
        .example('$0 inspect db.bacpac --rows', 'Also walk all table data and check the row total against Origin.xml')
        .example('$0 inspect db.bacpac --json | jq .xperienceVersion', 'The Xperience database version, for scripts')
        .epilog('Exit status: 0 when the bacpac is sound, 2 when it is not (each error names what is wrong and the fix).') as never,
    handler: async (args) => {
      const file = path.resolve(ctx.cwd, args.file);
      const progress = !args.json && ctx.stderr.isTTY === true;
      const report = await inspectBacpac(file, {
        rows: args.rows,
        signal: ctx.signal,
        onEvent: progress
          ? (event) => {
              const line = inspectProgressLine(event);
              if (line) ctx.stderr.write(`\r\x1b[2K${line}`);
            }
          : undefined,
      });
      if (progress) ctx.stderr.write('\r\x1b[2K');
      ctx.stdout.write(args.json ? jsonText(inspectJson(report)) + '\n' : renderInspect(report, args.rows));
      ctx.setExitCode(report.ok ? ExitCode.ok : ExitCode.invalid);
    },
  };
}
