/**
 * Session history in Chromium: a mentor and a mentee hold two meetings through the UI (started
 * and ended over the meetings API), change the room between and after them, then the mentor
 * reviews it all: the history list, a past meeting as it was, two meetings compared, the
 * timeline scrubbed, a deleted goal restored (the mentee sees it come back live), and the
 * Markdown and PDF exports. A second room with 50,000 logged updates measures how long each
 * scrub step takes to draw.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import { captureFailure, screenshot, startE2E, type E2E } from './harness.ts';
import {
  addGoal,
  createInviteLink,
  createRoom,
  eventually,
  goalCard,
  notesText,
  openTab,
  person,
  signUp,
  signUpAndAcceptInvite,
  typeInNotes,
  waitConnected,
  waitSaved,
} from './flows.ts';
import { seedLongHistory } from './history-seed.ts';

const mentor = person('Ana Mentor');
const mentee = person('Ben Mentee');

let e2e: E2E;
let mentorCtx: BrowserContext;
let menteeCtx: BrowserContext;
let a: Page; // the mentor
let b: Page; // the mentee, staying in the room
let roomId: string;
let ids: { mentor: string; mentee: string };
const meetings: { kickoff: string; checkin: string } = { kickoff: '', checkin: '' };

const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 390, height: 844 };

/** A same-origin API call from the page (its cookie and Origin go along, as the app's own). */
async function call<T>(page: Page, method: string, url: string, body?: unknown): Promise<T> {
  return page.evaluate(
    async ({ method, url, body }) => {
      const res = await fetch(url, {
        method,
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      if (!res.ok) throw new Error(`${method} ${url}: ${res.status} ${await res.text()}`);
      return (await res.json()) as unknown;
    },
    { method, url, body },
  ) as Promise<T>;
}

async function holdMeeting(title: string, work: () => Promise<void>): Promise<string> {
  const { meeting } = await call<{ meeting: { id: string } }>(a, 'POST', `/api/rooms/${roomId}/meetings`, { title });
  await work();
  await waitSaved(a);
  await waitSaved(b);
  await call(a, 'POST', `/api/rooms/${roomId}/meetings/${meeting.id}/end`, {});
  return meeting.id;
}

async function addMilestones(page: Page, goal: string, titles: string[]): Promise<void> {
  await goalCard(page, goal).getByTestId('goal-open').click();
  const detail = page.getByTestId('goal-detail');
  for (const [i, t] of titles.entries()) {
    await detail.getByTestId('new-milestone-input').fill(t);
    await detail.getByTestId('add-milestone').click();
    await detail.getByTestId('milestone-item').nth(i).waitFor();
  }
  await detail.getByTestId('goal-close').click();
}

/** Both viewports of the current page, each a screenshot. */
async function bothScreens(page: Page, name: string, ready: () => Promise<void> = async () => {}): Promise<void> {
  await ready();
  await screenshot(page, name, { fullPage: true });
  await page.setViewportSize(PHONE);
  await ready();
  await screenshot(page, `${name}-phone`, { fullPage: false });
  // Nothing sticks out sideways at phone width.
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(PHONE.width);
  await page.setViewportSize(DESKTOP);
}

beforeAll(async () => {
  e2e = await startE2E({ env: { MEETING_AUTOSTART_S: '0', MEETING_AUTOEND_MIN: '0' } });
  mentorCtx = await e2e.newContext(DESKTOP);
  menteeCtx = await e2e.newContext(DESKTOP);
  a = await mentorCtx.newPage();
  b = await menteeCtx.newPage();
  for (const [name, page] of [['mentor', a], ['mentee', b]] as const) page.on('pageerror', (err) => console.error(`[${name} page error]`, err));
  try {
    await signUp(a, mentor);
    roomId = await createRoom(a, 'Ana & Ben — portfolio year');
    const invite = await createInviteLink(a);
    await signUpAndAcceptInvite(b, invite, mentee);
    await waitConnected(a);
    await waitConnected(b);
    ids = {
      mentor: (await call<{ user: { id: string } }>(a, 'GET', '/api/me')).user.id,
      mentee: (await call<{ user: { id: string } }>(b, 'GET', '/api/me')).user.id,
    };

    meetings.kickoff = await holdMeeting('Kick-off', async () => {
      await addGoal(a, 'not_started', 'Ship the portfolio');
      await addMilestones(a, 'Ship the portfolio', ['Pick three projects', 'Write case studies']);
      await openTab(b, 'Notes');
      await typeInNotes(b, 'We agreed on three portfolio projects.');
      await openTab(a, 'Agenda');
      await a.getByTestId('new-agenda-input').fill('Portfolio scope');
      await a.getByTestId('add-agenda').click();
      await a.getByRole('checkbox', { name: 'Discussed: Portfolio scope' }).check();
      await openTab(a, 'Board');
    });

    await openTab(b, 'Board');
    await addGoal(b, 'in_progress', 'Learn Rust');
    await waitSaved(b);

    meetings.checkin = await holdMeeting('Check-in', async () => {
      await openTab(a, 'Notes');
      await typeInNotes(a, 'Ben finished the first case study.', { newLine: true });
      await openTab(b, 'Action items');
      await b.getByTestId('new-action-input').fill('Send the CV to Ana');
      await b.getByTestId('add-action').click();
      await b.getByTestId('action-item').filter({ hasText: 'Send the CV to Ana' }).waitFor();
      await openTab(a, 'Board');
    });

    // After the meetings: the portfolio goal is deleted (with its milestones).
    await openTab(b, 'Board');
    await goalCard(a, 'Ship the portfolio').getByTestId('goal-open').click();
    await a.getByTestId('goal-delete').click();
    await a.getByTestId('goal-delete-confirm').click();
    await eventually(async () => expect(await goalCard(b, 'Ship the portfolio').count()).toBe(0), 15_000, 'the deletion to reach the mentee');
    await waitSaved(a);
  } catch (err) {
    console.error(await captureFailure('history-setup', { mentor: a, mentee: b }), e2e?.serverLog().slice(-4000));
    throw err;
  }
}, 240_000);

afterEach(async ({ task }) => {
  if (task.result?.state === 'fail') console.error(await captureFailure(task.name.slice(0, 40), { mentor: a, mentee: b }), e2e.serverLog().slice(-3000));
});

afterAll(async () => {
  await e2e?.stop();
});

describe('session history', () => {
  it('lists the meetings newest first from the room header, with duration, attendees and summary', async () => {
    await a.getByTestId('room-history-link').click();
    await a.waitForURL(`**/rooms/${roomId}/history`);
    const items = a.getByTestId('history-meeting');
    await items.first().waitFor();
    expect(await items.evaluateAll((els) => els.map((e) => (e as HTMLElement).dataset.id))).toEqual([meetings.checkin, meetings.kickoff]);
    const first = await items.first().innerText();
    expect(first).toContain('Check-in');
    expect(first).toMatch(/Ana Mentor/);
    expect((await a.getByTestId('history-meeting-summary').first().innerText()).length).toBeGreaterThan(3);
    // The edits between the meetings (Ben's goal) and after them (the deletion) have their own lines.
    expect(await a.getByTestId('history-activity').count()).toBeGreaterThan(0);
    await bothScreens(a, '23-history-list');
  });

  it('opens a past meeting as it was, drawn read-only by the room components', async () => {
    await a.getByTestId('history-meeting').filter({ hasText: 'Kick-off' }).getByTestId('history-meeting-open').click();
    await a.waitForURL(`**/history/meetings/${meetings.kickoff}`);
    const past = a.getByTestId('past-room');
    await goalCard(a, 'Ship the portfolio').waitFor();
    expect(await goalCard(a, 'Learn Rust').count()).toBe(0);
    expect(await goalCard(a, 'Ship the portfolio').getByTestId('card-milestone').count()).toBe(2);
    await eventually(async () => expect(await notesText(a)).toContain('We agreed on three portfolio projects.'));
    expect(await a.getByTestId('notes-editor').getAttribute('contenteditable')).toBe('false');
    expect(await a.getByRole('checkbox', { name: 'Discussed: Portfolio scope' }).isChecked()).toBe(true);
    // No way to edit the past: no add buttons or forms, no move buttons, no toolbar.
    expect(await past.locator('form, [data-testid^="add-goal-"], [data-testid="move-right"], [role="toolbar"]').count()).toBe(0);
    await bothScreens(a, '24-past-meeting');
  });

  it('compares two meetings: the goal added, the action item opened, the notes inserted by their author', async () => {
    await a.goto(`/rooms/${roomId}/history/compare?a=${meetings.kickoff}&b=${meetings.checkin}`);
    const added = a.getByTestId('compare-goal-added');
    await added.first().waitFor();
    expect(await added.allInnerTexts()).toEqual([expect.stringContaining('Learn Rust')]);
    expect(await a.getByTestId('compare-actions').innerText()).toContain('Send the CV to Ana');
    const ins = a.getByTestId('notes-diff').locator('ins');
    expect((await ins.allInnerTexts()).join(' ')).toContain('finished the first case study');
    expect(await ins.first().getAttribute('data-author')).toBe(ids.mentor);
    await bothScreens(a, '25-compare');
  });

  it('restores a deleted goal with its milestones as a new edit that the other member sees live', async () => {
    await a.goto(`/rooms/${roomId}/history/compare?a=${meetings.checkin}&b=now`);
    const removed = a.getByTestId('compare-goal-removed').filter({ hasText: 'Ship the portfolio' });
    await removed.waitFor();
    await removed.getByRole('button', { name: /^Restore goal/ }).click();
    expect(await removed.getByTestId('restore-outcome').innerText()).toMatch(/Restored: “Ship the portfolio” is back/);
    // Ben never reloaded: the goal comes back on his board, milestones and all.
    await goalCard(b, 'Ship the portfolio').waitFor({ timeout: 15_000 });
    expect(await goalCard(b, 'Ship the portfolio').getByTestId('card-milestone').count()).toBe(2);
    // Compared with now again, nothing is missing any more.
    await a.reload();
    await a.getByTestId('compare').waitFor();
    await eventually(async () => expect(await a.getByTestId('compare-goal-removed').filter({ hasText: 'Ship the portfolio' }).count()).toBe(0));
  });

  it('scrubs the timeline: each step shows the board and notes as of that moment', async () => {
    await a.goto(`/rooms/${roomId}/history/timeline`);
    const slider = a.getByTestId('timeline-slider');
    await slider.waitFor();
    const max = Number(await slider.getAttribute('max'));
    expect(max).toBeGreaterThan(3);
    const shownIs = (i: number) => a.locator(`[data-testid="timeline-slider"][data-shown="${i}"]`).waitFor({ timeout: 15_000 });
    await shownIs(max);
    await goalCard(a, 'Ship the portfolio').waitFor(); // restored, at the end
    // Back to the start of the range: nothing yet.
    await slider.focus();
    await a.keyboard.press('Home');
    await shownIs(0);
    expect(await a.getByTestId('timeline-state').getByTestId('goal-card').count()).toBe(0);
    // Step forward until Ben's Rust goal appears, one step at a time.
    let i = 0;
    while ((await goalCard(a, 'Learn Rust').count()) === 0 && i < max) {
      await a.keyboard.press('ArrowRight');
      i += 1;
      await shownIs(i);
    }
    expect(await goalCard(a, 'Learn Rust').count()).toBe(1);
    expect(await a.getByTestId('timeline-current').innerText()).toMatch(/Ben Mentee/);
    await bothScreens(a, '26-timeline');
  });

  it('downloads the history as Markdown and PDF, and a meeting as Markdown', async () => {
    await a.goto(`/rooms/${roomId}/history`);
    await a.getByTestId('history-meeting').first().waitFor();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'menteo-history-dl-'));
    try {
      const fetchDownload = async (click: () => Promise<void>) => {
        const [download] = await Promise.all([a.waitForEvent('download'), click()]);
        const file = path.join(dir, download.suggestedFilename());
        await download.saveAs(file);
        return file;
      };
      const md = fs.readFileSync(await fetchDownload(() => a.getByTestId('export-md').click()), 'utf8');
      expect(md).toContain('Learn Rust');
      expect(md).toContain('Ship the portfolio');
      const pdfFile = await fetchDownload(() => a.getByTestId('export-pdf').click());
      expect(fs.readFileSync(pdfFile).subarray(0, 5).toString()).toBe('%PDF-');
      const text = spawnSync('pdftotext', [pdfFile, '-'], { encoding: 'utf8' });
      expect(text.status).toBe(0);
      expect(text.stdout).toContain('Learn Rust');

      await a.goto(`/rooms/${roomId}/history/meetings/${meetings.checkin}`);
      const meetingMd = fs.readFileSync(await fetchDownload(() => a.getByTestId('meeting-export-md').click()), 'utf8');
      expect(meetingMd).toContain('finished the first case study');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('tells someone who is not a member that they have no access', async () => {
    const ctx = await e2e.newContext(DESKTOP);
    try {
      const stranger = await ctx.newPage();
      await signUp(stranger, person('Sam Stranger'));
      await stranger.goto(`/rooms/${roomId}/history`);
      await stranger.getByTestId('history-no-access').waitFor();
      await screenshot(stranger, '27-history-no-access');
    } finally {
      await ctx.close();
    }
  });

  it('draws timeline steps within 100 ms (median) in a room with 50,000 logged updates, and reports the spread', async () => {
    const longRoom = await call<{ room: { id: string } }>(a, 'POST', '/api/rooms', { title: 'A long mentorship' });
    const seeded = await seedLongHistory(e2e.databaseUrl, {
      roomId: longRoom.room.id,
      authors: [ids.mentor, ids.mentee],
      total: 50_000,
    });
    expect(seeded.rows).toBe(50_000);
    // The last 300 groups: the states drawn there replay 35,000–50,000 updates.
    const from = seeded.groupMinutes[seeded.groupMinutes.length - 300]!.toISOString();
    await a.goto(`/rooms/${longRoom.room.id}/history/timeline?from=${encodeURIComponent(from)}`);
    const slider = a.getByTestId('timeline-slider');
    await slider.waitFor({ timeout: 60_000 });
    const max = Number(await slider.getAttribute('max'));
    expect(max).toBeGreaterThanOrEqual(290);
    await a.locator(`[data-testid="timeline-slider"][data-shown="${max}"]`).waitFor({ timeout: 60_000 });
    await slider.focus();

    const render: number[] = [];
    const step: number[] = [];
    const build: number[] = [];
    // 40 steps back (fetched ahead of the slider as it moves), then 40 forward over the cached states.
    for (const key of [...Array(40).fill('ArrowLeft'), ...Array(40).fill('ArrowRight')] as string[]) {
      const before = Number(await slider.getAttribute('data-index'));
      await a.keyboard.press(key);
      const want = key === 'ArrowLeft' ? before - 1 : before + 1;
      await a.locator(`[data-testid="timeline-slider"][data-shown="${want}"]`).waitFor({ timeout: 30_000 });
      render.push(Number(await slider.getAttribute('data-render-ms')));
      step.push(Number(await slider.getAttribute('data-step-ms')));
      build.push(Number(await slider.getAttribute('data-build-ms')));
    }
    const sorted = (xs: number[]) => [...xs].sort((x, y) => x - y);
    const pct = (xs: number[], p: number) => sorted(xs)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;
    const figures = {
      steps: render.length,
      renderP50: pct(render, 50),
      renderP95: pct(render, 95),
      renderMax: Math.max(...render),
      renderBackP50: pct(render.slice(0, 40), 50),
      renderForwardP50: pct(render.slice(40), 50),
      buildP50: pct(build, 50),
      buildMax: Math.max(...build),
      stepP50: pct(step, 50),
      stepMax: Math.max(...step),
      notesChars: (await notesText(a)).length,
      goals: await a.getByTestId('timeline-state').getByTestId('goal-card').count(),
      loggedBytes: seeded.bytes,
    };
    console.log(`[history scrub, 50,000 logged updates] ${JSON.stringify(figures)}`);
    // The median holds the 100 ms budget; the tail is reported, not asserted: on the shared
    // 2-core machine (load 20–30) single steps stall for the CPU (figures in the README).
    expect(figures.renderP50).toBeLessThanOrEqual(100);
  }, 600_000);
});
