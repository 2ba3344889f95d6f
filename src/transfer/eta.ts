/**
 * Time left for a mixed payload: a few large files move at the link's byte rate, thousands of small ones
 * at a per-file cost (one request each), and a byte rate alone gets both wrong. The run is modelled as
 *
 *     seconds ≈ secondsPerMiB × MiB + secondsPerFile × files
 *
 * fitted over the run's own progress by least squares with older samples fading out, so the estimate
 * follows the link as it changes but does not jump with every request. Pure: the caller passes the
 * clock, so tests feed synthetic sequences.
 */

const MiB = 1024 * 1024;
/** A sample's weight halves after this many seconds of run time. */
const HALF_LIFE_S = 15;
/** Progress is sampled at most this often; a stall is folded into the next sample with progress. */
const MIN_SAMPLE_MS = 500;
/** No estimate before this much run time has been observed: the first requests are all set-up. */
const MIN_OBSERVED_S = 1;
/**
 * What a cost is taken to be before the run shows it: a run that has sent only small files has not measured
 * the link's byte rate (its fit said 0 s per MiB, so one large file left looked free: ETAs 3–10× too low), and
 * one that has sent only a large file's blocks has not measured the cost of a file. 100 Mbit/s (plan's
 * estimate) and 100 files a second; each prior weighs as much as PRIOR_WEIGHT_S of run time measuring it, so
 * the run's own figures replace it as soon as they show that cost apart from the other (a ridge toward the
 * prior: bytes that always move with files, as in a run of small files so far, do not count as showing it).
 */
export const PRIOR_SECONDS_PER_MIB = (8 * MiB) / 100e6;
export const PRIOR_SECONDS_PER_FILE = 0.01;
const PRIOR_WEIGHT_S = 0.1;

export interface EtaEstimate {
  /** Seconds left, or null while too little has been observed. */
  seconds: number | null;
}

export interface EtaPrior {
  secondsPerMiB: number;
  secondsPerFile: number;
}

export class EtaEstimator {
  readonly #prior: EtaPrior;

  constructor(prior: EtaPrior = { secondsPerMiB: PRIOR_SECONDS_PER_MIB, secondsPerFile: PRIOR_SECONDS_PER_FILE }) {
    this.#prior = prior;
  }

  // Weighted sums of the normal equations: Σw·b², Σw·b·f, Σw·f², Σw·b·t, Σw·f·t (b in MiB, f files, t seconds).
  private bb = 0;
  private bf = 0;
  private ff = 0;
  private bt = 0;
  private ft = 0;
  private observedS = 0;
  private last: { atMs: number; bytes: number; files: number } | null = null;

  /** Starts the clock: progress before this (listing, planning) is not part of the transfer's pace. */
  start(atMs: number, bytesDone = 0, filesDone = 0): void {
    this.last = { atMs, bytes: bytesDone, files: filesDone };
  }

  /** Cumulative progress at `atMs`: bytes and files accounted for so far (sent, found in place or failed). */
  observe(atMs: number, bytesDone: number, filesDone: number): void {
    if (!this.last) {
      this.start(atMs, bytesDone, filesDone);
      return;
    }
    const dt = (atMs - this.last.atMs) / 1000;
    const db = (bytesDone - this.last.bytes) / MiB;
    const df = filesDone - this.last.files;
    if (dt * 1000 < MIN_SAMPLE_MS || (db <= 0 && df <= 0)) return;
    const fade = Math.pow(0.5, dt / HALF_LIFE_S);
    this.bb = this.bb * fade + db * db;
    this.bf = this.bf * fade + db * df;
    this.ff = this.ff * fade + df * df;
    this.bt = this.bt * fade + db * dt;
    this.ft = this.ft * fade + df * dt;
    this.observedS += dt;
    this.last = { atMs, bytes: bytesDone, files: filesDone };
  }

  /**
   * The fitted costs: seconds per MiB and per file, neither negative. Null before the first sample. Each cost
   * is drawn toward its prior as if the prior had been measured for PRIOR_WEIGHT_S (a ridge toward the prior,
   * not toward 0): a cost the run has not shown yet is the prior's, not free.
   */
  costs(): EtaPrior | null {
    if (this.bb === 0 && this.ff === 0) return null;
    const prior = this.#prior;
    // A sample of PRIOR_WEIGHT_S at the prior's cost moves PRIOR_WEIGHT_S / cost units: its weight is that squared.
    const weightB = (PRIOR_WEIGHT_S / prior.secondsPerMiB) ** 2;
    const weightF = (PRIOR_WEIGHT_S / prior.secondsPerFile) ** 2;
    const a11 = this.bb + weightB;
    const a22 = this.ff + weightF;
    const r1 = this.bt + weightB * prior.secondsPerMiB;
    const r2 = this.ft + weightF * prior.secondsPerFile;
    const det = a11 * a22 - this.bf * this.bf;
    let perMiB = (r1 * a22 - r2 * this.bf) / det;
    let perFile = (r2 * a11 - r1 * this.bf) / det;
    // A negative cost means the other term explains the time alone: fit that term by itself (with its prior).
    if (perMiB < 0) {
      perMiB = 0;
      perFile = r2 / a22;
    }
    if (perFile < 0) {
      perFile = 0;
      perMiB = r1 / a11;
    }
    return { secondsPerMiB: perMiB, secondsPerFile: perFile };
  }

  /** Seconds to send what is left, from its bytes and its number of files. */
  estimate(bytesLeft: number, filesLeft: number): number | null {
    if (bytesLeft <= 0 && filesLeft <= 0) return 0;
    const costs = this.observedS >= MIN_OBSERVED_S ? this.costs() : null;
    if (!costs) return null;
    return costs.secondsPerMiB * (Math.max(0, bytesLeft) / MiB) + costs.secondsPerFile * Math.max(0, filesLeft);
  }
}
