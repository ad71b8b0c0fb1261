/** A short, single-line description of an error for a rejection's `detail`. */
export function errorDetail(err: unknown): string {
  const e = err as { code?: unknown; message?: unknown };
  const message = typeof e?.message === "string" ? e.message : String(err);
  const code = typeof e?.code === "string" && !message.includes(e.code) ? `${e.code}: ` : "";
  const oneLine = (code + message).replace(/\s+/g, " ").trim();
  return oneLine.length > 300 ? oneLine.slice(0, 297) + "..." : oneLine;
}
