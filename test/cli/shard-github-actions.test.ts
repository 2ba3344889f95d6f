/**
 * The GitHub Actions example run as written: every `run:` step of examples/scale-out/github-actions-matrix.yml
 * through bash, in job order, the matrix expanded, with `kxp-restore` on the PATH and the secrets and the
 * shared mount given as the workflow would. Needs dist/ built (`npm test` builds first).
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, copyFile, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { binPath, repoRoot } from '../support/cli.js';
import { useProxiedAzurite } from '../support/tcp-proxy.js';
import { useTempDirs, writeTree } from '../support/tree.js';

interface Step {
  name: string;
  run?: string;
  env?: Record<string, string>;
}
interface Job {
  needs?: string;
  strategy?: { matrix: { shard: number[] } };
  steps: Step[];
}

/** Runs one step's script as the runner would: bash, the step's env with expressions filled in. */
function runStep(script: string, env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-e', '-c', script], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('the GitHub Actions matrix example', () => {
  const remote = useProxiedAzurite('gha');
  const tempDir = useTempDirs();

  it('runs plan, the four matrix shards at once, finish and verify, each step exiting 0', { timeout: 400_000 }, async () => {
    const workflow = parse(await readFile(path.join(repoRoot, 'examples/scale-out/github-actions-matrix.yml'), 'utf8')) as { env: { PAYLOAD: string }; jobs: Record<string, Job> };
    expect(Object.keys(workflow.jobs)).toEqual(['plan', 'upload', 'finish']);
    expect(workflow.jobs['upload']?.strategy?.matrix.shard).toEqual([0, 1, 2, 3]);

    const mount = await tempDir();
    const bin = await tempDir();
    // kxp-restore on the PATH, as `npm link` leaves it on a runner.
    await writeFile(path.join(bin, 'kxp-restore'), `#!/bin/sh\nexec "${process.execPath}" "${binPath}" "$@"\n`);
    await chmod(path.join(bin, 'kxp-restore'), 0o755);
    const files = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`migration/storage/default/assets/${i}.png`, randomBytes(2000 + i * 10)]));
    await writeTree(mount, { ...files, 'migration/storage/default/assets/big.bin': randomBytes(9 * 1024 * 1024 + 5) });
    await copyFile(path.join(repoRoot, 'test/fixtures/bacpac/food-sql2019.bacpac'), path.join(mount, 'migration/db.bacpac'));
    const secrets = { KXP_DB_SAS_URL: await remote.containerUrl({ name: 'gha-db' }), KXP_STORAGE_SAS_URL: await remote.containerUrl({ name: 'gha-files' }) };

    const run = async (job: Job, shard?: number) => {
      const temp = await tempDir();
      for (const step of job.steps) {
        if (!step.run) continue;
        const fill = (text: string) => text.replace(/\$\{\{\s*matrix\.shard\s*\}\}/g, String(shard)).replace(/\$\{\{\s*secrets\.(\w+)\s*\}\}/g, (_, name: keyof typeof secrets) => secrets[name]);
        const env = Object.fromEntries(Object.entries(step.env ?? {}).map(([key, value]) => [key, fill(value)]));
        const result = await runStep(fill(step.run), { PATH: `${bin}:${process.env.PATH}`, HOME: process.env.HOME, PAYLOAD: mount, RUNNER_TEMP: temp, ...env });
        expect(result.code, `${step.name}: ${result.stderr}`).toBe(0);
        expect(result.stderr + result.stdout).not.toMatch(/sig=(?!REDACTED)/);
      }
    };
    const jobs = workflow.jobs;
    await run(jobs['plan'] as Job);
    // The example's 8 MiB blocks split the 9 MiB file across shards: it is larger than a quarter of the payload.
    await Promise.all([0, 1, 2, 3].map((shard) => run(jobs['upload'] as Job, shard)));
    await run(jobs['finish'] as Job);
    const blob = await remote.storage.azurite.serviceClient.getContainerClient('gha-files').getBlobClient('default/assets/big.bin').getProperties();
    expect(blob.contentLength).toBe(9 * 1024 * 1024 + 5);
    expect(blob.metadata?.['kxpblockmd5']).toMatch(/^[A-Za-z0-9+/]{22}==$/);
  });
});
