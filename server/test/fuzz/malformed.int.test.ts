import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../postgres.ts';
import { startNodeProcess, type NodeProcess } from '../process.ts';
import { provisionRoom } from '../provision.ts';
import { attack, exchange, expectIntact, openPair, type Pair } from './fixture.ts';
import { malformedFrames, randomFrames } from './frames.ts';

/**
 * Issue 3 item 6: bad input closes the offending connection with 4400 and touches nothing
 * else — not the node (a real child process, so a crash is visible), not the other
 * connections in the room, not another room, not the stored content.
 */
describe('a node fed malformed y-websocket frames', () => {
  let pg: { url: string; drop(): Promise<void> };
  let node: NodeProcess;
  let target: Pair;
  let bystander: Pair;

  beforeAll(async () => {
    pg = await createTestDatabase();
    node = await startNodeProcess({ databaseUrl: pg.url, nodeId: 'fuzz-malformed' });
    target = await openPair(node, await provisionRoom(node.url, pg.url));
    bystander = await openPair(node, await provisionRoom(node.url, pg.url));
    await exchange(target);
    await exchange(bystander);
    // Two signups per room (argon2) and a node start: slow when the machine is shared.
  }, 120_000);
  afterAll(async () => {
    for (const p of [target, bystander]) {
      p?.a.terminate();
      p?.b.terminate();
    }
    await node?.kill9();
    await pg?.drop();
  });

  it.each(malformedFrames().map((f) => [f.name, f.frame] as const))(
    'closes a connection that sends %s with 4400 and leaves both rooms intact',
    async (name, frame) => {
      const closed = await attack(node, target.room, [frame]);
      expect(closed?.code, `close code after ${name}`).toBe(4400);
      await expectIntact(node, target, name);
      await expectIntact(node, bystander, `${name} (other room)`);
    },
  );

  it('survives 80 seeded random frames: each closes its connection with 4400 or is ignored, never anything else', async () => {
    const codes = new Map<string, number>();
    for (const frame of randomFrames(20261122, 80)) {
      const closed = await attack(node, target.room, [frame], 1500);
      const key = closed ? String(closed.code) : 'still open';
      codes.set(key, (codes.get(key) ?? 0) + 1);
      expect(node.isAlive()).toBe(true);
    }
    console.info(`random frames: ${JSON.stringify(Object.fromEntries(codes))}`);
    expect([...codes.keys()].filter((k) => k !== '4400' && k !== 'still open'), JSON.stringify([...codes])).toEqual([]);
    await expectIntact(node, target, 'after random frames');
    await expectIntact(node, bystander, 'after random frames (other room)');
  });
});
