/**
 * What went wrong with a model server, as one line that says what to do. Used where a
 * failure stops everything: the start-up check, and model discovery.
 */
import type { Failure } from "./retry.js";

/** The settings a fix names: the run's by default; the reward judge has its own flags. */
export interface FixFlags {
  apiKey: string;
  baseUrl: string;
  model: string;
  timeout: string;
}

export const RUN_FLAGS: FixFlags = { apiKey: "--api-key or OPENAI_API_KEY", baseUrl: "--base-url / OPENAI_BASE_URL", model: "--model", timeout: "--timeout" };

/** `doing`: what the request was for, e.g. "listing its models". */
export function serverProblem(f: Failure, endpoint: string, doing: string, flags: FixFlags = RUN_FLAGS): string {
  const said = f.message ? `: ${f.message}` : "";
  const server = `the model server at ${endpoint}`;
  const baseUrlFlag = flags.baseUrl.split(" ")[0];
  if (f.status === 401) return `${server} rejected the API key (HTTP 401 ${doing}${said}): give the right key with ${flags.apiKey}`;
  if (f.status === 403) return `${server} refused access (HTTP 403 ${doing}${said}): this API key may not use it; give a key that may (${flags.apiKey})`;
  if (f.status === 404) return `${server} has no such route (HTTP 404 ${doing}${said}): check ${baseUrlFlag}; it usually ends in /v1, e.g. http://host:8000/v1`;
  if (f.status !== undefined) return `${server} answered HTTP ${f.status} ${doing}${said}: check the server, then rerun`;
  if (f.timeout) return `${server} did not answer in time (${doing}): check that it is up and reachable, or raise ${flags.timeout}`;
  return `cannot reach ${server} (${f.message}): start the server, or fix ${flags.baseUrl}`;
}

/** A configured model the server does not list. */
export function unknownModel(model: string, endpoint: string, served: string[], usedBy: string, flags: FixFlags = RUN_FLAGS): string {
  const list = served.slice(0, 8).join(", ") + (served.length > 8 ? `, … (${served.length} in all)` : "");
  return `the model server at ${endpoint} does not serve the model "${model}" (${usedBy}); it serves: ${list}: pass ${flags.model} with one of these, or fix the name in the config`;
}
