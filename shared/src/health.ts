import { z } from 'zod';

/** Process figures for operators and the benchmark (`GET /v1/health?verbose=true`). */
export const RuntimeFigures = z.object({
  rss_bytes: z.number().int(),
  heap_used_bytes: z.number().int(),
  uptime_s: z.number(),
  /** Event-loop delay over the last completed sampling interval, in ms. */
  event_loop_delay_ms: z.object({ p50: z.number(), p99: z.number(), max: z.number() }),
  /** Length of that interval, in ms. */
  interval_ms: z.number().int(),
});
export type RuntimeFigures = z.infer<typeof RuntimeFigures>;

export const Health = z.object({
  status: z.enum(['ok', 'degraded']),
  db: z.enum(['up', 'down']),
  scheduler: z.enum(['running', 'stopped']),
  runtime: RuntimeFigures.optional(),
});
export type Health = z.infer<typeof Health>;
