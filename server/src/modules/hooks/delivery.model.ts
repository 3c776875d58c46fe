import type { HookEvent, HookKind, HookTarget } from '@crony/shared';
import { deliveryStatuses, hookKinds } from '@crony/shared';
import { Schema, model, type Types } from 'mongoose';

/**
 * The delivery log: one document per (event, hook), keyed by the event id, which is also the
 * `webhook-id` receivers deduplicate on. The key makes emitting an event twice (a retried
 * write) harmless. Read by run (`GET /v1/runs/{id}/deliveries`) and written by `_id`.
 */
export interface DeliveryDoc {
  _id: string;
  tenant_id: Types.ObjectId;
  run_id: Types.ObjectId;
  schedule_id: Types.ObjectId;
  hook: HookKind;
  target: HookTarget;
  event: HookEvent;
  status: (typeof deliveryStatuses)[number];
  attempts: { at: Date; http_status: number | null; latency_ms: number; error: string | null }[];
  next_attempt_at: Date | null;
  /** A command hook's run, which does the delivering (hooks/command-hooks.ts). */
  hook_run_id?: Types.ObjectId | null;
  created_at: Date;
}

const deliverySchema = new Schema<DeliveryDoc>(
  {
    _id: { type: String, required: true },
    tenant_id: { type: Schema.Types.ObjectId, required: true },
    run_id: { type: Schema.Types.ObjectId, required: true },
    schedule_id: { type: Schema.Types.ObjectId, required: true },
    hook: { type: String, enum: hookKinds, required: true },
    target: { type: Schema.Types.Mixed, required: true },
    event: { type: Schema.Types.Mixed, required: true },
    status: { type: String, enum: deliveryStatuses, required: true },
    attempts: { type: Schema.Types.Mixed, default: [] },
    next_attempt_at: { type: Date, default: null },
    hook_run_id: { type: Schema.Types.ObjectId, default: null },
    created_at: { type: Date, required: true },
  },
  { versionKey: false, minimize: false },
);
deliverySchema.index({ tenant_id: 1, run_id: 1 });
deliverySchema.index({ schedule_id: 1 });

export const DeliveryModel = model<DeliveryDoc>('HookDelivery', deliverySchema, 'hook_deliveries');

/**
 * Deliveries still to be made, one entry per pending delivery, deleted when it is done: the
 * deliverer polls this every second, so it stays as small as the work in flight (FerretDB 1.x
 * scans any filter other than `_id`), like run_queue for runs.
 *
 * `lane` orders deliveries that must not overtake each other: all progress events of one run
 * share a lane and go out by `seq`; every other event has a lane of its own.
 */
export interface HookQueueDoc {
  /** The delivery's id. */
  _id: string;
  lane: string;
  seq: number;
  available_at: Date;
  /** Claim generation: a claim is unique per (entry, epoch); it moves on after every try. */
  epoch: number;
  /** Set while a deliverer holds the entry; a lapsed lock (the process died) is released. */
  locked_until: Date | null;
}

const queueSchema = new Schema<HookQueueDoc>(
  {
    _id: { type: String, required: true },
    lane: { type: String, required: true },
    seq: { type: Number, required: true },
    available_at: { type: Date, required: true },
    epoch: { type: Number, required: true, default: 1 },
    locked_until: { type: Date, default: null },
  },
  { versionKey: false },
);
queueSchema.index({ available_at: 1 });
queueSchema.index({ lane: 1, seq: 1 });

export const HookQueueModel = model<HookQueueDoc>('HookQueue', queueSchema, 'hook_queue');

/**
 * Who holds a queue entry for one try: the `_id` is `<delivery id>:<epoch>`, so two deliverer
 * processes can never both insert it, on MongoDB or FerretDB (no reliance on an atomic update).
 */
export const HookClaimModel = model<{ _id: string; at: Date }>(
  'HookClaim',
  new Schema({ _id: { type: String, required: true }, at: { type: Date, required: true } }, { versionKey: false }),
  'hook_claims',
);
