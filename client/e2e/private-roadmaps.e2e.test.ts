/**
 * Issue 17 in the room, in Debian's Chromium against the real server: a member's private notes
 * (kept from the partner, and from a second account in the same browser), moving a private
 * talking point to the shared agenda, applying a roadmap and undoing it in one step, and both
 * members accepting the expectations agreement (and again after its text changes).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import { captureFailure, screenshot, startE2E, type E2E } from './harness.ts';
import {
  acceptInvite,
  column,
  createInviteLink,
  createRoom,
  eventually,
  goalCard,
  openTab,
  person,
  signUp,
  waitConnected,
  type Person,
} from './flows.ts';

const mentor = person('Maya Mentor');
const mentee = person('Eli Mentee');
const SECRET = 'Eli seems anxious about the review';

let e2e: E2E;
let mentorCtx: BrowserContext;
let menteeCtx: BrowserContext;
let a: Page; // the mentor
let b: Page; // the mentee
let roomId: string;

/** Signs `who` in for the whole context through the API (the context's cookie jar is the browser's). */
async function apiLogin(ctx: BrowserContext, who: Person): Promise<void> {
  const res = await ctx.request.post('/api/auth/login', { data: { email: who.email, password: who.password }, headers: { origin: e2e.baseUrl } });
  expect(res.status()).toBe(200);
}

const privateNotes = (page: Page) => page.getByTestId('private-notes-editor');
const privatePoints = (page: Page) => page.getByTestId('private-point');
const agreement = (page: Page) => page.getByTestId('agreement');
const memberRow = (page: Page, name: 'You' | string) => agreement(page).getByTestId('agreement-member').filter({ hasText: name });

beforeAll(async () => {
  e2e = await startE2E();
  mentorCtx = await e2e.newContext();
  menteeCtx = await e2e.newContext();
  a = await mentorCtx.newPage();
  b = await menteeCtx.newPage();
  for (const [name, page] of [['mentor', a], ['mentee', b]] as const) {
    page.on('pageerror', (err) => console.error(`[${name} page error]`, err));
  }
  try {
    await signUp(a, mentor);
    roomId = await createRoom(a, 'Maya & Eli — private and roadmaps');
    const invite = await createInviteLink(a);
    await signUp(b, mentee);
    await b.goto(invite);
    await acceptInvite(b);
    await waitConnected(a);
    await waitConnected(b);
  } catch (err) {
    console.error(await captureFailure('setup', { mentor: a, mentee: b }));
    throw err;
  }
}, 180_000);

afterEach(async ({ task }) => {
  if (task.result?.state === 'fail') console.error(await captureFailure(task.name.slice(0, 40), { mentor: a, mentee: b }));
});

afterAll(async () => {
  await e2e?.stop();
});

