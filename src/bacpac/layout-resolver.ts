import { bcpLayout, DEFAULT_VARIANTS, variantsUsed, type BcpField, type LayoutVariants } from './bcp-layout.js';
import type { ModelColumn } from './model.js';

export interface LayoutCandidate {
  variants: LayoutVariants;
  fields: BcpField[];
}

/**
 * Answers the layout questions the real exports could not (see LayoutVariants) from the data itself:
 * a table that raises an open question is walked under each possible answer, and the answer under which
 * its data parses exactly is kept for the rest of the file. Answers hold for one bacpac (one DacFx).
 */
export class LayoutResolver {
  private readonly settled: Partial<LayoutVariants> = {};

  /** The layouts to try for a table, the best guess first; a string when a column cannot be walked at all. */
  candidates(columns: readonly ModelColumn[]): LayoutCandidate[] | string {
    const open = variantsUsed(columns).filter((key) => this.settled[key] === undefined);
    const candidates: LayoutCandidate[] = [];
    for (let mask = 0; mask < 1 << open.length; mask++) {
      const variants: LayoutVariants = { ...DEFAULT_VARIANTS, ...this.settled };
      open.forEach((key, bit) => {
        if (mask & (1 << bit)) variants[key] = !DEFAULT_VARIANTS[key];
      });
      const fields = bcpLayout(columns, variants);
      if (typeof fields === 'string') return fields;
      candidates.push({ variants, fields });
    }
    return candidates;
  }

  /** Records the answers a table's data proved (only the questions its columns raise). */
  settle(columns: readonly ModelColumn[], variants: LayoutVariants): void {
    for (const key of variantsUsed(columns)) this.settled[key] = variants[key];
  }
}
