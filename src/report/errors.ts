import type { KxpError } from '../errors.js';

/** The one way an error is shown to a person: code, message, path, and what to do. */
export function formatError(error: KxpError): string {
  const lines = [`error [${error.code}]: ${error.message}`];
  if (error.path) lines.push(`  path: ${error.path}`);
  if (error.hint) lines.push(`  fix:  ${error.hint}`);
  return lines.join('\n') + '\n';
}

/** The shape of an error in every `--json` output. */
export function errorJson(error: KxpError): { code: string; path: string | null; message: string } {
  return { code: error.code, path: error.path ?? null, message: error.hint ? `${error.message} ${error.hint}` : error.message };
}
