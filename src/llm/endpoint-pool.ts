/**
 * Several OpenAI-compatible base URLs serving one stage: each request goes to the endpoint
 * with the fewest requests in flight; an endpoint that fails N times in a row is ejected for a
 * cooldown, then let back in on a single probe request.
 */

/** A base URL without user:password, query or trailing slash: safe for logs and stats. */
export function endpointKey(baseUrl: string): string {
  try {
    const u = new URL(baseUrl);
    u.username = "";
    u.password = "";
    u.search = "";
    u.hash = "";
    return u.toString().replace(/\/+$/, "");
  } catch {
    return baseUrl.replace(/\/\/[^@/]*@/, "//").replace(/[?#].*$/, "").replace(/\/+$/, "");
  }
}

export interface EjectionOptions {
  /** Consecutive failures that eject an endpoint. */
  failures: number;
  cooldownMs: number;
  /** The clock cooldowns are measured on (default Date.now; tests step their own). */
  now?: () => number;
}

export const DEFAULT_EJECTION: EjectionOptions = { failures: 3, cooldownMs: 30_000 };

export class Endpoint<C = unknown> {
  inFlight = 0;
  consecutiveFailures = 0;
  /** 0 = healthy; otherwise ejected until this time (ms since epoch). */
  ejectedUntil = 0;
  /** A probe request is out to an endpoint whose cooldown ended. */
  probing = false;

  constructor(
    readonly key: string,
    readonly baseUrl: string,
    readonly client: C,
  ) {}
}

export class EndpointPool<C = unknown> {
  private turn = 0;
  private readonly now: () => number;

  constructor(
    readonly endpoints: Endpoint<C>[],
    private readonly ejection: EjectionOptions = DEFAULT_EJECTION,
    private readonly log?: (msg: string) => void,
  ) {
    if (endpoints.length === 0) throw new Error("an endpoint pool needs at least one endpoint");
    this.now = ejection.now ?? Date.now;
  }

  /**
   * The endpoint for the next request, avoiding `avoid` (where the last attempt failed) when
   * another one can take it. Call `release` with the outcome when the request is over.
   */
  pick(avoid?: Endpoint<C>, now = this.now()): Endpoint<C> {
    const usable = this.endpoints.filter((e) => this.usable(e, now));
    let candidates = usable.filter((e) => e !== avoid);
    if (candidates.length === 0) candidates = usable;
    if (candidates.length === 0) {
      // Everything is ejected: use the one that comes back soonest rather than fail the request.
      candidates = [this.endpoints.reduce((a, b) => (b.ejectedUntil < a.ejectedUntil ? b : a))];
    }
    // Fewest in flight; ties rotate so that an idle pool still spreads its load.
    const start = this.turn++ % candidates.length;
    let best = candidates[start];
    for (let k = 1; k < candidates.length; k++) {
      const e = candidates[(start + k) % candidates.length];
      if (e.inFlight < best.inFlight) best = e;
    }
    if (best.ejectedUntil > 0) best.probing = true;
    best.inFlight++;
    return best;
  }

  /** `failed` = the endpoint misbehaved (5xx, 429, network, timeout), not a client error. */
  release(e: Endpoint<C>, failed: boolean, now = this.now()): void {
    e.inFlight--;
    const wasProbe = e.probing;
    e.probing = false;
    if (!failed) {
      if (e.ejectedUntil > 0) this.log?.(`llm: endpoint ${e.key} is back`);
      e.consecutiveFailures = 0;
      e.ejectedUntil = 0;
      return;
    }
    e.consecutiveFailures++;
    // One endpoint alone is never ejected: there is nowhere else to send its requests.
    if (this.endpoints.length > 1 && (wasProbe || e.consecutiveFailures >= this.ejection.failures)) {
      e.ejectedUntil = now + this.ejection.cooldownMs;
      this.log?.(`llm: endpoint ${e.key} ejected for ${Math.round(this.ejection.cooldownMs / 1000)} s after ${e.consecutiveFailures} failures in a row`);
    }
  }

  private usable(e: Endpoint<C>, now: number): boolean {
    if (e.ejectedUntil === 0) return true;
    return now >= e.ejectedUntil && !e.probing;
  }
}
