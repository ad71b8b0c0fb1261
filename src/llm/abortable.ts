/**
 * Clients that end requests for the orchestrator: every request when a signal fires (Ctrl-C,
 * a server that refuses the key) without the stages having to carry a signal through each
 * call, and every new request once the run is stopping.
 */
import { setMaxListeners } from "node:events";
import { LlmError, type LlmClient } from "./types.js";

/** `client` with its two request methods replaced; the rest is read through (`load` feeds the progress display). */
function withRequests(client: LlmClient, requests: Pick<LlmClient, "complete" | "sample">): LlmClient {
  return {
    complete: requests.complete,
    sample: requests.sample,
    stats: () => client.stats(),
    modelFor: (stage) => client.modelFor(stage),
    get maxConcurrency() {
      return client.maxConcurrency;
    },
    load: client.load ? () => client.load!() : undefined,
    close: () => client.close(),
  };
}

export function withSignal(client: LlmClient, signal: AbortSignal): LlmClient {
  // Every request in flight listens to it: thousands at --concurrency 1024 are expected, not a leak.
  setMaxListeners(0, signal);
  const joined = (own: AbortSignal | undefined) => (own ? AbortSignal.any([own, signal]) : signal);
  return withRequests(client, {
    complete: (req) => client.complete({ ...req, signal: joined(req.signal) }),
    sample: (req) => client.sample({ ...req, signal: joined(req.signal) }),
  });
}

/**
 * A client that sends no new request once `stopping` fires: requests already sent go on
 * (within the stop's grace); one still waiting for its turn (a permit, a backoff) or asked for
 * later ends at once as "aborted", so its document is left for the resume. A stop then spends
 * nothing more than the requests on the wire: a spent budget is not overrun by the later
 * stages of every document in the window.
 */
export function withStopGate(client: LlmClient, stopping: AbortSignal): LlmClient {
  setMaxListeners(0, stopping);
  const refused = () => Promise.reject(new LlmError("aborted", "the run is stopping: no new request is sent"));
  const joined = (own: AbortSignal | undefined) => (own ? AbortSignal.any([own, stopping]) : stopping);
  return withRequests(client, {
    complete: (req) => (stopping.aborted ? refused() : client.complete({ ...req, waitSignal: joined(req.waitSignal) })),
    sample: (req) => (stopping.aborted ? refused() : client.sample({ ...req, waitSignal: joined(req.waitSignal) })),
  });
}
