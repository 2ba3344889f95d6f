import type { CommandModule } from 'yargs';
import { ExitCode, toKxpError } from '../errors.js';
import { verifyPayload } from '../operations/verify.js';
import { jsonText } from '../report/escape.js';
import { errorJson } from '../report/errors.js';
import { findingJson, renderFindings } from '../report/findings.js';
import { listingRetryLine, proxyLine } from '../report/progress.js';
import { ListingNotices } from '../report/listing.js';
import { renderDestinations, renderLockTakenOver, renderUnusedDestination } from '../report/upload.js';
import { renderJournalReadOnly, renderVerifyResult, verifyJson, verifyStartLine } from '../report/verify.js';
import { resolveAccess, withAccessOptions, type AccessArgs } from './access-options.js';
import { terminalColumns, type CliContext } from './context.js';
import { shardSlice, withShardSliceOptions, type ShardSliceArgs } from './shard.js';
import { payloadSourceFromArgs, withRemoteSourceOptions, withSourceOptions, type SourceArgs } from './source-options.js';

type VerifyArgs = SourceArgs & AccessArgs & ShardSliceArgs & { 'trust-journal'?: boolean; deep?: boolean; hash: boolean };

export function verifyCommand(ctx: CliContext): CommandModule<object, VerifyArgs> {
  return {
    command: 'verify [dir]',
    describe: 'Compare the custom-restore containers with the source: every file read and hashed against each blob',
    builder: (yargs) =>
      withShardSliceOptions(withAccessOptions(withRemoteSourceOptions(withSourceOptions(yargs))))
        .option('trust-journal', {
          type: 'boolean',
          describe: "Take a file's MD5 from the resume journal when it vouches for this exact version of the file, instead of reading it (fast; trusts that nothing rewrote files behind its back)",
        })
        .option('deep', { type: 'boolean', describe: "Also download every blob and hash its bytes (the Content-MD5 of a blob sent in blocks is only the uploader's word)" })
        .option('hash', {
          type: 'boolean',
          default: false,
          describe: '--storage-from blobs without a Content-MD5 on both sides: download both and compare MD5s (the bytes pass through this machine) instead of trusting the recorded source ETag',
        })
        .example('$0 verify ./migration --storage-from-file media-source.url --map mysite/media/=default/assets/media/ --lowercase --storage-sas-url-file files.url', 'Media copied from Azure: the source URL read from a file')
        .example('$0 verify ./migration --manifest payload.kxpm --shard 1/4 --storage-sas-url-file files.url', 'Only the second of four shards\' share (JOB_COMPLETION_INDEX with --shards 4 works too)')
        .example('$0 verify ./migration --db-sas-url-file db.url --storage-sas-url-file files.url', 'Check what upload sent')
        .example('$0 verify ./migration --storage-only --storage-sas-url-file files.url', 'Check a storage-only upload (the same flag as the upload)')
        .example('$0 verify ./migration --database-only --db-sas-url-file db.url', 'Check a database-only upload')
        .example('$0 verify ./migration --ignore README.txt --db-sas-url-file db.url --storage-sas-url-file files.url', 'The same payload as the upload: what it left out with --ignore, left out here too')
        .example('$0 verify ./migration --db-sas-url "$DB_URL" --storage-sas-url "$FILES_URL" --allow-mixed-destinations', 'URLs as flags (warns: process list); one container local, one in Azure')
        .example(
          "$0 verify --storage-from 'https://oldsite.blob.core.windows.net/media?sv=…&sig=…' --map 'mysite/media/=default/assets/media/' --lowercase --storage-sas-url-file files.url",
          'Media copied from Azure: by size, Content-MD5, or the source ETag each copy recorded',
        )
        .example('$0 verify --storage-from https://oldsite.blob.core.windows.net/media --tenant-id contoso.onmicrosoft.com --map =default/ --lowercase --storage-sas-url-file files.url --hash', 'Entra ID sign-in; blobs without MD5 downloaded from both sides and hashed')
        .example('$0 verify --storage-from https://oldsite.blob.local.azurestack.external/media --storage-endpoint-suffix local.azurestack.external --map =default/ --lowercase --storage-sas-url-file files.url', 'Entra ID sign-in on Azure Stack Hub: the token goes only to Azure Storage hosts and the suffix named')
        .example('$0 verify --storage ./migration/storage --storage-sas-url-file files.url --json', 'Storage only, JSON: { ok, missing, extra, mismatched }')
        .example('$0 verify ./migration --portal-url http://127.0.0.1:7070 --token-file devops.token', 'Emulator: get access from it for this run')
        .example('$0 verify --storage \'./App/$StorageAssets\' --lowercase --manual --state-dir ~/.kxp-state', 'Real Portal, paste the URLs; names lowercased as upload sent them; the journal kept elsewhere')
        .example('$0 verify ./migration --storage-sas-url-file files.url --lowercase --nfc --include-system-files', 'Names mapped as upload mapped them (NFC, lowercase, system files included)')
        .example('$0 verify --bacpac ~/exports/site.bacpac --db-sas-url-file db.url', 'Only the database: the blob db.bacpac against the local file')
        .example('$0 verify ./migration --portal-url http://127.0.0.1:7070 --token "$TOKEN"', 'The token inline: works, but warns that it lands in shell history')
        .example('$0 verify --project ./MySite --layout kxp-layout.json --bacpac site.bacpac --manual', 'What upload --project sent (or --check-layout for a migration folder)')
        .example('$0 verify ./migration --check-layout --manual', 'Also check the folders against the template layout')
        .example('$0 verify ./migration --storage-sas-url-file files.url --deep', 'Also download every blob and hash it: proves the bytes stored, not only the MD5s')
        .example('$0 verify ./migration --storage-sas-url-file files.url --trust-journal', 'Fast re-check: MD5s the journal vouches for are not read again (the output says so)')
        .epilog(
          "Every local file is read and hashed, and compared with the blob's Content-MD5 (with --deep, with the blob's downloaded bytes). Blobs in a container that the " +
            'source does not have (e.g. a stray DB.bacpac) are reported as extra. What each mode proves: docs/verify.md.\nExit status: 0 identical; 1 different; 2 invalid input or usage; 3 SAS expired or revoked.',
        ) as never,
    handler: async (args) => {
      const source = await payloadSourceFromArgs(args, ctx);
      const urls = await resolveAccess(args, ctx);
      const listing = new ListingNotices();
      // The plan's warnings (a bacpac that is not an Xperience database…) go into every --json result.
      let warnings: Array<ReturnType<typeof findingJson>> = [];
      try {
        const result = await verifyPayload(source, {
          dbSasUrl: urls.dbSasUrl,
          storageSasUrl: urls.storageSasUrl,
          getAccess: urls.getAccess,
          allowMixedDestinations: args['allow-mixed-destinations'],
          stateDir: args['state-dir'],
          trustJournal: args['trust-journal'],
          only: await shardSlice(args, ctx),
          deep: args.deep,
          tenantId: args['tenant-id'],
          hash: args.hash,
          cwd: ctx.cwd,
          env: ctx.env,
          signal: ctx.signal,
          onEvent: (event) => {
            if (event.type === 'listing-retry') ctx.stderr.write(listingRetryLine(event));
            if (event.type === 'listing-progress') ctx.stderr.write(listing.lineFor(event) ?? '');
            if (event.type === 'listed') ctx.stderr.write(proxyLine(event));
            if (event.type === 'unused-destination') ctx.stderr.write(renderUnusedDestination(event));
            if (event.type === 'journal-read-only') ctx.stderr.write(renderJournalReadOnly(event));
            if (event.type === 'lock-taken-over') ctx.stderr.write(renderLockTakenOver(event));
            if (event.type === 'destinations') ctx.stderr.write(renderDestinations(event, 'Verifying against'));
            if (event.type === 'verify-start') ctx.stderr.write(verifyStartLine(event));
            if (event.type === 'planned') warnings = event.plan.warnings.map(findingJson);
            if (event.type === 'planned' && !args.json && (event.plan.errors.length > 0 || event.plan.warnings.length > 0)) {
              ctx.stderr.write(renderFindings(event.plan.errors, event.plan.warnings, event.plan.omitted, terminalColumns(ctx.stderr)) + '\n');
            }
          },
        });
        ctx.stdout.write(args.json ? jsonText({ ...verifyJson(result), warnings }) + '\n' : renderVerifyResult(result));
        ctx.setExitCode(result.ok ? ExitCode.ok : ExitCode.failed);
      } catch (thrown) {
        const error = toKxpError(thrown);
        if (args.json) ctx.stdout.write(jsonText({ ok: false, missing: [], extra: [], mismatched: [], errors: [errorJson(error)], warnings }) + '\n');
        throw error;
      }
    },
  };
}
