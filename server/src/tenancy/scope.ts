import type { Role } from '@crony/shared';
import type { Model, QueryFilter, Types, UpdateQuery } from 'mongoose';
import { batchedInsert, buildNew } from '../db/write-batch.ts';

/** Who is calling: always derived from the credential, never from the request body. */
export interface Principal {
  tenantId: Types.ObjectId;
  role: Role;
  userId: Types.ObjectId | null;
  tokenId: Types.ObjectId | null;
}

interface TenantOwned {
  tenant_id: Types.ObjectId;
}

/**
 * Filters are plain records here: modules build them field by field from validated input,
 * which mongoose's deep filter types cannot follow. The tenant key is still forced last.
 */
type Filter = Record<string, unknown>;

/**
 * The one scoping layer for tenant data: every read and write a module makes on a tenant's
 * documents goes through here, and the tenant filter is applied last so a caller's filter
 * can never widen it. Modules never call the raw model for tenant data.
 */
export class TenantScope<T extends TenantOwned> {
  constructor(
    private readonly model: Model<T>,
    readonly tenantId: Types.ObjectId,
  ) {}

  private scope(filter: Filter = {}): QueryFilter<T> {
    return { ...filter, tenant_id: this.tenantId } as QueryFilter<T>;
  }

  find(filter?: Filter) {
    return this.model.find(this.scope(filter));
  }

  /**
   * One document by id, or null when there is none or it is another tenant's. The read goes by
   * `_id` alone and the tenant is checked on the document: FerretDB 1.x answers a filter from
   * its index only when the filter is `_id` alone, and `_id` plus `tenant_id` read the whole
   * collection on every call. A projection must keep `tenant_id`.
   */
  findById(id: string | Types.ObjectId) {
    return this.model.findOne({ _id: id } as QueryFilter<T>).transform((doc) => this.own(doc));
  }

  /**
   * Documents by id, in the order given, read by `read` (in any order; it may answer from
   * copies, as schedule-cache.ts does), leaving out those that are gone or another tenant's.
   */
  async findByIds<D extends TenantOwned & { _id: Types.ObjectId } = T & { _id: Types.ObjectId }>(
    ids: readonly Types.ObjectId[],
    read: (ids: readonly Types.ObjectId[]) => Promise<D[]>,
  ): Promise<D[]> {
    const byId = new Map((await read(ids)).map((doc) => [doc._id.toHexString(), doc]));
    return ids.flatMap((id) => {
      const mine = this.own(byId.get(id.toHexString()) ?? null);
      return mine ? [mine] : [];
    });
  }

  findOne(filter: Filter) {
    return this.model.findOne(this.scope(filter));
  }

  /** A new document of the tenant, cast and validated, with its `_id`, not yet stored (`insert` stores it). */
  build(doc: Omit<Partial<T>, 'tenant_id' | '_id'>): Promise<T> {
    return buildNew(this.model, { ...doc, tenant_id: this.tenantId } as Partial<T>);
  }

  /**
   * Inserts a document `build` made for this tenant, batched with other inserts into the
   * collection (db/write-batch.ts): at 200 creations a second, single inserts each waited for
   * SQLite's one writer behind the scheduler's writes (46 ms each on average, measured);
   * batched, a few commands a second carry them. A duplicate key rejects only this one, with
   * its code.
   */
  async insert(doc: T): Promise<void> {
    if (!doc.tenant_id?.equals(this.tenantId)) throw new Error('insert takes a document built for this tenant');
    await batchedInsert(this.model, doc);
  }

  /** `build`, then `insert`. */
  async create(doc: Omit<Partial<T>, 'tenant_id' | '_id'>): Promise<T> {
    const created = await this.build(doc);
    await this.insert(created);
    return created;
  }

  /** Updates one document by id and returns it, or null when there is none or it is another tenant's (see findById). */
  async updateById(id: string | Types.ObjectId, update: UpdateQuery<T>): Promise<T | null> {
    if (!(await this.owns(id))) return null;
    return this.model
      .findOneAndUpdate({ _id: id } as QueryFilter<T>, update, { returnDocument: 'after', runValidators: true })
      .lean<T>();
  }

  updateMany(filter: Filter, update: UpdateQuery<T>) {
    return this.model.updateMany(this.scope(filter), update, { runValidators: true });
  }

  /** Deletes one document by id if it is this tenant's; `deletedCount` says whether it did (see findById). */
  async deleteById(id: string | Types.ObjectId): Promise<{ deletedCount: number }> {
    if (!(await this.owns(id))) return { deletedCount: 0 };
    const res = await this.model.deleteOne({ _id: id } as QueryFilter<T>);
    return { deletedCount: res.deletedCount };
  }

  deleteMany(filter: Filter) {
    return this.model.deleteMany(this.scope(filter));
  }

  /** Whether the document exists and is this tenant's (a document never changes tenant). */
  private async owns(id: string | Types.ObjectId): Promise<boolean> {
    return (await this.findById(id).select({ tenant_id: 1 }).lean()) !== null;
  }

  /** The document if it is this tenant's, else null. */
  private own<D>(doc: D): D | null {
    if (doc === null || doc === undefined) return null;
    const tenant = (doc as { tenant_id?: unknown }).tenant_id;
    if (tenant === undefined) {
      throw new Error('a tenant-scoped read by id must keep tenant_id in its projection');
    }
    return String(tenant) === String(this.tenantId) ? doc : null;
  }
}

export function scoped<T extends TenantOwned>(model: Model<T>, principal: Pick<Principal, 'tenantId'>) {
  return new TenantScope(model, principal.tenantId);
}
