import type { ListSchedulesQuery, Schedule } from '@crony/shared';
import { Types } from 'mongoose';
import type { z } from 'zod';
import { decodeCursor, paginate } from '../../http/cursor.ts';
import { AppError, notFound } from '../../http/errors.ts';
import { scoped, type Principal } from '../../tenancy/scope.ts';
import { ScheduleModel, type ScheduleDoc } from './schedule.model.ts';
import { scheduleDirectory, type ListFilter } from './schedule-directory.ts';
import { scheduleCache } from '../scheduler/schedule-cache.ts';
import { ScheduleStateModel, stateCopies, type ScheduleStateDoc } from '../scheduler/schedule-state.model.ts';
import { SettingsLookup } from '../profiles/lookup.ts';
import { nextRunAtOf, presentSchedule, renderSchedule, type Known } from './schedules.presenter.ts';
import type { RenderedPage } from '../../http/rendered-page.ts';
import { inFlightOf } from '../runs/queue.model.ts';
import { errorsOf } from '../errors/errors.queries.ts';
import { findByIds } from '../../db/by-ids.ts';

const escapeRegex = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Most schedules a sorted or status-filtered list reads. Those orders depend on the scheduler's
 * state (how far firing got, the last run), kept in another collection without a join on
 * FerretDB, so the tenant's schedules are joined and sorted in memory; beyond this bound the
 * list says so by answering with the first ones only.
 */
export const MAX_SORTED_SCHEDULES = 2000;

/**
 * Schedules newest first; `groupId` narrows to one group's tasks (the nested route and `?group=`
 * resolve the group first, so an unknown group is a 404 rather than an empty list).
 */
export async function listSchedules(
  principal: Principal,
  q: Omit<z.output<typeof ListSchedulesQuery>, 'group'>,
  groupId?: Types.ObjectId,
): Promise<RenderedPage> {
  const wanted: ListFilter = {
    ...(q.q ? { q: q.q } : {}),
    ...(q.paused ? { paused: q.paused === 'true' } : {}),
    ...(groupId ? { groupId } : {}),
    ...(q.label ? { label: labelOf(q.label) } : {}),
  };
  if (q.sort !== 'created' || q.status) return listJoined(principal, q, wanted);

  const docs = await inIdOrder(principal, wanted, {
    after: decodeCursor(q.cursor),
    asc: q.order === 'asc',
    limit: q.limit + 1,
  });
  const { page, next_cursor } = paginate(docs, q.limit);
  const known = await knownOf(page.map((d) => d._id));
  const lookup = new SettingsLookup();
  const data = await Promise.all(page.map((d) => renderSchedule(d, known(d._id), lookup)));
  return { data, next_cursor };
}

/**
 * The tenant's schedules that match `wanted`, in id (creation) order, after the cursor: from the
 * schedule directory (once loaded) and the process's copies while they follow the change notes, else from
 * the database (an API-only replica; FerretDB then reads every schedule).
 */
async function inIdOrder(
  principal: Principal,
  wanted: ListFilter,
  { after, asc, limit }: { after: Types.ObjectId | null; asc: boolean; limit: number },
): Promise<ScheduleDoc[]> {
  if (scheduleCache.following && scheduleDirectory.complete) {
    return scoped(ScheduleModel, principal).findByIds<ScheduleDoc>(
      scheduleDirectory.page(principal.tenantId, wanted, { after, asc, limit }),
      (ids) => scheduleCache.getMany(ids), // the directory and the copies follow the same notes
    );
  }
  return scoped(ScheduleModel, principal)
    .find({ ...queryOf(wanted), ...(after ? { _id: asc ? { $gt: after } : { $lt: after } } : {}) })
    .sort({ _id: asc ? 1 : -1 })
    .limit(limit)
    .lean<ScheduleDoc[]>();
}

/** `key=value` → [key, value], trimmed. */
function labelOf(label: string): [string, string] {
  const [key, ...rest] = label.split('=');
  return [key!.trim(), rest.join('=').trim()];
}

/** The filter as a database query (the directory's `page` matches the same). */
function queryOf(f: ListFilter): Record<string, unknown> {
  const filter: Record<string, unknown> = {};
  if (f.groupId) filter.group_id = f.groupId;
  if (f.q) filter.name = { $regex: escapeRegex(f.q), $options: 'i' };
  if (f.paused !== undefined) filter.paused = f.paused;
  if (f.label) filter[`target.labels.${f.label[0]}`] = f.label[1];
  return filter;
}

/**
 * Sorted by a state field or filtered by last-run status: joined in memory, paginated by offset.
 * Sorting and filtering read the documents; only the page is presented.
 */
