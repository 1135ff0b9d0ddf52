// @vitest-environment jsdom
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import type { InvitePreview, Room, User } from '@menteo/protocol';
import { ApiError, createApi, type Api } from '../lib/api.ts';
import type { Session } from '../lib/session.svelte.ts';
import WithAppContext from '../test/WithAppContext.svelte';
import Invite from './Invite.svelte';

const ada: User = { id: 'u2', email: 'ada@example.com', displayName: 'Ada Lovelace' };
const preview = (status: InvitePreview['status']): InvitePreview => ({
  roomTitle: 'Career growth',
  mentorName: 'Grace Hopper',
  status,
  expiresAt: '2030-01-01T00:00:00.000Z',
});
const room: Room = {
  id: 'room-1',
  title: 'Career growth',
  createdAt: 'x',
  archivedAt: null,
  myRole: 'mentee',
  members: [],
  progress: { goals: 0, goalsDone: 0, milestones: 0, milestonesDone: 0, milestonePercent: 0 },
  lastActivityAt: null,
  lastMetAt: null,
  nextDueAt: null,
};

function api(over: Partial<Api>): Api {
  return { ...createApi(() => Promise.reject(new Error('unexpected request'))), ...over };
}

function renderInvite(a: Api, user: User | null) {
  return render(WithAppContext, {
    props: {
      api: a,
      component: Invite,
      props: { token: 'tok123' },
      onReady: ({ session }: { session: Session }) => (session.user = user),
    },
  });
}

beforeEach(() => history.replaceState(null, '', '/invite/tok123'));
afterEach(() => cleanup());

describe('Invite page', () => {
  it('shows a signed-out visitor whose room it is, with sign-up and log-in that come back here', async () => {
    renderInvite(api({ getInvite: () => Promise.resolve(preview('valid')) }), null);
    const signup = await screen.findByRole('link', { name: 'Sign up to accept' });
    expect(screen.getByTestId('invite-mentor').textContent).toBe('Grace Hopper');
    expect(screen.getByTestId('invite-room').textContent).toBe('Career growth');
    expect(signup.getAttribute('href')).toBe('/signup?next=%2Finvite%2Ftok123');
    expect(screen.getByRole('link', { name: 'Log in to accept' }).getAttribute('href')).toBe('/login?next=%2Finvite%2Ftok123');
    expect(screen.queryByRole('button', { name: 'Accept invitation' })).toBeNull();
  });

  it('tells a signed-out visitor that an invite was used, and offers to log in to their rooms', async () => {
    renderInvite(api({ getInvite: () => Promise.resolve(preview('used')) }), null);
    expect((await screen.findByRole('heading', { level: 1 })).textContent).toBe('This invite has already been used');
    expect(screen.getByRole('link', { name: 'Log in' }).getAttribute('href')).toBe('/login?next=%2Frooms');
    expect(screen.queryByRole('link', { name: 'Sign up to accept' })).toBeNull();
  });

  it('falls back to the generic sign-in prompt when the server wants a session for the preview', async () => {
    renderInvite(api({ getInvite: () => Promise.reject(new ApiError(401, 'unauthenticated', 'Sign in first.')) }), null);
    await screen.findByRole('link', { name: 'Sign up to accept' });
    expect(screen.getByRole('heading', { level: 1 }).textContent).toBe("Join your mentor's room on Menteo");
  });

  it('says an unknown link is not valid to a signed-out visitor too', async () => {
    renderInvite(api({ getInvite: () => Promise.reject(new ApiError(404, 'invite_invalid', 'This invite link is not valid.')) }), null);
    expect((await screen.findByRole('heading', { level: 1 })).textContent).toBe("This invite link isn't valid");
  });

  it('shows the room and mentor, and accepting opens the room', async () => {
    renderInvite(api({ getInvite: () => Promise.resolve(preview('valid')), acceptInvite: () => Promise.resolve(room) }), ada);
    expect((await screen.findByTestId('invite-mentor')).textContent).toBe('Grace Hopper');
    expect(screen.getByTestId('invite-room').textContent).toBe('Career growth');
    await fireEvent.click(screen.getByRole('button', { name: 'Accept invitation' }));
    await waitFor(() => expect(location.pathname).toBe('/rooms/room-1'));
  });

  it.each([
    ['expired', 'This invite has expired'],
    ['used', 'This invite has already been used'],
    ['full', 'This room already has a mentee'],
  ] as const)('explains a %s invite in plain words', async (status, title) => {
    renderInvite(api({ getInvite: () => Promise.resolve(preview(status)) }), ada);
    expect((await screen.findByRole('heading', { level: 1 })).textContent).toBe(title);
    expect(screen.getByTestId('invite-problem').dataset.reason).toBe(status);
    expect(screen.queryByRole('button', { name: 'Accept invitation' })).toBeNull();
  });

  it('says an unknown link is not valid', async () => {
    renderInvite(api({ getInvite: () => Promise.reject(new ApiError(404, 'invite_invalid', 'This invite link is not valid.')) }), ada);
    expect((await screen.findByRole('heading', { level: 1 })).textContent).toBe("This invite link isn't valid");
  });

  it("shows the server's reason when accepting fails", async () => {
    renderInvite(
      api({
        getInvite: () => Promise.resolve(preview('valid')),
        acceptInvite: () => Promise.reject(new ApiError(409, 'conflict', "This is your own room's invite; send it to your mentee.")),
      }),
      ada,
    );
    await fireEvent.click(await screen.findByRole('button', { name: 'Accept invitation' }));
    expect((await screen.findByTestId('accept-error')).textContent).toContain("This is your own room's invite");
    expect(location.pathname).toBe('/invite/tok123');
  });
});
