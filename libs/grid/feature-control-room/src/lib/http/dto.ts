/* Response and request shapes of the control-room API, for the OpenAPI document (the dashboard's types). */
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ALARM_NODE_KINDS, ALARM_SEVERITIES, ALARM_STATES, THRESHOLD_FIELDS } from '@gridwerk/grid/alarms';

export class Aged {
  @ApiProperty({
    description: 'Instant of the data (UTC)',
    nullable: true,
    type: String,
    format: 'date-time',
  })
  observedAt!: string | null;
  @ApiProperty({ description: 'Age of the data at response time, seconds', nullable: true, type: Number })
  ageS!: number | null;
}

export class TopologyMeterPointsDto {
  @ApiProperty() count!: number;
  @ApiProperty({ type: [String] }) ids!: string[];
}

export class TopologyBatteryDto {
  @ApiProperty() assetId!: string;
  @ApiProperty() nominalCapacityWh!: number;
}

export class TopologySecondarySubstationDto {
  @ApiProperty() id!: string;
  @ApiProperty() name!: string;
  @ApiProperty() ratedKva!: number;
  @ApiProperty({ type: TopologyMeterPointsDto }) meterPoints!: TopologyMeterPointsDto;
  @ApiProperty({ type: [TopologyBatteryDto] }) batteries!: TopologyBatteryDto[];
}

export class TopologyFeederDto {
  @ApiProperty() id!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ type: [TopologySecondarySubstationDto] })
  secondarySubstations!: TopologySecondarySubstationDto[];
}

export class TopologySubstationDto {
  @ApiProperty() id!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ nullable: true, type: Number }) ratedMva!: number | null;
  @ApiProperty({ type: [TopologyFeederDto] }) feeders!: TopologyFeederDto[];
}

export class TopologyDto {
  @ApiProperty({ type: [TopologySubstationDto] }) substations!: TopologySubstationDto[];
}

/** The control room's clock (GET /api/v1/clock). */
export class ClockDto {
  @ApiProperty({
    format: 'date-time',
    description:
      "The control room's now: the newest data instant this replica has received, advanced by wall time since it last moved (the clock the alarm engine judges by; the wall clock before any data). On a live grid it is the wall clock; on a replayed or simulated day it is that day's time. Views choose their time windows by it.",
  })
  now!: string;
  @ApiProperty({ format: 'date-time', description: "grid-api's wall clock" }) wallNow!: string;
}

export class LoadPointDto {
  @ApiProperty({ format: 'date-time', description: 'Bucket start (UTC)' }) t!: string;
  @ApiProperty() importWh!: number;
  @ApiProperty() exportWh!: number;
  @ApiProperty({ description: 'import − export; negative = net feed-in' }) netWh!: number;
  @ApiProperty({ description: 'Average net power over the bucket, W' }) avgPowerW!: number;
  @ApiProperty() metersReporting!: number;
}

export class LiveValueDto extends Aged {
  @ApiProperty({ description: 'Net active power now, W' }) powerW!: number;
  @ApiProperty() metersReporting!: number;
  @ApiProperty({ description: 'true when older than GRID_API_STALE_AFTER_S' }) stale!: boolean;
}

export class LoadDto extends Aged {
  @ApiProperty() nodeId!: string;
  @ApiProperty({ enum: ['secondary_substation', 'feeder', 'substation'] }) nodeKind!: string;
  @ApiProperty({ format: 'date-time' }) from!: string;
  @ApiProperty({ format: 'date-time' }) to!: string;
  @ApiProperty({ enum: ['raw', '15m', '1h'] }) resolution!: string;
  @ApiProperty({ description: 'Width of one point, seconds' }) bucketS!: number;
  @ApiPropertyOptional({ description: 'Rated kVA (secondary substations)', type: Number }) ratedKva?: number;
  @ApiProperty({ type: [LoadPointDto] }) points!: LoadPointDto[];
  @ApiProperty({
    type: LiveValueDto,
    nullable: true,
    description: 'The live value from the stream aggregator',
  })
  live!: LiveValueDto | null;
}

