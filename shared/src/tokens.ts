import { z } from 'zod';
import { Id, IsoDateTime } from './common.ts';
import { Role } from './auth.ts';

export const CreateTokenBody = z.strictObject({
  name: z.string().trim().min(1).max(80),
  role: Role.default('member'),
  expires_at: IsoDateTime.optional(),
});
export type CreateTokenBody = z.infer<typeof CreateTokenBody>;

export const Token = z.object({
  id: Id,
  name: z.string(),
  role: Role,
  /** The first characters of the secret, to tell tokens apart; the secret itself is never returned again. */
  prefix: z.string(),
  created_at: IsoDateTime,
  expires_at: IsoDateTime.nullable(),
  last_used_at: IsoDateTime.nullable(),
  revoked_at: IsoDateTime.nullable(),
});
export type Token = z.infer<typeof Token>;

export const CreatedToken = Token.extend({
  /** The secret (`crony_...`), returned once, at creation. */
  token: z.string(),
});
export type CreatedToken = z.infer<typeof CreatedToken>;
