import assert from 'node:assert/strict';
import { OutboundError } from '../../src/modules/outbound/http-client.ts';

/** The OutboundError an outbound request failed with; fails the test if it succeeded or failed otherwise. */
export async function outboundFailure(p: Promise<unknown>): Promise<OutboundError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof OutboundError, `expected an OutboundError, got ${String(err)}`);
    return err;
  }
  assert.fail('the request did not fail');
}
