import type { Env } from '@gridwerk/shared/util-config';
import { loadServiceConfig } from '@gridwerk/shared/feature-ops';

/** grid-api's own variables; HTTP, logging, Kafka and database come from the platform spec. */
export const gridApiConfigSpec = {};

export const loadGridApiConfig = (env?: Env) => loadServiceConfig('grid-api', 3004, gridApiConfigSpec, env);
export type GridApiConfig = ReturnType<typeof loadGridApiConfig>;
