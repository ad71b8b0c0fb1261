/** Progress for long runs: a live bar on a TTY, a log line every few seconds otherwise. */
import cliProgress from "cli-progress";

export interface ProgressSnapshot {
  documents: number;
  accepted: number;
  inFlight: number;
  tokens: number;
  elapsed: number;
  limit?: number;
  /** The spend so far against a budget, e.g. "$1.2034 of $5 spent" (shown when the run has a budget). */
  spend?: string;
}

export interface Progress {
  update(s: ProgressSnapshot): void;
  stop(): void;
}

export function makeProgress(mode: "auto" | "bar" | "log" | "none", stream: NodeJS.WriteStream = process.stderr): Progress {
  const useBar = mode === "bar" || (mode === "auto" && stream.isTTY === true);
  if (mode === "none") return { update() {}, stop() {} };
  if (useBar) {
    const bar = new cliProgress.SingleBar(
      {
        stream,
        format: "{bar} {value}{total} docs | {accepted} pairs | accept {rate}/doc | {tps} tok/s | {inflight} in flight | {elapsed}s{spend}",
        hideCursor: true,
        clearOnComplete: false,
        barsize: 24,
      },
      cliProgress.Presets.shades_classic,
    );
    let started = false;
    return {
      update(s) {
        const payload = {
          accepted: s.accepted,
          rate: s.documents ? (s.accepted / s.documents).toFixed(2) : "0.00",
          tps: Math.round(s.tokens / Math.max(s.elapsed, 1e-3)),
          inflight: s.inFlight,
          elapsed: Math.round(s.elapsed),
          spend: s.spend ? ` | ${s.spend}` : "",
        };
        // Without --limit the total is unknown: show the count only.
        const total = s.limit ?? 0;
        if (!started) bar.start(total, s.documents, payload), (started = true);
        else bar.update(s.documents, payload);
      },
      stop() {
        if (started) bar.stop();
      },
    };
  }
  let last = 0;
  return {
    update(s) {
      if (s.elapsed - last < 5) return;
      last = s.elapsed;
      stream.write(
        `[${Math.round(s.elapsed)}s] ${s.documents}${s.limit ? "/" + s.limit : ""} documents, ${s.accepted} pairs, ` +
          `${(s.documents / Math.max(s.elapsed, 1e-3)).toFixed(2)} docs/s, ${Math.round(s.tokens / Math.max(s.elapsed, 1e-3))} tokens/s, ${s.inFlight} in flight${s.spend ? `, ${s.spend}` : ""}\n`,
      );
    },
    stop() {},
  };
}
