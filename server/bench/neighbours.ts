import { spawn, type ChildProcess } from 'node:child_process';
import { setPriority } from './priority.ts';

/**
 * `--neighbours N`: N processes that each keep 60 % of a core busy (6 ms of spinning, 4 ms of
 * sleep, over and over) at the benchmark's own priority, for the whole run. On a shared VM the
 * neighbours come and go on their own and one run cannot be compared with another; these
 * stay the same, so a change can be compared under a known, repeatable squeeze.
 */
const SPIN = `const tick = () => { const end = performance.now() + 6; while (performance.now() < end); setTimeout(tick, 4); }; tick();`;

export function startNeighbours(count: number, priority: number): () => void {
  const children: ChildProcess[] = [];
  for (let i = 0; i < count; i++) children.push(spawn(process.execPath, ['-e', SPIN], { stdio: 'ignore' }));
  setPriority(
    children.map((c) => c.pid),
    priority,
  );
  const stop = () => {
    for (const c of children) c.kill('SIGKILL');
  };
  // A neighbour must never outlive its benchmark, however that ends.
  process.once('exit', stop);
  return stop;
}
