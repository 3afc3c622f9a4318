import { uniqueName } from '@gridwerk/shared/data-access-kafka';

/** Fresh topics for one grid-api under test, named `test.<label>.<topic>-<unique>`. */
export function gridApiTestTopics(label: string) {
  return {
    readings: uniqueName(`test.${label}.readings`),
    telemetry: uniqueName(`test.${label}.telemetry`),
    commands: uniqueName(`test.${label}.commands`),
    commandsV2: uniqueName(`test.${label}.commands-v2`),
    forecasts: uniqueName(`test.${label}.forecasts`),
    batches: uniqueName(`test.${label}.batches`),
    alerts: uniqueName(`test.${label}.alerts`),
  };
}

export type GridApiTestTopics = ReturnType<typeof gridApiTestTopics>;

/** The grid-api's settings for those topics, with consumer groups of its own. */
export function gridApiTopicEnv(label: string, topics: GridApiTestTopics): Record<string, string> {
  return {
    GRID_API_CONSUMER_GROUP: uniqueName(`test.${label}.grid-api`),
    GRID_API_LIVE_GROUP_PREFIX: uniqueName(`test.${label}.live`),
    GRID_API_READINGS_TOPIC: topics.readings,
    GRID_API_TELEMETRY_TOPIC: topics.telemetry,
    GRID_API_COMMANDS_TOPIC: topics.commands,
    GRID_API_COMMANDS_V2_TOPIC: topics.commandsV2,
    GRID_API_FORECASTS_TOPIC: topics.forecasts,
    GRID_API_BATCHES_TOPIC: topics.batches,
    GRID_API_ALERTS_TOPIC: topics.alerts,
  };
}
