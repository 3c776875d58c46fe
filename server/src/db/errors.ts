/** MongoDB's (and FerretDB's) code for a unique-index violation. */
export const DUPLICATE_KEY = 11000;

/** True when a write failed because a unique index already holds that key. */
export const isDuplicateKey = (err: unknown): boolean => (err as { code?: number } | null)?.code === DUPLICATE_KEY;