export class ForecastPointDto {
  @ApiProperty({ format: 'date-time' }) t!: string;
  @ApiProperty() p10Wh!: number;
  @ApiProperty() p50Wh!: number;
  @ApiProperty() p90Wh!: number;
  @ApiProperty({ nullable: true, type: Number, description: 'Metered net energy of the step, when known' })
  actualWh!: number | null;
  @ApiProperty({ format: 'date-time' }) issuedAt!: string;
  @ApiProperty() modelVersion!: string;
}

export class ForecastDto extends Aged {
  @ApiProperty() nodeId!: string;
  @ApiProperty() seriesId!: string;
  @ApiProperty({ enum: ['intraday', 'day-ahead'] }) horizon!: string;
  @ApiProperty({ nullable: true, type: String }) modelVersion!: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) issuedAt!: string | null;
  @ApiProperty() stepMinutes!: number;
  @ApiProperty({ type: [ForecastPointDto] }) points!: ForecastPointDto[];
}

export class BatteryCommandDto {
  @ApiProperty() commandId!: string;
  @ApiProperty({ format: 'date-time' }) issuedAt!: string;
  @ApiProperty({
    enum: ['setpoint', 'limit', 'auto', 'idle'],
    description: 'limit only from grid.battery.commands.v2',
  })
  mode!: string;
  @ApiProperty({ nullable: true, type: Number }) setpointW!: number | null;
  @ApiProperty({
    nullable: true,
    type: Number,
    description: 'mode limit: the station-flow limit the battery holds on its own measurement, W',
  })
  stationLimitW!: number | null;
  @ApiProperty({ nullable: true, type: Number, description: 'mode limit: the SoC reserve kept, %' })
  socReservePct!: number | null;
  @ApiProperty({ format: 'date-time' }) validFrom!: string;
  @ApiProperty({ format: 'date-time' }) validUntil!: string;
  @ApiProperty() reason!: string;
  @ApiProperty({ type: Number }) ageS!: number;
}

export class BatteryDto extends Aged {
  @ApiProperty() assetId!: string;
  @ApiProperty({ nullable: true, type: String }) secondarySubstationId!: string | null;
  @ApiProperty({ nullable: true, type: String }) substationId!: string | null;
  @ApiProperty({ nullable: true, type: Number }) stateOfChargePct!: number | null;
  @ApiProperty({ nullable: true, type: Number, description: 'W, positive = discharge' }) powerW!:
    number | null;
  @ApiProperty({ nullable: true, type: Number }) stateOfHealthPct!: number | null;
  @ApiProperty({ nullable: true, type: Number }) temperatureC!: number | null;
  @ApiProperty({ nullable: true, type: Number }) usableCapacityWh!: number | null;
  @ApiProperty({ nullable: true, type: String }) mode!: string | null;
  @ApiProperty({
    nullable: true,
    type: String,
    enum: ['planned-setpoint', 'planned-limit', 'local-rule', 'idle'],
    description: 'control in effect at the last telemetry (null: not reported by the unit)',
  })
  control!: string | null;
  @ApiProperty({ enum: ['available', 'unavailable', 'stale', 'unknown'] }) availability!: string;
  @ApiProperty({ type: BatteryCommandDto, nullable: true }) lastCommand!: BatteryCommandDto | null;
}

export class BatteriesDto extends Aged {
  @ApiProperty({ type: [BatteryDto] }) items!: BatteryDto[];
}

export class SettlementBatchDto extends Aged {
  @ApiProperty() batchId!: string;
  @ApiProperty() communityId!: string;
  @ApiProperty({ format: 'date-time' }) intervalStart!: string;
  @ApiProperty({ format: 'date-time' }) intervalEnd!: string;
  @ApiProperty() transactionCount!: number;
  @ApiProperty() totalEnergyWh!: number;
  @ApiProperty() totalAmountCt!: number;
  @ApiProperty() merkleRoot!: string;
  @ApiProperty() chainId!: number;
  @ApiProperty() contractAddress!: string;
  @ApiProperty() txHash!: string;
  @ApiProperty() blockNumber!: number;
  @ApiProperty({ format: 'date-time' }) committedAt!: string;
}

