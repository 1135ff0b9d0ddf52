import { config } from 'zod';

// zod compiles parsers with new Function() when it may, and probes for that once when a
// schema is built: under our CSP (no 'unsafe-eval') the probe is refused and reported as a
// violation. jitless skips the probe; the interpreted parsers are fast enough for our
// messages. Its own module, imported first by main.ts: schemas are built when the modules
// that define them are evaluated, which is before main.ts's own code runs.
config({ jitless: true });
