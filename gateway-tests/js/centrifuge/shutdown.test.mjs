// centrifuge-js 5.x, unmodified, across a restart of the gateway on the same port (memory engine). Run by
// it/centrifugo/CentrifugoShutdownTest, which stops its gateway once this script has written PUSHGATE_READY_FILE and
// starts a new one on the same port: the shutdown closes with 3001, the SDK reconnects to the new gateway and its
// recovery is refused (a new epoch: the memory engine's streams died with the old process), so `recovered: false`.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { client, closeAll, next, record, until, publish } from './support.mjs';

after(closeAll);

const READY = process.env.PUSHGATE_READY_FILE;

test('a shutdown cuts with 3001; the SDK reconnects to the restarted gateway and is told recovered: false', async () => {
  const c = client({ minReconnectDelay: 200, maxReconnectDelay: 1000 });
  c.connect();
  const sub = c.newSubscription('cf.shutdown');
  const pubs = record(sub);
  const first = next(sub, 'subscribed');
  sub.subscribe();
  await first;
  const { epoch } = await publish('cf.shutdown', { n: 1 });
  await until(() => pubs.length === 1, 'the first publication');

  const shutdown = next(c, 'connecting', ctx => ctx.code === 3001, 60_000);
  const resubscribed = next(sub, 'subscribed', () => true, 90_000);
  writeFileSync(READY, 'ready'); // the JUnit side now stops the gateway and starts a new one
  assert.equal((await shutdown).reason, 'shutdown');

  const again = await resubscribed;
  assert.equal(again.wasRecovering, true);
  assert.equal(again.recovered, false, 'the new process has a new epoch: nothing to recover from');
  assert.ok(again.streamPosition?.epoch, 'the new stream position');
  assert.notEqual(again.streamPosition.epoch, epoch, 'a new epoch');
  assert.equal(pubs.length, 1, 'nothing is invented');

  await publish('cf.shutdown', { n: 2 });
  await until(() => pubs.length === 2, 'a live publication from the new gateway');
  assert.equal(pubs[1].data.n, 2);
});
