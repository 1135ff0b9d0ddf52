/**
 * Issue 15 item 5 in the browser: two members chat live; a link becomes a link, HTML stays
 * text; the other member's Chat tab counts unread messages; a message reads "sending…" until
 * the server acked its commit; over the limit and flooding give a clear error. The mentee
 * uses a phone-sized window (390 × 844).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import { captureFailure, screenshot, startE2E, type E2E } from './harness.ts';
import { createInviteLink, createRoom, eventually, person, signUp, signUpAndAcceptInvite } from './flows.ts';

let e2e: E2E;
const contexts: BrowserContext[] = [];
const pages: Record<string, Page> = {};

async function newPage(name: string, opts?: { width?: number; height?: number }): Promise<Page> {
  const ctx = await e2e.newContext(opts);
  contexts.push(ctx);
  const page = await ctx.newPage();
  pages[name] = page;
  return page;
}

beforeAll(async () => {
  // A small burst, so the flood refusal is reached in a few messages.
  e2e = await startE2E({ env: { CHAT_BURST: '4', CHAT_PER_MINUTE: '6' } });
}, 180_000);

afterEach(async ({ task }) => {
  if (task.result?.state === 'fail') console.error(await captureFailure(task.name.slice(0, 40), pages));
  for (const ctx of contexts.splice(0)) await ctx.close();
  for (const k of Object.keys(pages)) delete pages[k];
});

afterAll(async () => {
  await e2e?.stop();
});

const messages = (page: Page) => page.getByTestId('chat-message');
const chatTab = (page: Page) => page.getByRole('tab', { name: /^Chat/ });

async function openChat(page: Page): Promise<void> {
  await chatTab(page).click();
  await page.getByTestId('chat-input').waitFor();
}

async function send(page: Page, text: string): Promise<void> {
  await page.getByTestId('chat-input').fill(text);
  await page.getByTestId('chat-input').press('Enter');
}

describe('chat', () => {
  it('two members chat: links, HTML as text, unread badge, sent only when acked, limit and flood errors', { timeout: 180_000 }, async () => {
    const mentor = await newPage('mentor', { width: 1280, height: 800 });
    await signUp(mentor, person('Maya Mentor'));
    await createRoom(mentor, 'Chat room');
    const invite = await createInviteLink(mentor);
    const mentee = await newPage('mentee', { width: 390, height: 844 });
    await signUpAndAcceptInvite(mentee, invite, person('Omar Mentee'));

    // The mentor writes; the mentee is on the board.
    await openChat(mentor);
    await send(mentor, 'Hi Omar! The plan is at https://example.com/plan');
    const html = '<b>bold?</b> <img src=x onerror="document.title=1">';
    await send(mentor, html);
    await eventually(async () => {
      expect(await messages(mentor).count()).toBe(2);
      // Both acked: "sent", never "sending…" any more.
      expect(await mentor.locator('[data-testid="chat-message"][data-state="sent"]').count()).toBe(2);
    }, 15_000, 'both messages to be sent');

    const badge = mentee.getByTestId('tab-chat-badge');
    await eventually(async () => expect((await badge.innerText()).trim()).toMatch(/^2/), 15_000, 'the unread badge to show 2');
    await screenshot(mentee, '21-chat-phone-unread');

    await openChat(mentee);
    await eventually(async () => expect(await messages(mentee).count()).toBe(2), 10_000, 'the mentee to see both');
    expect(await badge.count()).toBe(0);
    // The link is a link to exactly that URL, opening elsewhere.
    const link = messages(mentee).first().getByRole('link', { name: 'https://example.com/plan' });
    expect(await link.getAttribute('href')).toBe('https://example.com/plan');
    expect(await link.getAttribute('rel')).toContain('noopener');
    // The HTML is shown as the text it is: no <b>, no <img>, nothing ran.
    const second = messages(mentee).nth(1);
    expect(await second.locator('.body').innerText()).toBe(html);
    expect(await second.locator('b, img').count()).toBe(0);
    expect(await mentee.title()).not.toBe('1');

    // The mentee answers; the mentor sees it live.
    await send(mentee, 'Thanks, reading it now.');
    await eventually(async () => expect(await messages(mentor).count()).toBe(3), 10_000, 'the mentor to get the reply');
    expect(await messages(mentor).nth(2).innerText()).toContain('Omar Mentee');
    await screenshot(mentor, '20-chat-desktop');
    await screenshot(mentee, '21-chat-phone');

    // Over the limit: a clear counter, and Send is off.
    await mentor.getByTestId('chat-input').fill('x'.repeat(2001));
    await eventually(async () => expect(await mentor.getByTestId('chat-count').innerText()).toMatch(/Too long: 2001 of 2000/));
    expect(await mentor.getByTestId('chat-send').isDisabled()).toBe(true);
    await mentor.getByTestId('chat-input').fill('');

    // Flooding: the burst is 4 (two spent); the server refuses the rest with the wait.
    for (let i = 0; i < 4; i++) await send(mentor, `quick ${i}`);
    const refused = mentor.getByTestId('chat-send-error');
    await eventually(async () => expect(await refused.count()).toBeGreaterThan(0), 10_000, 'a flood refusal');
    expect(await refused.first().innerText()).toMatch(/too fast; wait \d+ s/);
    await mentor.getByTestId('chat-input').fill('y'.repeat(2001));
    await screenshot(mentor, '22-chat-errors');
    // What was refused is not stored: the mentee gets exactly the messages the mentor sees as sent.
    const sent = mentor.locator('[data-testid="chat-message"][data-state="sent"]');
    await eventually(async () => expect(await mentor.locator('[data-state="sending"]').count()).toBe(0), 10_000, 'every answer');
    const sentCount = await sent.count();
    expect(sentCount).toBeGreaterThanOrEqual(5);
    expect(sentCount).toBeLessThan(7);
    await eventually(async () => expect(await messages(mentee).count()).toBe(sentCount), 10_000, 'the quick messages that passed');
    await mentee.reload();
    await openChat(mentee);
    await eventually(async () => expect(await messages(mentee).count()).toBe(sentCount), 10_000, 'the same messages after reload');
  });
});
