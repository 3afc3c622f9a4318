// PROVISIONAL mirror of grid-api's DTOs until its committed openapi.json lands; then aliases of the generated types.
export type AlarmState =
  'unacknowledged' | 'acknowledged' | 'rtn-unacknowledged' | 'cleared' | 'shelved' | 'out-of-service';
export type AlarmSeverity = 'info' | 'warning' | 'critical';
export interface ActorDto {
  sub: string;
  username: string;
}
export interface AlarmDto {
  id: string;
  code: string;
  nodeId: string;
  nodeKind: string;
  substationId: string | null;
  severity: AlarmSeverity;
  state: AlarmState;
  conditionActive: boolean;
  message: string;
  value?: number;
  threshold?: number;
  unit?: string;
  raisedAt: string;
  changedAt: string;
  acknowledgedBy?: ActorDto;
  acknowledgedAt?: string;
  acknowledgeComment?: string;
  shelvedUntil?: string;
  shelvedBy?: ActorDto;
  shelveComment?: string;
  outOfServiceBy?: ActorDto;
  outOfServiceComment?: string;
  version: number;
  actions: string[];
  observedAt: string | null;
  ageS: number | null;
}
export interface FloodDto {
  active: boolean;
  count: number;
  threshold: number;
  windowS: number;
  windowStart: string;
  observedAt: string;
  ageS: number;
}
export interface AlarmListDto {
  items: AlarmDto[];
  flood: FloodDto;
}
export interface AuditEntryDto {
  id: number;
  at: string;
  actorSub: string;
  actorName: string;
  action: string;
  alarmId: string | null;
  target: string | null;
  reason: string | null;
  detail: Record<string, unknown>;
}
export interface TopologySecondarySubstationDto {
  id: string;
  name: string;
  ratedKva: number;
  meterPoints: { count: number; ids: string[] };
  batteries: { assetId: string; nominalCapacityWh: number }[];
}
export interface TopologyFeederDto {
  id: string;
  name: string;
  secondarySubstations: TopologySecondarySubstationDto[];
}
export interface TopologySubstationDto {
  id: string;
  name: string;
  ratedMva: number | null;
  feeders: TopologyFeederDto[];
}
export interface TopologyDto {
  substations: TopologySubstationDto[];
}
export interface BatteryCommandDto {
  commandId: string;
  issuedAt: string;
  mode: string;
  setpointW: number | null;
  validFrom: string;
  validUntil: string;
  reason: string;
  ageS: number;
}
export interface BatteryDto {
  assetId: string;
  secondarySubstationId: string | null;
  substationId: string | null;
  stateOfChargePct: number | null;
  powerW: number | null;
  stateOfHealthPct: number | null;
  temperatureC: number | null;
  usableCapacityWh: number | null;
  mode: string | null;
  availability: string;
  lastCommand: BatteryCommandDto | null;
  observedAt: string | null;
  ageS: number | null;
}
export interface BatteriesDto {
  items: BatteryDto[];
  observedAt: string | null;
  ageS: number | null;
}
export interface LoadPointDto {
  t: string;
  importWh: number;
  exportWh: number;
  netWh: number;
  avgPowerW: number;
  metersReporting: number;
}
export interface LiveValueDto {
  powerW: number;
  metersReporting: number;
  stale: boolean;
  observedAt: string | null;
  ageS: number | null;
}
export interface LoadDto {
  nodeId: string;
  nodeKind: string;
  from: string;
  to: string;
  resolution: string;
  bucketS: number;
  ratedKva?: number;
  points: LoadPointDto[];
  live: LiveValueDto | null;
  observedAt: string | null;
  ageS: number | null;
}
export interface ForecastPointDto {
  t: string;
  p10Wh: number;
  p50Wh: number;
  p90Wh: number;
  actualWh: number | null;
  issuedAt: string;
  modelVersion: string;
}
export interface ForecastDto {
  nodeId: string;
  seriesId: string;
  horizon: string;
  modelVersion: string | null;
  issuedAt: string | null;
  stepMinutes: number;
  points: ForecastPointDto[];
  observedAt: string | null;
  ageS: number | null;
}
export interface MeDto {
  sub: string;
  username: string;
  roles: string[];
  perimeter: string[] | null;
}

export type Alarm = AlarmDto;
export type AuditEntry = AuditEntryDto;
export type Battery = BatteryDto;
export type Topology = TopologyDto;

/** Payload of the stream's `load` event: a node's live value (grid-api's live aggregator). */
export interface LiveLoadEvent {
  nodeId: string;
  nodeKind: string;
  powerW: number;
  observedAt: string;
  ageS: number | null;
}
/** `battery` events carry the live part of a battery (no availability or last command). */
export type LiveBatteryEvent = Pick<
  BatteryDto,
  'assetId' | 'stateOfChargePct' | 'powerW' | 'stateOfHealthPct' | 'observedAt' | 'ageS'
> &
  Partial<BatteryDto>;
