/**
 * Formula answers written in LaTeX, Unicode or plain text ("\frac{\sqrt{3}}{2}", "√3/2",
 * "x^2+2x+1", "y = 2x + 3") rewritten into the small, closed expression syntax that the computer
 * algebra library evaluates (cas.ts). Anything outside that syntax (subscripts, |x|, ∞, words,
 * chemical formulas in capitals) is not a formula here, so the pair stays with the other rules or
 * the judge. The rewrite is ours; only evaluation is the library's.
 */

export interface Formula {
  /** Expression in the library's syntax; for an equation, "(lhs)-(rhs)". */
  expr: string;
  equation: boolean;
  /** Variable names (single letters). */
  vars: string[];
  /** Uses a bare "log", whose base (10 or e) differs between fields: a mismatch is not final. */
  ambiguousLog: boolean;
}

const FUNCTIONS = new Set(["sin", "cos", "tan", "sec", "csc", "cot", "asin", "acos", "atan", "sinh", "cosh", "tanh", "exp", "log", "log10", "sqrt", "nthRoot", "cbrt", "abs"]);
const LATEX_FUNCTIONS: Record<string, string> = {
  sin: "sin", cos: "cos", tan: "tan", sec: "sec", csc: "csc", cot: "cot", arcsin: "asin", arccos: "acos", arctan: "atan",
  sinh: "sinh", cosh: "cosh", tanh: "tanh", exp: "exp", ln: "log",
};
const CONSTANTS = new Set(["pi", "e", "i"]);
const SUPERSCRIPTS: Record<string, string> = { "⁰": "0", "¹": "1", "²": "2", "³": "3", "⁴": "4", "⁵": "5", "⁶": "6", "⁷": "7", "⁸": "8", "⁹": "9", "⁻": "-" };
// Words a formula may contain: LaTeX commands and function names.
const MATH_WORDS = new Set([
  "frac", "dfrac", "tfrac", "sqrt", "cdot", "times", "div", "pi", "left", "right", "displaystyle", "sin", "cos", "tan",
  "sec", "csc", "cot", "arcsin", "arccos", "arctan", "sinh", "cosh", "tanh", "exp", "ln", "log", "binom", "quad", "cbrt",
]);

const SMALL_WORDS = new Set([
  "a", "an", "the", "is", "are", "was", "be", "it", "its", "at", "in", "on", "of", "or", "and", "to", "as", "by", "we",
  "so", "if", "no", "not", "for", "but", "all", "any", "can", "has", "had", "how", "per", "let", "set", "get", "one",
  "two", "six", "ten", "yes", "am", "pm", "do", "did", "who", "why", "our", "you", "he", "she", "his", "her",
]);

class NotAFormula extends Error {}

/** Cheap test before any rewriting: math syntax present, and no words but math words. */
export function looksLikeFormula(raw: string): boolean {
  if (raw.length > 160 || raw.length === 0) return false;
  // An operator or a math sign is needed: "2x" or "1990s" alone are a quantity or a word.
  if (!/[\\^√∛π=+*/()²³−×÷⋅·-]/.test(raw)) return false;
  // A range, a date or a code ("10-12", "1939-1945", "978-3-16") is not arithmetic.
  if (/^\s*\d[\d,.]*(?:\s*[-–/]\s*\d[\d,.]*)+\s*$/.test(raw)) return false;
  // Words other than math words: a product of variables ("mv", "mc") at most, never an English word.
  const words = raw.match(/[A-Za-z]{2,}/g);
  if (words) for (const w of words) if (!MATH_WORDS.has(w) && (w.length > 3 || SMALL_WORDS.has(w.toLowerCase()))) return false;
  return true;
}

/** A LaTeX brace group starting at `i` (which must be "{"), or a single character/command. */
function readArg(s: string, i: number): [string, number] {
  while (s[i] === " ") i++;
  if (s[i] === "{") {
    let depth = 0;
    for (let j = i; j < s.length; j++) {
      if (s[j] === "{") depth++;
      else if (s[j] === "}" && --depth === 0) return [s.slice(i + 1, j), j + 1];
    }
    throw new NotAFormula("unbalanced braces");
  }
  if (s[i] === "\\") {
    const m = /^\\[a-zA-Z]+/.exec(s.slice(i));
    if (m) return [m[0], i + m[0].length];
  }
  if (i >= s.length) throw new NotAFormula("missing argument");
  return [s[i], i + 1];
}

