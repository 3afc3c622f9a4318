import { queryRows, SqlExecutor } from './db';

/** One stored version of a meter reading (meter_reading_history). */
export interface ReadingVersion {
  meterPointId: string;
  intervalStart: string;
  intervalEnd: string;
  importWh: number;
  exportWh: number;
  registerImportWh: number;
  registerExportWh: number;
  quality: 'measured' | 'estimated' | 'substituted';
  eventId: string;
  /** When this version arrived. */
  ingestedAt: string;
  /** 1 for the first version of its (meter, interval), 2 for the first correction, ... */
  version: number;
  /** True for the version meter_reading holds (what rollups, forecasts and the API read). */
  isCurrent: boolean;
}

interface Row {
  meter_point_id: string;
  interval_start: Date;
  interval_end: Date;
  import_wh: string;
  export_wh: string;
  register_import_wh: string;
  register_export_wh: string;
  quality: ReadingVersion['quality'];
  event_id: string;
  ingested_at: Date;
  version: number;
  is_current: boolean;
}

const COLUMNS = `meter_point_id, interval_start, interval_end, import_wh::text, export_wh::text,
  register_import_wh::text, register_export_wh::text, quality, event_id, ingested_at, version, is_current`;

function toVersion(r: Row): ReadingVersion {
  return {
    meterPointId: r.meter_point_id,
    intervalStart: new Date(r.interval_start).toISOString(),
    intervalEnd: new Date(r.interval_end).toISOString(),
    importWh: Number(r.import_wh),
    exportWh: Number(r.export_wh),
    registerImportWh: Number(r.register_import_wh),
    registerExportWh: Number(r.register_export_wh),
    quality: r.quality,
    eventId: r.event_id,
    ingestedAt: new Date(r.ingested_at).toISOString(),
    version: Number(r.version),
    isCurrent: r.is_current,
  };
}

/**
 * Reads the history of meter readings: every version of an interval, and the corrections (versions
 * after the first) of a time range, for settlement, billing and operators.
 */
export class ReadingHistoryQueries {
  constructor(private readonly db: SqlExecutor) {}

  /** Every version of one (meter, interval), oldest first. */
  async versions(meterPointId: string, intervalStart: Date): Promise<ReadingVersion[]> {
    const rows = await queryRows<Row>(
      this.db,
      `SELECT ${COLUMNS} FROM meter_reading_history
        WHERE meter_point_id = $1 AND interval_start = $2 ORDER BY seq`,
      [meterPointId, intervalStart],
    );
    return rows.map(toVersion);
  }

  /** Corrections of intervals starting in [from, to), optionally of one meter, in arrival order. */
  async corrections(from: Date, to: Date, meterPointId?: string): Promise<ReadingVersion[]> {
    const rows = await queryRows<Row>(
      this.db,
      `SELECT ${COLUMNS} FROM meter_reading_correction
        WHERE interval_start >= $1 AND interval_start < $2 AND ($3::text IS NULL OR meter_point_id = $3)
        ORDER BY seq`,
      [from, to, meterPointId ?? null],
    );
    return rows.map(toVersion);
  }
}
