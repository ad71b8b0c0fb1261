/**
 * A view of a shared model client that keeps its own counters. A queue worker runs several
 * chunks at once on one client (they share its concurrency cap and endpoints); each chunk's
 * checkpoint must hold the requests and tokens of that chunk only, or `merge`, `queue status`
 * and the report would count the process's running totals once per chunk.
 */
import type { z } from "zod";
import type { LlmCounters, LlmStats } from "../records.js";
import { LlmCounterBook, type CounterKeys, type LlmMeter } from "./counters.js";
import type { CompleteRequest, CompleteResult, LlmClient, SampleRequest, SampleResult } from "./types.js";

export function meteredView(inner: LlmClient): LlmClient {
  const own = new LlmCounterBook();
  // A view of a view books into both meters.
  const both = (outer: LlmMeter | undefined): LlmMeter => (outer ? { add: (k: CounterKeys, d: Partial<LlmCounters>) => (own.add(k, d), outer.add(k, d)) } : own);
  return {
    maxConcurrency: inner.maxConcurrency,
    complete<S extends z.ZodType>(req: CompleteRequest<S>): Promise<CompleteResult<z.infer<S>>> {
      return inner.complete({ ...req, meter: both(req.meter) });
    },
    sample: (req: SampleRequest): Promise<SampleResult> => inner.sample({ ...req, meter: both(req.meter) }),
    stats: (): LlmStats => own.snapshot(),
    modelFor: (stage) => inner.modelFor(stage),
    // The client belongs to whoever made it; closing a view does not close it for the others.
    close: async () => {},
  };
}
