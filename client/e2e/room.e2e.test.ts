/**
 * A mentor and a mentee, each in their own browser profile with a real account made through
 * the signup form, work in the same room at the same time. Runs against the real server
 * process on a fresh Postgres database, in Debian's Chromium.
 *
 * The tests run in order and build on each other's room (a shared board is the point), but
 * each one asserts only what it did.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import { captureFailure, screenshot, startE2E, type E2E } from './harness.ts';
import {
  acceptInvite,
  addGoal,
  column,
  connectionIs,
  createInviteLink,
  createRoom,
  dragCard,
  eventually,
  goalCard,
  isSavedAck,
  logIn,
  notes,
  notesBlocks,
  notesText,
  openTab,
  person,
  recordAcks,
  saveStatus,
  signUp,
  typeInNotes,
  waitConnected,
  waitSaved,
} from './flows.ts';

const mentor = person('Maya Mentor');
const mentee = person('Eli Mentee');

let e2e: E2E;
let mentorCtx: BrowserContext;
let menteeCtx: BrowserContext;
let a: Page; // the mentor's tab
let b: Page; // the mentee's tab
let roomId: string;
let mentorAcks: { times: number[] };

beforeAll(async () => {
  e2e = await startE2E();
  mentorCtx = await e2e.newContext();
  menteeCtx = await e2e.newContext();
  a = await mentorCtx.newPage();
  b = await menteeCtx.newPage();
  mentorAcks = recordAcks(a);
  for (const [name, page] of [['mentor', a], ['mentee', b]] as const) {
    page.on('pageerror', (err) => console.error(`[${name} page error]`, err));
  }
  try {
    await setUpRoom();
  } catch (err) {
    console.error(await captureFailure('setup', { mentor: a, mentee: b }));
    throw err;
  }
}, 180_000);

afterEach(async ({ task }) => {
  if (task.result?.state === 'fail') console.error(await captureFailure(task.name.slice(0, 40), { mentor: a, mentee: b }));
});

async function setUpRoom(): Promise<void> {
  await a.goto('/signup');
  await screenshot(a, '01-signup');
  await signUp(a, mentor);
  roomId = await createRoom(a, 'Maya & Eli — growth plan');
  const invite = await createInviteLink(a);
  await screenshot(a, '03-invite-link');

  await signUp(b, mentee);
  await b.goto(invite);
  await b.getByTestId('invite-room').waitFor();
  await screenshot(b, '04-invite-accept');
  await acceptInvite(b);
  await waitConnected(a);
  await waitConnected(b);
}

afterAll(async () => {
  await e2e?.stop();
});

describe('two members in one room', () => {
  it('shows each member that both are here', async () => {
    for (const page of [a, b]) {
      await eventually(async () => {
        const members = page.getByTestId('presence-member');
        expect(await members.count()).toBe(2);
        expect(await members.evaluateAll((els) => els.map((el) => el.getAttribute('data-online')))).toEqual(['true', 'true']);
        const text = await page.getByTestId('presence-bar').innerText();
        expect(text).toContain(mentor.name);
        expect(text).toContain(mentee.name);
      }, 20_000, 'both members in the presence bar');
    }
  });

  it("puts a goal the mentor creates on the mentee's board", async () => {
    await addGoal(a, 'not_started', 'Ship a side project');
    await addGoal(a, 'not_started', 'Give a lightning talk');
    await column(a, 'not_started').getByRole('button', { name: 'Cancel' }).click();
    await eventually(async () => {
      expect(await column(b, 'not_started').getByTestId('goal-card').allInnerTexts()).toHaveLength(2);
      expect(await goalCard(b, 'Ship a side project').count()).toBe(1);
      expect(await goalCard(b, 'Give a lightning talk').count()).toBe(1);
    }, 15_000, 'the goals on the mentee board');
  });

  it("moves a card on the mentee's board when the mentor drags it to another column", async () => {
    await dragCard(a, 'Ship a side project', 'in_progress');
    await eventually(async () => {
      expect(await goalCard(a, 'Ship a side project').getAttribute('data-status')).toBe('in_progress');
    }, 5_000, 'the drag to land on the mentor board');
    await eventually(async () => {
      expect(await column(b, 'in_progress').getByTestId('goal-card').count()).toBe(1);
      expect(await goalCard(b, 'Ship a side project').getAttribute('data-status')).toBe('in_progress');
    }, 15_000, 'the dragged card in the mentee in-progress column');
  });

  it('moves a card for both when the mentee uses the keyboard instead of dragging', async () => {
    const open = goalCard(b, 'Give a lightning talk').getByTestId('goal-open');
    await open.focus();
    await b.keyboard.press('Shift+ArrowRight');
    await eventually(async () => {
      expect(await goalCard(a, 'Give a lightning talk').getAttribute('data-status')).toBe('in_progress');
    }, 15_000, 'the keyboard move on the mentor board');
  });

  it("edits a goal's description and milestones in the detail view, live for the other member", async () => {
    await goalCard(a, 'Ship a side project').getByTestId('goal-open').click();
    const dialog = a.getByTestId('goal-detail');
    await dialog.waitFor();
    try {
      await dialog.getByTestId('goal-description-input').fill('A small app that helps someone else, shipped end to end.');
      await dialog.getByTestId('goal-due-input').fill('2026-12-15');
      const milestones = ['Pick an idea', 'Build the first version', 'Show it to three people'];
      for (const [i, m] of milestones.entries()) {
        await dialog.getByTestId('new-milestone-input').fill(m);
        await dialog.getByTestId('add-milestone').click();
        await eventually(async () => expect(await dialog.getByTestId('milestone-item').count()).toBe(i + 1), 5_000, `milestone ${m}`);
      }
      expect(await dialog.getByTestId('milestone-title').evaluateAll((els) => els.map((el) => (el as HTMLInputElement).value))).toEqual(milestones);
      await dialog.getByTestId('milestone-toggle').first().check();
      await screenshot(a, '06-goal-detail');
    } finally {
      await dialog.getByTestId('goal-close').click();
      await dialog.waitFor({ state: 'detached' });
    }

    await eventually(async () => {
      const card = goalCard(b, 'Ship a side project');
      expect(await card.getByTestId('card-milestone').count()).toBe(3);
      expect(await card.getByTestId('goal-progress-text').innerText()).toMatch(/1\/3 · 33%/);
      expect(await card.getByTestId('goal-due').count()).toBe(1);
    }, 15_000, 'the milestones on the mentee card');
    await screenshot(b, '05-room-board');
  });

  it("merges notes both type at the same time, and shows each the other's named caret", async () => {
    await openTab(a, 'Notes');
    await openTab(b, 'Notes');
    await notes(a).click();
    await a.getByRole('button', { name: 'Heading', exact: true }).click();
    await a.keyboard.type('Meeting notes', { delay: 10 });
    await a.keyboard.press('Enter');
    await a.keyboard.type('Agreed today.', { delay: 10 });
    await eventually(async () => {
      expect(await notesBlocks(b, 'h2')).toEqual(['Meeting notes']);
      expect(await notesBlocks(b, 'p')).toContain('Agreed today.');
    }, 15_000, 'the heading and first line at the mentee');
    // Both type into the same paragraph at once, the mentor at its end and the mentee at its
    // start: a real concurrent edit of one Y.XmlText. Not at the very same spot: there
    // y-prosemirror restores the local caret after the other's fresh text (a selection at the end
    // of a text maps to "end of type"), so a typed word is split around theirs. Nothing is lost,
    // but "both strings intact" would then depend on timing.
    // The carets are placed first, one after the other: a click that lands while the other
    // editor's typing re-renders the paragraph can put the caret elsewhere (seen on a slow
    // machine), which tests the click, not the merge. Then both type at once.
    await notes(a).click();
    await a.keyboard.press('Control+End');
    await notes(b).locator('p', { hasText: 'Agreed today.' }).click();
    await b.keyboard.press('Home');
    await eventually(async () => {
      expect(await a.locator('.collaboration-carets__label').count()).toBe(1);
      expect(await b.locator('.collaboration-carets__label').count()).toBe(1);
    }, 10_000, 'each caret at the other');
    await Promise.all([
      a.keyboard.type(' Mentor wrote this line.', { delay: 15 }),
      b.keyboard.type('Mentee wrote that line. ', { delay: 15 }),
    ]);
    for (const page of [a, b]) {
      await eventually(async () => {
        const text = await notesText(page);
        expect(text).toContain('Mentor wrote this line.');
        expect(text).toContain('Mentee wrote that line.');
      }, 15_000, 'both lines in both editors');
    }
    // Each sees the other's caret labelled with their name (the editors keep focus, so carets stay published).
    await eventually(async () => {
      expect(await a.locator('.collaboration-carets__label').allInnerTexts()).toEqual([mentee.name]);
      expect(await b.locator('.collaboration-carets__label').allInnerTexts()).toEqual([mentor.name]);
    }, 10_000, 'the other member caret');
  });

  it("hides a member's caret from the other when they choose to hide their cursor", async () => {
    await b.getByTestId('hide-cursor').check();
    // Back in the notes and typing: the mentor sees the text arrive, but no caret with it.
    await typeInNotes(b, ' Typed with the cursor hidden.');
    await eventually(async () => expect(await notesText(a)).toContain('Typed with the cursor hidden.'), 15_000, 'the hidden-cursor text');
    await a.waitForTimeout(500);
    expect(await a.locator('.collaboration-carets__caret').count()).toBe(0);

    await b.getByTestId('hide-cursor').uncheck();
    await notes(b).click();
    await b.keyboard.press('End');
    await eventually(async () => expect(await a.locator('.collaboration-carets__label').allInnerTexts()).toEqual([mentee.name]), 10_000, 'the caret to come back');
  });

  it('formats notes with the toolbar, and the other member sees the formatting', async () => {
    await notes(a).click();
    await a.keyboard.press('Control+End');
    // A person's Enter comes a moment after the caret moved. Pressed within the same few
    // milliseconds, ProseMirror may not have read the new DOM selection yet when a caret update
    // re-renders the decorations, and the Enter then splits the paragraph at the old caret.
    await a.waitForTimeout(150);
    await a.keyboard.press('Enter');
    const bullet = a.getByRole('button', { name: 'Bullet list', exact: true });
    await bullet.click();
    expect(await bullet.getAttribute('aria-pressed')).toBe('true');
    await a.keyboard.type('Follow up on the talk outline', { delay: 10 });
    await a.keyboard.press('Enter');
    await a.keyboard.type('Book the next meeting', { delay: 10 });
    await eventually(async () => {
      expect((await notesBlocks(b, 'ul > li')).join(' | ')).toBe('Follow up on the talk outline | Book the next meeting');
    }, 15_000, 'the bullet list at the mentee');
    // The mentee selects a word: the mentor sees the selection in the mentee's colour, with the named caret.
    await notes(b).locator('p', { hasText: 'Typed with the cursor hidden.' }).click();
    await b.keyboard.press('End');
    // Twice: Chromium stops once at the full stop, then at the start of "hidden".
    await b.keyboard.press('Shift+Control+ArrowLeft');
    await b.keyboard.press('Shift+Control+ArrowLeft');
    await eventually(async () => {
      expect(await a.locator('.collaboration-carets__label').allInnerTexts()).toEqual([mentee.name]);
      const selection = a.locator('.collaboration-carets__selection');
      expect(await selection.count()).toBeGreaterThan(0);
      expect((await selection.allTextContents()).join('')).toMatch(/hidden/);
    }, 10_000, 'the mentee selection at the mentor');
    await screenshot(a, '07-notes-two-carets');
  });

  it('shows "Saved" after an edit only once a saved ack from the server has arrived', async () => {
    await waitSaved(a);
    const before = mentorAcks.times.length;
    const editedAt = Date.now();
    await typeInNotes(a, ' Ack me.');
    await waitSaved(a);
    const savedSeenAt = Date.now();
    const acksAfterEdit = mentorAcks.times.slice(before).filter((t) => t >= editedAt && t <= savedSeenAt);
    expect(acksAfterEdit.length).toBeGreaterThan(0);
  });

  it("drops a closed tab's caret and activity from the other member's view at once", async () => {
    await openTab(a, 'Board');
    await openTab(b, 'Notes');
    const maya = b.getByTestId('presence-member').filter({ hasText: mentor.name }).getByTestId('presence-activity');
    const carets = b.locator('.collaboration-carets__label');
    await eventually(async () => {
      expect((await maya.innerText()).trim()).toBe('here');
      expect(await carets.count()).toBe(0);
    }, 15_000, 'the mentor on the board, at the mentee');
    // A second mentor tab: the first one relays its presence to the server over the
    // browser's BroadcastChannel, often before the new tab's own socket is open.
    const page = await mentorCtx.newPage();
    try {
      await page.goto(`/rooms/${roomId}#notes`);
      await waitConnected(page);
      await typeInNotes(page, ' From a second tab.');
      await waitSaved(page);
      await eventually(async () => {
        expect((await maya.innerText()).trim()).toBe('in notes');
        expect(await carets.allInnerTexts()).toEqual([mentor.name]);
      }, 15_000, 'the second tab in the notes, at the mentee');
    } finally {
      await page.close();
    }
    // Gone within seconds, not after the 30 s awareness timeout; the first tab is still here.
    await eventually(async () => {
      expect((await maya.innerText()).trim()).toBe('here');
      expect(await carets.count()).toBe(0);
    }, 5_000, 'the closed tab gone from the mentee');
    await openTab(a, 'Notes');
  });

  it('keeps showing "Saving…" while the server\'s acks are held back, and "Saved" once they arrive', async () => {
    // A second mentor tab whose /yjs socket passes through a relay that can hold type-100 frames.
    const page = await mentorCtx.newPage();
    let holding = false;
    const held: Buffer[] = [];
    let release: () => void = () => {};
    // Playwright keeps the relay's own connection to the server open after the page closes;
    // it is closed with the page, as a real tab's socket would be.
    const upstream: Array<{ close(): Promise<void> }> = [];
    // The room doc's socket only: the tab also opens the member's private doc (`<roomId>~private~<userId>`).
    await page.routeWebSocket(/\/yjs\/[^~?]+(\?|$)/, (ws) => {
      const server = ws.connectToServer();
      upstream.push(server);
      server.onMessage((msg) => {
        if (holding && isSavedAck(msg)) held.push(msg as Buffer);
        else ws.send(msg);
      });
      release = () => {
        holding = false;
        for (const m of held.splice(0)) ws.send(m);
      };
    });
    try {
      await page.goto(`/rooms/${roomId}#notes`);
      await waitConnected(page);
      await waitSaved(page);

      holding = true;
      await typeInNotes(page, ' Held back.');
      await eventually(async () => expect(await saveStatus(page).textContent()).toBe('Saving…'), 5_000, '"Saving…"');
      // The server has committed and acked (we hold the ack), and the other member already sees the edit...
      await eventually(() => expect(held.length).toBeGreaterThan(0), 15_000, 'an ack from the server');
      await eventually(async () => expect(await notesText(b)).toContain('Held back.'), 15_000, 'the edit at the mentee');
      // ...but without the ack this tab must not claim "Saved", however long we wait.
      await page.waitForTimeout(1_500);
      expect(await saveStatus(page).textContent()).toBe('Saving…');
      // Closing the tab now would lose what the server has not confirmed: the browser asks first.
      const dialog = page.waitForEvent('dialog');
      await page.close({ runBeforeUnload: true });
      const asked = await dialog;
      expect(asked.type()).toBe('beforeunload');
      await asked.dismiss();
      expect(page.isClosed()).toBe(false);

      release();
      await waitSaved(page);
    } finally {
      await page.close();
      for (const server of upstream) await server.close();
    }
  });

  it('shares agenda points, action items and resources between the two', async () => {
    await openTab(a, 'Agenda');
    await openTab(b, 'Agenda');
    for (const point of ['How did the lightning talk go?', 'Plan next quarter', 'Reading list']) {
      await a.getByTestId('new-agenda-input').fill(point);
      await a.getByTestId('add-agenda').click();
    }
    await eventually(async () => expect(await b.getByTestId('agenda-item').count()).toBe(3), 15_000, 'the agenda at the mentee');
    await b.getByTestId('agenda-discussed').first().check();
    await eventually(async () => expect(await a.getByTestId('agenda-discussed').first().isChecked()).toBe(true), 15_000, 'discussed at the mentor');
    await screenshot(a, '08-agenda');

    await openTab(b, 'Action items');
    await openTab(a, 'Action items');
    await b.getByTestId('new-action-input').fill('Draft the talk abstract');
    await b.getByTestId('new-action-due').fill('2026-12-01');
    await b.getByTestId('add-action').click();
    await b.getByTestId('new-action-input').fill('Send Eli two articles on estimation');
    await b.getByTestId('new-action-owner').selectOption('mentor');
    await b.getByTestId('add-action').click();
    await eventually(async () => expect(await a.getByTestId('action-item').count()).toBe(2), 15_000, 'the actions at the mentor');
    await a.getByTestId('action-done').last().check();
    await eventually(async () => expect(await b.getByTestId('action-done').last().isChecked()).toBe(true), 15_000, 'done at the mentee');
    await screenshot(b, '09-action-items');

    await openTab(a, 'Resources');
    await openTab(b, 'Resources');
    await a.getByTestId('new-resource-url').fill('https://example.com/lightning-talks');
    await a.getByTestId('new-resource-title').fill('How to give a lightning talk');
    await a.getByTestId('add-resource').click();
    await eventually(async () => {
      const link = b.getByTestId('resource-link');
      expect(await link.count()).toBe(1);
      expect(await link.getAttribute('href')).toBe('https://example.com/lightning-talks');
      expect(await link.innerText()).toContain('How to give a lightning talk');
    }, 15_000, 'the link at the mentee');
    await screenshot(b, '10-resources');
    await openTab(a, 'Notes');
  });

  it('merges edits made offline with edits made meanwhile, once back online', async () => {
    await openTab(b, 'Notes');
    await menteeCtx.setOffline(true);
    await connectionIs(b, 'offline');

    await typeInNotes(b, ' Written offline.');
    await typeInNotes(a, ' Written while Eli was away.');
    await openTab(b, 'Board');
    await addGoal(b, 'not_started', 'Read two books');
    // The mentor cannot see the offline edits yet.
    await a.waitForTimeout(500);
    expect(await notesText(a)).not.toContain('Written offline.');
    expect(await goalCard(a, 'Read two books').count()).toBe(0);
    // Nothing is being saved while offline: the status says so, with what waits.
    expect(await saveStatus(b).textContent()).toMatch(/^Not saved yet — will save when you reconnect \(\d+ edits?\)$/);

    await menteeCtx.setOffline(false);
    await waitConnected(b);
    await openTab(b, 'Notes');
    for (const page of [a, b]) {
      await eventually(async () => {
        const text = await notesText(page);
        expect(text).toContain('Written offline.');
        expect(text).toContain('Written while Eli was away.');
      }, 20_000, 'both offline and online notes everywhere');
    }
    await eventually(async () => expect(await goalCard(a, 'Read two books').count()).toBe(1), 15_000, 'the offline goal at the mentor');
    await waitSaved(b);
  });

  it('keeps offline edits of a tab closed while offline, and sends them when the room is opened again', async () => {
    await menteeCtx.setOffline(true);
    await connectionIs(b, 'offline');
    await typeInNotes(b, ' Saved on this device only.');
    // Let y-indexeddb write the update before the tab goes away.
    await b.waitForTimeout(500);
    await b.close({ runBeforeUnload: false });
    await menteeCtx.setOffline(false);

    b = await menteeCtx.newPage();
    await b.goto(`/rooms/${roomId}#notes`);
    await waitConnected(b);
    await eventually(async () => expect(await notesText(a)).toContain('Saved on this device only.'), 20_000, 'the closed-tab edit at the mentor');
    await waitSaved(b);
  });

  it('shows everything again after a reload, from the server', async () => {
    await waitSaved(a);
    await waitSaved(b);
    // A fresh profile has no IndexedDB copy: what it shows came from Postgres through the server.
    const fresh = await e2e.newContext();
    try {
      const page = await fresh.newPage();
      await page.goto('/login');
      await page.getByLabel('Email').fill(mentor.email);
      await page.getByLabel('Password').fill(mentor.password);
      await page.getByRole('button', { name: 'Log in' }).click();
      await page.waitForURL('**/rooms');
      await page.getByTestId('room-card').first().waitFor();
      await screenshot(page, '02-rooms-list');
      await page.goto(`/rooms/${roomId}`);
      await waitConnected(page);
      for (const p of [page, a, b]) {
        if (p !== page) await p.reload();
        await waitConnected(p);
        await openTab(p, 'Board');
        await eventually(async () => {
          expect(await goalCard(p, 'Ship a side project').getAttribute('data-status')).toBe('in_progress');
          expect(await goalCard(p, 'Give a lightning talk').getAttribute('data-status')).toBe('in_progress');
          expect(await goalCard(p, 'Read two books').getAttribute('data-status')).toBe('not_started');
        }, 15_000, 'the board after reload');
        await openTab(p, 'Notes');
        await eventually(async () => {
          const text = await notesText(p);
          for (const s of ['Mentor wrote this line.', 'Mentee wrote that line.', 'Ack me.', 'Held back.', 'Written offline.', 'Written while Eli was away.', 'Saved on this device only.']) {
            expect(text).toContain(s);
          }
        }, 15_000, 'the notes after reload');
      }
    } finally {
      await fresh.close();
    }
  });
});

