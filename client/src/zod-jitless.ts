import { config } from 'zod';

// zod compiles parsers with new Function() when it may, and probes for that by calling
// Function('') once: under our CSP (no 'unsafe-eval') the probe is refused and reported as a
// violation. jitless skips the probe; the interpreted parsers are fast enough for our messages.
// Its own module, imported first by main.ts: an object schema probes when it is BUILT, and the
// protocol's schemas are built while App's imports evaluate, before any statement of main.ts.
config({ jitless: true });