export class ActorDto {
  @ApiProperty() sub!: string;
  @ApiProperty() username!: string;
}

export class AlarmDto extends Aged {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ description: 'Rule code, e.g. TRANSFORMER.OVERLOAD' }) code!: string;
  @ApiProperty() nodeId!: string;
  @ApiProperty({ enum: ALARM_NODE_KINDS }) nodeKind!: string;
  @ApiProperty({ nullable: true, type: String }) substationId!: string | null;
  @ApiProperty({ enum: ALARM_SEVERITIES }) severity!: string;
  @ApiProperty({ enum: ALARM_STATES }) state!: string;
  @ApiProperty() conditionActive!: boolean;
  @ApiProperty() message!: string;
  @ApiPropertyOptional({ type: Number }) value?: number;
  @ApiPropertyOptional({ type: Number }) threshold?: number;
  @ApiPropertyOptional() unit?: string;
  @ApiProperty({ format: 'date-time' }) raisedAt!: string;
  @ApiProperty({ format: 'date-time' }) changedAt!: string;
  @ApiPropertyOptional({ type: ActorDto }) acknowledgedBy?: ActorDto;
  @ApiPropertyOptional({ format: 'date-time' }) acknowledgedAt?: string;
  @ApiPropertyOptional() acknowledgeComment?: string;
  @ApiPropertyOptional({ format: 'date-time' }) shelvedUntil?: string;
  @ApiPropertyOptional({ type: ActorDto }) shelvedBy?: ActorDto;
  @ApiPropertyOptional() shelveComment?: string;
  @ApiPropertyOptional({ type: ActorDto }) outOfServiceBy?: ActorDto;
  @ApiPropertyOptional() outOfServiceComment?: string;
  @ApiProperty() version!: number;
  @ApiProperty({ type: [String], description: 'Actions the alarm allows now' }) actions!: string[];
}

export class AlarmGroupDto {
  @ApiProperty() nodeId!: string;
  @ApiProperty({ enum: ALARM_NODE_KINDS }) nodeKind!: string;
  @ApiProperty() count!: number;
  @ApiProperty() unacknowledged!: number;
  @ApiProperty({ enum: ALARM_SEVERITIES }) highestSeverity!: string;
  @ApiProperty({ format: 'date-time' }) latestChangeAt!: string;
  @ApiProperty({ type: [String] }) alarmIds!: string[];
}

export class FloodDto {
  @ApiProperty() active!: boolean;
  @ApiProperty() count!: number;
  @ApiProperty() threshold!: number;
  @ApiProperty() windowS!: number;
  @ApiProperty({ format: 'date-time' }) windowStart!: string;
  @ApiProperty({ format: 'date-time' }) observedAt!: string;
  @ApiProperty() ageS!: number;
}

export class FloodGroupDto {
  @ApiProperty({ description: 'Stable while the group lasts: parent and first-out alarm' }) id!: string;
  @ApiProperty({ description: 'The substation the grouped alarms are under (the parent alarm)' })
  parentId!: string;
  @ApiProperty() count!: number;
  @ApiProperty() unacknowledged!: number;
  @ApiProperty({ enum: ALARM_SEVERITIES }) highestSeverity!: string;
  @ApiProperty({ description: 'The alarm raised first: where the cause most likely is' })
  firstOutAlarmId!: string;
  @ApiProperty({ format: 'date-time' }) firstRaisedAt!: string;
  @ApiProperty({ format: 'date-time' }) lastRaisedAt!: string;
  @ApiProperty({ type: [String], description: 'Children in the order raised (first-out first)' })
  alarmIds!: string[];
}

export class AlarmRateDto {
  @ApiProperty() windowS!: number;
  @ApiProperty({ description: 'Alarms of this operator (perimeter) raised in the window' }) raised!: number;
  @ApiProperty({ description: 'The same after flood grouping: a group counts once' }) annunciated!: number;
  @ApiProperty({ description: 'ISA-18.2 flood: more than 10 raised in 10 minutes' }) flood!: boolean;
}

