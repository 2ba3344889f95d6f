// Preloaded (`node --import`) into a benchmarked child: on exit, writes the process's own peak RSS (VmHWM,
// in kB) and the CPU time it used (user + system, in ms) to the file named by KXP_BENCH_PEAK_FILE. A child
// killed with SIGKILL writes nothing; the parent also samples /proc/<pid>/status while it runs.
import { readFileSync, writeFileSync } from 'node:fs';

const target = process.env.KXP_BENCH_PEAK_FILE;
if (target) {
  process.on('exit', () => {
    const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
    const cpu = process.cpuUsage();
    writeFileSync(target, `${match?.[1] ?? 0} ${(cpu.user + cpu.system) / 1000}`);
  });
}
