/** The config as written to run.json: API keys replaced, never stored; input URLs without their query (a presigned URL's signature). */
import type { RunConfig } from "./schema.js";
import { displayUrl } from "../io/remote/location.js";

export function redactConfig(config: RunConfig): RunConfig {
  const copy = structuredClone(config);
  const hide = (s: { apiKey?: string }) => {
    if (s.apiKey) s.apiKey = "<redacted>";
  };
  copy.inputs = copy.inputs.map(displayUrl);
  hide(copy.llm.defaults);
  for (const s of Object.values(copy.llm.stages)) hide(s);
  return copy;
}

/** Removes every occurrence of the given secrets from a message. */
export function scrubSecrets(message: string, secrets: (string | undefined)[]): string {
  let out = message;
  for (const s of secrets) if (s && s.length >= 4) out = out.split(s).join("<redacted>");
  return out;
}
