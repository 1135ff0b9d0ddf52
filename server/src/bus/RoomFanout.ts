import type { Bus } from './Bus.ts';
import type { DocLink, DocPeer, Fanout } from './Fanout.ts';

/**
 * PLACEHOLDER (single node only): joins publish nothing. The real implementation — wire
 * format, per-node counters, gap detection, resync on reconnect — replaces this body.
 */
export function createFanout(_deps: { bus: Bus; nodeId: string }): Fanout {
  return {
    async join(_docName: string, _peer: DocPeer): Promise<DocLink> {
      return { publishUpdate() {}, publishAwareness() {}, requestSync() {}, leave: async () => {} };
    },
    close: async () => {},
  };
}
