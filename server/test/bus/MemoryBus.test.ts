import { MemoryBus, MemoryBusHub } from '../../src/bus/MemoryBus.ts';
import { busContract } from './bus-contract.ts';

const hub = new MemoryBusHub();
busContract('MemoryBus', () => ({ node: async () => new MemoryBus(hub) }));
