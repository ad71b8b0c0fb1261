/**
 * Word lists the text rules consult, in the folded, plural-stripped form of `stem()`: words whose
 * presence on one side only changes what an answer says (negations, polarity and quantity words,
 * ordinals), and pairs of opposites. Kept in one place so the guard and the list rule agree.
 */

export const NEGATIONS = new Set([
  "not", "no", "never", "neither", "nor", "none", "isnt", "wasnt", "arent", "werent", "doesnt", "didnt", "dont",
  "cannot", "cant", "wont", "nothing", "nobody", "without", "lack", "lacking", "absent", "non",
]);

/** Opposites: a swap of one for the other flips the answer ("higher" / "lower"). */
const ANTONYM_PAIRS: Array<[string, string]> = [
  ["higher", "lower"], ["high", "low"], ["more", "less"], ["more", "fewer"], ["most", "least"], ["greater", "smaller"],
  ["greater", "less"], ["larger", "smaller"], ["bigger", "smaller"], ["large", "small"], ["big", "small"],
  ["increase", "decrease"], ["increased", "decreased"], ["increasing", "decreasing"], ["rise", "fall"], ["rising", "falling"],
  ["rose", "fell"], ["gain", "loss"], ["gain", "lose"], ["win", "lose"], ["won", "lost"], ["with", "without"],
  ["east", "west"], ["eastern", "western"], ["eastward", "westward"], ["north", "south"], ["northern", "southern"],
  ["northward", "southward"], ["left", "right"], ["before", "after"], ["earlier", "later"], ["early", "late"],
  ["above", "below"], ["over", "under"], ["up", "down"], ["upper", "lower"], ["inside", "outside"], ["inner", "outer"],
  ["internal", "external"], ["in", "out"], ["into", "out"], ["on", "off"], ["open", "closed"], ["open", "close"],
  ["hot", "cold"], ["warm", "cool"], ["warmer", "cooler"], ["hotter", "colder"], ["heat", "cold"], ["wet", "dry"],
  ["fast", "slow"], ["faster", "slower"], ["long", "short"], ["longer", "shorter"], ["heavy", "light"], ["heavier", "lighter"],
  ["strong", "weak"], ["stronger", "weaker"], ["positive", "negative"], ["maximum", "minimum"], ["max", "min"],
  ["first", "last"], ["true", "false"], ["yes", "no"], ["correct", "incorrect"], ["right", "wrong"], ["accept", "reject"],
  ["accepted", "rejected"], ["allow", "forbid"], ["allowed", "forbidden"], ["legal", "illegal"], ["import", "export"],
  ["imports", "exports"], ["input", "output"], ["buy", "sell"], ["buyer", "seller"], ["lend", "borrow"], ["debit", "credit"],
  ["profit", "loss"], ["surplus", "deficit"], ["asset", "liability"], ["inflation", "deflation"], ["expand", "contract"],
  ["expansion", "contraction"], ["exothermic", "endothermic"], ["acid", "base"], ["acidic", "basic"], ["acidic", "alkaline"],
  ["oxidation", "reduction"], ["oxidize", "reduce"], ["anode", "cathode"], ["cation", "anion"], ["agonist", "antagonist"],
  ["activate", "inhibit"], ["activation", "inhibition"], ["activator", "inhibitor"], ["excitatory", "inhibitory"],
  ["dominant", "recessive"], ["benign", "malignant"], ["acute", "chronic"], ["hypertension", "hypotension"],
  ["hyperthyroidism", "hypothyroidism"], ["hyper", "hypo"], ["aerobic", "anaerobic"], ["male", "female"],
  ["plant", "animal"], ["predator", "prey"], ["host", "parasite"], ["major", "minor"], ["majority", "minority"],
  ["maximize", "minimize"], ["ascending", "descending"], ["clockwise", "counterclockwise"], ["clockwise", "anticlockwise"],
  ["convex", "concave"], ["parallel", "perpendicular"], ["parallel", "series"], ["synchronous", "asynchronous"],
  ["analog", "digital"], ["static", "dynamic"], ["public", "private"], ["urban", "rural"], ["domestic", "foreign"],
  ["rich", "poor"], ["wealthy", "poor"], ["supply", "demand"], ["import", "domestic"], ["offense", "defense"],
  ["attack", "defense"], ["victory", "defeat"], ["ally", "enemy"], ["union", "confederate"], ["allied", "axis"],
  ["liberal", "conservative"], ["democrat", "republican"], ["federal", "state"], ["upstream", "downstream"],
  ["uphill", "downhill"], ["sunrise", "sunset"], ["dawn", "dusk"], ["summer", "winter"], ["spring", "autumn"],
  ["spring", "fall"], ["day", "night"], ["am", "pm"], ["bc", "ad"], ["bce", "ce"], ["birth", "death"], ["born", "died"],
  ["start", "end"], ["begin", "end"], ["beginning", "end"], ["entry", "exit"], ["arrival", "departure"], ["push", "pull"],
  ["attract", "repel"], ["attraction", "repulsion"], ["absorb", "emit"], ["absorption", "emission"], ["gain", "drop"],
  ["increase", "drop"], ["increase", "reduction"], ["raise", "lower"], ["add", "remove"], ["addition", "removal"],
  ["present", "absent"], ["presence", "absence"], ["include", "exclude"], ["including", "excluding"], ["always", "never"],
  ["all", "none"], ["all", "some"], ["many", "few"], ["often", "rarely"], ["usually", "rarely"], ["success", "failure"],
  ["pass", "fail"], ["safe", "unsafe"], ["stable", "unstable"], ["visible", "invisible"], ["possible", "impossible"],
  ["soluble", "insoluble"], ["conductor", "insulator"], ["direct", "indirect"], ["direct", "alternating"],
  ["voluntary", "involuntary"], ["sympathetic", "parasympathetic"], ["systolic", "diastolic"], ["arterial", "venous"],
  ["artery", "vein"], ["afferent", "efferent"], ["anterior", "posterior"], ["superior", "inferior"], ["proximal", "distal"],
  ["medial", "lateral"], ["dorsal", "ventral"], ["flexion", "extension"], ["sink", "source"], ["input", "output"],
];

