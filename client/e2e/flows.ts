/**
 * What a person does in the UI, as reusable steps: sign up, create a room, invite, accept,
 * open a tab, type in the notes. Selectors are the accessible names and test ids the pages
 * expose, so a step reads like the instruction a user would follow.
 */
import { expect } from 'vitest';
import type { Locator, Page, WebSocket } from 'playwright-core';

export interface Person {
  name: string;
  email: string;
  password: string;
}

let seq = 0;
export function person(name: string): Person {
  seq += 1;
  const slug = name.toLowerCase().replace(/[^a-z]+/g, '.');
  return { name, email: `${slug}.${Date.now().toString(36)}${seq}@example.test`, password: 'correct horse battery' };
}

/** Polls `fn` until it stops throwing (vitest's expect.poll is for values; this takes assertions). */
export async function eventually(fn: () => Promise<void> | void, timeoutMs = 15_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      await fn();
      return;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}: ${last instanceof Error ? last.message : String(last)}`);
}

export async function fillSignup(page: Page, who: Person): Promise<void> {
  await page.getByLabel('Your name').fill(who.name);
  await page.getByLabel('Email').fill(who.email);
  await page.getByLabel('Password').fill(who.password);
  await page.getByRole('button', { name: 'Create account' }).click();
}

/** Signs up through /signup and waits for the rooms page. */
export async function signUp(page: Page, who: Person): Promise<void> {
  await page.goto('/signup');
  await fillSignup(page, who);
  await page.waitForURL('**/rooms');
  await page.getByRole('heading', { name: 'My rooms' }).waitFor();
}

export async function logIn(page: Page, who: Person): Promise<void> {
  await page.getByLabel('Email').fill(who.email);
  await page.getByLabel('Password').fill(who.password);
  await page.getByRole('button', { name: 'Log in' }).click();
}

/** Creates a room from the rooms page and returns its id once the room page is open. */
export async function createRoom(page: Page, title: string): Promise<string> {
  await page.getByLabel('Room title').fill(title);
  await page.getByRole('button', { name: 'Create room' }).click();
  await page.waitForURL(/\/rooms\/[^/]+$/);
  await page.getByTestId('room-title').filter({ hasText: title }).waitFor();
  const id = new URL(page.url()).pathname.split('/').pop();
  if (!id) throw new Error(`no room id in ${page.url()}`);
  return decodeURIComponent(id);
}

/** From the mentor's room page: one click on "Invite mentee" creates a link; returns it. */
export async function createInviteLink(page: Page): Promise<string> {
  await page.getByRole('button', { name: 'Invite mentee' }).click();
  const field = page.getByTestId('invite-link-value');
  await field.waitFor();
  const url = await field.inputValue();
  expect(url).toMatch(/\/invite\/[^/]+$/);
  return url;
}

/**
 * A new person signs up with the invite as the place to return to (/signup?next=/invite/…),
 * lands on the invite and accepts it; ends in the room.
 */
export async function signUpAndAcceptInvite(page: Page, inviteUrl: string, who: Person): Promise<void> {
  const invitePath = new URL(inviteUrl).pathname;
  await page.goto(`/signup?next=${encodeURIComponent(invitePath)}`);
  await fillSignup(page, who);
  await page.waitForURL((url) => url.pathname === invitePath);
  await acceptInvite(page);
}

/** On the invite page, signed in: accept, and wait for the room. */
export async function acceptInvite(page: Page): Promise<void> {
  await page.getByRole('button', { name: 'Accept invitation' }).click();
  await page.waitForURL(/\/rooms\/[^/]+$/);
  await page.getByTestId('room').waitFor();
}

export async function openTab(page: Page, name: 'Board' | 'Notes' | 'Agenda' | 'Action items' | 'Resources'): Promise<void> {
  await page.getByRole('tab', { name }).click();
  await page.getByRole('tab', { name, selected: true }).waitFor();
}

export function notes(page: Page): Locator {
  return page.getByTestId('notes-editor');
}

/** The notes as the reader sees them, without the other member's caret label (a widget inside the text). */
export async function notesText(page: Page): Promise<string> {
  return notes(page).evaluate((el) => {
    const copy = el.cloneNode(true) as HTMLElement;
    for (const caret of copy.querySelectorAll('.collaboration-carets__caret')) caret.remove();
    return copy.innerText ?? copy.textContent ?? '';
  });
}

/** The text of each element matching `selector` inside the notes (e.g. 'h2', 'ul > li'), without caret labels. */
export async function notesBlocks(page: Page, selector: string): Promise<string[]> {
  return notes(page).evaluate(
    (el, sel) =>
      [...el.querySelectorAll(sel)].map((block) => {
        const copy = block.cloneNode(true) as HTMLElement;
        for (const caret of copy.querySelectorAll('.collaboration-carets__caret')) caret.remove();
        return (copy.textContent ?? '').trim();
      }),
    selector,
  );
}

export function saveStatus(page: Page): Locator {
  return page.getByTestId('save-status');
}

export async function waitConnected(page: Page): Promise<void> {
  await connectionIs(page, 'connected');
}

export async function connectionIs(page: Page, status: string, timeout = 15_000): Promise<void> {
  await page.locator(`[data-testid="connection-status"][data-status="${status}"]`).waitFor({ timeout });
}

export async function waitSaved(page: Page): Promise<void> {
  await eventually(async () => expect(await saveStatus(page).textContent()).toBe('Saved'), 15_000, '"Saved"');
}

/** Puts the caret at the end of the notes and types, as a person would. */
export async function typeInNotes(page: Page, text: string, opts: { newLine?: boolean } = {}): Promise<void> {
  const editor = notes(page);
  await editor.click();
  await page.keyboard.press('Control+End');
  if (opts.newLine) await page.keyboard.press('Enter');
  await page.keyboard.type(text, { delay: 15 });
}

export function goalCard(page: Page, title: string): Locator {
  return page.getByTestId('goal-card').filter({ has: page.getByTestId('goal-open').filter({ hasText: title }) });
}

export function column(page: Page, status: 'not_started' | 'in_progress' | 'done' | 'dropped'): Locator {
  return page.getByTestId(`goal-column-${status}`);
}

/** Adds a goal from a column's "+ Add goal" form (the form stays open after a goal, for the next one). */
export async function addGoal(page: Page, status: 'not_started' | 'in_progress' | 'done' | 'dropped', title: string): Promise<void> {
  const col = column(page, status);
  const input = col.getByTestId('new-goal-title');
  if (!(await input.isVisible())) await col.getByTestId(`add-goal-${status}`).click();
  await input.fill(title);
  await col.getByTestId('new-goal-submit').click();
  await goalCard(page, title).waitFor();
}

/** y-websocket frames start with a varint message type; the server's saved ack is type 100 (one byte, 0x64). */
export const SAVED_ACK = 100;

export function isSavedAck(payload: string | Buffer): boolean {
  return typeof payload !== 'string' && payload.length > 0 && payload[0] === SAVED_ACK;
}

/** Records when every saved-ack frame reached the page on its /yjs sockets. */
export function recordAcks(page: Page): { times: number[] } {
  const log = { times: [] as number[] };
  page.on('websocket', (ws: WebSocket) => {
    if (!ws.url().includes('/yjs/')) return;
    ws.on('framereceived', ({ payload }) => {
      if (isSavedAck(payload)) log.times.push(Date.now());
    });
  });
  return log;
}

/**
 * Drags a goal card into a column with the mouse, through Chromium's real HTML5 drag and drop.
 * Not locator.dragTo: it sends a single dragover, and the board swaps the column's "No goals
 * here yet" placeholder for a drop line on that first dragover, so the drop that follows
 * lands on an element that never saw a dragover and Chromium cancels it. A hand keeps moving.
 */
export async function dragCard(page: Page, title: string, to: 'not_started' | 'in_progress' | 'done' | 'dropped'): Promise<void> {
  const src = await goalCard(page, title).boundingBox();
  const dst = await column(page, to).locator('ol.cards').boundingBox();
  if (!src || !dst) throw new Error(`card "${title}" or column ${to} is not visible`);
  // Grab the card by its edge: the middle holds buttons and checkboxes.
  await page.mouse.move(src.x + 6, src.y + 6);
  await page.mouse.down();
  await page.mouse.move(dst.x + dst.width / 2, dst.y + 10, { steps: 5 });
  await page.mouse.move(dst.x + dst.width / 2, dst.y + 20, { steps: 5 });
  await page.mouse.up();
}
