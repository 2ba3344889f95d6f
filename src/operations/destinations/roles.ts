/**
 * Container roles, judged from the evidence of rules/container-role.ts (listing shape, journal memory, name):
 * upload refuses a URL that points at the other part of the session; verify reports the shape instead.
 */
import { KxpError } from '../../errors.js';
import { roleContradictions, shapeProblem, type ContainerRole } from '../../rules/container-role.js';
import type { Targets } from './types.js';

/**
 * Refuses (WRONG_CONTAINER) when the listings, the journals or the container names say a URL points at the
 * other part of the session: swapped URLs would put db.bacpac among the storage files and exit 0.
 */
export function assertContainerRoles(targets: Targets): void {
  const problems: string[] = [];
  // The journals that remember the other role: deleting the blobs alone would leave the refusal standing.
  const remembering: string[] = [];
  for (const [role, target] of [['database', targets.db], ['storage', targets.storage]] as const) {
    if (!target) continue;
    const reasons = roleContradictions({ role, container: target.sas.container, shape: target.shape, remembered: target.journal.role });
    if (reasons.length > 0) problems.push(`the ${role} SAS URL points at a container that is not a ${role} container: ${reasons.join('; ')}`);
    if (target.journal.role !== null && target.journal.role !== role) remembering.push(target.journal.file);
  }
  if (problems.length === 0) return;
  const urls = [targets.db && `database SAS URL: ${targets.db.sas.redacted}`, targets.storage && `storage SAS URL: ${targets.storage.sas.redacted}`].filter(Boolean).join('; ');
  const forget = remembering.length === 0 ? '' : `, delete the journal${remembering.length === 1 ? '' : 's'} that remember${remembering.length === 1 ? 's' : ''} the old role${remembering.length === 1 ? '' : 's'} (${remembering.join(' and ')}; they only save re-reading files)`;
  throw new KxpError('WRONG_CONTAINER', `Refusing to upload: ${problems.join('. Also, ')}. Nothing was sent (${urls}).`, {
    hint:
      'Give the database container\'s URL to --db-sas-url and the storage container\'s to --storage-sas-url (the Portal lists both after "Get access"); if they were swapped, swap them back. ' +
      `If an earlier run put files in the wrong container, delete them there (for example with Azure Storage Explorer)${forget} and run again.`,
  });
}

/** What each opened container's listing says against its role, for verify (which reports instead of refusing). */
export function containerShapeProblems(targets: Targets): Array<{ container: string; role: ContainerRole; message: string }> {
  const problems: Array<{ container: string; role: ContainerRole; message: string }> = [];
  for (const [role, target] of [['database', targets.db], ['storage', targets.storage]] as const) {
    const problem = target && shapeProblem(role, target.shape);
    if (target && problem) problems.push({ container: target.sas.identity, role, message: `The ${role} container ${target.sas.identity} has the wrong shape: ${problem}.` });
  }
  return problems;
}