/** The argument of a function written without parentheses: "\sin x", "\sin 2x", "\ln(x+1)". */
function readFunctionArg(s: string, i: number): [string, number] {
  while (s[i] === " ") i++;
  if (s[i] === "(") {
    let depth = 0;
    for (let j = i; j < s.length; j++) {
      if (s[j] === "(") depth++;
      else if (s[j] === ")" && --depth === 0) return [s.slice(i, j + 1), j + 1];
    }
    throw new NotAFormula("unbalanced parentheses");
  }
  if (s[i] === "{" || s[i] === "\\") return readArg(s, i);
  const m = /^(?:\d+(?:\.\d+)?)?[a-zA-Z]?/.exec(s.slice(i));
  if (!m || m[0] === "") throw new NotAFormula("missing function argument");
  return [m[0], i + m[0].length];
}

function smallInt(text: string, max: number): number {
  const t = text.trim();
  if (!/^\d+$/.test(t) || Number(t) > max) throw new NotAFormula("not a small whole number");
  return Number(t);
}

function binomial(n: number, k: number): number {
  if (k > n) return 0;
  let r = 1;
  for (let j = 1; j <= Math.min(k, n - k); j++) r = (r * (n - j + 1)) / j;
  return Math.round(r);
}

/** LaTeX to the library's syntax, recursively; throws NotAFormula outside the closed syntax. */
function convert(s: string, flags: { log: boolean }): string {
  let out = "";
  for (let i = 0; i < s.length; ) {
    const c = s[i];
    if (c === "\\") {
      const m = /^\\([a-zA-Z]+)/.exec(s.slice(i));
      if (!m) throw new NotAFormula(`stray backslash`);
      const name = m[1];
      i += m[0].length;
      if (name === "frac" || name === "dfrac" || name === "tfrac") {
        const [a, j] = readArg(s, i);
        const [b, k] = readArg(s, j);
        out += `((${convert(a, flags)})/(${convert(b, flags)}))`;
        i = k;
      } else if (name === "sqrt") {
        let index: string | undefined;
        if (s[i] === "[") {
          const close = s.indexOf("]", i);
          if (close < 0) throw new NotAFormula("unclosed root index");
          index = s.slice(i + 1, close);
          i = close + 1;
        }
        const [a, j] = readArg(s, i);
        out += index === undefined ? `sqrt(${convert(a, flags)})` : `nthRoot(${convert(a, flags)},${convert(index, flags)})`;
        i = j;
      } else if (name === "binom") {
        const [a, j] = readArg(s, i);
        const [b, k] = readArg(s, j);
        out += `(${binomial(smallInt(a, 1000), smallInt(b, 1000))})`;
        i = k;
      } else if (name === "cdot" || name === "times") out += "*";
      else if (name === "div") out += "/";
      else if (name === "pi") out += " pi ";
      else if (name === "log" || name in LATEX_FUNCTIONS) {
        let power = "";
        let base: string | undefined;
        if (name === "log" && s[i] === "_") {
          const [b, j] = readArg(s, i + 1);
          base = convert(b, flags);
          i = j;
        }
        if (s[i] === "^") {
          const [p, j] = readArg(s, i + 1);
          power = `^(${convert(p, flags)})`;
          i = j;
        }
        const [arg, j] = readFunctionArg(s, i);
        i = j;
        const inner = convert(arg, flags);
        let call: string;
        if (name === "log") {
          if (base === undefined) flags.log = true;
          call = base === undefined ? `log10(${inner})` : `log(${inner},${base})`;
        } else call = `${LATEX_FUNCTIONS[name]}(${inner})`;
        out += power ? `(${call})${power}` : ` ${call} `;
      } else if (name === "left" || name === "right" || name === "displaystyle" || name === "quad") {
        // layout only
      } else throw new NotAFormula(`unknown command \\${name}`);
    } else if (c === "{") {
      const [a, j] = readArg(s, i);
      out += `(${convert(a, flags)})`;
      i = j;
    } else if (c === "^") {
      const [a, j] = readArg(s, i + 1);
      out += `^(${convert(a, flags)})`;
      i = j;
    } else if (c === "[" || c === "]") {
      out += c === "[" ? "(" : ")";
      i++;
    } else if (/[0-9a-zA-Z.+\-*/()!,= ]/.test(c)) {
      out += c;
      i++;
    } else throw new NotAFormula(`character ${c}`);
  }
  return out;
}

