import type { StaVersion } from './sensorthings';
import { observationId, ObservationRow, QUARTER_HOUR_MS, resultTimeOf } from './observation-source';

export const STA_VERSIONS: readonly StaVersion[] = ['v1.1', 'v1.0'];

const quoted = (id: string): string => `'${id.replace(/'/g, "''")}'`;

/**
 * The SensorThings MQTT topics (Part 1 §14.2) a new observation is published on: its datastream's
 * observations and the Observations collection, for each served version.
 */
export function observationTopics(datastreamId: string, prefix = ''): string[] {
  return STA_VERSIONS.flatMap((v) => [
    `${prefix}${v}/Datastreams(${quoted(datastreamId)})/Observations`,
    `${prefix}${v}/Observations`,
  ]);
}

/** An Observation as GET returns it (self and navigation links absolute for `version`). */
export function observationEntity(
  baseUrl: string,
  version: string,
  row: ObservationRow,
): Record<string, unknown> {
  const id = observationId(row);
  const self = `${baseUrl.replace(/\/$/, '')}/${version}/Observations('${encodeURIComponent(id)}')`;
  const start = row.phenomenonStart.toISOString();
  const end = new Date(row.phenomenonStart.getTime() + QUARTER_HOUR_MS).toISOString();
  return {
    '@iot.id': id,
    '@iot.selfLink': self,
    phenomenonTime: `${start}/${end}`,
    resultTime: resultTimeOf(row).toISOString(),
    result: row.result,
    'Datastream@iot.navigationLink': `${self}/Datastream`,
    'FeatureOfInterest@iot.navigationLink': `${self}/FeatureOfInterest`,
  };
}
