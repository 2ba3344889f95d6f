import type { CommandModule } from 'yargs';
import { ExitCode, KxpError, toKxpError } from '../errors.js';
import type { Layout } from '../rules/layout-model.js';
import { jsonText } from '../report/escape.js';
import { errorJson } from '../report/errors.js';
import { learnFromExport } from '../layout/export.js';
import { resolveLayout } from '../layout/resolve.js';
import { layoutJson, renderLayout } from '../report/layout.js';
import type { CliContext } from './context.js';

interface LayoutArgs {
  project?: string;
  layout?: string;
  'from-export'?: string;
  json: boolean;
}

export function layoutCommand(ctx: CliContext): CommandModule<object, LayoutArgs> {
  return {
    command: 'layout',
    describe: 'Show the storage layout (which container serves which project folders) and where each rule comes from',
    builder: (yargs) =>
      yargs
        .option('project', { type: 'string', requiresArg: true, describe: "Read the mapping from the project's C# code (StorageInitializationModule.cs, Program.cs)" })
        .option('layout', { type: 'string', requiresArg: true, describe: 'Read and check a layout file { "containers": { "default": ["assets/"] } }' })
        .option('from-export', {
          type: 'string',
          requiresArg: true,
          describe: 'Learn the layout from a "Storage and files" export: a downloaded folder, or a container SAS URL (list permission)',
        })
        .option('json', { type: 'boolean', default: false, describe: 'Print the layout, its rules and their origins as JSON' })
        .conflicts('project', 'from-export')
        .conflicts('layout', 'from-export')
        .example('$0 layout --project ./MySite', 'What the project maps: e.g. default ← assets/ from StorageInitializationModule.cs:38')
        .example('$0 layout --layout kxp-layout.json --json', 'Check a layout file; JSON with each rule and its origin')
        .example('$0 layout --from-export ./export-storage > kxp-layout.txt', 'Learn containers and folders from a downloaded "Storage and files" export')
        .example('$0 layout --from-export "$EXPORT_SAS_URL"', 'The same from a container SAS URL (only listed; the signature is never printed)')
        .epilog(
          'Without options: the template default (container default ← assets/). --layout wins over --project. ' +
            'What cannot be read from the code with certainty is named with its file and line, and the command exits 2: describe the layout in a file and pass --layout.\n' +
            'Exit status: 0 shown; 2 unreadable mapping, invalid layout file or export.',
        ) as never,
    handler: async (args) => {
      if (args['from-export'] !== undefined && args['from-export'].trim() === '') throw new KxpError('USAGE', '--from-export needs a folder or a SAS URL.');
      let layout: Layout;
      try {
        layout =
          args['from-export'] !== undefined
            ? await learnFromExport(args['from-export'], { cwd: ctx.cwd, env: ctx.env, signal: ctx.signal })
            : await resolveLayout({ layoutFile: args.layout, project: args.project, cwd: ctx.cwd, signal: ctx.signal });
      } catch (thrown) {
        // --json always prints a result: a refusal is `{ "ok": false, "error": … }` (stderr still says it in words).
        if (args.json) ctx.stdout.write(jsonText({ ok: false, error: errorJson(toKxpError(thrown)) }) + '\n');
        throw thrown;
      }
      ctx.stdout.write(args.json ? jsonText({ ok: true, ...layoutJson(layout) }) + '\n' : renderLayout(layout));
      ctx.setExitCode(ExitCode.ok);
    },
  };
}
