export * from './lib/errors';
export * from './lib/settlement-db';
export * from './lib/migrations';
export * from './lib/community.repository';
export * from './lib/settlement.repository';
export * from './lib/outbox.relay';
export * from './lib/committer-lock';
