import type { RuntimeFigures } from '@crony/shared';
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';

/**
 * Event-loop delay and memory of this process, for `GET /v1/health?verbose=true`. The delay
 * histogram is rotated every `intervalMs` so a reader sees the recent past (a stall during
 * start-up does not stay in the figures forever) without the read itself resetting anything.
 */
export class RuntimeMonitor {
  private readonly histogram: IntervalHistogram;
  private readonly timer: NodeJS.Timeout;
  private last: RuntimeFigures['event_loop_delay_ms'] = { p50: 0, p99: 0, max: 0 };

  /** @param intervalMs length of one sampling interval, in ms (default 5000). */
  constructor(private readonly intervalMs = 5000) {
    // 10 ms resolution is enough to see a scheduler that stalls the loop; finer costs CPU.
    this.histogram = monitorEventLoopDelay({ resolution: 10 });
    this.histogram.enable();
    this.timer = setInterval(() => this.rotate(), intervalMs);
    this.timer.unref();
  }

  figures(): RuntimeFigures {
    const mem = process.memoryUsage();
    return {
      rss_bytes: mem.rss,
      heap_used_bytes: mem.heapUsed,
      uptime_s: Math.round(process.uptime()),
      event_loop_delay_ms: this.last,
      interval_ms: this.intervalMs,
    };
  }

  stop(): void {
    clearInterval(this.timer);
    this.histogram.disable();
  }

  private rotate(): void {
    const ms = (ns: number) => Math.round(ns / 1e4) / 100;
    // The histogram counts the sampling resolution into every value; take it out.
    const resolutionNs = 10e6;
    const h = this.histogram;
    this.last =
      h.count === 0
        ? { p50: 0, p99: 0, max: 0 }
        : {
            p50: ms(Math.max(0, h.percentile(50) - resolutionNs)),
            p99: ms(Math.max(0, h.percentile(99) - resolutionNs)),
            max: ms(Math.max(0, h.max - resolutionNs)),
          };
    h.reset();
  }
}
