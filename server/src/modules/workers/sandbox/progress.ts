import { StringDecoder } from 'node:string_decoder';

const PROGRESS = /^::progress[ \t]+([+-]?\d+(?:\.\d+)?)(?:[ \t]+(.*))?$/;

/** `::progress 42 message` → {percent: 42, message}; the percent is clamped to 0–100. Null if not a progress line. */
export function parseProgressLine(line: string): { percent: number; message: string } | null {
  const match = PROGRESS.exec(line.replace(/\r$/, ''));
  if (!match) return null;
  const percent = Math.min(100, Math.max(0, Number(match[1])));
  return { percent, message: (match[2] ?? '').trim() };
}

/**
 * Splits a byte stream into lines. Lines longer than maxLineChars are dropped whole (a progress line is
 * short; this keeps memory bounded whatever the command prints).
 */
export class LineSplitter {
  private readonly decoder = new StringDecoder('utf8');
  private buffer = '';
  private overflowing = false;

  constructor(
    private readonly onLine: (line: string) => void,
    private readonly maxLineChars = 4096,
  ) {}

  push(chunk: Buffer): void {
    this.feed(this.decoder.write(chunk));
  }

  end(): void {
    this.feed(this.decoder.end());
    if (!this.overflowing && this.buffer) this.onLine(this.buffer);
    this.buffer = '';
  }

  private feed(text: string): void {
    let start = 0;
    for (let nl = text.indexOf('\n'); nl !== -1; nl = text.indexOf('\n', start)) {
      const piece = text.slice(start, nl);
      if (!this.overflowing && this.buffer.length + piece.length <= this.maxLineChars) this.onLine(this.buffer + piece);
      this.buffer = '';
      this.overflowing = false;
      start = nl + 1;
    }
    if (this.overflowing) return;
    this.buffer += text.slice(start);
    if (this.buffer.length > this.maxLineChars) {
      this.buffer = '';
      this.overflowing = true;
    }
  }
}
