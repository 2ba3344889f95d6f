/**
 * `mkdir -p` that always ends. Node's own `mkdir(…, { recursive: true })` loops forever where the kernel
 * keeps answering ENOENT after the parent exists (under /proc, for one), which froze `--state-dir /proc/x`.
 * This walks up once, creates parents on the way down, and lets the second ENOENT through as an error.
 */
import { mkdir, stat } from 'node:fs/promises';
import path from 'node:path';

export async function makeDirectory(dir: string, mode?: number): Promise<void> {
  const target = path.resolve(dir);
  const parent = path.dirname(target);
  try {
    await mkdir(target, { mode });
    return;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return assertDirectory(target, error);
    if (code !== 'ENOENT' || parent === target) throw error;
  }
  await makeDirectory(parent, mode);
  try {
    await mkdir(target, { mode });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    await assertDirectory(target, error);
  }
}

/** EEXIST is success only when what exists is a folder (another process may have just made it). */
async function assertDirectory(target: string, original: unknown): Promise<void> {
  if (!(await stat(target)).isDirectory()) throw original;
}
