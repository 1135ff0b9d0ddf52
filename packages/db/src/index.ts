export * from './client.ts';
export * as schema from './schema.ts';
export * from './accounts.ts';
export * from './rooms.ts';
export * from './invites.ts';
export * from './secrets.ts';
export * from './room-log.ts';
export * from './room-summary.ts';
export * from './room-history.ts';