describe('private notes', () => {
  it('keeps what the mentor writes privately out of the mentee’s view', async () => {
    await openTab(a, 'Notes');
    await openTab(b, 'Notes');
    expect(await a.getByTestId('private-badge').innerText()).toContain('Only you can see this');
    await privateNotes(a).click();
    await a.keyboard.type(SECRET);
    await a.getByTestId('new-private-point').fill('Ask about the promotion');
    await a.getByTestId('add-private-point').click();
    await a.getByTestId('new-private-point').fill('Suggest a stretch project');
    await a.getByTestId('add-private-point').click();
    await eventually(async () => expect(await privatePoints(a).count()).toBe(2), 5_000, 'two private points');
    await a.getByTestId('notes-editor').click();
    await a.keyboard.type('Shared: agenda for next week');
    await eventually(async () => expect(await b.getByTestId('notes-editor').innerText()).toContain('Shared: agenda for next week'), 15_000, 'the shared line at the mentee');

    // The shared line arrived, so anything that leaked would have too.
    expect(await b.getByTestId('private-panel').innerText()).not.toContain(SECRET);
    expect((await privateNotes(b).innerText()).trim()).toBe('');
    expect(await privatePoints(b).count()).toBe(0);
    expect(await b.getByTestId('notes-editor').innerText()).not.toContain(SECRET);
    await screenshot(a, '35-private-notes', { fullPage: true });

    // Saved on the server: a reload brings it back.
    await eventually(async () => {
      await a.reload();
      await openTab(a, 'Notes');
      await eventually(async () => expect(await privateNotes(a).innerText()).toContain(SECRET), 5_000, 'the private notes after reload');
    }, 20_000, 'the private notes to survive a reload');
    expect(await privatePoints(a).count()).toBe(2);
  });

  it('does not share private notes with a second account signed in to the same browser', async () => {
    const shared = await e2e.newContext();
    try {
      await apiLogin(shared, mentor);
      const first = await shared.newPage();
      await first.goto(`/rooms/${roomId}#notes`);
      await eventually(async () => expect(await privateNotes(first).innerText()).toContain(SECRET), 15_000, "the mentor's private notes in the shared browser");

      // The mentee signs in in the same browser (same cookies, IndexedDB and BroadcastChannel) while the mentor's tab stays open.
      await apiLogin(shared, mentee);
      const second = await shared.newPage();
      await second.goto(`/rooms/${roomId}#notes`);
      await waitConnected(second);
      await privateNotes(second).click();
      await second.keyboard.type('Eli: my own thoughts');
      await second.getByTestId('new-private-point').fill('Eli’s private point');
      await second.getByTestId('add-private-point').click();
      await eventually(async () => expect(await privatePoints(second).count()).toBe(1), 5_000, "the mentee's private point");
      // Give a shared BroadcastChannel more than enough time to carry anything across.
      await new Promise((r) => setTimeout(r, 1500));
      expect(await privateNotes(second).innerText()).not.toContain(SECRET);
      expect(await privateNotes(first).innerText()).not.toContain('Eli: my own thoughts');
      expect(await privatePoints(first).allInnerTexts()).not.toContainEqual(expect.stringContaining('Eli’s private point'));
      expect(await privatePoints(second).allInnerTexts()).not.toContainEqual(expect.stringContaining('Ask about the promotion'));
    } finally {
      await shared.close();
    }
  });

  it('moves a private talking point to the shared agenda in one click', async () => {
    await openTab(a, 'Notes');
    const point = privatePoints(a).filter({ hasText: 'Ask about the promotion' });
    await point.getByTestId('private-point-share').click();
    await eventually(async () => expect(await privatePoints(a).allInnerTexts()).toEqual([expect.stringContaining('Suggest a stretch project')]), 5_000, 'the point gone from the private list');
    await openTab(b, 'Agenda');
    await eventually(
      async () => expect(await b.getByTestId('agenda-item').allInnerTexts()).toEqual([expect.stringContaining('Ask about the promotion')]),
      15_000,
      "the point on the mentee's agenda",
    );
  });
});

describe('roadmaps', () => {
  it('applies a roadmap to the board in one edit and takes it back with Undo', async () => {
    await openTab(a, 'Board');
    await openTab(b, 'Board');
    await a.getByTestId('roadmap-toggle').click();
    const cards = a.getByTestId('roadmap-card');
    expect(await cards.count()).toBeGreaterThanOrEqual(5);
    await screenshot(a, '36-roadmap-picker', { fullPage: true });
    await cards.filter({ hasText: 'Public speaking' }).getByTestId('roadmap-apply').click();
    await a.getByTestId('roadmap-toast').waitFor();
    expect(await a.getByTestId('roadmap-toast').innerText()).toContain('Public speaking');
    for (const page of [a, b]) {
      await eventually(async () => {
        expect(await goalCard(page, 'Give a lightning talk').count()).toBe(1);
        expect(await goalCard(page, 'Speak at a meetup').count()).toBe(1);
        expect(await column(page, 'not_started').getByTestId('goal-card').count()).toBe(3);
      }, 15_000, 'the roadmap goals on the board');
    }
    await screenshot(a, '36-roadmap-applied');

    await a.getByTestId('roadmap-undo').click();
    for (const page of [a, b]) {
      await eventually(async () => expect(await column(page, 'not_started').getByTestId('goal-card').count()).toBe(0), 15_000, 'the roadmap undone');
    }
    expect(await a.getByTestId('roadmap-toast').count()).toBe(0);

    // A board to keep: the first open-source contribution.
    await a.getByTestId('roadmap-toggle').click();
    await a.getByTestId('roadmap-card').filter({ hasText: 'First open-source contribution' }).getByTestId('roadmap-apply').click();
    await eventually(async () => expect(await goalCard(b, 'Land a first pull request').count()).toBe(1), 15_000, 'the kept roadmap at the mentee');
  });
});

