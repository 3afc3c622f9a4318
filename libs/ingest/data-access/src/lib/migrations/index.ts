import {
  GridTopology1730000000000,
  GridTopologyCoordinates1766000000000,
  GridTopologyStationStreet1767000000000,
} from '@gridwerk/shared/data-access-topology';
import { IngestRawSeries1730000000100 } from './1730000000100-ingest-raw-series.migration';
import { IngestLoadRollups1730000000200 } from './1730000000200-ingest-load-rollups.migration';
import { IngestReadingVersions1730000000300 } from './1730000000300-ingest-reading-versions.migration';
import { IngestTimescaleLifecycle1730000000400 } from './1730000000400-ingest-timescale-lifecycle.migration';
import { IngestRecompressWeeks1730000000500 } from './1730000000500-ingest-recompress-weeks.migration';
import { IngestImportCheckpoint1730000000600 } from './1730000000600-ingest-import-checkpoint.migration';
import { IngestLazyReadingVersions1730000000700 } from './1730000000700-ingest-lazy-reading-versions.migration';
import { IngestRollupNotify1730000000800 } from './1730000000800-ingest-rollup-notify.migration';
import { IngestRollupNotifyInRefresh1767100000000 } from './1767100000000-ingest-rollup-notify-in-refresh.migration';
import { IngestReadingTimeBrin1767100000100 } from './1767100000100-ingest-reading-time-brin.migration';
import { IngestUncontrolledLoad1767204500000 } from './1767204500000-ingest-uncontrolled-load.migration';

/**
 * The ingest service's migrations, in order. Explicit, never synchronize. The topology tables come from
 * the shared topology lib (the simulator, or the utility's GIS import, writes them too).
 */
export const INGEST_MIGRATIONS = [
  GridTopology1730000000000,
  IngestRawSeries1730000000100,
  IngestLoadRollups1730000000200,
  IngestReadingVersions1730000000300,
  IngestTimescaleLifecycle1730000000400,
  IngestRecompressWeeks1730000000500,
  IngestImportCheckpoint1730000000600,
  IngestLazyReadingVersions1730000000700,
  IngestRollupNotify1730000000800,
  GridTopologyCoordinates1766000000000,
  GridTopologyStationStreet1767000000000,
  IngestRollupNotifyInRefresh1767100000000,
  IngestReadingTimeBrin1767100000100,
  IngestUncontrolledLoad1767204500000,
];

export { ROLLUP_CHANGED_CHANNEL } from '../load-rollup.sql';
export {
  IngestImportCheckpoint1730000000600,
  IngestRollupNotify1730000000800,
  IngestRollupNotifyInRefresh1767100000000,
  IngestReadingTimeBrin1767100000100,
  IngestUncontrolledLoad1767204500000,
  IngestLazyReadingVersions1730000000700,
  IngestLoadRollups1730000000200,
  IngestRawSeries1730000000100,
  IngestReadingVersions1730000000300,
  IngestRecompressWeeks1730000000500,
  IngestTimescaleLifecycle1730000000400,
};
