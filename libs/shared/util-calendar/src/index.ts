export * from './berlin-time';
export * from './holidays';
export * from './simulated-clock';
