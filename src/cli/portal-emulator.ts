import path from 'node:path';
import type { CommandModule } from 'yargs';
import { startPortalEmulator } from '../portal/emulator/start.js';
import { readTokensFile } from '../portal/emulator/tokens.js';
import { renderEmulatorEvent, renderEmulatorStarted } from '../report/portal-emulator.js';
import type { CliContext } from './context.js';
import { checkedNumber } from './parse.js';
import { envVersionOption, parseEnvVersions } from './portal-options.js';

interface EmulatorArgs {
  port: number;
  'env-version': string[];
  data?: string;
  'tokens-file'?: string;
  'token-dir'?: string;
  quiet: boolean;
}

export function portalEmulatorCommand(ctx: CliContext): CommandModule<object, EmulatorArgs> {
  return {
    command: 'portal-emulator',
    describe: "Run a local emulator of the Portal's custom restore (HTTP API + Azurite) until Ctrl-C",
    builder: (yargs) =>
      yargs
        .option('port', { type: 'number', default: 7070, coerce: checkedNumber('port', { whole: true, min: 0, max: 65535 }), describe: 'Port of the HTTP API on 127.0.0.1 (0 picks a free one)' })
        .option('env-version', envVersionOption)
        .option('data', { type: 'string', requiresArg: true, describe: 'Keep storage and emulator state in this folder instead of memory' })
        .option('tokens-file', { type: 'string', requiresArg: true, describe: 'JSON list [{ "role": "devops", "token": "…" }] of tokens to accept instead of generated ones' })
        .option('token-dir', { type: 'string', requiresArg: true, describe: 'Where to write one <role>.token file per role (default: <data>/tokens or a temporary folder)' })
        .option('quiet', { type: 'boolean', default: false, describe: 'Do not log each request' })
        .example('$0 portal-emulator', 'Emulator on http://127.0.0.1:7070, in memory')
        .example('$0 portal-emulator --port 0 --env-version prod=30.2.0 --data ./emu', 'Production on another version, data kept in ./emu')
        .example('$0 portal-emulator --tokens-file tokens.json --token-dir ./tokens --quiet', 'Accept your own tokens, write the per-role token files to ./tokens, no request log')
        .epilog('Roles: tenant-administrator, devops, developer. The tokens are written to files (paths printed), never printed.') as never,
    handler: async (args) => {
      const envVersions = parseEnvVersions(args['env-version']);
      const tokens = args['tokens-file'] === undefined ? undefined : await readTokensFile(path.resolve(ctx.cwd, args['tokens-file']));
      const running = await startPortalEmulator({
        port: args.port,
        envVersions,
        dataDir: args.data === undefined ? undefined : path.resolve(ctx.cwd, args.data),
        tokenDir: args['token-dir'] === undefined ? undefined : path.resolve(ctx.cwd, args['token-dir']),
        tokens,
        signal: ctx.signal,
        onEvent: (event) => {
          if (!args.quiet) ctx.stderr.write(renderEmulatorEvent(event));
        },
      });
      try {
        ctx.stdout.write(renderEmulatorStarted(running));
        if (!ctx.signal.aborted) await new Promise((resolve) => ctx.signal.addEventListener('abort', resolve, { once: true }));
      } finally {
        await running.stop();
      }
      ctx.stdout.write('Portal emulator stopped.\n');
    },
  };
}
