/** `package check` and `package upload`: the deployment package, the application half of an initial deployment. */
import type { Argv, CommandModule } from 'yargs';
import { ExitCode } from '../errors.js';
import { checkDeploymentPackage } from '../operations/package-check.js';
import { packageCheckJson, renderPackageCheck } from '../report/package.js';
import { command } from './commands.js';
import type { CliContext } from './context.js';

interface CheckArgs {
  zip: string;
  bacpac?: string;
  'env-version'?: string;
  json: boolean;
}

function checkCommand(ctx: CliContext): CommandModule<object, CheckArgs> {
  return {
    command: 'check <zip>',
    describe: 'Check a deployment package (size, cloud-metadata.json, assembly, Xperience version, CD repository, $StorageAssets); nothing is sent',
    builder: (yargs) =>
      (yargs as Argv)
        .positional('zip', { type: 'string', demandOption: true, describe: 'The deployment package (DeploymentPackage.zip from Export-DeploymentPackage.ps1)' })
        .option('bacpac', { type: 'string', requiresArg: true, describe: "A database export to deploy with it: its CMSDBVersion must equal the package's Xperience version" })
        .option('env-version', { type: 'string', requiresArg: true, describe: "The target environment's Xperience version: the package may not be older" })
        .option('json', { type: 'boolean', default: false, describe: 'Print one JSON object instead of the summary' })
        .example('$0 package check DeploymentPackage.zip', 'Check the package alone')
        .example('$0 package check DeploymentPackage.zip --bacpac ./migration/db.bacpac --env-version 31.0.0', 'Will the package and this database work together on an environment on 31.0.0?')
        .example('$0 package check DeploymentPackage.zip --json', 'Machine-readable result')
        .epilog('Exit status: 0 when there is no error, 2 when there is one (nothing is ever sent by check).') as never,
    handler: async (args) => {
      const report = await checkDeploymentPackage(args.zip, { bacpac: args.bacpac, environmentVersion: args['env-version'], cwd: ctx.cwd, signal: ctx.signal });
      ctx.stdout.write(args.json ? JSON.stringify(packageCheckJson(report), null, 2) + '\n' : renderPackageCheck(report));
      ctx.setExitCode(report.ok ? ExitCode.ok : ExitCode.invalid);
    },
  };
}

export function packageCommand(ctx: CliContext): CommandModule<object, object> {
  return {
    command: 'package <command>',
    describe: 'Check or upload a deployment package (the application binaries, which every initial deployment needs beside the custom restore)',
    builder: (yargs) => yargs.command(command(checkCommand(ctx))).demandCommand(1, 'Name a subcommand: check or upload.') as never,
    handler: () => undefined,
  };
}
