import type { Profile } from '@crony/shared';
import type { Types } from 'mongoose';
import type { ProfileDoc } from './profile.model.ts';

export function toProfile(p: ProfileDoc, defaultId: Types.ObjectId): Profile {
  return {
    id: p._id.toHexString(),
    name: p.name,
    description: p.description ?? null,
    max_runtime_seconds: p.max_runtime_seconds ?? null,
    max_concurrent: p.max_concurrent ?? null,
    allow_preemption: p.allow_preemption,
    default_priority: p.default_priority,
    retry: p.retry,
    is_default: p._id.equals(defaultId),
    created_at: p.created_at.toISOString(),
    updated_at: p.updated_at.toISOString(),
  };
}
