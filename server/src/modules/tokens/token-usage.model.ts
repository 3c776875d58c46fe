import { Schema, model, type Types } from 'mongoose';

/**
 * When an API token was last used, on a document of its own rather than on the token's.
 * Requests refresh it, while revocation (by its owner, or when its creator is removed) and
 * demotion (when its creator's role goes down) are written to the token document. FerretDB 1.x
 * applies an update as a read of the whole document and a separate write of it, so a use
 * recorded on the token document at the moment of a revocation or demotion could write the
 * token back as it was: still valid, or with its old role. Here the only writer is
 * `noteTokenUse`, and a use lost to another is harmless.
 */
export interface TokenUsageDoc {
  /** The token's id. */
  _id: Types.ObjectId;
  last_used_at: Date;
}

const tokenUsageSchema = new Schema<TokenUsageDoc>(
  {
    _id: { type: Schema.Types.ObjectId, required: true },
    last_used_at: { type: Date, required: true },
  },
  { versionKey: false },
);
// Read and written by _id only.

export const TokenUsageModel = model<TokenUsageDoc>('TokenUsage', tokenUsageSchema, 'token_usage');
