import { createSubscriber } from 'svelte/reactivity';

/*
 * Notifications from outside Svelte (Y.Doc and awareness observers, the y-websocket provider,
 * the socket.io socket, the Tiptap editor) reach Svelte state in a microtask, never
 * synchronously.
 *
 * Such a source can fire inside Svelte's own work. When a member is removed while typing in
 * the notes, the room's {#if} swaps in the "no access" page and removes the editor's DOM
 * while that block effect runs; Chromium blurs the focused editor at once, the editor
 * dispatches a transaction and clears the caret and the "in notes" focus in the awareness,
 * and a synchronous write of a signal in the middle of the block is Svelte's
 * state_unsafe_mutation. Deferred, the write lands after the block.
 */

export interface Deferred {
  /** Schedules `fn` for the next microtask; calls in one turn coalesce into one. */
  call: () => void;
  /** Nothing more is delivered, including a call already scheduled. */
  cancel: () => void;
}

export function deferred(fn: () => void): Deferred {
  let live = true;
  let queued = false;
  return {
    call() {
      if (queued || !live) return;
      queued = true;
      queueMicrotask(() => {
        queued = false;
        if (live) fn();
      });
    },
    cancel() {
      live = false;
    },
  };
}

/**
 * createSubscriber whose `update` is deferred (above). Readers still see current values at
 * once, since getters re-read the source on every access; only the re-render waits. Nothing is
 * delivered after the last reader unsubscribed, so a closed doc or socket tells nobody.
 */
export function createOutsideSubscriber(start: (update: () => void) => (() => void) | void): () => void {
  return createSubscriber((update) => {
    const notify = deferred(update);
    const stop = start(notify.call);
    return () => {
      notify.cancel();
      stop?.();
    };
  });
}
