// `node scripts/lib/open-journal.js STATE_DIR IDENTITY`: opens one container's journal as a run does and
// says how long that took (bench:scale's "journal opened alone" step; the target is ≤ 10 s at 1,000,000).
const { Journal } = await import('../../dist/transfer/journal.js');
const started = performance.now();
const journal = await Journal.open(process.argv[2], process.argv[3]);
const seconds = (performance.now() - started) / 1000;
await journal.close();
process.stdout.write(`opened in ${seconds.toFixed(2)} s\n`);
