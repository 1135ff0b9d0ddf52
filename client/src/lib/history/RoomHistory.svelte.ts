/**
 * One room's history as the history pages share it: the meetings list (paged, newest first),
 * the past states fetched so far, and the API. Created by the history page for its room and
 * handed down through context.
 */
import { createContext, untrack } from 'svelte';
import type { HistoryEntry, HistoryMeeting, Member, Room } from '@menteo/protocol';
import { memberColor } from '../sync/presence-view.ts';
import type { HistoryApi } from './api.ts';
import { PastStates } from './past-states.ts';

type ListLoad =
  | { kind: 'idle' }
  | { kind: 'loading' }
  | { kind: 'ready' }
  | { kind: 'error'; message: string; status: number };

export class RoomHistory {
  readonly room: Room;
  readonly api: HistoryApi;
  readonly states: PastStates;

  entries = $state.raw<HistoryEntry[]>([]);
  nextCursor = $state<string | null>(null);
  list = $state<ListLoad>({ kind: 'idle' });

  readonly meetings: HistoryMeeting[] = $derived(
    this.entries.flatMap((e) => (e.type === 'meeting' ? [e.meeting] : [])),
  );

  constructor(room: Room, api: HistoryApi) {
    this.room = room;
    this.api = api;
    this.states = new PastStates((point) => api.state(room.id, point));
  }

  /**
   * The first page, once; later calls are no-ops (after a failure too: `reload` retries).
   * Reads no state reactively, so an effect that calls it does not re-run on its changes.
   */
  async ensureList(): Promise<void> {
    if (untrack(() => this.list.kind) !== 'idle') return;
    await this.#loadPage(null);
  }

  async loadMore(): Promise<void> {
    if (!this.nextCursor || this.list.kind === 'loading') return;
    await this.#loadPage(this.nextCursor);
  }

  async reload(): Promise<void> {
    this.entries = [];
    this.nextCursor = null;
    this.list = { kind: 'idle' };
    await this.#loadPage(null);
  }

  async #loadPage(cursor: string | null): Promise<void> {
    this.list = { kind: 'loading' };
    try {
      const page = await this.api.meetings(this.room.id, cursor);
      this.entries = cursor ? [...this.entries, ...page.entries] : page.entries;
      this.nextCursor = page.nextCursor;
      this.list = { kind: 'ready' };
    } catch (err) {
      const status = typeof err === 'object' && err !== null && 'status' in err && typeof err.status === 'number' ? err.status : 0;
      this.list = { kind: 'error', message: err instanceof Error ? err.message : String(err), status };
    }
  }

  meeting(id: string): HistoryMeeting | null {
    return this.meetings.find((m) => m.id === id) ?? null;
  }

  /** The meeting held before `id` (the next older one in the list), if loaded. */
  previousMeeting(id: string): HistoryMeeting | null {
    const i = this.meetings.findIndex((m) => m.id === id);
    return i === -1 ? null : (this.meetings[i + 1] ?? null);
  }

  /** An author's colour: the member's presence colour, grey for unknown or former members. */
  colorOf(authorId: string | null): string {
    if (!authorId) return '#64748b';
    const members: readonly Member[] = this.room.members;
    return members.some((m) => m.userId === authorId) ? memberColor(authorId, members) : '#64748b';
  }

  destroy(): void {
    this.states.clear();
  }
}

export const [getRoomHistory, setRoomHistory] = createContext<RoomHistory>();
