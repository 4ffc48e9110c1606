/** Longest content of one log line; a longer line is split into partial (P) lines. */
export const MAX_LINE_BYTES = 16 * 1024;

const encoder = new TextEncoder();

/** RFC 3339 with nanoseconds, as kubelet's parser expects (`2016-10-06T00:17:09.669794202Z`). */
export function rfc3339Nano(date: Date, nanos = 0): string {
  const iso = date.toISOString(); // ...T00:17:09.669Z
  const frac = String(date.getUTCMilliseconds() * 1_000_000 + nanos).padStart(9, "0");
  return `${iso.slice(0, 19)}.${frac}Z`;
}

/**
 * Turns one stream's output into CRI log lines (`<time> <stream> <P|F> <content>\n`):
 * full lines are F; a line still open is held until its newline comes, or written as P
 * when it outgrows MAX_LINE_BYTES or the stream ends.
 */
export class CriLogLines {
  #held: Uint8Array[] = [];
  #heldBytes = 0;

  constructor(readonly stream: "stdout" | "stderr", private readonly now = () => new Date()) {}

  /** Bytes pushed but not written yet (an open line). */
  get heldBytes(): number {
    return this.#heldBytes;
  }

  /** The lines `chunk` completes (as bytes to append to the file). */
  push(chunk: Uint8Array): Uint8Array[] {
    const out: Uint8Array[] = [];
    let start = 0;
    for (let i = 0; i < chunk.length; i++) {
      if (chunk[i] !== 0x0a) continue;
      this.#hold(chunk.subarray(start, i), out);
      out.push(this.#line("F", this.#take()));
      start = i + 1;
    }
    if (start < chunk.length) this.#hold(chunk.subarray(start), out);
    return out;
  }

  /** What is still held, as a partial line (the stream ended without a newline). */
  end(): Uint8Array[] {
    return this.#heldBytes > 0 ? [this.#line("P", this.#take())] : [];
  }

  #hold(part: Uint8Array, out: Uint8Array[]): void {
    while (this.#heldBytes + part.length > MAX_LINE_BYTES) {
      const room = MAX_LINE_BYTES - this.#heldBytes;
      this.#held.push(part.subarray(0, room));
      this.#heldBytes += room;
      out.push(this.#line("P", this.#take()));
      part = part.subarray(room);
    }
    if (part.length) {
      this.#held.push(part);
      this.#heldBytes += part.length;
    }
  }

  #take(): Uint8Array {
    const content = new Uint8Array(this.#heldBytes);
    let at = 0;
    for (const p of this.#held) {
      content.set(p, at);
      at += p.length;
    }
    this.#held = [];
    this.#heldBytes = 0;
    return content;
  }

  #line(tag: "P" | "F", content: Uint8Array): Uint8Array {
    const head = encoder.encode(`${rfc3339Nano(this.now())} ${this.stream} ${tag} `);
    const line = new Uint8Array(head.length + content.length + 1);
    line.set(head);
    line.set(content, head.length);
    line[line.length - 1] = 0x0a;
    return line;
  }
}
