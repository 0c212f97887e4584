// Two pages, each loaded from a different replica, chat in one room: each sees the other's message once, marked
// with the replica it was published on, and both appear in the room's member list and the online list.
import {
  chatMessages, check, joinDemo, newPage, replicas, sameList, scenario, screenshot, send, waitForMessage,
} from './harness.mjs';

const { r1, r2 } = replicas();
const room = 'e2e-exchange';

await scenario('two pages on two replicas exchange messages in a room', async (context) => {
  const alice = await newPage(context, 'alice');
  const bob = await newPage(context, 'bob');
  await joinDemo(alice, { replica: r1, user: 'alice', room });
  await joinDemo(bob, { replica: r2, user: 'bob', room });

  check(await alice.textContent('#connected-replica') === 'r1', 'alice is connected to r1');
  check(await bob.textContent('#connected-replica') === 'r2', 'bob is connected to r2');

  await send(alice, 'hello from alice on r1');
  await waitForMessage(bob, 'hello from alice on r1');
  await send(bob, 'hi alice, bob on r2 here');
  await waitForMessage(alice, 'hi alice, bob on r2 here');
  await waitForMessage(bob, 'hi alice, bob on r2 here'); // his own copy: it may come after Alice's

  const expected = [
    { text: 'hello from alice on r1', from: 'alice', replica: 'r1' },
    { text: 'hi alice, bob on r2 here', from: 'bob', replica: 'r2' },
  ];
  for (const page of [alice, bob]) {
    const seen = (await chatMessages(page)).map(({ text, from, replica }) => ({ text, from, replica }));
    sameList(seen, expected, 'each page shows both messages once, in order, with their origin replica');
  }

  await alice.waitForSelector('#members li[data-user="bob"] .replica-badge[data-replica="r2"]');
  await bob.waitForSelector('#members li[data-user="alice"] .replica-badge[data-replica="r1"]');
  await alice.waitForSelector('#online li[data-user="bob"]');
  await bob.waitForSelector('#online li[data-user="alice"]');

  await screenshot(alice, 'alice-on-r1');
  await screenshot(bob, 'bob-on-r2');
});
