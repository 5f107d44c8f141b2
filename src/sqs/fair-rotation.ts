import type { HeldMessage } from './held-message.js';

/**
 * Which buffered message a worker takes next, so that no group's backlog makes the others
 * wait: the groups present in the buffer take turns (round-robin), and within a group the
 * oldest message goes first.
 *
 * A group is a FIFO group (queue + `MessageGroupId`), a fair-queue group (a standard queue's
 * message that carries a `MessageGroupId`), or, for a standard queue's messages without one,
 * the queue itself. With a single group present this is plain arrival order, at no extra cost.
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

  removed(message: HeldMessage): void {
    const key = groupOf(message);
    const left = (this.counts.get(key) ?? 1) - 1;
    if (left > 0) {
      this.counts.set(key, left);
    } else {
      // Forgotten with its last message: the map stays as small as the buffer.
      this.counts.delete(key);
      this.lastServed.delete(key);
    }
  }

  served(message: HeldMessage): void {
    this.lastServed.set(groupOf(message), ++this.turn);
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
}

function groupOf(message: HeldMessage): string {
  return message.orderingKey ?? `${message.queue.url}\u0000${message.info.groupId ?? ''}`;
}
