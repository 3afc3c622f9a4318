export * from './lib/reading-intake';
export * from './lib/readings.kafka-consumer';
export * from './lib/settlement-engine';
export * from './lib/http-validation';
export * from './lib/communities.http.controller';
export * from './lib/csv-import';
