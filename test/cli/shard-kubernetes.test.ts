/**
 * The Kubernetes example run as written: the commands of examples/scale-out/kubernetes-indexed-job.yaml,
 * its volumes mapped to temporary folders, four shard "pods" at once against Azurite, then the finish Job.
 * Needs dist/ built (`npm test` builds first).
 */
import { randomBytes } from 'node:crypto';
import { appendFile, copyFile, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { repoRoot, spawnCli } from '../support/cli.js';
import { useProxiedAzurite } from '../support/tcp-proxy.js';
import { useTempDirs, writeTree } from '../support/tree.js';

interface Container {
  args: string[];
  command?: string[];
}

async function exampleJobs(): Promise<Map<string, Container & { completions: number; indexed: boolean }>> {
  const text = await readFile(path.join(repoRoot, 'examples/scale-out/kubernetes-indexed-job.yaml'), 'utf8');
  const jobs = new Map<string, Container & { completions: number; indexed: boolean }>();
  for (const document of parseAllDocuments(text)) {
    if (document.errors.length > 0) throw document.errors[0];
    const job = document.toJS() as { kind: string; metadata: { name: string }; spec: { completionMode?: string; completions?: number; template: { spec: { containers: Container[] } } } };
    expect(job.kind).toBe('Job');
    const [container] = job.spec.template.spec.containers;
    if (!container) throw new Error(`${job.metadata.name} has no container`);
    jobs.set(job.metadata.name, { ...container, completions: job.spec.completions ?? 1, indexed: job.spec.completionMode === 'Indexed' });
  }
  return jobs;
}

/** `kxp-restore` argument lists of a container: its args, or each `kxp-restore …` of an `sh -c` script. */
function commandsOf(container: Container): string[][] {
  if (container.command?.[0] !== 'sh') return [container.args];
  return (container.args[0] ?? '').split('&&').map((part) => {
    const words = part.trim().split(/\s+/);
    expect(words[0]).toBe('kxp-restore');
    return words.slice(1);
  });
}

describe('the Kubernetes Indexed Job example', () => {
  const remote = useProxiedAzurite('shard');
  const tempDir = useTempDirs();

  it('plans, uploads with four shards at once (one killed and re-run alone), finishes the split export, and verifies identical', { timeout: 400_000 }, async () => {
    const jobs = await exampleJobs();
    const shards = jobs.get('kxp-restore-shards');
    expect(shards).toMatchObject({ indexed: true, completions: 4 });

    const volume = await tempDir();
    const sas = await tempDir();
    const state = await tempDir();
    // Many small files, and an export larger than a shard's share (split by blocks of 64 KiB across shards).
    const small = Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`migration/storage/default/assets/media/${String(i).padStart(3, '0')}.jpg`, randomBytes(1500 + ((i * 97) % 1000))]));
    await writeTree(volume, small);
    await copyFile(path.join(repoRoot, 'test/fixtures/bacpac/started-sql2017.bacpac'), path.join(volume, 'migration/db.bacpac'));
    await writeFile(path.join(sas, 'db-sas-url'), `${await remote.containerUrl({ name: 'shard-db' })}\n`);
    await writeFile(path.join(sas, 'storage-sas-url'), `${await remote.containerUrl({ name: 'shard-files' })}\n`);
    const pod = (index: number) => (args: string[]) =>
      args.map((arg) => arg.replace(/^\/payload/, volume).replace(/^\/sas/, sas).replace(/^\/state$/, path.join(state, `pod-${index}`)));

    const [planArgs] = commandsOf(jobs.get('kxp-restore-plan') as Container);
    // The example's block size is the default 8 MiB; the test's export is smaller, so the test asks for 64 KiB blocks.
    const plan = await spawnCli([...pod(0)(planArgs ?? []), '--block-size', '0.0625']).done;
    expect(plan.stderr).toMatch(/Manifest written: .*payload\.kxpm \(301 files/);
    expect(plan.exitCode).toBe(0);

    const shardArgs = commandsOf(shards as Container)[0] ?? [];
    const runShard = (index: number) => spawnCli(pod(index)(shardArgs), { env: { JOB_COMPLETION_INDEX: String(index) } });

    // Shard 1 is killed once it has sent something, as a node that dies would be.
    const before = remote.proxy.bytesUp;
    const killed = runShard(1);
    await remote.proxy.whenBytes(before + 20_000);
    killed.child.kill('SIGKILL');
    expect((await killed.done).signal).toBe('SIGKILL');

    const results = await Promise.all([0, 1, 2, 3].map((index) => runShard(index).done));
    for (const [index, result] of results.entries()) {
      expect(result.stderr, `shard ${index}`).toMatch(new RegExp(`Shard ${index} of 4 \\(counting from 0\\): .*; 1 file split by blocks across shards`));
      expect(result.exitCode, `shard ${index}: ${result.stderr}`).toBe(0);
      const spread = Number(/shares within ([\d.]+)% of even/.exec(result.stderr)?.[1]);
      expect(spread).toBeLessThan(3);
    }
    // The re-run of shard 1 found what the killed run had sent.
    expect(results[1]?.stdout).toMatch(/already in place/);

    const status = await spawnCli(['status', '--manifest', path.join(volume, 'payload.kxpm'), '--shards', '4', '--db-sas-url-file', path.join(sas, 'db-sas-url'), '--storage-sas-url-file', path.join(sas, 'storage-sas-url')]).done;
    expect(status.stdout).toMatch(/split files committed by --finish: 0 of 1/);
    expect(status.exitCode).toBe(3);

    const [finishArgs, verifyArgs] = commandsOf(jobs.get('kxp-restore-finish') as Container);
    const finish = await spawnCli(pod(9)(finishArgs ?? [])).done;
    expect(finish.stdout).toMatch(/Finished 1 split file:\n {2}committed {2}db\.bacpac/);
    expect(finish.exitCode).toBe(0);
    const verify = await spawnCli([...pod(9)(verifyArgs ?? []), '--json']).done;
    expect(verify.exitCode, verify.stderr).toBe(0);
    expect(JSON.parse(verify.stdout)).toMatchObject({ ok: true, missing: [], extra: [], mismatched: [] });

    const done = await spawnCli(['status', '--manifest', path.join(volume, 'payload.kxpm'), '--shards', '4', '--db-sas-url-file', path.join(sas, 'db-sas-url'), '--storage-sas-url-file', path.join(sas, 'storage-sas-url')]).done;
    expect(done.stdout).toMatch(/^Every file of the manifest is in place\./);
    expect(done.exitCode).toBe(0);

    // A file changed after the plan: the shard that would send it refuses before any request.
    await appendFile(path.join(volume, 'migration/storage/default/assets/media/007.jpg'), 'x');
    const sentBefore = remote.proxy.bytesUp;
    const refused = await spawnCli([...pod(0)(shardArgs.filter((arg) => arg !== '--shards' && arg !== '4')), '--shard', '0/1']).done;
    expect(refused.stderr).toMatch(/MANIFEST_MISMATCH|no longer match/);
    expect(refused.stderr).toMatch(/007\.jpg: \d+ bytes here, \d+ in the manifest/);
    expect(refused.exitCode).toBe(2);
    expect(remote.proxy.bytesUp).toBe(sentBefore);
  });
});
