import type { z } from 'zod';
import { fromZod } from './errors.ts';
import type { Request } from 'express';
import { Id } from '@crony/shared';
import { notFound } from './errors.ts';

/** Parses the JSON body with a shared schema; unknown fields and wrong types become a 400. */
export function body<T extends z.ZodType>(req: Request, schema: T): z.output<T> {
  const r = schema.safeParse(req.body ?? {});
  if (!r.success) throw fromZod(r.error, 'request body');
  return r.data;
}

export function query<T extends z.ZodType>(req: Request, schema: T): z.output<T> {
  const r = schema.safeParse(req.query);
  if (!r.success) throw fromZod(r.error, 'query string');
  return r.data;
}

/** A path id that is not even well-formed cannot name anything the caller may see: 404. */
export function idParam(req: Request, name: string, what: string): string {
  const raw = req.params[name];
  if (!Id.safeParse(raw).success) throw notFound(what);
  return raw as string;
}
