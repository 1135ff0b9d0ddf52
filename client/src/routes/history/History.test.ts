// @vitest-environment jsdom
import { afterEach, describe, expect, it, vi } from 'vitest';
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import * as Y from 'yjs';
import type { CompareResult, HistoryMeetingsResponse, Room, TimelineResponse, User } from '@menteo/protocol';
import { addMilestone, compareDocs, createGoal, deleteGoal } from '@menteo/room-doc';
import { ApiError, createApi } from '../../lib/api.ts';
import type { HistoryApi } from '../../lib/history/api.ts';
import type { HistoryView } from '../../lib/router.ts';
import WithAppContext from '../../test/WithAppContext.svelte';
import HistoryPage from './HistoryPage.svelte';

/*
 * The history pages over a fake API whose states are real Y.Doc updates: a goal board in
 * three moments (meeting 1, meeting 2, now), like the server would send.
 */

const ana: User = { id: 'u-ana', email: 'ana@example.com', displayName: 'Ana' };
const room: Room = {
  id: 'r1',
  title: 'Ana & Ben',
  createdAt: '2026-11-01T00:00:00.000Z',
  archivedAt: null,
  myRole: 'mentor',
  members: [
    { userId: 'u-ana', displayName: 'Ana', role: 'mentor', joinedAt: 'x' },
    { userId: 'u-ben', displayName: 'Ben', role: 'mentee', joinedAt: 'x' },
  ],
  progress: { goals: 1, goalsDone: 0, milestones: 1, milestonesDone: 0, milestonePercent: 0 },
  lastActivityAt: null,
  lastMetAt: null,
  nextDueAt: null,
};

function moments() {
  const doc = new Y.Doc();
  const portfolio = createGoal(doc, { title: 'Ship the portfolio', status: 'in_progress', owner: 'mentee', createdBy: 'u-ben' });
  addMilestone(doc, portfolio, 'Pick three projects');
  const m1 = Y.encodeStateAsUpdate(doc);
  createGoal(doc, { title: 'Learn Rust', status: 'not_started', owner: 'mentor', createdBy: 'u-ana' });
  const m2 = Y.encodeStateAsUpdate(doc);
  deleteGoal(doc, portfolio);
  const now = Y.encodeStateAsUpdate(doc);
  return { portfolio, m1, m2, now };
}

const author = (id: string, name: string, role: 'mentor' | 'mentee') => ({ id, name, role });
const meetingsPage: HistoryMeetingsResponse = {
  entries: [
    { type: 'activity', activity: { from: '2026-12-04T11:00:00.000Z', to: '2026-12-05T07:00:00.000Z', byAuthor: [], text: '3 edits by Ben' } },
    {
      type: 'meeting',
      meeting: {
        id: 'm2',
        title: 'Meeting 2',
        startedAt: '2026-12-04T10:00:00.000Z',
        endedAt: '2026-12-04T11:00:00.000Z',
        durationMs: 3_600_000,
        attendees: [author('u-ana', 'Ana', 'mentor'), author('u-ben', 'Ben', 'mentee')],
        summary: '1 goal added',
        hasSnapshot: true,
      },
    },
    {
      type: 'meeting',
      meeting: {
        id: 'm1',
        title: 'Kick-off',
        startedAt: '2026-11-27T10:00:00.000Z',
        endedAt: '2026-11-27T10:30:00.000Z',
        durationMs: 1_800_000,
        attendees: [author('u-ana', 'Ana', 'mentor')],
        summary: '1 goal added, 1 milestone added',
        hasSnapshot: true,
      },
    },
  ],
  nextCursor: null,
};

function fakeApi(overrides: Partial<HistoryApi> = {}) {
  const { portfolio, m1, m2, now } = moments();
  const states: Record<string, Uint8Array> = { m1, m2, now };
  const docOf = (p: string) => {
    const d = new Y.Doc();
    Y.applyUpdate(d, states[p] ?? now);
    return d;
  };
  const restore = vi.fn<HistoryApi['restore']>(async (_roomId, body) => ({
    restored: true,
    kind: body.kind,
    id: body.kind === 'goal' ? body.goalId : undefined,
    from: { kind: 'meeting', at: '2026-12-04T11:00:00.000Z', meetingId: 'm2' },
  }));
  const timeline: TimelineResponse = {
    from: '2026-11-28T07:00:00.000Z',
    to: '2026-12-05T07:00:00.000Z',
    groups: [
      {
        id: 'g1',
        minute: '2026-12-04T10:10:00.000Z',
        firstAt: '2026-12-04T10:10:05.000Z',
        lastAt: 'm2',
        author: author('u-ana', 'Ana', 'mentor'),
        updates: 4,
        steps: [{ kind: 'goal.added', text: "Ana added the goal 'Learn Rust'" }],
      },
      {
        id: 'g2',
        minute: '2026-12-05T06:59:00.000Z',
        firstAt: '2026-12-05T06:59:01.000Z',
        lastAt: 'now',
        author: author('u-ben', 'Ben', 'mentee'),
        updates: 1,
        steps: [{ kind: 'goal.removed', text: "Ben removed the goal 'Ship the portfolio'" }],
      },
    ],
    next: null,
    historyStartsAt: null,
  };
  const api: HistoryApi = {
    meetings: async () => meetingsPage,
    // The fake timeline's points are the state names (a real one uses ISO times).
    timeline: async () => ({ ...timeline, from: 'm1' }),
    state: async (_r, at) => ({ update: states[at] ?? now, at: null }),
    meetingState: async (_r, mid) => {
      if (!states[mid]) throw new ApiError(404, 'not_found', 'No such meeting.');
      return { update: states[mid], at: '2026-12-04T11:00:00.000Z' };
    },
    compare: async (_r, a, b): Promise<CompareResult> => ({
      ...compareDocs(docOf(a), docOf(b)),
      a: { kind: 'meeting', at: '2026-12-04T11:00:00.000Z', meetingId: a },
      b: { kind: 'now', at: '2026-12-05T07:00:00.000Z' },
      authors: [author('u-ana', 'Ana', 'mentor'), author('u-ben', 'Ben', 'mentee')],
    }),
    restore,
    exportUrl: (r, f) => `/api/rooms/${r}/export.${f}`,
    meetingExportUrl: (r, m) => `/api/rooms/${r}/meetings/${m}/export.md`,
    ...overrides,
  };
  return { api, restore, portfolio };
}

