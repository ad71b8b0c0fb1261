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

/** The instruction lines the default template adds around the question. */
const [TEMPLATE_BEFORE, TEMPLATE_AFTER] = DEFAULT_POLICY_TEMPLATE.split("{question}").map((s) => s.trim());

/**
 * The question without the default template's answer instructions, for rules that read the
 * question (the reward's order and precision words): "step by step" is the template's, not the
 * question's. Text without the instructions is returned as it is.
 */
export function stripPolicyInstructions(text: string): string {
  let t = text;
  if (TEMPLATE_AFTER && t.includes(TEMPLATE_AFTER)) t = t.split(TEMPLATE_AFTER).join(" ");
  if (TEMPLATE_BEFORE && t.includes(TEMPLATE_BEFORE)) t = t.split(TEMPLATE_BEFORE).join(" ");
  return t;
}
