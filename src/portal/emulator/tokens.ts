/**
 * Bearer tokens of the emulator, each mapped to a Portal role. They are generated at start and written
 * to one file per role (mode 0600, in a folder of mode 0700, also when they existed before), whose paths are printed: the tokens themselves are never printed.
 * `--tokens-file` reads a JSON list `[{ "role": "devops", "token": "…" }]` instead.
 */
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { KxpError } from '../../errors.js';
import { preparePrivateFolder, writePrivateFile } from '../../fs/private-file.js';
import { decodeText } from '../../fs/text-file.js';
import { isRole, ROLES, type Role } from '../types.js';

export interface RoleToken {
  role: Role;
  token: string;
}

export function generateTokens(): RoleToken[] {
  return ROLES.map((role) => ({ role, token: `kxp-emu-${role}-${randomBytes(18).toString('base64url')}` }));
}

export async function readTokensFile(file: string): Promise<RoleToken[]> {
  const hint = 'Give a JSON list such as [{ "role": "devops", "token": "…" }]; roles: ' + ROLES.join(', ') + '.';
  let text: string;
  try {
    text = decodeText(await readFile(file));
  } catch (cause) {
    throw new KxpError('UNREADABLE', `Could not read the tokens file: ${(cause as Error).message}`, { path: file, hint, cause });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    // JSON.parse quotes the text near the error, and the text is tokens: say only that it is not JSON.
    throw new KxpError('USAGE', `The tokens file ${file} is not JSON (a plain token file is not a tokens file; give it with --token-file to a client instead).`, { path: file, hint });
  }
  const entries = Array.isArray(parsed) ? (parsed as unknown[]) : [];
  const tokens = entries.flatMap((entry) => {
    const { role, token } = (entry ?? {}) as { role?: unknown; token?: unknown };
    return typeof role === 'string' && isRole(role) && typeof token === 'string' && token.length >= 16 ? [{ role, token }] : [];
  });
  if (tokens.length === 0 || tokens.length !== entries.length) {
    throw new KxpError('USAGE', 'The tokens file must be a JSON list of { "role", "token" } with known roles and tokens of at least 16 characters.', {
      path: file,
      hint: 'Roles: ' + ROLES.join(', ') + '.',
    });
  }
  return tokens;
}

/** Writes `<dir>/<role>.token` for each role (first token of that role) and returns the paths by role. */
export async function writeTokenFiles(dir: string, tokens: readonly RoleToken[]): Promise<Partial<Record<Role, string>>> {
  await preparePrivateFolder(dir, 'token folder');
  const files: Partial<Record<Role, string>> = {};
  for (const { role, token } of tokens) {
    if (files[role]) continue;
    const file = path.join(dir, `${role}.token`);
    await writePrivateFile(file, token + '\n');
    files[role] = file;
  }
  return files;
}