export class AlarmListDto {
  @ApiProperty({ type: [AlarmDto] }) items!: AlarmDto[];
  @ApiProperty({ type: [AlarmGroupDto], description: 'Open alarms grouped by node' })
  groups!: AlarmGroupDto[];
  @ApiProperty({
    type: [FloodGroupDto],
    description:
      'ISA-18.2 flood handling: alarms raised together under one substation (at least 5 within 5 minutes) as one parent with its children, first-out first',
  })
  floodGroups!: FloodGroupDto[];
  @ApiProperty({ type: AlarmRateDto, description: 'The operator’s alarm rate over 10 minutes' })
  rate!: AlarmRateDto;
  @ApiProperty({ type: FloodDto }) flood!: FloodDto;
}

export class AuditEntryDto {
  @ApiProperty() id!: number;
  @ApiProperty({ format: 'date-time' }) at!: string;
  @ApiProperty() actorSub!: string;
  @ApiProperty() actorName!: string;
  @ApiProperty({ description: 'e.g. alarm.acknowledge, alarm.raised, thresholds.put' }) action!: string;
  @ApiProperty({ nullable: true, type: String }) alarmId!: string | null;
  @ApiProperty({ nullable: true, type: String }) target!: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'Comment (why)' }) reason!: string | null;
  @ApiProperty({ type: 'object', additionalProperties: true }) detail!: Record<string, unknown>;
}

export class CommentBodyDto {
  @ApiProperty({ minLength: 1, maxLength: 1000 }) comment!: string;
}

export class OptionalCommentBodyDto {
  @ApiPropertyOptional({ maxLength: 1000 }) comment?: string;
}

export class ShelveBodyDto {
  @ApiProperty({
    format: 'date-time',
    description: 'When the shelving ends by itself (UTC, at most GRID_ALARM_MAX_SHELVE_H ahead)',
  })
  until!: string;
  @ApiProperty({ minLength: 1, maxLength: 1000 }) comment!: string;
}

const thresholdProps = Object.fromEntries(THRESHOLD_FIELDS.map((f) => [f, { type: 'number' as const }]));

export class ThresholdProfileDto {
  @ApiProperty({ type: 'object', properties: thresholdProps, description: 'The effective default profile' })
  defaults!: Record<string, number>;
  @ApiProperty({
    type: 'object',
    properties: thresholdProps,
    description: 'Stored overrides of the built-in defaults',
  })
  overrides!: Record<string, number>;
}

export class NodeThresholdsDto {
  @ApiProperty() nodeId!: string;
  @ApiProperty({ type: 'object', properties: thresholdProps }) overrides!: Record<string, number>;
  @ApiProperty({
    type: 'object',
    properties: thresholdProps,
    description: 'Defaults with the overrides applied',
  })
  effective!: Record<string, number>;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) updatedAt!: string | null;
  @ApiProperty({ nullable: true, type: String }) updatedBy!: string | null;
}

export class ThresholdsDto extends ThresholdProfileDto {
  @ApiProperty({ type: [NodeThresholdsDto] }) nodes!: NodeThresholdsDto[];
}

export class ThresholdsBodyDto {
  @ApiProperty({
    type: 'object',
    properties: thresholdProps,
    description: 'Fields to override (others inherit)',
  })
  overrides!: Record<string, number>;
  @ApiPropertyOptional({ maxLength: 1000, description: 'Why (audit)' }) comment?: string;
}

export class PerimeterDto {
  @ApiProperty() sub!: string;
  @ApiProperty({ type: [String], nullable: true, description: 'null = whole grid' }) substationIds!:
    string[] | null;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) updatedAt!: string | null;
  @ApiProperty({ nullable: true, type: String }) updatedBy!: string | null;
}

export class PerimeterBodyDto {
  @ApiProperty({ type: [String], nullable: true, description: 'Substation ids; null removes the perimeter' })
  substationIds!: string[] | null;
  @ApiPropertyOptional({ maxLength: 1000 }) comment?: string;
}

