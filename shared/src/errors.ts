import { z } from 'zod';

/**
 * Every machine-readable error code the API can return. Clients branch on these, never on
 * the message text, so a code, once published, keeps its meaning.
 */
export const errorCodes = [
  'validation_failed',
  'malformed_json',
  'unsupported_media_type',
  'payload_too_large',
  'unauthenticated',
  'invalid_credentials',
  'csrf_header_required',
  'forbidden',
  'not_found',
  'conflict',
  'run_preempted',
  'run_timed_out',
  'group_not_empty',
  'profile_in_use',
  'signup_closed',
  'target_not_allowed',
  'rate_limited',
  'internal',
] as const;
export const ErrorCode = z.enum(errorCodes);
export type ErrorCode = z.infer<typeof ErrorCode>;

export const ErrorDetail = z.object({
  /** Dotted path of the offending field, e.g. `target.url`; empty for the whole body. */
  path: z.string(),
  message: z.string(),
});
export type ErrorDetail = z.infer<typeof ErrorDetail>;

export const ErrorEnvelope = z.object({
  error: z.object({
    code: ErrorCode,
    message: z.string(),
    details: z.array(ErrorDetail).optional(),
  }),
});
export type ErrorEnvelope = z.infer<typeof ErrorEnvelope>;
