import { chatSuite } from './chat-suite.ts';

/** Issue 15 item 5 on the embedded PGlite. */
chatSuite('pglite');
