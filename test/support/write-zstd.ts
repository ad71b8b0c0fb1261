/**
 * A minimal, valid Zstandard frame writer for tests on machines without the `zstd`
 * program: the content is stored in raw (uncompressed) blocks, which every decoder
 * must accept. Not compression, just the container format (RFC 8878).
 */
const MAGIC = [0x28, 0xb5, 0x2f, 0xfd];
// Window_Descriptor exponent 7 → window 2^(10+7) = 128 KiB, the largest block size.
const WINDOW_DESCRIPTOR = 7 << 3;
const MAX_BLOCK = 128 * 1024;

export function zstdRawFrame(content: Uint8Array): Uint8Array {
  const blockCount = Math.max(1, Math.ceil(content.length / MAX_BLOCK));
  const out = new Uint8Array(4 + 2 + blockCount * 3 + content.length);
  out.set(MAGIC, 0);
  out[4] = 0x00; // Frame_Header_Descriptor: no content size, windowed, no checksum, no dictionary
  out[5] = WINDOW_DESCRIPTOR;
  let at = 6;
  for (let b = 0; b < blockCount; b++) {
    const start = b * MAX_BLOCK;
    const size = Math.min(MAX_BLOCK, content.length - start);
    const last = b === blockCount - 1 ? 1 : 0;
    // Block_Header: Last_Block bit, Block_Type 0 (raw) in bits 1-2, Block_Size in bits 3-23.
    const header = last | (0 << 1) | (size << 3);
    out[at++] = header & 0xff;
    out[at++] = (header >> 8) & 0xff;
    out[at++] = (header >> 16) & 0xff;
    out.set(content.subarray(start, start + size), at);
    at += size;
  }
  return out;
}
