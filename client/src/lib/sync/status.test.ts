import { describe, expect, it } from 'vitest';
import { CloseCode } from '@menteo/protocol';
import { connectionLabel, connectionStatus, isTerminalClose } from './status.ts';

const facts = { terminalCode: null, online: true, synced: false, everSynced: false };

describe('connection status', () => {
  it('goes connecting → connected → reconnecting as the socket syncs and drops', () => {
    expect(connectionStatus(facts)).toBe('connecting');
    expect(connectionStatus({ ...facts, synced: true, everSynced: true })).toBe('connected');
    expect(connectionStatus({ ...facts, synced: false, everSynced: true })).toBe('reconnecting');
  });

  it('says offline whenever the browser is offline, even with a stale synced flag', () => {
    expect(connectionStatus({ ...facts, online: false, synced: true, everSynced: true })).toBe('offline');
  });

  it('says no-access after 4401, 4403 and 4404, whatever else is true', () => {
    for (const code of [CloseCode.Unauthenticated, CloseCode.Forbidden, CloseCode.NoSuchRoom]) {
      expect(connectionStatus({ ...facts, terminalCode: code, online: false })).toBe('no-access');
    }
    expect(connectionStatus({ ...facts, terminalCode: CloseCode.MessageTooLarge })).toBe('refused');
  });

  it('stops reconnecting on refusals but retries rate limits and overload', () => {
    expect(isTerminalClose(CloseCode.Forbidden)).toBe(true);
    expect(isTerminalClose(CloseCode.RoomTooLarge)).toBe(true);
    expect(isTerminalClose(CloseCode.RateLimited)).toBe(false);
    expect(isTerminalClose(CloseCode.TryAgainLater)).toBe(false);
    expect(isTerminalClose(1006)).toBe(false);
  });

  it('labels each status for people', () => {
    expect(connectionLabel('connected')).toBe('Connected');
    expect(connectionLabel('reconnecting')).toBe('Reconnecting…');
    expect(connectionLabel('offline')).toBe('Offline');
  });
});
