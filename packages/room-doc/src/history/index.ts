export * from './attribution.ts';
export * from './notes-text.ts';
export * from './notes-diff.ts';
export * from './compare.ts';
export * from './timeline.ts';
export * from './report.ts';
export * from './restore.ts';
export * from './summary-line.ts';
