/** The config as written to run.json: API keys replaced, never stored; secrets in URLs hidden; input URLs without their query (a presigned URL's signature). */
import type { RunConfig } from "./schema.js";
import { displayUrl } from "../io/remote/location.js";

export const REDACTED = "<redacted>";

/** Query parameters that are known to hold no secret; every other value is hidden. */
const HARMLESS_PARAMS = new Set(["api-version", "api_version", "version", "format"]);

/**
 * A URL safe to write anywhere (run.json, logs, errors, stats): the user-info
 * (`user:password@`) and the value of every query parameter except a few harmless ones
 * (`?api-key=…`, `?token=…`, `?sig=…`) replaced by `<redacted>`. Text that is not a URL is
 * returned with anything shaped like user-info or a query value hidden.
 */
export function redactUrl(url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return url.replace(/\/\/[^/@\s]*@/, `//${REDACTED}@`).replace(/([?&][^=&#\s]+)=[^&#\s]*/g, `$1=${REDACTED}`);
  }
  if (u.username || u.password) {
    u.username = REDACTED;
    u.password = "";
  }
  if (u.search) {
    const kept = new URLSearchParams();
    for (const [k, v] of u.searchParams) kept.append(k, HARMLESS_PARAMS.has(k.toLowerCase()) ? v : REDACTED);
    u.search = kept.toString();
  }
  // URL and URLSearchParams percent-encode the angle brackets; keep the marker readable.
  return u.toString().replace(/%3Credacted%3E/gi, REDACTED);
}

/** Redacts every URL found in a free text (a log line, an error message). */
export function redactUrlsIn(text: string): string {
  return text.replace(/\bhttps?:\/\/[^\s"'<>)]+/g, (m) => {
    // Punctuation that ends a sentence is not part of the URL.
    const tail = /[.,:;]+$/.exec(m)?.[0] ?? "";
    return redactUrl(m.slice(0, m.length - tail.length)) + tail;
  });
}

export function redactConfig(config: RunConfig): RunConfig {
  const copy = structuredClone(config);
  const hide = (s: { apiKey?: string; baseUrl?: string[] }) => {
    if (s.apiKey) s.apiKey = REDACTED;
    if (s.baseUrl) s.baseUrl = s.baseUrl.map(redactUrl);
  };
  copy.inputs = copy.inputs.map(displayUrl);
  hide(copy.llm.defaults);
  for (const s of Object.values(copy.llm.stages)) hide(s);
  return copy;
}

/** Removes every occurrence of the given secrets from a message. */
export function scrubSecrets(message: string, secrets: (string | undefined)[]): string {
  let out = message;
  for (const s of secrets) if (s && s.length >= 4) out = out.split(s).join(REDACTED);
  return out;
}