export class DispatchStationStepDto {
  @ApiProperty({ format: 'date-time' }) intervalStart!: string;
  @ApiProperty({ description: 'forecast net load without batteries (P50), W' }) loadP50W!: number;
  @ApiProperty() loadP90W!: number;
  @ApiProperty() loadP10W!: number;
  @ApiProperty({ description: 'planned loading with the batteries (P50), W' }) plannedW!: number;
  @ApiProperty({ description: 'active-power rating of the station, W' }) ratingW!: number;
  @ApiProperty({
    enum: ['over-rating', 'p90-reserve', 'pv-surplus', 'peak', 'arbitrage', 'idle'],
    description: 'what bound this quarter hour: why the setpoints are what they are',
  })
  binding!: string;
}

export class DispatchStationPlanDto {
  @ApiProperty() secondarySubstationId!: string;
  @ApiProperty({ type: [DispatchStationStepDto] }) steps!: DispatchStationStepDto[];
}

export class DispatchSetpointDto {
  @ApiProperty({ format: 'date-time' }) intervalStart!: string;
  @ApiProperty({ description: 'W, positive = discharge' }) setpointW!: number;
  @ApiProperty({ description: 'planned SoC at the end of the quarter hour, %' }) socPct!: number;
}

export class DispatchBatteryPlanDto {
  @ApiProperty() assetId!: string;
  @ApiProperty({ type: [DispatchSetpointDto] }) setpoints!: DispatchSetpointDto[];
}

export class DispatchFallbackDto {
  @ApiProperty() assetId!: string;
  @ApiProperty({ description: 'why the battery runs its local threshold rule' }) reason!: string;
}

export class DispatchPlanDto extends Aged {
  @ApiProperty() planId!: string;
  @ApiProperty() feederId!: string;
  @ApiProperty({ format: 'date-time' }) cycleStart!: string;
  @ApiProperty({ enum: ['optimal', 'fallback'] }) status!: string;
  @ApiProperty({ description: 'why this plan (or the fallback)' }) reason!: string;
  @ApiProperty() horizonSteps!: number;
  @ApiProperty() solveMs!: number;
  @ApiProperty({ nullable: true, type: Number }) objectiveCt!: number | null;
  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'number' },
    description:
      'the objective split by term, ct (overRating, reserveShortfall, reverseFlow, peak, energy, degradation, ...)',
  })
  costBreakdownCt!: Record<string, number>;
  @ApiProperty({ type: [DispatchStationPlanDto] }) stations!: DispatchStationPlanDto[];
  @ApiProperty({ type: [DispatchBatteryPlanDto] }) batteries!: DispatchBatteryPlanDto[];
  @ApiProperty({ type: [DispatchFallbackDto] }) fallback!: DispatchFallbackDto[];
}

export class DispatchPlansDto extends Aged {
  @ApiProperty({ type: [DispatchPlanDto], description: 'the newest plan of each feeder with batteries' })
  items!: DispatchPlanDto[];
}

export class StationAboveRatingDto extends Aged {
  @ApiProperty() secondarySubstationId!: string;
  @ApiProperty() feederId!: string;
  @ApiProperty({ format: 'date-time', description: 'midnight Europe/Berlin of today' }) from!: string;
  @ApiProperty({ format: 'date-time', description: 'now, exclusive' }) to!: string;
  @ApiProperty({ description: 'quarter hours of today with a dispatch plan in force' }) quarterHours!: number;
  @ApiProperty({
    description: 'energy above the rating the station would have seen without batteries (forecast P50), Wh',
  })
  withoutBatteriesWh!: number;
  @ApiProperty({ description: 'energy above the rating still planned with the batteries, Wh' })
  plannedWh!: number;
  @ApiProperty({
    description:
      'energy above the rating avoided today, Wh: per quarter hour, from the plan in force at it, max(0, P50 without batteries − rating) − max(0, planned − rating), × ¼ h',
  })
  avoidedWh!: number;
}

