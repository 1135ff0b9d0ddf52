export * from './close-codes.ts';
export * from './messages.ts';
export * from './ids.ts';
export * from './errors.ts';
export * from './rest.ts';
export * from './events.ts';
export * from './meetings.ts';
