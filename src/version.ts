/** Product and prompt versions, recorded in run.json and on every QA record. */
export const VERSION = "0.1.0";
/** Bump when any prompt's wording changes: records carry it so datasets stay comparable. */
export const PROMPT_VERSION = "wsrl-p3";
