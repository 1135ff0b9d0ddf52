import { kill9Suite } from './kill9-suite.ts';

/** Issue 3 item 4 on Postgres (the multi-node deployment). */
kill9Suite('postgres');
