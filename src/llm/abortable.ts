/**
 * A client whose every request also ends when `signal` fires: the orchestrator stops all
 * requests in flight at once (Ctrl-C, a server that refuses the key) without the stages having
 * to carry a signal through each call.
 */
import { setMaxListeners } from "node:events";
import type { LlmClient } from "./types.js";

export function withSignal(client: LlmClient, signal: AbortSignal): LlmClient {
  // Every request in flight listens to it: thousands at --concurrency 1024 are expected, not a leak.
  setMaxListeners(0, signal);
  return {
    complete: (req) => client.complete({ ...req, signal: req.signal ? AbortSignal.any([req.signal, signal]) : signal }),
    sample: (req) => client.sample({ ...req, signal: req.signal ? AbortSignal.any([req.signal, signal]) : signal }),
    stats: () => client.stats(),
    modelFor: (stage) => client.modelFor(stage),
    get maxConcurrency() {
      return client.maxConcurrency;
    },
    load: client.load ? () => client.load!() : undefined,
    close: () => client.close(),
  };
}
