/**
 * A meeting, held by a mentor and a mentee in their own browser profiles (real accounts made
 * through the signup form, a real server on a fresh Postgres, Debian's Chromium): the mentor
 * starts it, both see the timer run, they tick a milestone and discuss one agenda point, the
 * mentee ends it; both see the summary, the undiscussed point says where it was carried over
 * from, and My rooms says they met today. The tests build on each other, in order.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import { captureFailure, screenshot, startE2E, type E2E } from './harness.ts';
import { acceptInvite, addGoal, createInviteLink, createRoom, eventually, goalCard, logIn, openTab, person, signUp, waitConnected } from './flows.ts';

const mentor = person('Maya Mentor');
const mentee = person('Eli Mentee');

let e2e: E2E;
let mentorCtx: BrowserContext;
let menteeCtx: BrowserContext;
let a: Page;
let b: Page;
let roomId: string;

beforeAll(async () => {
  // Nobody waits a minute for the automatic start here: the mentor presses Start.
  e2e = await startE2E({ env: { MEETING_AUTOSTART_S: '0' } });
  mentorCtx = await e2e.newContext({ width: 1280, height: 800 });
  menteeCtx = await e2e.newContext({ width: 1280, height: 800 });
  a = await mentorCtx.newPage();
  b = await menteeCtx.newPage();
  for (const [name, page] of [['mentor', a], ['mentee', b]] as const) page.on('pageerror', (err) => console.error(`[${name} page error]`, err));
  try {
    await signUp(a, mentor);
    roomId = await createRoom(a, 'Maya & Eli — growth plan');
    const invite = await createInviteLink(a);
    await signUp(b, mentee);
    await b.goto(invite);
    await acceptInvite(b);
    await waitConnected(a);
    await waitConnected(b);
    // What the meeting will work through: a goal with milestones, two talking points, an action item.
    await addGoal(a, 'in_progress', 'Ship a side project');
    await goalCard(a, 'Ship a side project').getByTestId('goal-open').click();
    const dialog = a.getByTestId('goal-detail');
    for (const m of ['Pick an idea', 'Build the first version']) {
      await dialog.getByTestId('new-milestone-input').fill(m);
      await dialog.getByTestId('add-milestone').click();
    }
    await dialog.getByTestId('goal-close').click();
    await openTab(a, 'Agenda');
    for (const p of ['Salary conversation', 'Which conference to submit to']) {
      await a.getByTestId('new-agenda-input').fill(p);
      await a.getByTestId('add-agenda').click();
    }
    await openTab(a, 'Action items');
    await a.getByTestId('new-action-input').fill('Draft the talk abstract');
    await a.getByTestId('add-action').click();
    await openTab(a, 'Board');
  } catch (err) {
    console.error(await captureFailure('meetings-setup', { mentor: a, mentee: b }));
    throw err;
  }
}, 180_000);

afterEach(async ({ task }) => {
  if (task.result?.state === 'fail') console.error(await captureFailure(`meet-${task.name.slice(0, 30)}`, { mentor: a, mentee: b }));
});

afterAll(async () => {
  await e2e?.stop();
});

const timer = (page: Page) => page.getByTestId('meeting-timer');

describe('a meeting held together', () => {
  it('starts when the mentor presses Start, and both see the same timer running', async () => {
    await a.getByTestId('meeting-start').click();
    for (const page of [a, b]) {
      await timer(page).waitFor({ timeout: 15_000 });
      await eventually(async () => expect(await timer(page).innerText()).not.toBe('0:00'), 10_000, 'the timer to tick');
      await eventually(async () => expect(await page.getByTestId('meeting-attendees').innerText()).toContain('&'), 10_000, 'both attending');
    }
    // From the server's clock: both read within a second of each other.
    const [ta, tb] = await Promise.all([timer(a).innerText(), timer(b).innerText()]);
    const secs = (t: string) => t.split(':').reduce((acc, p) => acc * 60 + Number(p), 0);
    expect(Math.abs(secs(ta) - secs(tb))).toBeLessThanOrEqual(1);
    expect(await a.getByTestId('meeting-title').innerText()).toBe('Meeting 1');
    await screenshot(a, '15-meeting-running');
  });

  it('lets them tick a milestone and discuss one agenda point during the meeting', async () => {
    await goalCard(b, 'Ship a side project').getByTestId('card-milestone').first().check();
    await openTab(a, 'Agenda');
    await a.getByTestId('agenda-item').filter({ hasText: 'Salary conversation' }).getByTestId('agenda-discussed').check();
    await openTab(b, 'Agenda');
    await eventually(
      async () => expect(await b.getByTestId('agenda-item').filter({ hasText: 'Salary conversation' }).getByTestId('agenda-discussed').isChecked()).toBe(true),
      10_000,
      'the discussed point on the mentee side',
    );
    await eventually(
      async () => expect(await goalCard(a, 'Ship a side project').getByTestId('card-milestone').first().isChecked()).toBe(true),
      10_000,
      'the ticked milestone on the mentor side',
    );
  });

  it('ends when the mentee presses End: both see the summary, and the open point is carried over', async () => {
    await b.getByTestId('meeting-end').click();
    for (const page of [a, b]) {
      const card = page.getByTestId('meeting-summary');
      await card.waitFor({ timeout: 15_000 });
      const text = await card.innerText();
      expect(text).toContain('Meeting 1 ended');
      expect(text).toContain('Milestones done');
      expect(text).toContain('Pick an idea');
      expect(text).toContain('Agenda points discussed');
      expect(text).toContain('Salary conversation');
      expect(text).toContain('Carried over to next time');
      await page.getByTestId('meeting-start').waitFor();
    }
    await screenshot(b, '16-meeting-summary', { fullPage: true });

    for (const page of [a, b]) {
      await eventually(async () => {
        const items = await page.getByTestId('agenda-item').allInnerTexts();
        expect(items).toHaveLength(1);
        expect(items[0]).toContain('carried over from Meeting 1');
      }, 10_000, 'the carry-over on the agenda');
    }
    await screenshot(a, '17-agenda-carried-over', { fullPage: true });
    await openTab(a, 'Action items');
    expect(await a.getByTestId('action-age').first().innerText()).toBe('added today');
  });

  it('keeps a cadence in room settings, with the next meeting as an .ics file', async () => {
    await openTab(a, 'Board');
    await a.getByTestId('room-settings-toggle').click();
    await a.getByTestId('cadence-kind').selectOption('weekly');
    await a.getByTestId('cadence-save').click();
    const link = a.getByTestId('cadence-ics');
    await link.waitFor();
    const res = await a.request.get(`/api/rooms/${roomId}/next-meeting.ics`);
    expect(res.status()).toBe(200);
    expect(await res.text()).toContain('BEGIN:VEVENT');
    await eventually(async () => expect(await a.getByTestId('room-meeting-line').innerText()).toMatch(/^Last met today · next due /), 10_000, 'the header line');
    await screenshot(a, '18-cadence-settings');
  });

  it('shows "last met today" on My rooms', async () => {
    for (const page of [a, b]) {
      await page.goto('/rooms');
      await eventually(async () => expect(await page.getByTestId('room-meeting-line').first().innerText()).toContain('Last met today'), 10_000, 'My rooms');
    }
    await screenshot(a, '19-rooms-last-met');
  });

  it('works at phone width: start, timer, end and summary, with nothing scrolling sideways', async () => {
    const phone = await e2e.newContext({ width: 390, height: 844 });
    try {
      const page = await phone.newPage();
      await page.goto('/login');
      await logIn(page, mentee);
      await page.waitForURL('**/rooms');
      await eventually(async () => expect(await page.getByTestId('room-meeting-line').first().innerText()).toContain('Last met today'), 10_000, 'My rooms on the phone');
      await screenshot(page, '19-rooms-last-met-phone', { fullPage: true });
      await page.goto(`/rooms/${roomId}`);
      await waitConnected(page);
      await page.getByTestId('meeting-start').click();
      await eventually(async () => expect(await timer(page).innerText()).not.toBe('0:00'), 15_000, 'the timer on the phone');
      await screenshot(page, '15-meeting-running-phone');
      const wide = () => page.evaluate(() => document.documentElement.scrollWidth);
      expect(await wide()).toBeLessThanOrEqual(390);
      await page.getByTestId('meeting-end').click();
      await page.getByTestId('meeting-summary').waitFor({ timeout: 15_000 });
      expect(await page.getByTestId('meeting-summary').innerText()).toContain('Meeting 2 ended');
      await screenshot(page, '16-meeting-summary-phone', { fullPage: true });
      expect(await wide()).toBeLessThanOrEqual(390);
      await openTab(page, 'Agenda');
      await screenshot(page, '17-agenda-carried-over-phone', { fullPage: true });
      await page.getByTestId('room-settings-toggle').click();
      await page.getByTestId('cadence-form').waitFor();
      await screenshot(page, '18-cadence-settings-phone', { fullPage: true });
      expect(await wide()).toBeLessThanOrEqual(390);
    } finally {
      await phone.close();
    }
  });
});
