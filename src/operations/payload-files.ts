/** The local payload streamed for a run (upload, verify, rehearse), after the plan has passed. */
import { KxpError } from '../errors.js';
import { scanPayload } from '../source/scan.js';
import type { PayloadFile, PayloadSource } from '../source/types.js';

/**
 * Streams the payload once more (the plan kept only totals). The plan's rules apply again, since the payload
 * may have changed since (a file created or renamed, a folder swapped for a link): any error stops the run.
 */
export async function* payloadFiles(source: PayloadSource, options: { signal?: AbortSignal; cwd?: string }): AsyncGenerator<PayloadFile> {
  for await (const event of scanPayload(source, { signal: options.signal, cwd: options.cwd })) {
    if (event.type === 'file') yield event.file;
    else if (event.finding.severity === 'error') {
      throw new KxpError('SOURCE_CHANGED', `The payload changed after the check: ${event.finding.message}`, {
        path: event.finding.path,
        hint: 'The run stopped there. Fix it (`kxp-restore plan` lists every problem) and run the same command again: what was sent is kept.',
        exitCode: 1,
      });
    }
  }
}
