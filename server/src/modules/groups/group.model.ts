import type { GroupDefaults, HookKind, HookTarget } from '@crony/shared';
import { Schema, model, type Types } from 'mongoose';

export interface GroupDoc extends Record<HookKind, HookTarget | null> {
  _id: Types.ObjectId;
  tenant_id: Types.ObjectId;
  /** Unique per tenant; the `{group}` slug of `/v1/schedules/{group}/tasks`. */
  name: string;
  description: string | null;
  /** Null: the tenant's default profile. */
  profile_id: Types.ObjectId | null;
  /** Added to the labels a command task requires of its worker (the task's own win). */
  labels: Record<string, string>;
  paused: boolean;
  defaults: GroupDefaults;
  created_at: Date;
  updated_at: Date;
}

const groupSchema = new Schema<GroupDoc>(
  {
    tenant_id: { type: Schema.Types.ObjectId, required: true },
    name: { type: String, required: true },
    description: { type: String, default: null },
    profile_id: { type: Schema.Types.ObjectId, default: null },
    labels: { type: Schema.Types.Mixed, default: {} },
    paused: { type: Boolean, required: true, default: false },
    defaults: { type: Schema.Types.Mixed, default: { headers: {}, env: {} } },
    progress_hook: { type: Schema.Types.Mixed, default: null },
    error_hook: { type: Schema.Types.Mixed, default: null },
    success_hook: { type: Schema.Types.Mixed, default: null },
    missed_hook: { type: Schema.Types.Mixed, default: null },
  },
  { timestamps: { createdAt: 'created_at', updatedAt: 'updated_at' }, minimize: false },
);
groupSchema.index({ tenant_id: 1, name: 1 }, { unique: true });

export const GroupModel = model<GroupDoc>('Group', groupSchema, 'groups');
