/**
 * Who gets in, and what the others see: signed-out visitors are sent to log in, and invite
 * links that cannot be used any more explain why instead of failing.
 */
import postgres from 'postgres';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import { captureFailure, screenshot, startE2E, takeCspViolations, type E2E } from './harness.ts';
import { acceptInvite, createInviteLink, createRoom, fillSignup, logIn, person, signUp, type Person } from './flows.ts';

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

/** A mentor with a fresh room and an unused invite link to it. */
async function mentorWithInvite(name: string): Promise<{ mentor: Person; page: Page; roomId: string; invite: string }> {
  const mentor = person(name);
  const page = await newPage(name);
  await signUp(page, mentor);
  const roomId = await createRoom(page, `${name}'s room`);
  const invite = await createInviteLink(page);
  return { mentor, page, roomId, invite };
}

beforeAll(async () => {
  e2e = await startE2E();
}, 120_000);

afterEach(async ({ task }) => {
  if (task.result?.state === 'fail') console.error(await captureFailure(task.name.slice(0, 40), pages));
  for (const ctx of contexts.splice(0)) await ctx.close();
  for (const k of Object.keys(pages)) delete pages[k];
});

afterAll(async () => {
  await e2e?.stop();
});

describe('access', () => {
  it('serves the app under a CSP that refuses inline script and style, and the harness sees each refusal', async () => {
    const page = await newPage('csp');
    const res = await page.goto('/login');
    expect(res?.headers()['content-security-policy']).toContain("script-src 'self'");
    await page.getByRole('heading', { name: /log in/i }).waitFor();
    expect(takeCspViolations()).toEqual([]);
    const ran = await page.evaluate(async () => {
      const w = window as unknown as { injected?: boolean };
      const script = document.createElement('script');
      script.textContent = 'window.injected = true';
      document.head.append(script);
      const style = document.createElement('style');
      style.textContent = 'body { background: red }';
      document.head.append(style);
      await new Promise((r) => setTimeout(r, 100));
      return w.injected === true;
    });
    expect(ran).toBe(false);
    const seen: string[] = [];
    const both = /(?=[\s\S]*script-src)(?=[\s\S]*style-src)/;
    await expect
      .poll(() => {
        seen.push(...takeCspViolations());
        return seen.join('\n');
      }, { timeout: 5000 })
      .toMatch(both);
  });

  it('sends a signed-out visitor who opens a room to log in, then on to that room', async () => {
    const { mentor, roomId } = await mentorWithInvite('Rita Redirect');
    const visitor = await newPage('visitor');
    await visitor.goto(`/rooms/${roomId}`);
    await visitor.waitForURL((url) => url.pathname === '/login');
    expect(new URL(visitor.url()).searchParams.get('next')).toBe(`/rooms/${roomId}`);
    expect(await visitor.getByTestId('room').count()).toBe(0);

    await logIn(visitor, mentor);
    await visitor.waitForURL((url) => url.pathname === `/rooms/${roomId}`);
    await visitor.getByTestId('room').waitFor();
  });

  it('tells someone opening an invite that was already used that it was used, and offers a way on', async () => {
    const { invite } = await mentorWithInvite('Uma Used');
    const mentee = await newPage('mentee');
    await signUp(mentee, person('Mo Mentee'));
    await mentee.goto(invite);
    await acceptInvite(mentee);

    const latecomer = await newPage('latecomer');
    await signUp(latecomer, person('Lee Late'));
    await latecomer.goto(invite);
    const problem = latecomer.getByTestId('invite-problem');
    await problem.waitFor();
    expect(await problem.getAttribute('data-reason')).toBe('used');
    expect(await problem.getByRole('heading').innerText()).toMatch(/used/i);
    expect(await latecomer.getByRole('button', { name: 'Accept invitation' }).count()).toBe(0);
    expect(await problem.getByRole('link', { name: 'Go to my rooms' }).count()).toBe(1);
    await screenshot(latecomer, '14-invite-used');
  });

  it('tells someone opening an expired invite that it expired', async () => {
    const { roomId, invite } = await mentorWithInvite('Eve Expired');
    // Invites live for hours (INVITE_TTL_HOURS ≥ 1); age this one in the database instead of waiting.
    const sql = postgres(e2e.databaseUrl, { max: 1, onnotice: () => {} });
    try {
      const aged = await sql`update invites set expires_at = now() - interval '1 minute' where room_id = ${roomId} and used_at is null`;
      expect(aged.count).toBe(1);
    } finally {
      await sql.end();
    }
    const mentee = await newPage('mentee');
    await signUp(mentee, person('Max Mentee'));
    await mentee.goto(invite);
    const problem = mentee.getByTestId('invite-problem');
    await problem.waitFor();
    expect(await problem.getAttribute('data-reason')).toBe('expired');
    expect(await problem.getByRole('heading').innerText()).toMatch(/expired/i);
    expect(await mentee.getByRole('button', { name: 'Accept invitation' }).count()).toBe(0);
  });

  it('tells someone opening a mangled invite link that it is not valid', async () => {
    const visitor = await newPage('visitor');
    await signUp(visitor, person('Val Invalid'));
    await visitor.goto('/invite/not-a-real-token');
    const problem = visitor.getByTestId('invite-problem');
    await problem.waitFor();
    expect(await problem.getAttribute('data-reason')).toBe('invalid');
  });

  it('lets a signed-out visitor who opens an invite link sign up from it and accept it', async () => {
    const { invite } = await mentorWithInvite('Sam Signedout');
    const visitor = await newPage('visitor');
    await visitor.goto(invite);
    const signUpLink = visitor.getByRole('link', { name: 'Sign up to accept' });
    await signUpLink.waitFor({ timeout: 10_000 });
    // Before signing up they see whose room it is, and nothing that needs an account.
    expect(await visitor.getByTestId('invite-mentor').innerText()).toBe('Sam Signedout');
    expect(await visitor.getByTestId('invite-room').innerText()).toBe("Sam Signedout's room");
    expect(await visitor.getByRole('button', { name: 'Accept invitation' }).count()).toBe(0);
    await screenshot(visitor, '13-invite-signed-out');

    await signUpLink.click();
    await fillSignup(visitor, person('Nia New'));
    await visitor.waitForURL((url) => url.pathname.startsWith('/invite/'));
    await acceptInvite(visitor);
    expect(await visitor.getByTestId('my-role').innerText()).toMatch(/mentee/i);
  });
});
