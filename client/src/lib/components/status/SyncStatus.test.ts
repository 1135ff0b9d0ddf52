// @vitest-environment jsdom
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, render, screen } from '@testing-library/svelte';
import SyncStatus from './SyncStatus.svelte';

afterEach(() => cleanup());

describe('SyncStatus', () => {
  it('says Connected and Saved in a polite live region', () => {
    render(SyncStatus, { props: { status: 'connected', saved: true } });
    expect(screen.getByTestId('connection-status').textContent?.trim()).toBe('Connected');
    expect(screen.getByTestId('save-status').textContent).toBe('Saved');
    const region = screen.getByRole('status');
    expect(region.getAttribute('aria-live')).toBe('polite');
  });

  it('says Saving… with exactly that text while edits are unacked', () => {
    render(SyncStatus, { props: { status: 'connected', saved: false } });
    expect(screen.getByTestId('save-status').textContent).toBe('Saving…');
  });

  it('says nothing is being saved while offline, with how many edits wait', async () => {
    const view = render(SyncStatus, { props: { status: 'offline', saved: false, unsaved: 3 } });
    expect(screen.getByTestId('save-status').textContent).toBe('Not saved yet — will save when you reconnect (3 edits)');
    await view.rerender({ status: 'reconnecting', saved: false, unsaved: 1 });
    expect(screen.getByTestId('save-status').textContent).toBe('Not saved yet — will save when you reconnect (1 edit)');
    await view.rerender({ status: 'connected', saved: false, unsaved: 1 });
    expect(screen.getByTestId('save-status').textContent).toBe('Saving…');
    await view.rerender({ status: 'offline', saved: true, unsaved: 0 });
    expect(screen.getByTestId('save-status').textContent).toBe('Saved');
  });

  it('follows the props as the connection changes', async () => {
    const view = render(SyncStatus, { props: { status: 'connected', saved: true } });
    await view.rerender({ status: 'reconnecting', saved: false });
    expect(screen.getByTestId('connection-status').textContent?.trim()).toBe('Reconnecting…');
    expect(screen.getByTestId('connection-status').dataset.status).toBe('reconnecting');
    await view.rerender({ status: 'offline', saved: false });
    expect(screen.getByTestId('connection-status').textContent?.trim()).toBe('Offline');
    await view.rerender({ status: 'no-access', saved: true });
    expect(screen.getByTestId('connection-status').textContent?.trim()).toBe('No access');
  });
});
