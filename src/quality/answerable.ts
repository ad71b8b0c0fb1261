/**
 * What "answerable" means, stated once. The writer's handbook, the verifier's instructions,
 * the blind answerability judge, the deterministic guards (src/quality) and the docs all use
 * this wording, so the method's central promise has one definition.
 *
 * RL trains a policy that never sees the document: a pair teaches only if the question alone
 * (plus general knowledge and reasoning) leads to exactly one short answer.
 */
export const ANSWERABLE_DEFINITION =
  "A question is answerable when a knowledgeable reader who has never seen the document can reach exactly one short answer from the question alone: " +
  "every fact from the document that the answer depends on (names, setting, figures, conditions) is stated in the question, and nothing refers to unseen material.";

/** The same rule as the writer's to-do list: what a question must do to meet the definition. */
export const ANSWERABLE_HOW =
  "Either state what the answer relies on and ask for a consequence, calculation, comparison or inference, or ask something a well-read person can know.";
