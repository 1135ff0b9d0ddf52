/**
 * The connection status the room shows, derived from plain facts so it is unit-tested
 * without a socket.
 */
import { CloseCode } from '@menteo/protocol';

export type ConnectionStatus =
  /** First connection not synced yet. */
  | 'connecting'
  | 'connected'
  /** Was connected; the socket dropped and y-websocket is retrying with backoff. */
  | 'reconnecting'
  /** The browser says it has no network; edits queue locally. */
  | 'offline'
  /** The server refused us: signed out, not (or no longer) a member, or no such room. */
  | 'no-access'
  /** The server refused a message of ours (too large, malformed); retrying would repeat it. */
  | 'refused';

const NO_ACCESS: readonly number[] = [CloseCode.Unauthenticated, CloseCode.Forbidden, CloseCode.NoSuchRoom];
const REFUSED: readonly number[] = [CloseCode.BadMessage, CloseCode.RoomTooLarge, CloseCode.MessageTooLarge];

/** Close codes after which reconnecting cannot help. 4429 and 1013 are worth retrying. */
export function isTerminalClose(code: number): boolean {
  return NO_ACCESS.includes(code) || REFUSED.includes(code);
}

export interface StatusFacts {
  terminalCode: number | null;
  online: boolean;
  synced: boolean;
  everSynced: boolean;
}

export function connectionStatus({ terminalCode, online, synced, everSynced }: StatusFacts): ConnectionStatus {
  if (terminalCode !== null) return NO_ACCESS.includes(terminalCode) ? 'no-access' : 'refused';
  if (!online) return 'offline';
  if (synced) return 'connected';
  return everSynced ? 'reconnecting' : 'connecting';
}

export function connectionLabel(status: ConnectionStatus): string {
  switch (status) {
    case 'connecting':
      return 'Connecting…';
    case 'connected':
      return 'Connected';
    case 'reconnecting':
      return 'Reconnecting…';
    case 'offline':
      return 'Offline';
    case 'no-access':
      return 'No access';
    case 'refused':
      return 'Disconnected';
    default: {
      const never: never = status;
      throw new Error(`unknown status ${String(never)}`);
    }
  }
}

/** Whether the doc socket is down, so nothing can reach the server until it is back. */
export function isDisconnected(status: ConnectionStatus): boolean {
  return status === 'offline' || status === 'reconnecting';
}

/**
 * The save half of the status. "Saving…" only while edits can be on their way; with the
 * socket down nothing is being saved, and the status says so, with how much waits.
 */
export function saveLabel(status: ConnectionStatus, saved: boolean, unsaved: number): string {
  if (saved) return 'Saved';
  if (status === 'no-access' || status === 'refused') return 'Not saved';
  if (!isDisconnected(status)) return 'Saving…';
  const count = unsaved > 0 ? ` (${unsaved} ${unsaved === 1 ? 'edit' : 'edits'})` : '';
  return `Not saved yet — will save when you reconnect${count}`;
}
