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
/** Keeps the 2×2 system solvable when bytes and files always move together (a payload of equal files). */
const RIDGE = 1e-9;

export interface EtaEstimate {
  /** Seconds left, or null while too little has been observed. */
  seconds: number | null;
}

export class EtaEstimator {
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

  /** The fitted costs: seconds per MiB and per file, neither negative. Null before the first sample. */
  costs(): { secondsPerMiB: number; secondsPerFile: number } | null {
    if (this.bb === 0 && this.ff === 0) return null;
    const ridge = RIDGE * (this.bb + this.ff);
    const a11 = this.bb + ridge;
    const a22 = this.ff + ridge;
    const det = a11 * a22 - this.bf * this.bf;
    let perMiB = det > 0 ? (this.bt * a22 - this.ft * this.bf) / det : 0;
    let perFile = det > 0 ? (this.ft * a11 - this.bt * this.bf) / det : 0;
    // A negative cost means the other term explains the time alone: fit that term by itself.
    if (det <= 0 || perMiB < 0) {
      perMiB = 0;
      perFile = this.ff > 0 ? this.ft / this.ff : 0;
    }
    if (perFile < 0) {
      perFile = 0;
      perMiB = this.bb > 0 ? this.bt / this.bb : 0;
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
