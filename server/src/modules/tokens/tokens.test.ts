import { CreateTokenBody, type Token } from '@crony/shared';
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Types } from 'mongoose';
import { client, newTenant, startTestServer, type Client, type TestServer } from '../../../test/support/server.ts';
import type { Principal } from '../../tenancy/scope.ts';
import { principalForToken } from '../auth/auth.service.ts';
import { User } from '../auth/tenant.model.ts';
import { changeRole } from '../members/members.service.ts';
import { TokenUsageModel } from './token-usage.model.ts';
import { ApiToken, type ApiTokenDoc } from './token.model.ts';
import { createToken, revokeToken } from './tokens.service.ts';

let server: TestServer;
let api: Client;
before(async () => {
  server = await startTestServer({ scheduler: false });
  api = (await newTenant(server.url, 'Usage')).api;
});
after(() => server.close());

const tenantId = new Types.ObjectId();
const owner: Principal = { tenantId, role: 'owner', userId: null, tokenId: null };

/**
 * Uses of the token racing `write` (launched amid them). Each use is a minute past the one
 * before, past the throttle, so every one writes its last use.
 */
async function usesRacing(secret: string, write: () => Promise<unknown>): Promise<void> {
  const base = Date.now();
  const use = (i: number) => principalForToken(secret, new Date(base + i * 61_000));
  await Promise.all([
    ...Array.from({ length: 20 }, (_, i) => use(i)),
    write(),
    ...Array.from({ length: 20 }, (_, i) => use(20 + i)),
  ]);
}

test('uses racing a revocation never undo it', async () => {
  // Before the last use moved off the token document, FerretDB's read-then-write updates let a
  // use write back `revoked_at: null` over a revocation made meanwhile: the token kept working
  // (in about half of these rounds, measured).
  for (let round = 0; round < 10; round++) {
    const t = await createToken(owner, CreateTokenBody.parse({ name: `racing ${round}` }));
    await usesRacing(t.token, () => revokeToken(owner, t.id));
    const stored = await ApiToken.findById(t.id).lean<ApiTokenDoc>();
    assert.ok(stored?.revoked_at, `round ${round}: the token stays revoked`);
    assert.equal(await principalForToken(t.token, new Date(Date.now() + 3600_000)), null, `round ${round}`);
  }
});

test("uses racing the demotion of the token's creator never undo it", async () => {
  // The same for the role a token comes down to with its creator (members.service.ts): a use
  // could write the token back with its old role.
  for (let round = 0; round < 10; round++) {
    const creator = await User.create({
      tenant_id: tenantId,
      email: `creator-${round}-${new Types.ObjectId().toHexString()}@example.com`,
      password_hash: 'x',
      role: 'admin',
    });
    const t = await createToken(
      { tenantId, role: 'admin', userId: creator._id, tokenId: null },
      CreateTokenBody.parse({ name: `demoted ${round}`, role: 'admin' }),
    );
    await usesRacing(t.token, () => changeRole(owner, creator._id.toHexString(), 'viewer'));
    const stored = await ApiToken.findById(t.id).lean<ApiTokenDoc>();
    assert.equal(stored?.role, 'viewer', `round ${round}: the token came down with its creator`);
    const p = await principalForToken(t.token, new Date(Date.now() + 3600_000));
    assert.equal(p?.role, 'viewer', `round ${round}`);
  }
});

test('a use is written at most once a minute per token, on its own document', async () => {
  const t = await createToken(owner, CreateTokenBody.parse({ name: 'throttled' }));
  const now = new Date();
  assert.ok(await principalForToken(t.token, now));
  assert.ok(await principalForToken(t.token, new Date(now.getTime() + 59_000)));
  const usage = async () => (await TokenUsageModel.findById(t.id).lean())?.last_used_at.toISOString();
  assert.equal(await usage(), now.toISOString());
  assert.ok(await principalForToken(t.token, new Date(now.getTime() + 60_000)));
  assert.equal(await usage(), new Date(now.getTime() + 60_000).toISOString());
  const doc = await ApiToken.collection.findOne({ _id: new Types.ObjectId(t.id) });
  assert.equal(doc && 'last_used_at' in doc, false, 'the token document holds no last use');
});

test("a token's last use shows through the API", async () => {
  const used = (await (await api.post('/v1/tokens', { name: 'used', role: 'viewer' })).json()) as Token & {
    token: string;
  };
  const unused = (await (await api.post('/v1/tokens', { name: 'unused', role: 'viewer' })).json()) as Token;
  assert.equal(used.last_used_at, null);
  const before = Date.now();
  assert.equal((await client(server.url, used.token).get('/v1/me')).status, 200);
  const list = ((await (await api.get('/v1/tokens')).json()) as { data: Token[] }).data;
  const lastUsed = list.find((x) => x.id === used.id)?.last_used_at;
  assert.ok(lastUsed && new Date(lastUsed).getTime() >= before - 5, `used at ${lastUsed}`);
  assert.equal(list.find((x) => x.id === unused.id)?.last_used_at, null);
});

test('a token used only by an earlier version shows the last use left on its document', async () => {
  const t = (await (await api.post('/v1/tokens', { name: 'legacy', role: 'viewer' })).json()) as Token;
  const at = new Date(Date.now() - 3600_000);
  await ApiToken.collection.updateOne({ _id: new Types.ObjectId(t.id) }, { $set: { last_used_at: at } });
  const list = ((await (await api.get('/v1/tokens')).json()) as { data: Token[] }).data;
  assert.equal(list.find((x) => x.id === t.id)?.last_used_at, at.toISOString());
});
