/**
 * Equivalence of two formulas with the computer-algebra library mathjs (docs/reward.md says why
 * this one): both are evaluated at the same fixed points, complex results included. Equal
 * everywhere → the same function (a polynomial identity test); clearly different somewhere →
 * different; anything else (too few points where both are defined, a bare "log") → undecided.
 *
 * mathjs is loaded on the first formula, synchronously, from its single-file bundle (a fifth of a
 * second instead of seconds for its module tree): the rule path never pays for it otherwise.
 */
import { createRequire } from "node:module";
import type { MathJsInstance } from "mathjs";
import type { Formula } from "./formula.js";
import type { Decision } from "./numbers.js";

let math: MathJsInstance | undefined;
function lib(): MathJsInstance {
  return (math ??= createRequire(import.meta.url)("mathjs/lib/browser/math.js") as MathJsInstance);
}

export interface Compiled {
  formula: Formula;
  evaluate(scope: Record<string, number>): { re: number; im: number } | null;
  /** The expression printed in one canonical way ("√3/2" and "\frac{\sqrt{3}}{2}" print alike), to compare forms. */
  printed(): string;
}

/** Compiles a formula once (truths are cached with their parse); null when the library cannot read it. */
export function compileFormula(f: Formula): Compiled | null {
  try {
    const code = lib().compile(f.expr);
    let printed: string | undefined;
    return {
      formula: f,
      printed: () => (printed ??= lib().parse(f.expr).toString({ parenthesis: "auto", implicit: "show" }).replace(/\s+/g, "")),
      evaluate(scope) {
        try {
          const v = code.evaluate({ ...scope }) as unknown;
          if (typeof v === "number") return Number.isFinite(v) ? { re: v, im: 0 } : null;
          if (v && typeof v === "object" && "re" in v && "im" in v) {
            const c = v as { re: number; im: number };
            return Number.isFinite(c.re) && Number.isFinite(c.im) ? { re: c.re, im: c.im } : null;
          }
          return null;
        } catch {
          return null;
        }
      },
    };
  } catch {
    return null;
  }
}

// Points away from 0, ±1 and small integers, where different formulas rarely agree by chance.
const POINTS = [0.3719, -1.2083, 1.7311, 2.9047, -0.5813, 0.9127, 3.6401, -2.4473];
const MIN_POINTS = 5;

const close = (a: number, b: number, tol: number) => Math.abs(a - b) <= tol * Math.max(1, Math.abs(a), Math.abs(b));

/** The value of a formula without variables (e.g. "\frac{\sqrt{3}}{2}"), or null. */
export function constantValue(c: Compiled): number | null {
  if (c.formula.vars.length > 0) return null;
  const v = c.evaluate({});
  return v && Math.abs(v.im) <= 1e-12 * Math.max(1, Math.abs(v.re)) ? v.re : null;
}

/** A number as a formula in the given variables, to compare with a formula that should be constant ("sin²x + cos²x" / "1"). */
export function constantFormula(value: number, vars: string[]): Compiled {
  return { formula: { expr: String(value), equation: false, vars, ambiguousLog: false }, evaluate: () => ({ re: value, im: 0 }), printed: () => String(value) };
}

/** Compares two compiled formulas (equations up to a constant factor: "y = 2x" is "2x - y = 0"). */
export function compareCompiled(t: Compiled, r: Compiled): Decision {
  const vars = t.formula.vars;
  if (vars.join() !== r.formula.vars.join() || t.formula.equation !== r.formula.equation) return "undecided";
  let compared = 0;
  let differs = false;
  let ratio: { re: number; im: number } | null = null;
  for (let k = 0; k < POINTS.length; k++) {
    const scope: Record<string, number> = {};
    vars.forEach((v, i) => (scope[v] = POINTS[(k + 3 * i) % POINTS.length] + 0.0371 * i));
    const a = t.evaluate(scope);
    const b = r.evaluate(scope);
    if (!a || !b) continue;
    compared++;
    if (t.formula.equation) {
      // Both sides of an equation vanish together and keep one ratio.
      const za = Math.hypot(a.re, a.im) < 1e-12;
      const zb = Math.hypot(b.re, b.im) < 1e-12;
      if (za || zb) {
        if (za !== zb) differs = true;
        continue;
      }
      const d = b.re * b.re + b.im * b.im;
      const q = { re: (a.re * b.re + a.im * b.im) / d, im: (a.im * b.re - a.re * b.im) / d };
      ratio ??= q;
      if (!close(q.re, ratio.re, 1e-6) || !close(q.im, ratio.im, 1e-6)) differs = true;
      continue;
    }
    if (!close(a.re, b.re, 1e-9) || !close(a.im, b.im, 1e-9)) {
      // Far apart: different. Barely apart: floating-point noise or a near miss, not for the rules.
      if (!close(a.re, b.re, 1e-6) || !close(a.im, b.im, 1e-6)) differs = true;
      else return "undecided";
    }
  }
  if (differs) return t.formula.ambiguousLog || r.formula.ambiguousLog ? "undecided" : "mismatch";
  return compared >= MIN_POINTS ? "match" : "undecided";
}