const ANTONYMS = new Map<string, Set<string>>();
for (const [a, b] of ANTONYM_PAIRS) {
  for (const [x, y] of [[a, b], [b, a]]) {
    const s = ANTONYMS.get(x) ?? new Set<string>();
    s.add(y);
    ANTONYMS.set(x, s);
  }
}

const NEGATING_PREFIXES = ["un", "in", "im", "il", "ir", "non", "dis", "anti", "de", "a", "counter", "mis"];

/** One word is the opposite of the other, by the table or by a negating prefix ("stable" / "unstable"). */
export function areOpposites(a: string, b: string): boolean {
  if (ANTONYMS.get(a)?.has(b)) return true;
  const [short, long] = a.length <= b.length ? [a, b] : [b, a];
  if (short.length < 3) return false;
  for (const p of NEGATING_PREFIXES) if (long === p + short || long === `${p}-${short}`) return true;
  return false;
}

/**
 * Words whose addition on one side changes the answer even when everything else is shared:
 * comparison, quantity, frequency, position and time words.
 */
// Plain prepositions are left out: "signed in 1919" says what "signed 1919" says.
const NEUTRAL = new Set(["in", "on", "into", "with", "at", "am"]);
export const POLARITY_WORDS = new Set([
  ...[...ANTONYMS.keys()].filter((w) => !NEUTRAL.has(w)),
  "only", "every", "each", "both", "either", "any", "some", "much", "many", "few", "little", "several", "most", "least",
  "sometimes", "often", "rarely", "seldom", "usually", "mostly", "partly", "partially", "fully", "completely", "entirely",
  "nearly", "almost", "barely", "hardly", "except", "excluding", "besides", "instead", "than", "too", "enough",
  "half", "double", "twice", "triple", "quarter", "per", "percent", "former", "latter", "previous", "next", "ex",
  "pre", "post", "anti", "pro", "semi", "sub", "super", "over", "under", "non", "mid", "late", "early", "new", "old",
  "may", "might", "can", "could", "must", "should", "would", "will", "shall", "minus", "plusminus",
]);

const ORDINAL_WORDS = new Set([
  "first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth", "eleventh", "twelfth",
  "thirteenth", "fourteenth", "fifteenth", "sixteenth", "seventeenth", "eighteenth", "nineteenth", "twentieth",
  "thirtieth", "fortieth", "fiftieth", "hundredth", "thousandth", "last",
  "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve",
]);

export function isOrdinalOrNumberWord(w: string): boolean {
  return ORDINAL_WORDS.has(w);
}

const ROMAN = /^(?=[IVXLC]+$)(?:XC|XL|L?X{0,3})(?:IX|IV|V?I{0,3})$/;

/** Roman numerals written in capitals in a name ("Henry VIII", "World War II"), lower-cased. */
export function romanNumerals(raw: string): Set<string> {
  const out = new Set<string>();
  if (!/[IVX]/.test(raw)) return out;
  for (const w of raw.split(/[^\p{L}\p{N}]+/u)) if (w !== "" && ROMAN.test(w) && !(w === "I" && /\bI\s+(?:am|was|think|believe)\b/.test(raw))) out.add(w.toLowerCase());
  return out;
}