describe('the expectations agreement', () => {
  it('is co-edited live, accepted by both, and asks both again after a change', async () => {
    for (const page of [a, b]) {
      await agreement(page).waitFor();
      expect(await agreement(page).getByTestId('agreement-expectations').innerText()).toMatch(/Confidentiality[\s\S]*Mutual respect[\s\S]*Psychological safety/);
    }
    const additionsB = agreement(b).getByTestId('agreement-additions');
    await eventually(async () => expect(await additionsB.isEnabled()).toBe(true), 10_000, 'the additions field enabled');
    await additionsB.click();
    await b.keyboard.type('We meet every other Tuesday.');
    await eventually(
      async () => expect(await agreement(a).getByTestId('agreement-additions').inputValue()).toBe('We meet every other Tuesday.'),
      15_000,
      'the additions live at the mentor',
    );

    await eventually(async () => expect(await agreement(a).getByTestId('agreement-accept').isEnabled()).toBe(true), 10_000, 'accept enabled');
    await agreement(a).getByTestId('agreement-accept').click();
    await eventually(async () => expect(await memberRow(a, 'You').getAttribute('data-accepted')).toBe('true'), 10_000, 'the mentor accepted');
    await eventually(async () => expect(await memberRow(b, mentor.name).getAttribute('data-accepted')).toBe('true'), 25_000, "the mentor's acceptance at the mentee");
    await screenshot(b, '37-agreement');
    await agreement(b).getByTestId('agreement-accept').click();
    for (const page of [a, b]) {
      await eventually(
        async () => expect(await agreement(page).getByTestId('agreement-status').innerText()).toContain('Accepted by both'),
        25_000,
        'accepted by both',
      );
    }
    expect(await agreement(a).innerText()).not.toContain('I accept');
    await screenshot(a, '37-agreement-accepted');

    // A change after acceptance: both are asked again.
    await agreement(a).getByTestId('agreement-toggle').click();
    await agreement(a).getByTestId('agreement-additions').click();
    await a.keyboard.press('End');
    await a.keyboard.type(' Cameras on.');
    for (const page of [a, b]) {
      await eventually(async () => {
        expect(await agreement(page).getByTestId('agreement-changed').count()).toBe(1);
        expect(await agreement(page).getByTestId('agreement-accept').innerText()).toContain('Accept the new version');
      }, 25_000, 'both asked to accept again');
    }
    await agreement(a).getByTestId('agreement-accept').click();
    await agreement(b).getByTestId('agreement-accept').click();
    for (const page of [a, b]) {
      await eventually(
        async () => expect(await agreement(page).getByTestId('agreement-status').innerText()).toContain('Accepted by both'),
        25_000,
        'accepted by both again',
      );
    }
  });
});

describe('at phone width', () => {
  it('renders the private panel, the roadmap picker and the agreement', async () => {
    const phone = await e2e.newContext({ width: 390, height: 844 });
    try {
      await apiLogin(phone, mentor);
      const page = await phone.newPage();
      await page.goto(`/rooms/${roomId}`);
      await waitConnected(page);
      await agreement(page).getByTestId('agreement-toggle').click();
      await page.getByTestId('roadmap-toggle').click();
      await screenshot(page, '38-phone-board-roadmaps', { fullPage: true });
      await openTab(page, 'Notes');
      await eventually(async () => expect(await privateNotes(page).innerText()).toContain(SECRET), 15_000, 'private notes on the phone');
      await screenshot(page, '38-phone-private-notes', { fullPage: true });
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      expect(overflow).toBeLessThanOrEqual(0);
    } finally {
      await phone.close();
    }
  });
});
