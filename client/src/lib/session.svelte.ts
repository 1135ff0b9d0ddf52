/**
 * Who is signed in, as a runes class shared through context. Pages read `user`; the forms
 * call login/signup/logout here so the header updates everywhere at once.
 */
import { createContext } from 'svelte';
import type { LoginBody, SignupBody, User } from '@menteo/protocol';
import type { Api } from './api.ts';

export type SessionStatus = 'loading' | 'ready' | 'error';

export class Session {
  user = $state<User | null>(null);
  status = $state<SessionStatus>('loading');
  /** Why loading failed (e.g. the server is unreachable); shown with a retry button. */
  error = $state<string | null>(null);
  readonly api: Api;

  constructor(api: Api) {
    this.api = api;
  }

  async load(): Promise<void> {
    this.status = 'loading';
    this.error = null;
    try {
      this.user = await this.api.me();
      this.status = 'ready';
    } catch (err) {
      this.error = err instanceof Error ? err.message : String(err);
      this.status = 'error';
    }
  }

  async login(body: LoginBody): Promise<User> {
    const user = await this.api.login(body);
    this.user = user;
    this.status = 'ready';
    return user;
  }

  async signup(body: SignupBody): Promise<User> {
    const user = await this.api.signup(body);
    this.user = user;
    this.status = 'ready';
    return user;
  }

  async logout(): Promise<void> {
    await this.api.logout();
    this.user = null;
  }
}

export const [getSession, setSession] = createContext<Session>();
