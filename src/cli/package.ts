/** `package check` and `package upload`: the deployment package, the application half of an initial deployment. */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Argv, CommandModule } from 'yargs';
import { ExitCode, KxpError, toKxpError } from '../errors.js';
import { checkDeploymentPackage } from '../operations/package-check.js';
import { uploadPackage } from '../operations/package-upload.js';
import { PORTAL_URL } from '../portal/deployment-upload.js';
import { ENVIRONMENTS, type EnvironmentName } from '../portal/types.js';
import { jsonText } from '../report/escape.js';
import { errorJson } from '../report/errors.js';
import { createPackageUploadView, packageCheckJson, packageUploadJson, renderDeployConfirmationPrompt, renderPackageCheck, renderPackageUploadResult } from '../report/package.js';
import { command } from './command.js';
import type { CliContext } from './context.js';
import { inquirerPrompter } from './manual-prompter.js';
import { readToken } from './portal-options.js';

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
      ctx.stdout.write(args.json ? jsonText(packageCheckJson(report)) + '\n' : renderPackageCheck(report));
      ctx.setExitCode(report.ok ? ExitCode.ok : ExitCode.invalid);
    },
  };
}

interface UploadArgs {
  zip: string;
  env: EnvironmentName;
  'project-guid'?: string;
  'project-guid-file'?: string;
  'token-file'?: string;
  token?: string;
  'portal-url'?: string;
  bacpac?: string;
  yes: boolean;
  json: boolean;
  'retry-delay': number;
  'poll-interval': number;
}

/** The project GUID: --project-guid, else --project-guid-file, else KXP_PROJECT_GUID. Never printed. */
async function readProjectGuid(args: UploadArgs, ctx: CliContext): Promise<string> {
  if (args['project-guid'] !== undefined) return args['project-guid'].trim();
  const file = args['project-guid-file'];
  if (file !== undefined) {
    const resolved = path.resolve(ctx.cwd, file);
    try {
      return (await readFile(resolved, 'utf8')).trim();
    } catch (cause) {
      throw new KxpError('UNREADABLE', `Could not read the project GUID file (${(cause as NodeJS.ErrnoException).code ?? 'error'}).`, { path: resolved, hint: 'Give the path of a file holding only the PROJECT_GUID.', cause });
    }
  }
  const fromEnv = ctx.env.KXP_PROJECT_GUID?.trim();
  if (fromEnv) return fromEnv;
  throw new KxpError('USAGE', 'No project GUID: give --project-guid GUID, --project-guid-file FILE, or set KXP_PROJECT_GUID.', {
    hint: "It is on the Portal's Dashboard (Project info), and in every Portal URL: https://xperience-portal.com/<PROJECT_GUID>/dashboard.",
  });
}

function uploadCommand(ctx: CliContext): CommandModule<object, UploadArgs> {
  return {
    command: 'upload <zip>',
    describe: "Check a deployment package, then upload it through the Portal's deployment API (POST /api/deployment/upload/<PROJECT_GUID>/<env>)",
    builder: (yargs) =>
      (yargs as Argv)
        .positional('zip', { type: 'string', demandOption: true, describe: 'The deployment package' })
        .option('env', { choices: ENVIRONMENTS, demandOption: true, describe: 'Target environment: qa for everyone; others (emergency deployments) need DevOps or Tenant administrator and the name typed back' })
        .option('project-guid', { type: 'string', requiresArg: true, describe: "PROJECT_GUID from the Portal's Dashboard; or --project-guid-file, or KXP_PROJECT_GUID" })
        .option('project-guid-file', { type: 'string', requiresArg: true, describe: 'File holding the PROJECT_GUID' })
        .option('token-file', { type: 'string', requiresArg: true, describe: 'File holding your personal access token (or set KXP_PORTAL_TOKEN); never printed' })
        .option('token', { type: 'string', requiresArg: true, describe: 'The token itself; works, but lands in your shell history: prefer --token-file' })
        .option('portal-url', { type: 'string', requiresArg: true, describe: `The Portal (default ${PORTAL_URL}); the emulator's address to rehearse` })
        .option('bacpac', { type: 'string', requiresArg: true, describe: "The database export you will restore: refused before sending when its version differs from the package's" })
        .option('yes', { type: 'boolean', default: false, describe: 'Do not ask to type the environment name back (asked for anything but qa)' })
        .option('json', { type: 'boolean', default: false, describe: 'Print the result as one JSON object' })
        .option('retry-delay', { type: 'number', default: 2000, hidden: true, describe: 'Milliseconds before the first retry of a failed connection' })
        .option('poll-interval', { type: 'number', default: 500, hidden: true, describe: 'Milliseconds between polls of the deployment (emulator)' })
        .example('$0 package upload DeploymentPackage.zip --env qa --project-guid-file ~/.kxp/project --token-file ~/.kxp/pat', 'The real Portal: deploy to qa')
        .example('$0 package upload DeploymentPackage.zip --env prod --project-guid 0f8fad5b-d9cb-469f-a165-70867728950e --token-file pat --yes --json', 'Emergency deployment to prod, scripted')
        .example('$0 package upload DeploymentPackage.zip --env qa --bacpac ./migration/db.bacpac --portal-url http://127.0.0.1:7070 --token "$TOKEN"', 'Rehearse on the emulator, refusing a database of another version')
        .epilog('Exit status: 0 uploaded (and, on the emulator, deployed); 2 the package is invalid, a usage error, or not confirmed (nothing sent); 1 the Portal refused it or the connection failed.') as never,
    handler: async (args) => {
      const live = args.json ? ctx.stderr : ctx.stdout;
      const view = createPackageUploadView(live);
      try {
        const token = await readToken(args, ctx);
        const projectGuid = await readProjectGuid(args, ctx);
        const prompter = inquirerPrompter(ctx);
        const report = await uploadPackage(args.zip, {
          env: args.env,
          projectGuid,
          token,
          portalUrl: args['portal-url'],
          bacpac: args.bacpac,
          cwd: ctx.cwd,
          assumeYes: args.yes,
          askConfirmation: (env) => prompter.text(renderDeployConfirmationPrompt(env), ctx.signal),
          retryDelayMs: args['retry-delay'],
          processEnv: ctx.env,
          pollIntervalMs: args['poll-interval'],
          signal: ctx.signal,
          onEvent: (event) => view.handle(event),
        });
        view.stop();
        ctx.stdout.write(args.json ? jsonText(packageUploadJson(report)) + '\n' : renderPackageUploadResult(report, args.env));
      } catch (thrown) {
        view.stop();
        if (args.json) ctx.stdout.write(jsonText({ ok: false, error: errorJson(toKxpError(thrown)) }) + '\n');
        throw thrown;
      }
    },
  };
}

export function packageCommand(ctx: CliContext): CommandModule<object, object> {
  return {
    command: 'package <command>',
    describe: 'Check or upload a deployment package (the application binaries, which every initial deployment needs beside the custom restore)',
    builder: (yargs) => yargs.command(command(checkCommand(ctx))).command(command(uploadCommand(ctx))).demandCommand(1, 'Name a subcommand: check or upload.') as never,
    handler: () => undefined,
  };
}
