/**
 * The room's open meeting, live over the presence socket (socket.io's meetings concern): the
 * meeting as the server last told it, the server's clock offset for the timer, and the last
 * meeting that ended while this room was open (for the summary card). The socket is an outside
 * source: its events set plain fields and notify; getters subscribe (STYLE rule 12).
 */
import { on } from 'svelte/events';
import { createOutsideSubscriber } from '../state/outside.ts';
import type { Meeting, MeetingLive } from '@menteo/protocol';
import type { RoomPresence } from './RoomPresence.svelte.ts';

export class RoomMeeting {
  #meeting: Meeting | null = null;
  #ended: Meeting | null = null;
  /** serverNow − local now when the server last spoke: the timer runs on the server's clock. */
  #offsetMs = 0;
  #changes = new EventTarget();
  #subscribe = createOutsideSubscriber((update) => on(this.#changes, 'change', update));
  /** Ticks once a second while a meeting is open and someone reads `elapsedMs`. */
  #tick = createOutsideSubscriber((update) => {
    const t = setInterval(update, 1000);
    return () => clearInterval(t);
  });
  #offs: Array<() => void> = [];

  constructor(
    private readonly presence: RoomPresence,
    /** A meeting ended (the room's "last met" figures changed). */
    private readonly onEnded: (meeting: Meeting) => void = () => {},
  ) {
    const socket = presence.socket;
    const onState = (live: MeetingLive) => {
      if (live.roomId !== presence.roomId) return;
      this.#apply(live.meeting, live.serverNow);
    };
    const onEnd = ({ roomId, meeting, serverNow }: { roomId: string; meeting: Meeting; serverNow: string }) => {
      if (roomId !== presence.roomId) return;
      this.#ended = meeting;
      this.#apply(null, serverNow);
      this.onEnded(meeting);
    };
    socket.on('meeting:state', onState);
    socket.on('meeting:ended', onEnd);
    this.#offs.push(
      () => socket.off('meeting:state', onState),
      () => socket.off('meeting:ended', onEnd),
      // After each join: what is open now (events sent while we were away are gone).
      presence.onJoined(() => {
        socket.emit('meeting:current', { roomId: presence.roomId }, (res) => {
          if (res.ok) this.#apply(res.live.meeting, res.live.serverNow);
        });
      }),
    );
  }

  get meeting(): Meeting | null {
    this.#subscribe();
    return this.#meeting;
  }

  /** The meeting that ended last while the room was open here, until dismissed. */
  get ended(): Meeting | null {
    this.#subscribe();
    return this.#ended;
  }

  /** Time since the open meeting started, on the server's clock; 0 without one. */
  get elapsedMs(): number {
    this.#subscribe();
    if (!this.#meeting) return 0;
    this.#tick();
    return Date.now() + this.#offsetMs - Date.parse(this.#meeting.startedAt);
  }

  /** What the REST answer of Start or End said, applied at once (the socket event follows). */
  applyAnswer(meeting: Meeting, serverNow: string): void {
    if (meeting.endedAt) {
      this.#ended = meeting;
      this.#apply(null, serverNow);
    } else {
      this.#apply(meeting, serverNow);
    }
  }

  dismissSummary(): void {
    this.#ended = null;
    this.#emit();
  }

  destroy(): void {
    for (const off of this.#offs.splice(0)) off();
  }

  #apply(meeting: Meeting | null, serverNow: string): void {
    this.#meeting = meeting;
    const t = Date.parse(serverNow);
    if (!Number.isNaN(t)) this.#offsetMs = t - Date.now();
    this.#emit();
  }

  #emit(): void {
    this.#changes.dispatchEvent(new Event('change'));
  }
}
