import type { Role } from '@crony/shared';
import type { Model, QueryFilter, Types, UpdateQuery } from 'mongoose';

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

  findById(id: string | Types.ObjectId) {
    return this.model.findOne(this.scope({ _id: id }));
  }

  findOne(filter: Filter) {
    return this.model.findOne(this.scope(filter));
  }

  async create(doc: Omit<Partial<T>, 'tenant_id' | '_id'>): Promise<T> {
    const created = await this.model.create([{ ...doc, tenant_id: this.tenantId } as Partial<T>]);
    return created[0]!.toObject() as T;
  }

  updateById(id: string | Types.ObjectId, update: UpdateQuery<T>) {
    return this.model.findOneAndUpdate(this.scope({ _id: id }), update, {
      returnDocument: 'after',
      runValidators: true,
    });
  }

  updateMany(filter: Filter, update: UpdateQuery<T>) {
    return this.model.updateMany(this.scope(filter), update, { runValidators: true });
  }

  deleteById(id: string | Types.ObjectId) {
    return this.model.deleteOne(this.scope({ _id: id }));
  }

  deleteMany(filter: Filter) {
    return this.model.deleteMany(this.scope(filter));
  }
}

export function scoped<T extends TenantOwned>(model: Model<T>, principal: Pick<Principal, 'tenantId'>) {
  return new TenantScope(model, principal.tenantId);
}
