/**
 * How the policy is asked to answer during RL, shared by export (which writes the prompt)
 * and the reward service (which extracts the final answer from the policy's reply).
 */
export const ANSWER_OPEN = "<answer>";
export const ANSWER_CLOSE = "</answer>";

/** `{question}` is replaced by the question. */
export const DEFAULT_POLICY_TEMPLATE =
  "{question}\n\nThink it through step by step. Then give only your final answer, short, between " +
  `${ANSWER_OPEN} and ${ANSWER_CLOSE} tags on the last line, e.g. ${ANSWER_OPEN}42${ANSWER_CLOSE}.`;

export function renderPolicyPrompt(template: string, question: string): string {
  return template.includes("{question}") ? template.split("{question}").join(question) : `${template}\n\n${question}`;
}
