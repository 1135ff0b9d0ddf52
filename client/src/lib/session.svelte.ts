/**
 * Who is signed in, as a runes class shared through context. Pages read `user`; the forms
 * call login/signup/logout here so the header updates everywhere at once.
 */
import { createContext } from 'svelte';
import type { LoginBody, SignupBody, User } from '@menteo/protocol';
import type { Api } from './api.ts';
import { clearLocalRoomCopies, type ClearResult } from './sync/local-copies.ts';

export type SessionStatus = 'loading' | 'ready' | 'error';

export class Session {
  user = $state<User | null>(null);
  status = $state<SessionStatus>('loading');
  /** Why loading failed (e.g. the server is unreachable); shown with a retry button. */
  error = $state<string | null>(null);
  readonly api: Api;
  /** The deletion of local room copies started by the last logout (tests await it). */
  localCopiesCleared: Promise<ClearResult | null> = Promise.resolve(null);
  readonly #clearLocalCopies: () => Promise<ClearResult>;

  constructor(api: Api, clearLocalCopies: () => Promise<ClearResult> = () => clearLocalRoomCopies()) {
    this.api = api;
    this.#clearLocalCopies = clearLocalCopies;
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

  /**
   * Ends the session, then deletes this browser's copies of the rooms so the next person at a
   * shared computer cannot read them. The deletion is not awaited: should a room's connection
   * stay open, IndexedDB finishes it only once the page leaves the room, which happens after
   * logout returns. Unsaved offline edits go with it; signing out means leaving this computer.
   */
  async logout(): Promise<void> {
    await this.api.logout();
    this.user = null;
    this.localCopiesCleared = this.#clearLocalCopies().catch((err: unknown) => {
      console.warn('could not delete the local copies of rooms after signing out', err);
      return null;
    });
  }
}

export const [getSession, setSession] = createContext<Session>();
