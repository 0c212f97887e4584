// Alice's page is on r1, Bob's on r2, both in one room. r1 is killed (SIGKILL, by the JUnit test). Alice's client
// fails over to r2; while it cannot get there yet, Bob sends messages. Once it is through, Alice's page shows every
// message exactly once, in order — the missed ones recovered from history — and the chat goes on live.
//
// Alice reaches r2 through a gate (a TCP relay on another loopback port, like a load balancer), closed until Bob's
// messages are out, so they are certainly published while she is away and come back by recovery, not live.
import {
  chatMessages, check, joinDemo, log, newPage, replicas, request, sameList, scenario, screenshot, send, until,
  waitForMessage,
} from './harness.mjs';
import { Gate } from '../support/gate.mjs';

const { r1, r2 } = replicas();
const room = 'e2e-failover';
const MISSED = 5;

await scenario('the page of a killed replica reconnects to the other and recovers missed messages', async (context) => {
  const gate = await Gate.to(new URL(r2.http).port);
  try {
    const alice = await newPage(context, 'alice');
    const bob = await newPage(context, 'bob');
    await joinDemo(alice, { replica: r1, user: 'alice', room, servers: [r1.ws, gate.wsUrl] });
    await joinDemo(bob, { replica: r2, user: 'bob', room });
    check(await alice.textContent('#connected-replica') === 'r1', 'alice starts on r1');

    await send(alice, 'before: alice');
    await waitForMessage(bob, 'before: alice'); // in the stream before Bob's answer
    await send(bob, 'before: bob');
    await waitForMessage(alice, 'before: bob');
    await waitForMessage(bob, 'before: bob');
    await screenshot(alice, '1-alice-on-r1');

    log(await request('kill r1'));
    await alice.waitForSelector('#status[data-state="reconnecting"]');
    check(gate.relayed === 0, 'nothing got through the gate yet');

    const missed = Array.from({ length: MISSED }, (_, i) => `while alice was away ${i + 1}`);
    for (const text of missed) {
      await send(bob, text);
      await waitForMessage(bob, text); // published (Bob's own copy came back)
    }
    check(await alice.getAttribute('#status', 'data-state') !== 'open', 'alice is not connected while the gate is closed');
    await screenshot(alice, '2-alice-reconnecting');
    check((await chatMessages(alice)).every(({ text }) => !text.startsWith('while alice')),
      'alice saw none of the missed messages while disconnected');

    await until(() => gate.refused > 0); // her client kept trying: one attempt already bounced off the gate
    gate.open();
    await alice.waitForSelector('#connected-replica[data-replica="r2"]');
    await waitForMessage(alice, missed[MISSED - 1]);
    await send(bob, 'after: bob, live');
    await waitForMessage(alice, 'after: bob, live');
    await send(alice, 'after: alice, now via r2');
    await waitForMessage(bob, 'after: alice, now via r2');
    await waitForMessage(alice, 'after: alice, now via r2'); // her own copy: it may come after Bob's

    const expected = ['before: alice', 'before: bob', ...missed, 'after: bob, live', 'after: alice, now via r2'];
    const seen = await chatMessages(alice);
    sameList(seen.map(({ text }) => text), expected, 'alice has every message exactly once, in order');
    const offsets = seen.map(({ offset }) => offset);
    check(offsets.every((offset, i) => i === 0 || offset > offsets[i - 1]), `offsets strictly increase: ${offsets}`);
    check(seen.at(-1).replica === 'r2', 'alice now publishes on r2');
    sameList((await chatMessages(bob)).map(({ text }) => text), expected, 'bob has the same conversation');
    await alice.waitForSelector('#messages li.system >> text=/Rejoined e2e-failover: the messages you missed follow/');

    await screenshot(alice, '3-alice-recovered-on-r2');
    await screenshot(bob, '3-bob-on-r2');
  } finally {
    await gate.close();
  }
});
