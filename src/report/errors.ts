import type { KxpError } from '../errors.js';
import { escapeName, escapeText } from './escape.js';

export { errorJson } from '../errors.js';

/** The one way an error is shown to a person: code, message, path, and what to do. */
export function formatError(error: KxpError): string {
  const lines = [`error [${error.code}]: ${escapeText(error.message)}`];
  if (error.path) lines.push(`  path: ${escapeName(error.path)}`);
  if (error.hint) lines.push(`  fix:  ${escapeText(error.hint)}`);
  return lines.join('\n') + '\n';
}
