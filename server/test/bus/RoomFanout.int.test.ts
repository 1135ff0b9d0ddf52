import { pino } from 'pino';
import { RedisBus } from '../../src/bus/RedisBus.ts';
import { SHARED_REDIS_URL } from '../redis-instance.ts';
import { fanoutSuite } from './fanout-suite.ts';

const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
fanoutSuite('RedisBus', async () => {
  const bus = new RedisBus({ url: SHARED_REDIS_URL, logger, peerPollMs: 50 });
  await bus.start(5000);
  return bus;
});
