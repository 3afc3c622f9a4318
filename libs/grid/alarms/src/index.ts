export * from './lib/alarm';
export * from './lib/flood';
export * from './lib/reconcile';
export * from './lib/rules';
export * from './lib/sustain';
export * from './lib/thresholds';
