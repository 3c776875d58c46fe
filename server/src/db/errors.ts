/** MongoDB's (and FerretDB's) code for a unique-index violation. */
export const DUPLICATE_KEY = 11000;

/** True when a write failed because a unique index already holds that key. */
export const isDuplicateKey = (err: unknown): boolean => (err as { code?: number } | null)?.code === DUPLICATE_KEY;

/** MongoDB's (and FerretDB's) code for a command on a collection that does not exist. */
export const NAMESPACE_NOT_FOUND = 26;

/** True when a command failed because its collection does not exist (yet). */
export const isNamespaceNotFound = (err: unknown): boolean =>
  (err as { code?: number } | null)?.code === NAMESPACE_NOT_FOUND;
