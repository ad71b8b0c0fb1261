/**
 * What went wrong with a model server, as one line that says what to do. Used where a
 * failure stops everything: the start-up check, and model discovery.
 */
import type { Failure } from "./retry.js";

/** `doing`: what the request was for, e.g. "listing its models". */
export function serverProblem(f: Failure, endpoint: string, doing: string): string {
  const said = f.message ? `: ${f.message}` : "";
  const server = `the model server at ${endpoint}`;
  if (f.status === 401) return `${server} rejected the API key (HTTP 401 ${doing}${said}): give the right key with --api-key or OPENAI_API_KEY`;
  if (f.status === 403) return `${server} refused access (HTTP 403 ${doing}${said}): this API key may not use it; give a key that may (--api-key or OPENAI_API_KEY)`;
  if (f.status === 404) return `${server} has no such route (HTTP 404 ${doing}${said}): check --base-url; it usually ends in /v1, e.g. http://host:8000/v1`;
  if (f.status !== undefined) return `${server} answered HTTP ${f.status} ${doing}${said}: check the server, then rerun`;
  if (f.timeout) return `${server} did not answer in time (${doing}): check that it is up and reachable, or raise --timeout`;
  return `cannot reach ${server} (${f.message}): start the server, or fix --base-url / OPENAI_BASE_URL`;
}

/** A configured model the server does not list. */
export function unknownModel(model: string, endpoint: string, served: string[], usedBy: string): string {
  const list = served.slice(0, 8).join(", ") + (served.length > 8 ? `, … (${served.length} in all)` : "");
  return `the model server at ${endpoint} does not serve the model "${model}" (${usedBy}); it serves: ${list}: pass --model with one of these, or fix the name in the config`;
}