describe('at phone width', () => {
  it('shows the room at 375 px without sideways scrolling', async () => {
    const phone = await e2e.newContext({ width: 375, height: 812 });
    try {
      const page = await phone.newPage();
      await page.goto('/login');
      await logIn(page, mentee);
      await page.waitForURL('**/rooms');
      await page.goto(`/rooms/${roomId}`);
      await waitConnected(page);
      await goalCard(page, 'Ship a side project').waitFor();
      const overflow = () => page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      expect(await overflow()).toBe(0);
      await screenshot(page, '11-phone-board', { fullPage: true });
      for (const tab of ['Notes', 'Agenda', 'Action items', 'Resources'] as const) {
        await openTab(page, tab);
        expect(await overflow(), `horizontal overflow on the ${tab} tab`).toBe(0);
        if (tab === 'Notes') await screenshot(page, '12-phone-notes', { fullPage: true });
      }

      // The other member's name label sits over their caret: wherever that caret is, even at
      // the end of a line by the phone's right edge, the page must not scroll sideways.
      await openTab(page, 'Notes');
      await openTab(a, 'Notes');
      await notes(a).click();
      await a.keyboard.press('Control+End');
      const labels = page.locator('.collaboration-carets__label');
      await eventually(async () => expect(await labels.count()).toBe(1), 10_000, 'the mentor\'s caret on the phone');
      const box = await notes(page).boundingBox();
      let nearEdge = 0;
      for (let i = 0; i < 60; i++) {
        await a.keyboard.press('ArrowLeft');
        await page.waitForTimeout(60);
        const label = await labels.boundingBox();
        if (box && label && label.x + label.width > box.x + box.width - 16) nearEdge++;
        expect(await overflow(), `horizontal overflow with the caret ${i + 1} characters from the end`).toBe(0);
      }
      // The walk did pass the right edge, or it proved nothing.
      expect(nearEdge).toBeGreaterThan(0);
    } finally {
      await phone.close();
    }
  });
});
