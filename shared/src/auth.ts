import { z } from 'zod';
import { Id } from './common.ts';

export const roles = ['owner', 'admin', 'member', 'viewer'] as const;
export const Role = z.enum(roles);
export type Role = z.infer<typeof Role>;

/** Higher rank may do everything a lower rank may. */
export const roleRank: Record<Role, number> = { viewer: 0, member: 1, admin: 2, owner: 3 };

export const Email = z
  .string()
  .trim()
  .toLowerCase()
  .pipe(z.email('must be an email address'))
  .pipe(z.string().max(254));
export const Password = z.string().min(10, 'must be at least 10 characters').max(256, 'must be at most 256 characters');

export const SignupBody = z.strictObject({
  email: Email,
  password: Password,
  tenant: z.string().trim().min(2, 'must be at least 2 characters').max(80),
});
export type SignupBody = z.infer<typeof SignupBody>;

export const LoginBody = z.strictObject({
  email: Email,
  password: z.string().min(1).max(256),
});
export type LoginBody = z.infer<typeof LoginBody>;

export const Me = z.object({
  user: z.object({ id: Id, email: z.string(), role: Role }).nullable(),
  token: z.object({ id: Id, name: z.string(), role: Role }).nullable(),
  tenant: z.object({ id: Id, name: z.string() }),
  role: Role,
});
export type Me = z.infer<typeof Me>;
