/**
 * Replies of typical size for every stage schema, for `webscale-rl estimate`'s dry client: it
 * answers each request the pipeline would send with one of these, so the stages go on to their
 * next call exactly as in a run, and the reply's size is what a completion of that stage
 * typically costs. Every verdict passes (qualified, correct, answerable): the estimate measures
 * the cost of each call on the way through, and the pass rates (funnel.ts) then say how many of
 * those calls a run makes.
 *
 * The texts are our own, written to the lengths the handbook asks for (a one-sentence reason,
 * a role of a few words, a question that states its facts, a short answer, a verifier that
 * quotes its evidence and writes notes) and shaped to pass the deterministic pair guards
 * (src/quality/guards.ts) and the same-document duplicate check, so every pair reaches the
 * verifier and the judge. Ten of each: `--personas` is at most 10.
 */

const ROLES: [string, string][] = [
  ["curious general reader", "the main facts in plain terms"],
  ["specialist practitioner", "the figures that matter in practice"],
  ["student writing a report", "dates and names to cite"],
  ["local journalist", "what changed and who decided it"],
  ["small business owner", "costs and deadlines that apply"],
  ["secondary school teacher", "a worked example for a lesson"],
  ["policy analyst", "the trend behind the numbers"],
  ["retired engineer", "how the design was built"],
  ["visiting tourist", "opening times and prices"],
  ["hobbyist researcher", "the record and how it was measured"],
];

/** Questions that state what the answer depends on (docs/method.md), each on its own point, with short answers of several kinds. */
const PAIRS: { question: string; answer: string; answer_type: "number" | "entity" | "date" | "short_phrase"; aliases: string[] }[] = [
  { question: "A council budget of 48.2 million pounds rises by 3.5 percent for the next year: what is the new budget, in millions of pounds, to one decimal place?", answer: "49.9", answer_type: "number", aliases: [] },
  { question: "In photosynthesis, which gas do plants release as a by-product when the light-dependent reactions split water molecules?", answer: "oxygen", answer_type: "entity", aliases: ["O2"] },
  { question: "A wrought-iron footbridge opened in 1889 and was fully restored 112 years later: in which year did the restoration finish?", answer: "2001", answer_type: "number", aliases: [] },
  { question: "Which Python standard-library class counts hashable items and returns the most frequent ones with a single method call named most_common?", answer: "collections.Counter", answer_type: "entity", aliases: ["Counter"] },
  { question: "A heat pump with a seasonal coefficient of performance of 3.8 delivers 11,400 kWh of heat a year: how many kWh of electricity does it use?", answer: "3000", answer_type: "number", aliases: ["3,000"] },
  { question: "Spring tides happen when the Sun, Moon and Earth line up: at which two phases of the Moon does this alignment occur each month?", answer: "new and full moon", answer_type: "short_phrase", aliases: [] },
  { question: "A regional survey found that the share of commuters cycling grew from 4 percent to 7 percent over a decade: by how many percentage points did it grow?", answer: "3", answer_type: "number", aliases: [] },
  { question: "Which SQL window function returns the value of a column from the previous row of the same partition, given the ordering of the window?", answer: "LAG", answer_type: "entity", aliases: [] },
  { question: "A theatre has 20 rows, with 12 seats in the first row and 2 more seats in each following row: how many seats does it have in total?", answer: "620", answer_type: "number", aliases: [] },
  { question: "On what date did the Apollo 11 lunar module land on the Moon, carrying Neil Armstrong and Buzz Aldrin to the Sea of Tranquility?", answer: "20 July 1969", answer_type: "date", aliases: ["July 20, 1969"] },
];

const at = <T>(list: T[], i: number): T => list[i % list.length]!;

export function typicalPersonas(n: number): { role: string; wants: string }[] {
  return Array.from({ length: n }, (_, i) => ({ role: at(ROLES, i)[0], wants: at(ROLES, i)[1] }));
}

export function typicalPair(i: number) {
  const p = at(PAIRS, i);
  return { question: p.question, answer: p.answer, answer_type: p.answer_type, aliases: p.aliases };
}

export function typicalVerdict(i: number) {
  const p = at(PAIRS, i);
  return {
    evidence: "The figures quoted in the question appear in the second paragraph, in the sentence that gives the total and the change.",
    own_answer: p.answer,
    notes: "The proposed answer matches mine; no other answer fits the stated facts; the question gives the facts without the answer and names the unit.",
    correct: true,
    grounded: true,
    unique: true,
    self_contained: true,
    leakage: false,
    confirmed_aliases: p.aliases,
  };
}

export const TYPICAL_ANSWERABLE = { needs: "nothing", answerable: true };
export const TYPICAL_FILTER = { qualified: true, reason: "Informative, self-contained text with concrete figures that support a checkable question." };

const keyed = <T>(prefix: string, n: number, item: (i: number) => T) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`${prefix}${i + 1}`, item(i)]));

export interface ReplyContext {
  /** Items the reply holds (personas, pairs or questions), as the stage asked for them. */
  items: number;
  /** For a paper-plan write call: which persona it writes for (0-based). */
  persona: number;
  /** The domain to classify the document into. */
  domain: string;
}

/** A typical reply for a schema name of the pipeline's stages; undefined for a schema it does not know. */
export function typicalReply(schemaName: string, c: ReplyContext): unknown {
  switch (schemaName) {
    case "filter_verdict":
      return TYPICAL_FILTER;
    case "identify_result":
      return { domain: c.domain, personas: typicalPersonas(c.items) };
    case "filter_identify_result":
      return { ...TYPICAL_FILTER, domain: c.domain, personas: typicalPersonas(c.items) };
    case "generated_pair":
      return typicalPair(c.persona);
    case "generated_pairs":
      return keyed("P", c.items, typicalPair);
    case "check_verdict":
      return typicalVerdict(c.persona);
    case "check_verdicts":
      return keyed("Q", c.items, typicalVerdict);
    case "answerable_verdict":
      return TYPICAL_ANSWERABLE;
    case "answerable_verdicts":
      return keyed("Q", c.items, () => TYPICAL_ANSWERABLE);
    default:
      return undefined;
  }
}