function show(view: HistoryView, api: HistoryApi) {
  const restApi = createApi(() => Promise.reject(new Error('unexpected request')));
  return render(WithAppContext, { props: { api: restApi, component: HistoryPage, props: { room, user: ana, view, api } } });
}

afterEach(() => cleanup());

describe('History page', () => {
  it('lists meetings newest first with duration, attendees and summary, and the activity between them', async () => {
    show({ kind: 'list' }, fakeApi().api);
    const items = await screen.findAllByTestId('history-meeting');
    expect(items.map((li) => li.dataset.id)).toEqual(['m2', 'm1']);
    expect(items[0]!.textContent).toContain('1 h 00 min');
    expect(items[0]!.textContent).toContain('With Ana and Ben');
    expect(items[0]!.textContent).toContain('1 goal added');
    expect(screen.getByTestId('history-activity').textContent).toContain('3 edits by Ben');
    expect(screen.getByTestId('export-md').getAttribute('href')).toBe('/api/rooms/r1/export.md');
    expect(screen.getByTestId('export-pdf').hasAttribute('download')).toBe(true);
  });

  it('says so when there is no history yet, and when it cannot be loaded', async () => {
    show({ kind: 'list' }, fakeApi({ meetings: async () => ({ entries: [], nextCursor: null }) }).api);
    expect(await screen.findByTestId('history-empty')).toBeTruthy();
    cleanup();
    show({ kind: 'list' }, fakeApi({ meetings: () => Promise.reject(new ApiError(503, 'unavailable', 'Database down.')) }).api);
    expect((await screen.findByTestId('history-error')).textContent).toContain('Database down.');
  });

  it('opens a meeting as it was, read-only, drawn by the room components', async () => {
    show({ kind: 'meeting', meetingId: 'm1' }, fakeApi().api);
    const past = await screen.findByTestId('past-room');
    await waitFor(() => expect(within(past).getByText('Ship the portfolio')).toBeTruthy());
    expect(within(past).queryByText('Learn Rust')).toBeNull();
    expect(within(past).queryByTestId('add-goal-not_started')).toBeNull();
    expect(screen.getByTestId('meeting-export-md').getAttribute('href')).toBe('/api/rooms/r1/meetings/m1/export.md');
  });

  it('says a meeting is not in the history when the server does not know it', async () => {
    show({ kind: 'meeting', meetingId: 'nope' }, fakeApi().api);
    expect(await screen.findByTestId('past-meeting-missing')).toBeTruthy();
  });

  it('compares a meeting with now and restores a deleted goal as a new edit', async () => {
    const { api, restore, portfolio } = fakeApi();
    show({ kind: 'compare', a: 'm2', b: 'now' }, api);
    const removed = await screen.findByTestId('compare-goal-removed');
    expect(removed.textContent).toContain('Ship the portfolio');
    expect(removed.textContent).toContain('1 milestones');
    await fireEvent.click(within(removed).getByRole('button', { name: 'Restore goal “Ship the portfolio” with its milestones' }));
    expect(restore).toHaveBeenCalledWith('r1', { kind: 'goal', goalId: portfolio, from: 'm2' });
    expect((await screen.findByTestId('restore-outcome')).textContent).toBe('Restored: “Ship the portfolio” is back in the room.');
  });

  it('scrubs the timeline: each slider step draws the board as of that step and records its drawing time', async () => {
    show({ kind: 'timeline', from: null, to: null }, fakeApi().api);
    const slider = await screen.findByTestId<HTMLInputElement>('timeline-slider');
    // It opens at the latest step: the portfolio goal is gone, Rust is there.
    await waitFor(() => expect(slider.dataset.shown).toBe('2'));
    const board = () => screen.getByTestId('timeline-state');
    expect(within(board()).queryByText('Ship the portfolio')).toBeNull();
    await fireEvent.input(slider, { target: { value: '0' } });
    await waitFor(() => expect(slider.dataset.shown).toBe('0'));
    expect(within(board()).getByText('Ship the portfolio')).toBeTruthy();
    expect(within(board()).queryByText('Learn Rust')).toBeNull();
    expect(Number(slider.dataset.renderMs)).toBeGreaterThan(0);
    expect(screen.getAllByTestId('timeline-group').map((g) => g.textContent)).toEqual([
      expect.stringContaining("Ana added the goal 'Learn Rust'"),
      expect.stringContaining("Ben removed the goal 'Ship the portfolio'"),
    ]);
  });
});
