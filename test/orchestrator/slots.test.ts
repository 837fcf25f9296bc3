/** A worker's slots: deliveries first, the direct lane only with what is free or soon free. */
import test from 'ava';
import { Slots } from '../../service/orchestrator/slots.js';

test('a free slot goes to the direct lane at once; none free and no wait allowed: no slot', async (t) => {
  const slots = new Slots(1);
  t.true(await slots.takeDirect(0, 4));
  t.false(await slots.takeDirect(0, 4));
  slots.give();
  t.true(await slots.takeDirect(0, 4));
});

test('a slot that comes free goes to a waiting delivery before a waiting direct caller', async (t) => {
  const slots = new Slots(1);
  await slots.take();
  const order: string[] = [];
  const direct = slots.takeDirect(60_000, 4).then((ok) => order.push(`direct ${ok}`));
  const delivery = slots.take().then(() => order.push('delivery'));
  slots.give();
  await delivery;
  t.deepEqual(order, ['delivery']);
  slots.give();
  await direct;
  t.deepEqual(order, ['delivery', 'direct true']);
});

test('a direct caller gives up after its wait, and only so many may wait', async (t) => {
  const slots = new Slots(1);
  await slots.take();
  const waiting = slots.takeDirect(60_000, 1);
  t.false(await slots.takeDirect(60_000, 1), 'the waiting room is full');
  t.false(await slots.takeDirect(0, 5));
  const late = slots.takeDirect(20, 5);
  t.false(await late, 'gave up');
  slots.give();
  t.true(await waiting);
  slots.give();
  t.true(await slots.takeDirect(0, 1), 'the slot that the one who gave up would have had is free');
});
