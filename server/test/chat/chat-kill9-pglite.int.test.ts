import { chatKill9Suite } from './chat-kill9-suite.ts';

/** Acked chat survives kill -9, on the embedded PGlite. */
chatKill9Suite('pglite');
