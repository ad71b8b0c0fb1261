/**
 * Splits a byte stream into text lines with their 1-based physical line numbers.
 * Splitting happens on the newline byte, which never occurs inside a multi-byte UTF-8
 * sequence, so characters cut across chunk boundaries are decoded whole. Each chunk is
 * decoded once and split with String#split (fast), not line by line with a regex.
 */
export interface NumberedLine {
  line: number;
  text: string;
}

const NEWLINE = 0x0a;

/** `linesBefore`: lines that precede the first byte (a reader that starts mid-file numbers on from there). */
export async function* splitLines(chunks: AsyncIterable<Uint8Array>, linesBefore = 0): AsyncGenerator<NumberedLine[]> {
  const decoder = new TextDecoder("utf-8");
  // Bytes after the last newline seen, kept as a list so a very long line is joined once.
  let pending: Uint8Array[] = [];
  let pendingBytes = 0;
  let line = linesBefore;
  for await (const chunk of chunks) {
    const lastNewline = chunk.lastIndexOf(NEWLINE);
    if (lastNewline < 0) {
      pending.push(chunk);
      pendingBytes += chunk.length;
      continue;
    }
    const head = chunk.subarray(0, lastNewline);
    let bytes: Uint8Array = head;
    if (pendingBytes > 0) {
      pending.push(head);
      bytes = concatBytes(pending, pendingBytes + head.length);
    }
    const tail = chunk.subarray(lastNewline + 1);
    pending = tail.length ? [tail] : [];
    pendingBytes = tail.length;
    const texts = decoder.decode(bytes).split("\n");
    const batch: NumberedLine[] = new Array(texts.length);
    for (let i = 0; i < texts.length; i++) batch[i] = { line: ++line, text: stripCr(texts[i]) };
    yield batch;
  }
  // A final line without a newline still counts.
  if (pendingBytes > 0) {
    const text = decoder.decode(concatBytes(pending, pendingBytes));
    yield [{ line: ++line, text: stripCr(text) }];
  }
}

function stripCr(text: string): string {
  return text.charCodeAt(text.length - 1) === 13 ? text.slice(0, -1) : text;
}

function concatBytes(parts: Uint8Array[], total: number): Uint8Array {
  if (parts.length === 1) return parts[0];
  const out = new Uint8Array(total);
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}
