import { chatSuite } from './chat-suite.ts';

/** Issue 15 item 5 on Postgres. */
chatSuite('postgres');
