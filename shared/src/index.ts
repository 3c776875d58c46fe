export * from './errors.ts';
export * from './common.ts';
export * from './auth.ts';
export * from './tokens.ts';
export * from './expressions.ts';
export * from './schedules.ts';
export * from './runs.ts';
export * from './health.ts';
