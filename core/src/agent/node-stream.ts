// The agent's end of the node stream: the pods of this node (a snapshot, then changes), the overlay map and
// the service table, pushed by the API. A broken stream is opened again with back-off, and starts over from
// a snapshot; with several servers the client fails over, and the agent says where the stream comes from.
import type { LbClient, NodeStreamEvent } from '@lastbackend/sdk';
import type { Logger } from '../kernel/logger';
import { sleep } from '../util/sleep';

const FIRST_DELAY_MS = 250;
const MAX_DELAY_MS = 5000;

/** Hands every event of the node's stream to `onEvent` until `signal` aborts. */
export async function followNodeStream(client: LbClient, node: string, signal: AbortSignal, log: Logger, onEvent: (ev: NodeStreamEvent) => void): Promise<void> {
  let delay = FIRST_DELAY_MS;
  let server = '';
  while (!signal.aborted) {
    try {
      for await (const ev of client.watchNode(node, signal)) {
        delay = FIRST_DELAY_MS;
        if (server !== client.server && client.servers.length > 1) log.info(`pod stream from ${(server = client.server)}`);
        onEvent(ev);
      }
    } catch (e) {
      if (signal.aborted) break;
      log.warn(`pod stream: ${(e as Error).message}; reconnecting`);
    }
    await sleep(delay, signal);
    delay = Math.min(delay * 2, MAX_DELAY_MS);
  }
}
