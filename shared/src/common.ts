import { z } from 'zod';

/** A 24-hex-digit object id as the API returns it. */
export const Id = z.string().regex(/^[0-9a-f]{24}$/, 'must be a 24-character hex id');

export const IsoDateTime = z.iso.datetime({ offset: true });

/** Cursor pagination: `limit` items, then pass `next_cursor` back as `cursor`. */
export const PageQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(200).optional(),
});

export function page<T extends z.ZodType>(item: T) {
  return z.object({ data: z.array(item), next_cursor: z.string().nullable() });
}

/** True when `tz` is an IANA time zone the runtime knows (works in Node and browsers). */
export function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

export const TimeZone = z
  .string()
  .min(1)
  .max(64)
  .refine(isTimeZone, 'must be an IANA time zone such as "UTC" or "Europe/Berlin"');
