// @vitest-environment jsdom
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import type { LoginBody, User } from '@menteo/protocol';
import { ApiError, createApi, type Api } from '../lib/api.ts';
import WithAppContext from '../test/WithAppContext.svelte';
import Login from './Login.svelte';

/** An Api whose login answers as told; every other call is unexpected in these tests. */
function fakeApi(login: (body: LoginBody) => Promise<User>): Api & { calls: LoginBody[] } {
  const calls: LoginBody[] = [];
  const unexpected = createApi(() => Promise.reject(new Error('unexpected request')));
  return {
    ...unexpected,
    calls,
    login: (body) => {
      calls.push(body);
      return login(body);
    },
  };
}

const grace: User = { id: 'u1', email: 'grace@example.com', displayName: 'Grace Hopper' };

function renderLogin(api: Api, next: string | null = null) {
  return render(WithAppContext, { props: { api, component: Login, props: { next } } });
}

async function fillAndSubmit(email: string, password: string) {
  await fireEvent.input(screen.getByLabelText('Email'), { target: { value: email } });
  await fireEvent.input(screen.getByLabelText('Password'), { target: { value: password } });
  await fireEvent.click(screen.getByRole('button', { name: 'Log in' }));
}

beforeEach(() => history.replaceState(null, '', '/login'));
afterEach(() => cleanup());

describe('Login page', () => {
  it('has a labelled form with a page title', () => {
    renderLogin(fakeApi(() => Promise.resolve(grace)));
    expect(screen.getByRole('heading', { level: 1, name: 'Log in' })).toBeTruthy();
    expect(screen.getByRole('form', { name: 'Log in' })).toBeTruthy();
    expect(screen.getByLabelText('Email').getAttribute('autocomplete')).toBe('email');
    expect(screen.getByLabelText('Password').getAttribute('type')).toBe('password');
  });

  it("shows the server's message when the password is wrong, and stays on the page", async () => {
    const api = fakeApi(() => Promise.reject(new ApiError(401, 'invalid_credentials', 'The email or password is incorrect.')));
    renderLogin(api);
    await fillAndSubmit('grace@example.com', 'wrong');
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('The email or password is incorrect.');
    expect(location.pathname).toBe('/login');
    expect(api.calls).toEqual([{ email: 'grace@example.com', password: 'wrong' }]);
  });

  it('asks for both fields without calling the server when one is empty', async () => {
    const api = fakeApi(() => Promise.resolve(grace));
    renderLogin(api);
    await fireEvent.click(screen.getByRole('button', { name: 'Log in' }));
    expect((await screen.findByRole('alert')).textContent).toContain('Enter your email and password.');
    expect(api.calls).toHaveLength(0);
  });

  it('goes back to where the visitor came from after logging in', async () => {
    renderLogin(fakeApi(() => Promise.resolve(grace)), '/invite/tok123');
    await fillAndSubmit(' grace@example.com ', 'right password');
    await waitFor(() => expect(location.pathname).toBe('/invite/tok123'));
  });

  it('goes to My rooms when there is nowhere to go back to', async () => {
    renderLogin(fakeApi(() => Promise.resolve(grace)));
    await fillAndSubmit('grace@example.com', 'right password');
    await waitFor(() => expect(location.pathname).toBe('/rooms'));
  });

  it('disables the button while the request is in flight', async () => {
    let resolve: (u: User) => void = () => {};
    renderLogin(fakeApi(() => new Promise<User>((r) => (resolve = r))));
    await fillAndSubmit('grace@example.com', 'pw');
    const button = await screen.findByRole('button', { name: 'Logging in…' });
    expect((button as HTMLButtonElement).disabled).toBe(true);
    resolve(grace);
    await waitFor(() => expect(location.pathname).toBe('/rooms'));
  });
});