async function listJoined(
  principal: Principal,
  q: Omit<z.output<typeof ListSchedulesQuery>, 'group'>,
  wanted: ListFilter,
): Promise<RenderedPage> {
  const offset = decodeOffset(q.cursor);
  const docs = await inIdOrder(principal, wanted, { after: null, asc: false, limit: MAX_SORTED_SCHEDULES });
  const known = await knownOf(docs.map((d) => d._id));
  let rows: Row[] = docs.map((doc) => ({ doc, known: known(doc._id) }));
  if (q.status) rows = rows.filter((r) => (r.known.state?.last_run?.status ?? 'never') === q.status);
  const order = q.order ?? (q.sort === 'last_run' ? 'desc' : 'asc');
  rows.sort(comparator(q.sort, order));
  const lookup = new SettingsLookup();
  const data = await Promise.all(
    rows.slice(offset, offset + q.limit).map((r) => renderSchedule(r.doc, r.known, lookup)),
  );
  const more = rows.length > offset + q.limit;
  return { data, next_cursor: more ? encodeOffset(offset + q.limit) : null };
}

interface Row {
  doc: ScheduleDoc;
  known: Known;
}

/** Schedules without the sort key (never run, paused) go last in either order. */
function comparator(sort: string, order: 'asc' | 'desc') {
  // Each row's key once, not once per comparison: the next slot is computed from the expression.
  const keys = new Map<Row, string | null>();
  const key = (row: Row): string | null => {
    if (!keys.has(row)) keys.set(row, keyOf(row));
    return keys.get(row)!;
  };
  const keyOf = ({ doc, known }: Row): string | null =>
    sort === 'name'
      ? doc.name.toLowerCase()
      : sort === 'next_run_at'
        ? (nextRunAtOf(doc, known)?.toISOString() ?? null)
        : sort === 'last_run'
          ? (known.state?.last_run?.nominal_at?.toISOString() ?? null)
          : doc.created_at.toISOString();
  const sign = order === 'asc' ? 1 : -1;
  return (a: Row, b: Row) => {
    const ka = key(a);
    const kb = key(b);
    if (ka === kb) return a.doc._id.toHexString() < b.doc._id.toHexString() ? 1 : -1;
    if (ka === null) return 1;
    if (kb === null) return -1;
    return ka < kb ? -sign : sign;
  };
}

const encodeOffset = (n: number) => Buffer.from(`o:${n}`).toString('base64url');
function decodeOffset(cursor: string | undefined): number {
  if (!cursor) return 0;
  const m = /^o:(\d{1,6})$/.exec(Buffer.from(cursor, 'base64url').toString());
  if (!m) {
    throw new AppError('validation_failed', 'cursor is not one this API returned for this sort', [
      { path: 'cursor', message: 'pass back next_cursor unchanged, with the same sort' },
    ]);
  }
  return Number(m[1]);
}

/** One schedule; with `groupId`, only if it is a task of that group (else 404, as for another tenant's). */
export async function getSchedule(principal: Principal, id: string, groupId?: Types.ObjectId): Promise<Schedule> {
  const doc = await findSchedule(principal, id, groupId);
  const known = await knownOf([doc._id]);
  return { ...(await presentSchedule(doc, known(doc._id), new SettingsLookup())), errors: await errorsOf(doc._id) };
}

export async function findSchedule(principal: Principal, id: string, groupId?: Types.ObjectId): Promise<ScheduleDoc> {
  const doc = await scoped(ScheduleModel, principal).findById(id).lean<ScheduleDoc>();
  if (!doc || (groupId && !doc.group_id?.equals(groupId))) throw notFound(groupId ? 'Task in this group' : 'Schedule');
  return doc;
}

/**
 * What the scheduler knows of each schedule (its state, its runs in flight), by schedule id;
 * the ids come from a tenant-scoped read.
 */
export async function knownOf(ids: Types.ObjectId[]): Promise<(id: Types.ObjectId) => Known> {
  const [states, inFlight] = await Promise.all([statesOf(ids), inFlightOf(ids)]);
  return (id) => ({ state: states.get(id.toHexString()) ?? null, inFlight: inFlight.get(id.toHexString()) ?? null });
}

/** States are keyed by schedule id; the ids come from a tenant-scoped read. */
async function statesOf(ids: Types.ObjectId[]): Promise<Map<string, ScheduleStateDoc>> {
  if (ids.length === 0) return new Map();
  const byId = (states: ScheduleStateDoc[]) => new Map(states.map((st) => [st._id.toHexString(), st]));
  const states = await stateCopies.read(
    ids.map((id) => id.toHexString()),
    async (missing) =>
      byId(
        await findByIds<ScheduleStateDoc>(
          ScheduleStateModel,
          missing.map((id) => new Types.ObjectId(id)),
        ),
      ),
  );
  return byId(states);
}
