/** Number and size formatting shared by every renderer. */

const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];

/** 1536 → "1.5 KiB"; exact bytes below 1 KiB. */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes)) return '?';
  let value = bytes;
  let unit = 0;
  while (Math.abs(value) >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  if (unit === 0) return `${bytes} B`;
  return `${value >= 100 ? value.toFixed(0) : value >= 10 ? value.toFixed(1) : value.toFixed(2)} ${units[unit]}`;
}

/** 12345 → "12,345". */
export function formatCount(count: number): string {
  return count.toLocaleString('en-US');
}

/** Seconds → "2 h 05 min", "3 min 20 s", "12 s", "0.4 s". */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '?';
  if (seconds < 10) return `${seconds < 1 ? seconds.toFixed(1) : seconds.toFixed(1).replace(/\.0$/, '')} s`;
  const total = Math.round(seconds);
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const secs = total % 60;
  if (hours > 0) return `${hours} h ${String(minutes).padStart(2, '0')} min`;
  if (minutes > 0) return `${minutes} min ${String(secs).padStart(2, '0')} s`;
  return `${secs} s`;
}

/** Bytes per second → "12.5 MiB/s". */
export function formatRate(bytesPerSecond: number): string {
  return `${formatBytes(bytesPerSecond)}/s`;
}

/**
 * "1 file", "2 files", "1 retry", "3 retries": the one pluralisation of every renderer (words ending in a
 * consonant and y take -ies; give `pluralForm` for any other irregular word). `digits: 'plain'` keeps
 * numbers without thousands separators (byte counts shown exactly).
 */
export function plural(count: number, singular: string, pluralForm = regularPlural(singular), options: { digits?: 'grouped' | 'plain' } = {}): string {
  const shown = options.digits === 'plain' ? String(count) : formatCount(count);
  return `${shown} ${count === 1 ? singular : pluralForm}`;
}

function regularPlural(word: string): string {
  return /[^aeiou]y$/.test(word) ? `${word.slice(0, -1)}ies` : `${word}s`;
}

/**
 * `text` (one line, or several) broken at spaces into lines of at most `columns` characters, continuation
 * lines indented by `indent` (two spaces): never cut inside a word or number (a word longer than a line gets one of its own).
 */
export function wrapText(text: string, columns: number, indent = '  '): string {
  const width = Math.max(20, columns);
  const out: string[] = [];
  for (const line of text.replace(/\n$/, '').split('\n')) {
    // The line's own indent is kept (a "  fix:" line); continuation lines take `indent`.
    const lead = /^ */.exec(line)?.[0] ?? '';
    let current = lead;
    for (const word of line.slice(lead.length).split(' ')) {
      const joined = current.trim() === '' ? current + word : `${current} ${word}`;
      if (Array.from(joined).length <= width || current.trim() === '') current = joined;
      else {
        out.push(current);
        current = `${indent}${word}`;
      }
    }
    out.push(current);
  }
  return out.join('\n') + (text.endsWith('\n') ? '\n' : '');
}
