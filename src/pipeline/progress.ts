/**
 * Progress for long runs: a live bar on a TTY, a log line every few seconds otherwise. Both
 * show the same figures (`progressLine`): documents done (of the total when it is known:
 * --limit or a queue chunk's size; a rate otherwise, and then no bar that fills up), pairs,
 * requests in flight against the limit, tokens per second, and the spend where the models'
 * prices are known.
 */
import cliProgress from "cli-progress";
import type { LlmStats } from "../records.js";
import { builtinPrice } from "../report/prices.js";

export interface ProgressSnapshot {
  /** Source documents done, over all sessions. */
  documents: number;
  /** …of which were done before this session (the rate counts this session's only). */
  documentsAtStart?: number;
  /** Documents to do in all, when known (--limit, a queue chunk). */
  total?: number;
  accepted: number;
  /** Model requests in flight and the current cap (engines that know). */
  requests?: { inFlight: number; limit: number };
  /** Tokens of this session. */
  tokens: number;
  /** Dollars spent so far, when every model has a known price. */
  spend?: number;
  /** Seconds of this session. */
  elapsed: number;
}

export interface Progress {
  update(s: ProgressSnapshot): void;
  stop(): void;
}

/** The figures, as one line (without the bar). */
export function progressLine(s: ProgressSnapshot): string {
  const t = Math.max(s.elapsed, 1e-3);
  const rate = (s.documents - (s.documentsAtStart ?? 0)) / t;
  const docs = s.total !== undefined ? `${s.documents}/${s.total} documents` : `${s.documents} documents`;
  const parts = [
    docs,
    `${rate.toFixed(2)} docs/s`,
    `${s.accepted} pairs`,
    s.requests ? `${s.requests.inFlight}/${s.requests.limit} requests in flight` : undefined,
    `${Math.round(s.tokens / t)} tokens/s`,
    s.spend !== undefined ? `$${s.spend.toFixed(2)} spent` : undefined,
  ];
  return parts.filter((p) => p !== undefined).join(", ");
}

/** Dollars spent, from the built-in prices; undefined when a model's price is unknown. */
export function spendOf(llm: LlmStats): number | undefined {
  let dollars = 0;
  for (const [model, c] of Object.entries(llm.by_model)) {
    if (c.prompt_tokens + c.completion_tokens === 0) continue;
    const price = builtinPrice(model);
    if (!price) return undefined;
    dollars += (c.prompt_tokens * price.input + c.completion_tokens * price.output) / 1e6;
  }
  return dollars;
}

export function makeProgress(mode: "auto" | "bar" | "log" | "none", stream: NodeJS.WriteStream = process.stderr): Progress {
  const useBar = mode === "bar" || (mode === "auto" && stream.isTTY === true);
  if (mode === "none") return { update() {}, stop() {} };
  if (useBar) {
    const bar = new cliProgress.SingleBar(
      {
        stream,
        // Our own line: a bar only when the total is known (cli-progress would draw a full one for 0).
        format: (options, params, payload: { snapshot: ProgressSnapshot }) => {
          const s = payload.snapshot;
          const fill = s.total ? `${cliProgress.Format.BarFormat(Math.min(1, s.documents / s.total), options)} ` : "";
          return `${fill}${progressLine(s)} [${Math.round(s.elapsed)}s]`;
        },
        hideCursor: true,
        clearOnComplete: false,
        barsize: 24,
      },
      cliProgress.Presets.shades_classic,
    );
    let started = false;
    return {
      update(s) {
        if (!started) bar.start(s.total ?? 0, s.documents, { snapshot: s }), (started = true);
        else bar.update(s.documents, { snapshot: s });
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
      stream.write(`[${Math.round(s.elapsed)}s] ${progressLine(s)}\n`);
    },
    stop() {},
  };
}
