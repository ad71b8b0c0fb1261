/**
 * What a run on the local engine gets when the user does not choose. A CPU writes a few tokens
 * a second, so the reply tokens decide the duration and they grow with the personas; the
 * efficient plan sends 4 calls per document instead of 2 + 3 × personas, which on a CPU is
 * prefill saved. Two personas keep the method's point (several readers, different questions
 * per document) at two thirds of the reply tokens of three. Measured and estimated in
 * docs/local-engine.md; `--plan paper --personas 3` gives the paper's method on any engine.
 */

export const LOCAL_DEFAULTS = { plan: "efficient", personas: 2 } as const;

/**
 * Fills in the local defaults the merged config layers leave unset; returns a one-line note of
 * what was filled, for the run's log (undefined when the user chose both).
 */
export function applyLocalDefaults(merged: Record<string, unknown>): string | undefined {
  const filled: string[] = [];
  if (merged.plan === undefined) {
    merged.plan = LOCAL_DEFAULTS.plan;
    filled.push(`--plan ${LOCAL_DEFAULTS.plan}`);
  }
  if (merged.personas === undefined) {
    merged.personas = LOCAL_DEFAULTS.personas;
    filled.push(`--personas ${LOCAL_DEFAULTS.personas}`);
  }
  if (filled.length === 0) return undefined;
  return `local engine on a CPU-sized budget: ${filled.join(" ")} (give --plan paper --personas 3 for the paper's method)`;
}
