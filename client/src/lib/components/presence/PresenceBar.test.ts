// @vitest-environment jsdom
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, fireEvent, render, screen, within } from '@testing-library/svelte';
import type { PresenceEntry } from '../../sync/presence-view.ts';
import PresenceBar from './PresenceBar.svelte';

afterEach(() => cleanup());

const entry = (over: Partial<PresenceEntry>): PresenceEntry => ({
  userId: 'u',
  displayName: 'Someone',
  role: 'mentor',
  color: '#4338ca',
  initials: 'S',
  online: true,
  presence: 'online',
  isMe: false,
  activity: null,
  cursorHidden: false,
  ...over,
});

describe('PresenceBar', () => {
  it('lists each member with initials in their colour, marks "you", and says what they are doing', () => {
    render(PresenceBar, {
      props: {
        entries: [
          entry({ userId: 'g', displayName: 'Grace Hopper', initials: 'GH', isMe: true, color: '#b91c1c' }),
          entry({ userId: 'a', displayName: 'Ada Lovelace', initials: 'AL', role: 'mentee', activity: 'editing goal “Rust”' }),
          entry({ userId: 'k', displayName: 'Away Person', initials: 'AP', role: 'mentee', online: false, presence: 'away' }),
        ],
        cursorHidden: false,
        onCursorHiddenChange: () => {},
      },
    });
    const region = screen.getByRole('region', { name: 'People in this room' });
    const items = within(region).getAllByTestId('presence-member');
    expect(items).toHaveLength(3);
    expect(items[0]?.textContent).toContain('Grace Hopper');
    expect(items[0]?.textContent).toContain('(you)');
    expect((items[0]?.querySelector('.avatar') as HTMLElement).style.background).toBe('rgb(185, 28, 28)');
    expect(within(items[1] as HTMLElement).getByTestId('presence-activity').textContent?.trim()).toBe('editing goal “Rust”');
    expect(within(items[2] as HTMLElement).getByTestId('presence-activity').textContent?.trim()).toBe('away');
    expect(items[2]?.dataset.online).toBe('false');
  });

  it("says the other member's presence is unknown while this member is offline", () => {
    render(PresenceBar, {
      props: {
        entries: [entry({ userId: 'a', displayName: 'Ada', online: false, presence: 'unknown' })],
        cursorHidden: false,
        onCursorHiddenChange: () => {},
      },
    });
    const item = screen.getByTestId('presence-member');
    expect(within(item).getByTestId('presence-activity').textContent?.trim()).toBe("unknown while you're offline");
    expect(item.dataset.presence).toBe('unknown');
  });

  it('reports the "hide my cursor" switch', async () => {
    const changes: boolean[] = [];
    render(PresenceBar, { props: { entries: [], cursorHidden: false, onCursorHiddenChange: (h: boolean) => changes.push(h) } });
    const box = screen.getByRole('checkbox', { name: 'Hide my cursor' });
    await fireEvent.click(box);
    await fireEvent.click(box);
    expect(changes).toEqual([true, false]);
  });
});
