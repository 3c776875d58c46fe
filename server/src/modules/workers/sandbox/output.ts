import { StringDecoder } from 'node:string_decoder';

export type Stream = 'stdout' | 'stderr';

export function truncationMarker(capBytes: number): string {
  return `\n…[output truncated at ${capBytes} bytes]\n`;
}

/**
 * Keeps the first capBytes of stdout+stderr together (in arrival order), then appends a marker to the
 * stream that crossed the cap and drops the rest while the pipes keep being drained.
 */
export class CappedOutput {
  private used = 0;
  private truncated = false;
  private readonly text: Record<Stream, string> = { stdout: '', stderr: '' };
  private readonly decoders: Record<Stream, StringDecoder> = {
    stdout: new StringDecoder('utf8'),
    stderr: new StringDecoder('utf8'),
  };

  constructor(
    private readonly capBytes: number,
    private readonly onOutput?: (stream: Stream, text: string) => void,
  ) {}

  push(stream: Stream, chunk: Buffer): void {
    if (this.truncated) return;
    const room = this.capBytes - this.used;
    if (chunk.length <= room) {
      this.used += chunk.length;
      this.emit(stream, this.decoders[stream].write(chunk));
      return;
    }
    this.used = this.capBytes;
    this.truncated = true;
    // A character cut in half at the cap stays in the decoder and is never emitted.
    this.emit(stream, this.decoders[stream].write(chunk.subarray(0, room)) + truncationMarker(this.capBytes));
  }

  finish(): { stdout: string; stderr: string; truncated: boolean } {
    if (!this.truncated) {
      for (const stream of ['stdout', 'stderr'] as const) this.emit(stream, this.decoders[stream].end());
    }
    return { stdout: this.text.stdout, stderr: this.text.stderr, truncated: this.truncated };
  }

  private emit(stream: Stream, text: string): void {
    if (!text) return;
    this.text[stream] += text;
    if (this.onOutput) {
      try {
        this.onOutput(stream, text);
      } catch {
        // A failing log tail must not break the run.
      }
    }
  }
}
