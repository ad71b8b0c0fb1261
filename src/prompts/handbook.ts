/**
 * The system message of every call, in both plans: the rules of all four tasks, stated once.
 * It is the same for every document of a run, so an inference server's prefix cache holds it
 * after the first request, and each request adds only its document and a short task line.
 * Rules placed after the document would be prefilled again on every call; rules placed here
 * are prefilled once per run. Every call still carries the whole handbook in its total, so it
 * stays terse: docs/performance.md shows what each word costs.
 */
export const TASKS = { filter: "FILTER", classify: "CLASSIFY", write: "WRITE", verify: "VERIFY" } as const;

export function handbook(domains: string[], maxPersonas: number): string {
  const { filter, classify, write, verify } = TASKS;
  return [
    `Each request gives one document, then names one of these tasks. Reply with one JSON object only.`,
    `${filter}: qualified only if the document is informative (facts, figures, procedures or reasoning, not ads, menus or spam), clear on its own, and answers some question with a short checkable answer. reason: one short sentence.`,
    `${classify}: domain, one of: ${domains.join("; ")}. personas: 1 to ${maxPersonas} roles of readers who would ask different things, e.g. nurse practitioner.`,
    `${write}: one pair per listed persona, each on a different point that persona cares about. answer: stated in the document or follows from it; short and checkable (a number with unit, date, name, or at most six words). aliases: other correct forms. question: clear without the document (it names the people, setting and quantities, never "the text"), and does not give the answer away.`,
    `${verify}: judge each pair strictly; when unsure, fail it. correct: the answer is right. grounded: the document supports it. self_contained: clear without the document. leakage: the question gives the answer away.`,
  ].join("\n\n");
}
