/**
 * Micro-benchmark of the pure generation (not a test):
 *   npx ts-node --transpile-only -r tsconfig-paths/register \
 *     libs/simulator/domain/src/benchmark/generation.bench.ts [meters=70000] [days=1] [resolution=15] [bdewDir]
 * Without bdewDir the built-in profiles are used.
 */
import { startOfLocalDayUtc } from '@gridwerk/shared/util-calendar';
import { createGridSimulation, resolveProfiles } from '@gridwerk/simulator/domain';

const [metersArg, daysArg, resArg, dir] = process.argv.slice(2);
const meters = Number(metersArg ?? 70_000);
const days = Number(daysArg ?? 1);
const resolutionMinutes = resArg === '1' ? 1 : 15;

const t0 = process.hrtime.bigint();
const sim = createGridSimulation({
  seed: 'bench',
  meters,
  start: startOfLocalDayUtc(2026, 1, 14),
  days,
  resolutionMinutes,
  profiles: resolveProfiles(dir),
});
const t1 = process.hrtime.bigint();
let readings = 0;
let checksum = 0;
for (let step = sim.nextStep(); step !== undefined; step = sim.nextStep()) {
  readings += step.readings.length;
  checksum += step.readings[0].importWh;
}
const t2 = process.hrtime.bigint();
const setupS = Number(t1 - t0) / 1e9;
const genS = Number(t2 - t1) / 1e9;
console.log(
  JSON.stringify({
    meters,
    days,
    resolutionMinutes,
    steps: sim.stepCount,
    readings,
    setupSeconds: +setupS.toFixed(3),
    generationSeconds: +genS.toFixed(3),
    readingsPerSecond: Math.round(readings / genS),
    checksum,
  }),
);
