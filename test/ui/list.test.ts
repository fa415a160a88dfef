import { test } from 'node:test';
import assert from 'node:assert/strict';
import { clampMove, listWindow, moveList, pageOf, scrollText, scrollToShow, settleList, stepOf } from '../../src/ui/list.js';

test('list: a row, a page (rows − 1), either end; the window follows the cursor', () => {
  assert.deepEqual([stepOf('down', 10), stepOf('up', 10), stepOf('pageDown', 10), stepOf('pageUp', 10)], [1, -1, 9, -9]);
  assert.equal(pageOf(1), 1, 'a one-row window still pages by one');
  assert.deepEqual([clampMove(3, -Infinity, 8), clampMove(3, Infinity, 8), clampMove(3, 20, 8), clampMove(3, 1, 0)], [0, 7, 7, 0]);
  let list = { cursor: 0, scroll: 0 };
  list = moveList(list, 'pageDown', 100, 10);
  assert.deepEqual(list, { cursor: 9, scroll: 0 });
  list = moveList(list, 'down', 100, 10);
  assert.deepEqual(list, { cursor: 10, scroll: 1 });
  list = moveList(list, 'bottom', 100, 10);
  assert.deepEqual(list, { cursor: 99, scroll: 90 });
  list = moveList(list, 'top', 100, 10);
  assert.deepEqual(list, { cursor: 0, scroll: 0 });
  // The list shrank under the cursor (a filter, a resize): clamped, window moved back.
  assert.deepEqual(settleList({ cursor: 50, scroll: 45 }, 20, 10), { cursor: 19, scroll: 10 });
  const same = { cursor: 2, scroll: 0 };
  assert.equal(settleList(same, 20, 10), same, 'unchanged state is the same object');
  assert.equal(scrollToShow(0, 15, 10, 100), 6);
});

test('text that scrolls: the top line stays in [0, count − rows]', () => {
  assert.equal(scrollText(0, 'down', 25, 10), 1);
  assert.equal(scrollText(0, 'bottom', 25, 10), 15);
  assert.equal(scrollText(15, 'pageDown', 25, 10), 15);
  assert.equal(scrollText(40, 'up', 25, 10), 14, 'a stale offset is clamped first');
  assert.equal(scrollText(3, 'down', 5, 10), 0, 'text that fits does not scroll');
});

test('the window and its "a–b of n" label', () => {
  assert.deepEqual(listWindow(10, 10, 100), { from: 10, to: 20, label: '11–20 of 100' });
  assert.deepEqual(listWindow(95, 10, 100), { from: 90, to: 100, label: '91–100 of 100' });
  assert.deepEqual(listWindow(0, 10, 7), { from: 0, to: 7, label: '' });
  assert.deepEqual(
    listWindow(3, 4, 12, (i) => `L${i}`),
    { from: 3, to: 7, label: 'L3–L6 of 12' },
  );
});
