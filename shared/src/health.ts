import { z } from 'zod';

export const Health = z.object({
  status: z.enum(['ok', 'degraded']),
  db: z.enum(['up', 'down']),
  scheduler: z.enum(['running', 'stopped']),
});
export type Health = z.infer<typeof Health>;
