export * from './rng';
export * from './topology';
// Load profiles live in a shared lib (forecasting uses them for its SLP baseline); re-exported here.
export * from '@gridwerk/shared/util-load-profiles';
export * from './pv';
export * from './battery';
export * from './generator';
export * from './faults';
export * from './weather-forecast';
