import type { KxpError } from '../errors.js';
import { escapeName, escapeText } from './escape.js';
import { wrapText } from './format.js';

export { errorJson } from '../errors.js';

/**
 * The one way an error is shown to a person: code, message, path, and what to do. `columns`: the terminal's
 * width, to break the message and the fix at spaces (a path is never broken; none when not a terminal).
 */
export function formatError(error: KxpError, columns?: number): string {
  const wrap = (text: string, indent: string) => (columns === undefined ? text : wrapText(text, columns - 1, indent));
  const lines = [wrap(`error [${error.code}]: ${escapeText(error.message)}`, '  ')];
  if (error.path) lines.push(`  path: ${escapeName(error.path)}`);
  if (error.hint) lines.push(wrap(`  fix:  ${escapeText(error.hint)}`, '        '));
  return lines.join('\n') + '\n';
}
