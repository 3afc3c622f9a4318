export * from './map-concurrently';
