import { chatKill9Suite } from './chat-kill9-suite.ts';

/** Acked chat survives kill -9, on Postgres. */
chatKill9Suite('postgres');
