import { kill9Suite } from './kill9-suite.ts';

/** Issue 3 item 4 on the embedded PGlite that `npm start` uses by default. */
kill9Suite('pglite');
