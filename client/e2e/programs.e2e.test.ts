/**
 * A program from end to end: the coordinator creates it and pairs people by CSV; the mentor
 * and mentee accept their invites, accept the agreement, tick the program's milestones past
 * 80% and each get a certificate; the coordinator's dashboard shows the pair's figures and
 * none of its content.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import { captureFailure, screenshot, startE2E, type E2E } from './harness.ts';
import { eventually, goalCard, person, signUp, signUpAndAcceptInvite, waitConnected, type Person } from './flows.ts';

let e2e: E2E;
const contexts: BrowserContext[] = [];
const pages: Record<string, Page> = {};

async function newPage(name: string): Promise<Page> {
  const ctx = await e2e.newContext();
  contexts.push(ctx);
  const page = await ctx.newPage();
  pages[name] = page;
  return page;
}

/** The same page at phone width (390 × 844), for a screenshot; back to desktop after. */
async function phoneShot(page: Page, name: string): Promise<void> {
  await page.setViewportSize({ width: 390, height: 844 });
  await screenshot(page, name, { fullPage: true });
  await page.setViewportSize({ width: 1280, height: 860 });
}

/** Accepts the agreement through the API, as the in-room panel would (it is built on another branch). */
async function acceptAgreement(page: Page, roomId: string): Promise<void> {
  const status = await page.evaluate(async (id) => {
    const got = (await (await fetch(`/api/rooms/${id}/agreement`)).json()) as { agreement: { textHash: string } };
    const res = await fetch(`/api/rooms/${id}/agreement/accept`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ textHash: got.agreement.textHash }),
    });
    return res.status;
  }, roomId);
  expect(status).toBe(200);
}

beforeAll(async () => {
  e2e = await startE2E();
}, 120_000);

afterEach(async ({ task }) => {
  if (task.result?.state === 'fail') console.error(await captureFailure(task.name.slice(0, 40), pages), e2e.serverLog().slice(-3000));
  for (const ctx of contexts.splice(0)) await ctx.close();
  for (const k of Object.keys(pages)) delete pages[k];
});

afterAll(async () => {
  await e2e?.stop();
});

