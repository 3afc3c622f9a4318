export * from './berlin-time';
export * from './holidays';
