import { Types } from 'mongoose';
import { AppError } from './errors.ts';

// Lists are ordered newest first by _id; the cursor is the last id seen, opaque to clients.
export function encodeCursor(id: Types.ObjectId): string {
  return Buffer.from(id.toHexString(), 'hex').toString('base64url');
}

export function decodeCursor(cursor: string | undefined): Types.ObjectId | null {
  if (!cursor) return null;
  const hex = Buffer.from(cursor, 'base64url').toString('hex');
  if (!Types.ObjectId.isValid(hex) || hex.length !== 24) {
    throw new AppError('validation_failed', 'cursor is not one this API returned', [
      { path: 'cursor', message: 'pass back next_cursor unchanged' },
    ]);
  }
  return new Types.ObjectId(hex);
}

/** Fetches limit+1 to know whether another page exists. */
export function paginate<T extends { _id: Types.ObjectId }>(docs: T[], limit: number) {
  const more = docs.length > limit;
  const page = more ? docs.slice(0, limit) : docs;
  const last = page[page.length - 1];
  return { page, next_cursor: more && last ? encodeCursor(last._id) : null };
}
