/**
 * Bearer tokens of the emulator, each mapped to a Portal role. They are generated at start and written
 * to one file per role (mode 0600), whose paths are printed: the tokens themselves are never printed.
 * `--tokens-file` reads a JSON list `[{ "role": "devops", "token": "…" }]` instead.
 */
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { KxpError } from '../../errors.js';
import { isRole, ROLES, type Role } from '../types.js';
import { makeDirectory } from '../../make-directory.js';

export interface RoleToken {
  role: Role;
  token: string;
}

export function generateTokens(): RoleToken[] {
  return ROLES.map((role) => ({ role, token: `kxp-emu-${role}-${randomBytes(18).toString('base64url')}` }));
}

export async function readTokensFile(file: string): Promise<RoleToken[]> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(file, 'utf8'));
  } catch (cause) {
    throw new KxpError('UNREADABLE', `Could not read the tokens file: ${(cause as Error).message}`, {
      path: file,
      hint: 'Give a JSON list such as [{ "role": "devops", "token": "…" }]; roles: ' + ROLES.join(', ') + '.',
      cause,
    });
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
  await makeDirectory(dir, 0o700);
  const files: Partial<Record<Role, string>> = {};
  for (const { role, token } of tokens) {
    if (files[role]) continue;
    const file = path.join(dir, `${role}.token`);
    await writeFile(file, token + '\n', { mode: 0o600 });
    files[role] = file;
  }
  return files;
}
