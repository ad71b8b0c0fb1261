/**
 * The chat messages given to the policy for one question: an optional system message,
 * then the user turn rendered from the prompt template. The default template asks for
 * the final answer between the tags the reward service extracts (src/policy-format.ts).
 */
import { readFile } from "node:fs/promises";
import { DEFAULT_POLICY_TEMPLATE, renderPolicyPrompt } from "../policy-format.js";

export interface ChatMessage {
  role: "system" | "user";
  content: string;
}

export interface PolicyPrompt {
  template: string;
  systemPrompt?: string;
}

/** A flag value that is either the text itself or `@path` to a file holding it. */
export async function textOrFile(raw: string, flag: string): Promise<string> {
  if (!raw.startsWith("@")) return raw;
  const path = raw.slice(1);
  try {
    return (await readFile(path, "utf8")).replace(/\r?\n$/, "");
  } catch (e) {
    throw new Error(`${flag} @${path}: cannot read the file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
}

export async function resolvePolicyPrompt(template?: string, systemPrompt?: string): Promise<PolicyPrompt> {
  const t = template === undefined ? DEFAULT_POLICY_TEMPLATE : await textOrFile(template, "--prompt-template");
  if (t.trim() === "") throw new Error("--prompt-template is empty: give a template containing {question}, or leave the flag out for the default");
  const s = systemPrompt === undefined ? undefined : await textOrFile(systemPrompt, "--system-prompt");
  return { template: t, systemPrompt: s && s.trim() !== "" ? s : undefined };
}

export function policyMessages(prompt: PolicyPrompt, question: string): ChatMessage[] {
  const user: ChatMessage = { role: "user", content: renderPolicyPrompt(prompt.template, question) };
  return prompt.systemPrompt ? [{ role: "system", content: prompt.systemPrompt }, user] : [user];
}
