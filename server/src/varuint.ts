/**
 * lib0's varuint (7 bits per byte, low bits first, high bit = more follows), written
 * straight into a Buffer for frames built without a lib0 encoder (rooms/messages.ts,
 * bus/envelope.ts). Exact for any safe integer, as lib0's is.
 */
export function varUintLength(n: number): number {
  let len = 1;
  while (n > 0x7f) {
    n = Math.floor(n / 128);
    len++;
  }
  return len;
}

/** Writes `n` at `at`; returns the offset after it. */
export function writeVarUint(buf: Buffer, at: number, n: number): number {
  while (n > 0x7f) {
    buf[at++] = 0x80 | (n % 128);
    n = Math.floor(n / 128);
  }
  buf[at++] = n;
  return at;
}
