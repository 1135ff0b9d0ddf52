import { MemoryBus, MemoryBusHub } from '../../src/bus/MemoryBus.ts';
import { fanoutSuite } from './fanout-suite.ts';

const hub = new MemoryBusHub();
fanoutSuite('MemoryBus', async () => new MemoryBus(hub));