/** Plain-text and Unicode notation to LaTeX-free text the converter understands. */
function unicode(s: string): string {
  let t = s
    .replace(/[−–]/g, "-")
    .replace(/[×⋅·]/g, "*")
    .replace(/÷/g, "/")
    .replace(/π/g, "\\pi ")
    .replace(/\*\*/g, "^")
    .replace(/[⁰¹²³⁴⁵⁶⁷⁸⁹⁻]+/g, (m) => `^{${[...m].map((ch) => SUPERSCRIPTS[ch]).join("")}}`);
  // √3, √x, √(x+1), ∛8
  t = t.replace(/([√∛])\s*(\([^()]*\)|\{[^{}]*\}|\d+(?:\.\d+)?|[a-zA-Z])/g, (_m, root: string, arg: string) => {
    const inner = arg.startsWith("(") || arg.startsWith("{") ? arg.slice(1, -1) : arg;
    return root === "√" ? `\\sqrt{${inner}}` : `\\sqrt[3]{${inner}}`;
  });
  return t;
}

/** Splits letter runs into single-letter variables ("2ab" -> "2 a b"), keeping function names; checks the result. */
function finish(expr: string): { expr: string; vars: string[] } {
  const vars = new Set<string>();
  let t = expr.replace(/[a-zA-Z][a-zA-Z0-9]*/g, (w) => {
    if (FUNCTIONS.has(w) || CONSTANTS.has(w)) return ` ${w}`;
    if (/\d/.test(w)) throw new NotAFormula(`identifier ${w}`);
    return [...w].map((ch) => {
      if (!CONSTANTS.has(ch)) vars.add(ch);
      return ` ${ch}`;
    }).join("");
  });
  // A variable or a closing parenthesis before "(" multiplies: the library would read "x(" as a call.
  t = t.replace(/(\b[a-zA-Z]|\))\s*\(/g, (m, before: string) => (FUNCTIONS.has(before) ? m : `${before}*(`));
  // Factorials only of small whole numbers: "5!" is fine, "(10^9)!" is not work for a reward.
  for (const m of t.matchAll(/(\S*)\s*!/g)) if (!/^\d{1,3}$/.test(m[1]) || Number(m[1]) > 170) throw new NotAFormula("factorial");
  if (!/^[0-9a-zA-Z.+\-*/^()!, ]+$/.test(t)) throw new NotAFormula("characters");
  return { expr: t.replace(/\s+/g, " ").trim(), vars: [...vars].sort() };
}

/** The formula an answer writes, or null when it is not one this rule can read. */
export function parseFormula(raw: string): Formula | null {
  if (!looksLikeFormula(raw.trim())) return null;
  let s = raw.trim().replace(/^\$+|\$+$/g, "").replace(/^\\\(|\\\)$/g, "").replace(/^\\\[|\\\]$/g, "").trim();
  if (!looksLikeFormula(s)) return null;
  // Capital letters are chemistry or names ("H2O", "CO2"), not variables, except an equation's left side ("V = …").
  const eq = s.split("=");
  if (eq.length > 2 || /[<>≤≥≠]/.test(s)) return null;
  const body = eq.length === 2 ? eq[1] : eq[0];
  if (/[A-Z]/.test(body.replace(/\\[a-zA-Z]+/g, ""))) return null;
  if (s.includes("_") && !/\\log_/.test(s)) return null;
  try {
    const flags = { log: false };
    s = unicode(s);
    const sides = s.split("=").map((p) => convert(p, flags));
    if (sides.some((p) => p.trim() === "")) return null;
    const { expr, vars } = finish(sides.length === 2 ? `(${sides[0]})-(${sides[1]})` : sides[0]);
    return { expr, equation: sides.length === 2, vars, ambiguousLog: flags.log };
  } catch (err) {
    if (err instanceof NotAFormula) return null;
    throw err;
  }
}
