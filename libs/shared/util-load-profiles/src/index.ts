export * from './load-profiles';
