import type { components } from './schema.gen';

/**
 * The dashboard's names for grid-api's response shapes: aliases of the types generated from the
 * committed OpenAPI document (schema.gen.ts, `npx nx run dashboard:api-types`), never written by hand.
 * Only the stream payloads are described here: SSE events are not part of an OpenAPI document, so they
 * are derived from the response types they mirror.
 */
type Schemas = components['schemas'];

export type MeDto = Schemas['MeView'];
export type TopologyDto = Schemas['TopologyDto'];
export type TopologySubstationDto = Schemas['TopologySubstationDto'];
export type TopologyFeederDto = Schemas['TopologyFeederDto'];
export type TopologySecondarySubstationDto = Schemas['TopologySecondarySubstationDto'];
export type TopologySummaryDto = Schemas['TopologySummaryDto'];
export type TopologySummarySubstationDto = Schemas['TopologySummarySubstationDto'];
export type TopologySummaryFeederDto = Schemas['TopologySummaryFeederDto'];
/** The aggregate fields a substation and a feeder of the summary share. */
export type TopologyAggregateView = Omit<TopologySummaryFeederDto, 'id' | 'name'>;
export type TopologyStationDto = Schemas['TopologyStationDto'];
export type TopologyStationPageDto = Schemas['TopologyStationPageDto'];
export type TopologyNodeDto = Schemas['TopologyNodeDto'];
export type ClockDto = Schemas['ClockDto'];
export type LoadDto = Schemas['LoadDto'];
export type LoadPointDto = Schemas['LoadPointDto'];
export type LiveValueDto = Schemas['LiveValueDto'];
export type ForecastDto = Schemas['ForecastDto'];
export type ForecastPointDto = Schemas['ForecastPointDto'];
export type BatteryDto = Schemas['BatteryDto'];
export type BatteriesDto = Schemas['BatteriesDto'];
export type BatteryCommandDto = Schemas['BatteryCommandDto'];
export type DispatchPlansDto = Schemas['DispatchPlansDto'];
export type DispatchPlanDto = Schemas['DispatchPlanDto'];
export type StationAboveRatingDto = Schemas['StationAboveRatingDto'];
export type AlarmDto = Schemas['AlarmDto'];
export type AlarmListDto = Schemas['AlarmListDto'];
export type FloodDto = Schemas['FloodDto'];
export type FloodGroup = Schemas['FloodGroupDto'];
export type AlarmRate = Schemas['AlarmRateDto'];
export type AuditEntryDto = Schemas['AuditEntryDto'];
export type AlarmState = AlarmDto['state'];
export type AlarmSeverity = AlarmDto['severity'];

export type Alarm = AlarmDto;
export type AuditEntry = AuditEntryDto;
export type Battery = BatteryDto;
export type Topology = TopologyDto;
export type DispatchPlan = DispatchPlanDto;

/** Payload of the stream's `load` event: a node's live value, as the load response's `live` plus the node. */
export type LiveLoadEvent = Pick<LiveValueDto, 'powerW' | 'ageS'> & {
  nodeId: string;
  nodeKind: LoadDto['nodeKind'];
  observedAt: string;
};
/** `battery` events carry the live part of a battery (no availability or last command). */
export type LiveBatteryEvent = Pick<
  BatteryDto,
  'assetId' | 'stateOfChargePct' | 'powerW' | 'stateOfHealthPct' | 'observedAt' | 'ageS'
> &
  Partial<BatteryDto>;
