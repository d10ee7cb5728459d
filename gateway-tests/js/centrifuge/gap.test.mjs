// The 2500 resubscribe: the JUnit test (it/centrifugo/CentrifugoSdkTest) waits until this subscription is in the
// hub, then makes a gap in the channel's offsets there. The SDK gets the unsubscribe push with code 2500, subscribes
// again with recovery, and goes on with live publications.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { client, closeAll, next, record, until, WAIT } from './support.mjs';

after(closeAll);

test('a gap in the stream unsubscribes with 2500 and the SDK resubscribes, recovering', async () => {
  const c = client();
  c.connect();
  const sub = c.newSubscription('cf.gap');
  const pubs = record(sub);
  const subscribed = next(sub, 'subscribed');
  sub.subscribe();
  await subscribed;
  const gap = await next(sub, 'subscribing', ctx => ctx.code === 2500, 6 * WAIT);
  assert.equal(gap.reason, 'insufficient state');
  const again = await next(sub, 'subscribed');
  assert.equal(again.wasRecovering, true);
  await until(() => pubs.length >= 1, 'the publication made before the gap');
});
