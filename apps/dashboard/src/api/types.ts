// PROVISIONAL until grid-api's committed openapi.json lands: then these become aliases of the generated types.
export type AlarmState =
  'unacknowledged' | 'acknowledged' | 'rtn-unacknowledged' | 'cleared' | 'shelved' | 'out-of-service';
export type AlarmSeverity = 'info' | 'warning' | 'critical';
export interface Actor {
  sub: string;
  username: string;
}
export interface Alarm {
  id: string;
  code: string;
  nodeId: string;
  nodeKind: string;
  severity: AlarmSeverity;
  state: AlarmState;
  conditionActive: boolean;
  message: string;
  value?: number;
  threshold?: number;
  unit?: string;
  raisedAt: string;
  changedAt: string;
  observedAt: string;
  acknowledgedBy?: Actor;
  acknowledgedAt?: string;
  acknowledgeComment?: string;
  shelvedUntil?: string;
  shelvedBy?: Actor;
  version: number;
  ageS: number;
}
export interface AuditEntry {
  id: string;
  alarmId: string;
  at: string;
  actor: Actor;
  action: string;
  fromState?: string;
  toState?: string;
  comment?: string;
}
export interface SecondarySubstation {
  secondarySubstationId: string;
  name: string;
  ratedKva: number;
  meterPointCount: number;
}
export interface Feeder {
  feederId: string;
  name: string;
  secondarySubstations: SecondarySubstation[];
}
export interface Substation {
  substationId: string;
  name: string;
  feeders: Feeder[];
}
export interface Battery {
  assetId: string;
  secondarySubstationId: string;
  stateOfChargePct: number | null;
  powerW: number | null;
  stateOfHealthPct: number | null;
  available: boolean | null;
  lastCommand: { command: string; at: string } | null;
  observedAt: string | null;
  ageS: number | null;
}
export interface Topology {
  substations: Substation[];
  batteries: Battery[];
}
export interface LoadPoint {
  t: string;
  powerW: number | null;
}
export interface LoadSeries {
  nodeId: string;
  resolution: string;
  points: LoadPoint[];
  observedAt: string | null;
  ageS: number | null;
}
export interface ForecastPoint {
  t: string;
  p10W: number;
  p50W: number;
  p90W: number;
  actualW: number | null;
}
export interface ForecastSeries {
  nodeId: string;
  modelVersion: string | null;
  issuedAt: string | null;
  points: ForecastPoint[];
}
export interface LiveLoadEvent {
  nodeId: string;
  powerW: number;
  observedAt: string;
  ageS?: number;
}
export interface Me {
  sub: string;
  username: string;
  roles: string[];
  perimeter: string[] | null;
}
