import { alarmsStage } from './alarms.stage';
import { dispatchStage } from './dispatch.stage';
import { rollupsStage } from './rollups.stage';
import { settledStage } from './settled.stage';
import type { CityStage } from './stage';
import { storedStage } from './stored.stage';
import { visibleStage } from './visible.stage';

/** The chain, in order. A stage measured by bench:city is listed in `cityStages` below. */
export const CHAIN = [
  'stored',
  'rollups',
  'alarms evaluated',
  'visible',
  'dispatch re-planned',
  'settled on chain',
] as const;

/**
 * The stages bench:city measures, in chain order. To measure another stage, add its module beside these
 * (`<name>.stage.ts`, implementing `CityStage`) and one line here.
 */
export function cityStages(): CityStage[] {
  return [storedStage(), rollupsStage(), alarmsStage(), visibleStage(), dispatchStage(), settledStage()];
}

export type { CityContext, CityQuarter, CityStage, CityTopology } from './stage';
