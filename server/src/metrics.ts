import { Registry, collectDefaultMetrics } from 'prom-client';

/**
 * One prom-client Registry per app (not the global one), so several apps in one test
 * process — several "nodes" — never collide on metric names.
 */
export function createMetricsRegistry(nodeId: string): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ node: nodeId });
  collectDefaultMetrics({ register: registry });
  return registry;
}