/** Counts, ratings and live loading of a group of secondary substations (a feeder or a substation). */
export class TopologyAggregateDto {
  @ApiProperty() stationCount!: number;
  @ApiProperty() meterPointCount!: number;
  @ApiProperty() batteryCount!: number;
  @ApiProperty({ description: 'Sum of the stations’ transformer ratings, kVA' }) ratedKva!: number;
  @ApiProperty({ description: 'Stations with a live loading ≥ 85 % of rated kVA' }) stationsHigh!: number;
  @ApiProperty({ description: 'Stations with a live loading ≥ 100 % of rated kVA' })
  stationsOverloaded!: number;
  @ApiProperty({
    description: 'Highest live station loading, % of rated kVA at cos φ = 1 (null: no live value)',
    nullable: true,
    type: Number,
  })
  maxStationLoadingPct!: number | null;
  @ApiProperty({
    description: 'Live net power of the node, W (null: none yet)',
    nullable: true,
    type: Number,
  })
  powerW!: number | null;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) observedAt!: string | null;
}

export class TopologySummaryFeederDto extends TopologyAggregateDto {
  @ApiProperty() id!: string;
  @ApiProperty() name!: string;
}

export class TopologySummarySubstationDto extends TopologyAggregateDto {
  @ApiProperty() id!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ nullable: true, type: Number }) ratedMva!: number | null;
  @ApiProperty({ type: [TopologySummaryFeederDto] }) feeders!: TopologySummaryFeederDto[];
}

export class TopologyTotalsDto {
  @ApiProperty() substations!: number;
  @ApiProperty() feeders!: number;
  @ApiProperty() secondarySubstations!: number;
  @ApiProperty() meterPoints!: number;
  @ApiProperty() batteries!: number;
  @ApiProperty() stationsHigh!: number;
  @ApiProperty() stationsOverloaded!: number;
}

export class TopologySummaryDto {
  @ApiProperty({ type: TopologyTotalsDto }) totals!: TopologyTotalsDto;
  @ApiProperty({ type: [TopologySummarySubstationDto] }) substations!: TopologySummarySubstationDto[];
}

export class TopologyStationDto {
  @ApiProperty() id!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ nullable: true, type: String, description: 'Street address' }) street!: string | null;
  @ApiProperty() feederId!: string;
  @ApiProperty() substationId!: string;
  @ApiProperty() ratedKva!: number;
  @ApiProperty() meterPointCount!: number;
  @ApiProperty() batteryCount!: number;
  @ApiProperty({ nullable: true, type: Number, description: 'Live net power, W' }) powerW!: number | null;
  @ApiProperty({ nullable: true, type: Number, description: '% of rated kVA at cos φ = 1' })
  loadingPct!: number | null;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) observedAt!: string | null;
}

export class TopologyStationPageDto {
  @ApiProperty({ type: [TopologyStationDto] }) items!: TopologyStationDto[];
  @ApiProperty({ description: 'Stations matching the query, over all pages' }) total!: number;
  @ApiProperty({
    nullable: true,
    type: String,
    description: 'Pass as `cursor` for the next page; null on the last page',
  })
  nextCursor!: string | null;
}

export class TopologyNodeChildDto {
  @ApiProperty() id!: string;
  @ApiProperty({ enum: ['substation', 'feeder', 'secondary_substation'] }) kind!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ nullable: true, type: String }) street!: string | null;
}

export class TopologyNodeDto {
  @ApiProperty() id!: string;
  @ApiProperty({ enum: ['substation', 'feeder', 'secondary_substation'] }) kind!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ nullable: true, type: String }) street!: string | null;
  @ApiProperty() substationId!: string;
  @ApiProperty({ nullable: true, type: String }) feederId!: string | null;
  @ApiProperty({
    nullable: true,
    type: Number,
    description: 'Rated kVA (a station’s transformer; a feeder: the sum of its stations)',
  })
  ratedKva!: number | null;
  @ApiProperty({ nullable: true, type: Number }) ratedMva!: number | null;
  @ApiProperty() meterPointCount!: number;
  @ApiProperty({ type: [TopologyBatteryDto] }) batteries!: TopologyBatteryDto[];
  @ApiProperty({
    type: [TopologyNodeChildDto],
    description: 'Feeders of a substation, stations of a feeder',
  })
  children!: TopologyNodeChildDto[];
}
