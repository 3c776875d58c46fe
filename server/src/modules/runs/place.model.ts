import { Schema, model, type Types } from 'mongoose';

/**
 * One document per place taken in a profile's concurrency limit: the run holding it, under
 * a unique (profile, slot_no) index. A profile with `max_concurrent: n` has places 0..n-1;
 * taking one is an insert, which the unique index makes exclusive on FerretDB too (where a
 * conditional update is a read and a separate write, and two writers could both "win").
 * The collection holds at most one document per running limited run, so scanning it is cheap.
 */
export interface PlaceDoc {
  _id: Types.ObjectId;
  profile_id: Types.ObjectId;
  slot_no: number;
  run_id: Types.ObjectId;
  /** The run's epoch when it took the place: the place belongs to that attempt only. */
  epoch: number;
  /** The holder's priority and whether it may be preempted, to choose a victim without reading runs. */
  priority: number;
  preemptible: boolean;
  taken_at: Date;
}

const placeSchema = new Schema<PlaceDoc>(
  {
    profile_id: { type: Schema.Types.ObjectId, required: true },
    slot_no: { type: Number, required: true },
    run_id: { type: Schema.Types.ObjectId, required: true },
    epoch: { type: Number, required: true },
    priority: { type: Number, required: true },
    preemptible: { type: Boolean, required: true },
    taken_at: { type: Date, required: true },
  },
  { versionKey: false },
);
placeSchema.index({ profile_id: 1, slot_no: 1 }, { unique: true });
placeSchema.index({ run_id: 1 });

export const PlaceModel = model<PlaceDoc>('ConcurrencyPlace', placeSchema, 'concurrency_places');
