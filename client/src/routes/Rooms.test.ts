// @vitest-environment jsdom
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import type { Room, User } from '@menteo/protocol';
import { createApi, type Api } from '../lib/api.ts';
import type { Session } from '../lib/session.svelte.ts';
import WithAppContext from '../test/WithAppContext.svelte';
import Rooms from './Rooms.svelte';

const ada: User = { id: 'u1', email: 'ada@example.com', displayName: 'Ada Lovelace' };
const member = (userId: string, displayName: string, role: 'mentor' | 'mentee') => ({ userId, displayName, role, joinedAt: 'x' });

const active: Room = {
  id: 'r1',
  title: 'Career growth',
  createdAt: 'x',
  archivedAt: null,
  myRole: 'mentor',
  members: [member('u1', 'Ada Lovelace', 'mentor'), member('u2', 'Grace Hopper', 'mentee')],
  progress: { goals: 2, goalsDone: 1, milestones: 4, milestonesDone: 3, milestonePercent: 75 },
  lastActivityAt: new Date(Date.now() - 3 * 3600_000).toISOString(),
  lastMetAt: null,
  nextDueAt: null,
};
const fresh: Room = {
  ...active,
  id: 'r2',
  title: 'Brand new',
  progress: { goals: 0, goalsDone: 0, milestones: 0, milestonesDone: 0, milestonePercent: 0 },
  lastActivityAt: null,
  lastMetAt: null,
  nextDueAt: null,
};

function renderRooms(rooms: Room[], extra: Partial<Api> = {}) {
  const api: Api = { ...createApi(() => Promise.reject(new Error('unexpected request'))), listRooms: () => Promise.resolve(rooms), ...extra };
  return render(WithAppContext, {
    props: { api, component: Rooms, props: {}, onReady: ({ session }: { session: Session }) => (session.user = ada) },
  });
}

afterEach(() => cleanup());

describe('My rooms', () => {
  it("shows each room's milestone progress and when it last changed", async () => {
    renderRooms([active, fresh]);
    const cards = await screen.findAllByTestId('room-card');
    const [first, second] = cards.map((c) => within(c));
    expect(first?.getByTestId('room-progress').textContent).toBe('3 of 4 milestones · 75%');
    expect(first?.getByRole('progressbar').getAttribute('aria-valuenow')).toBe('75');
    expect(first?.getByTestId('room-activity').textContent).toBe('Last activity 3 hours ago');
    expect(first?.getByTestId('room-partner').textContent).toBe('with Grace Hopper');

    expect(second?.getByTestId('room-progress').textContent).toBe('No goals yet');
    expect(second?.queryByRole('progressbar')).toBeNull();
    expect(second?.getByTestId('room-activity').textContent).toBe('No activity yet');
  });

  it('offers Open and, to the mentor, Unarchive on an archived room, which then moves back to the active list', async () => {
    const old: Room = { ...active, id: 'r3', title: 'Last year', archivedAt: '2026-01-01T00:00:00Z' };
    const asMentee: Room = { ...old, id: 'r4', title: 'As mentee', myRole: 'mentee' };
    const unarchived: string[] = [];
    renderRooms([active, old, asMentee], {
      unarchiveRoom: (id: string) => {
        unarchived.push(id);
        return Promise.resolve({ ...old, archivedAt: null });
      },
    });
    const [mine, theirs] = (await screen.findAllByTestId('archived-room')).map((c) => within(c));
    expect(mine?.getByRole('link', { name: 'Open Last year' }).getAttribute('href')).toBe('/rooms/r3');
    expect(theirs?.getByRole('link', { name: 'Open As mentee' })).toBeTruthy();
    expect(theirs?.queryByTestId('archived-unarchive')).toBeNull();
    await fireEvent.click(mine!.getByRole('button', { name: 'Unarchive Last year' }));
    expect(unarchived).toEqual(['r3']);
    await waitFor(() => expect(screen.getAllByTestId('room-card').map((c) => c.dataset.roomId)).toEqual(['r1', 'r3']));
    expect(screen.getAllByTestId('archived-room').map((c) => c.dataset.roomId)).toEqual(['r4']);
  });
});
