import type { HeldMessage } from '../core/held-message.js';

/**
 * Which buffered message a worker takes next, so that no group's backlog makes the others
 * wait: the groups present in the buffer take turns (round-robin), and within a group the
 * oldest message goes first.
 *
 * A group is a FIFO group (queue + `MessageGroupId`), a fair-queue group (a standard queue's
 * message that carries a `MessageGroupId`), or, for a standard queue's messages without one,
 * the queue itself. With a single group present this is plain arrival order, at no extra cost.
 *
 * The bookkeeping holds only the groups present in the buffer: a group is forgotten with its
 * last buffered message, however that message leaves (taken by a worker or handed back), so a
 * million distinct groups passing through leave nothing behind. A group that comes back later
 * is new again, and so served first, as a group never seen before is.
 */
export class FairRotation {
  /** Buffered messages per group; a group leaves the map with its last message. */
  private readonly counts = new Map<string, number>();
  /** The turn at which each present group was last served. */
  private readonly lastServed = new Map<string, number>();
  private turn = 0;

  added(message: HeldMessage): void {
    const key = groupOf(message);
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
  }

  /** The message left the buffer unserved (handed back): its group's turn is unchanged. */
  removed(message: HeldMessage): void {
    this.leave(groupOf(message), false);
  }

  /** A worker took the message: its group goes to the back of the rotation. */
  taken(message: HeldMessage): void {
    this.leave(groupOf(message), true);
  }

  /** Groups present, and groups with a recorded turn (never more than those present). */
  get size(): { groups: number; turns: number } {
    return { groups: this.counts.size, turns: this.lastServed.size };
  }

  /**
   * Index in `items` (arrival order) of the message to take: the oldest eligible message of
   * the group served longest ago (never served first). -1 when none is eligible.
   */
  pick(items: readonly HeldMessage[], eligible: (m: HeldMessage) => boolean): number {
    if (this.counts.size <= 1) return items.findIndex(eligible);
    const seen = new Set<string>();
    let best = -1;
    let bestTurn = Infinity;
    for (let i = 0; i < items.length && seen.size < this.counts.size; i++) {
      const key = groupOf(items[i]!);
      if (seen.has(key)) continue;
      seen.add(key);
      if (!eligible(items[i]!)) continue;
      const turn = this.lastServed.get(key) ?? 0;
      if (turn < bestTurn) [best, bestTurn] = [i, turn];
      if (turn === 0) break;
    }
    return best;
  }

  private leave(key: string, served: boolean): void {
    const left = (this.counts.get(key) ?? 1) - 1;
    if (left > 0) {
      this.counts.set(key, left);
      if (served) this.lastServed.set(key, ++this.turn);
      return;
    }
    // Forgotten with its last message, whichever way it left: the maps stay as small as the
    // buffer. (Recording the turn after the removal wrote an entry back for every group.)
    this.counts.delete(key);
    this.lastServed.delete(key);
  }
}

function groupOf(message: HeldMessage): string {
  if (message.orderingKey) return message.orderingKey;
  const groupId = message.info.groupId;
  // The queue's URL as it is, with no string built per call (three calls per message); a
  // group's key holds a NUL, which no URL does, so the two kinds never collide.
  return !groupId ? message.queue.url : `${message.queue.url}\u0000${groupId}`;
}
