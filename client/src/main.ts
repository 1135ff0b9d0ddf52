import { mount } from 'svelte';
import { config as zodConfig } from 'zod';
import './app.css';
import App from './App.svelte';

// zod compiles parsers with new Function() when it may, and probes for that by calling
// Function('') once: under our CSP (no 'unsafe-eval') the probe is refused and reported as a
// violation. jitless skips the probe; the interpreted parsers are fast enough for our messages.
zodConfig({ jitless: true });

const target = document.getElementById('app');
if (!target) throw new Error('#app missing from index.html');
mount(App, { target });