describe('programs', () => {
  it('pairs by CSV, lets the pair earn certificates at 80%, and shows the coordinator figures only', async () => {
    const coordinator = person('Cora Coordinator');
    const mentor: Person = person('Mina Mentor');
    const mentee: Person = person('Theo Mentee');
    const c = await newPage('coordinator');
    await signUp(c, coordinator);

    // Create the program.
    await c.getByRole('link', { name: 'Programs' }).click();
    await c.getByRole('heading', { name: 'Programs' }).waitFor();
    await c.getByTestId('no-programs').waitFor();
    await c.getByLabel('Name').fill('Spring cohort 2026');
    await c.getByLabel(/^Expectations/).fill('We meet every two weeks and cancel at least a day ahead.');
    await screenshot(c, '30-programs', { fullPage: true });
    await phoneShot(c, '30-programs-phone');
    await c.getByRole('button', { name: 'Create program' }).click();
    await c.waitForURL(/\/programs\/[^/]+$/);
    await c.getByTestId('program-name').filter({ hasText: 'Spring cohort 2026' }).waitFor();
    const programId = new URL(c.url()).pathname.split('/').pop() ?? '';

    // A CSV with problems: every row listed, nothing imported.
    const csvText = c.getByTestId('csv-text');
    await csvText.fill(
      ['mentor_email,mentee_email,mentor_name,mentee_name', `${mentor.email},not-an-email,Mina,Theo`, `=cmd|' /C calc'!A0,${mentee.email},,`, `${mentor.email},${mentor.email},,`].join('\n'),
    );
    await c.getByRole('button', { name: 'Import pairs' }).click();
    await c.getByTestId('pairing-row-errors').waitFor();
    expect(await c.getByTestId('pairing-error').innerText()).toMatch(/Nothing was imported/);
    expect(await c.getByTestId('pairing-row-errors').locator('tbody tr').count()).toBe(3);
    await screenshot(c, '31-program-csv-errors', { fullPage: true });
    await phoneShot(c, '31-program-csv-errors-phone');
    expect(await c.getByTestId('program-pair-count').innerText()).toBe('0');

    // The right CSV: one pair, two invite links.
    await csvText.fill(`mentor_email,mentee_email,mentor_name,mentee_name\n${mentor.email},${mentee.email},Mina,Theo\n`);
    await c.getByRole('button', { name: 'Import pairs' }).click();
    await c.getByTestId('pairing-created').waitFor();
    const urls = await c.getByTestId('invite-url').allInnerTexts();
    expect(urls).toHaveLength(2);
    const [mentorInvite, menteeInvite] = urls as [string, string];
    await eventually(async () => expect(await c.getByTestId('dashboard-row').count()).toBe(1), 5_000, 'the pair on the dashboard');
    await screenshot(c, '32-program-invites', { fullPage: true });
    const download = await c.request.get(`/api/programs/${programId}/pairings.csv`);
    expect(download.headers()['content-type']).toMatch(/^text\/csv/);
    expect(await download.text()).toContain(mentorInvite);

    // Mentor and mentee accept their invites (signing up with the invited emails).
    const m = await newPage('mentor');
    await signUpAndAcceptInvite(m, mentorInvite, mentor);
    const e = await newPage('mentee');
    await signUpAndAcceptInvite(e, menteeInvite, mentee);
    const roomId = new URL(m.url()).pathname.split('/').pop() ?? '';
    expect(new URL(e.url()).pathname).toBe(`/rooms/${roomId}`);
    await waitConnected(m);
    await waitConnected(e);
    await acceptAgreement(m, roomId);
    await acceptAgreement(e, roomId);
    // They hold a meeting (started and ended through the API; the meeting bar is the meetings area's).
    const held = await m.evaluate(async (id) => {
      const started = (await (await fetch(`/api/rooms/${id}/meetings`, { method: 'POST' })).json()) as { meeting: { id: string } };
      return (await fetch(`/api/rooms/${id}/meetings/${started.meeting.id}/end`, { method: 'POST' })).status;
    }, roomId);
    expect(held).toBe(200);

    // The program's milestones are on the board; both tick them, past 80% (4 of 5).
    const card = (p: Page) => goalCard(p, 'Program milestones');
    await card(m).waitFor();
    await card(e).waitFor();
    const ticks = (p: Page) => card(p).getByTestId('card-milestone');
    expect(await ticks(m).count()).toBe(5);
    await ticks(m).nth(0).check();
    await ticks(m).nth(1).check();
    await ticks(e).nth(2).check();
    await eventually(async () => expect(await ticks(e).nth(1).isChecked()).toBe(true), 10_000, 'the mentor’s ticks at the mentee');
    expect(await m.getByTestId('certificate-notice').count()).toBe(0);
    await ticks(e).nth(3).check();

    // Each gets a certificate: the notice in the room, the public page, the PDF.
    for (const [p, who] of [
      [m, mentor],
      [e, mentee],
    ] as const) {
      await p.getByTestId('certificate-notice').waitFor({ timeout: 15_000 });
      const pdfHref = (await p.getByTestId('certificate-pdf-link').getAttribute('href')) ?? '';
      const pdf = await p.request.get(pdfHref);
      expect(pdf.headers()['content-type']).toBe('application/pdf');
      expect((await pdf.body()).subarray(0, 5).toString()).toBe('%PDF-');
      await p.getByTestId('certificate-link').click();
      await p.waitForURL(/\/certificates\/[^/]+$/);
      await p.getByTestId('certificate-verified').waitFor();
      expect(await p.getByTestId('certificate-holder').innerText()).toBe(who.name);
      expect(await p.getByTestId('certificate-milestones').innerText()).toBe('4 of 5');
    }
    await screenshot(e, '34-certificate', { fullPage: true });
    await phoneShot(e, '34-certificate-phone');

    // Anyone can verify it, signed out; nothing private is on the page.
    const visitor = await newPage('visitor');
    await visitor.goto(new URL(e.url()).pathname);
    await visitor.getByTestId('certificate-verified').waitFor();
    const publicText = await visitor.locator('main').innerText();
    expect(publicText).not.toMatch(/@|Kick-off|Development plan|We meet every two weeks/);
    await visitor.goto('/certificates/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA');
    await visitor.getByTestId('certificate-unknown').waitFor();

    // The coordinator's dashboard: figures only.
    await c.reload();
    const row = c.getByTestId('dashboard-row');
    await eventually(
      async () => {
        await c.reload();
        await row.waitFor();
        expect(await row.getByTestId('dash-milestones').innerText()).toBe('4/5 · 80%');
        expect(await row.getByTestId('dash-agreement').innerText()).toBe('accepted');
        expect(await row.getByTestId('dash-certificate').innerText()).toBe('issued');
      },
      15_000,
      'the pair’s figures on the dashboard',
    );
    expect(await row.getByTestId('dash-meetings').innerText()).toBe('1 held, last 0 d ago');
    const dashboardText = await c.getByTestId('dashboard').innerText();
    expect(dashboardText).not.toMatch(/Kick-off meeting held|Goals and expectations|Program milestones/);
    await screenshot(c, '33-program-dashboard', { fullPage: true });
    await phoneShot(c, '33-program-dashboard-phone');

    // The coordinator cannot open the room.
    await c.goto(`/rooms/${roomId}`);
    await eventually(async () => expect(await c.getByTestId('room').count()).toBe(0), 5_000, 'no room for the coordinator');
  });
});
