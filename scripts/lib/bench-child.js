// What the benchmark scripts share: reading `--name value` options, and a child process's own peak RSS.
import { readFile } from 'node:fs/promises';

/** The value after `name` in argv, or `fallback`. */
export function optionValue(argv, name, fallback) {
  const index = argv.indexOf(name);
  return index >= 0 && argv[index + 1] !== undefined ? argv[index + 1] : fallback;
}

/**
 * This process's own peak RSS in MiB. getrusage's maxRSS is not used: on Linux it carries over the
 * parent's high-water mark through fork and exec; /proc's VmHWM belongs to the new address space alone.
 */
export async function peakRssMiB() {
  try {
    const match = /VmHWM:\s+(\d+) kB/.exec(await readFile('/proc/self/status', 'utf8'));
    if (match) return Number(match[1]) / 1024;
  } catch {
    // not Linux: fall back below
  }
  return process.resourceUsage().maxRSS / 1024;
}
