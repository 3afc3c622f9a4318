import { directoryFlag, integerFlag } from '@gridwerk/shared/util-config';
import { createGridSimulation, resolveProfiles } from '@gridwerk/simulator/domain';
import { ParallelKafkaEventSink, SimulationRunner } from '@gridwerk/simulator/feature';
import { withBenchTopics } from '../lib/bench-kafka';
import { benchHelp, parseBenchFlags } from '../lib/bench-cli';
import { mib, PeakMemory } from '../lib/peak-memory';

const FLAGS = {
  meters: { kind: 'value', arg: 'N', help: 'metering points (default 10000)' },
  days: { kind: 'value', arg: 'N', help: 'simulated days (default 7)' },
  workers: { kind: 'value', arg: 'N', help: 'producer worker threads (default 2)' },
  'profiles-dir': { kind: 'value', arg: 'DIR', help: 'BDEW profiles (default: the built-in approximation)' },
  help: { kind: 'boolean', short: 'h', help: 'this help' },
} as const;

const HELP = benchHelp(
  'Usage: npm run bench:simulator -- [options]',
  'Backfill of N meters x D days of 15-minute readings into the real broker (a topic deleted afterwards).',
  FLAGS,
);

/**
 * Backfill benchmark of the simulator into the real broker: N meters x D days of 15-minute readings
 * (default 10,000 x 7 = 6.72 M) into a dedicated topic that is deleted afterwards. Prints one JSON object.
 *   npm run bench:simulator [-- --meters 10000 --days 7 --workers 2]
 */
async function main(): Promise<void> {
  const values = parseBenchFlags(FLAGS, HELP, (f) => ({
    meters: integerFlag('meters', f.meters, { min: 1, max: 10_000_000, fallback: 10_000 }),
    days: integerFlag('days', f.days, { min: 1, max: 3_660, fallback: 7 }),
    workers: integerFlag('workers', f.workers, { min: 1, max: 64, fallback: 2 }),
    'profiles-dir': directoryFlag('profiles-dir', f['profiles-dir']),
  }));
  const { meters, days } = values;
  await withBenchTopics(
    'simulator',
    { readings: 6, telemetry: 3 },
    async ({ kafka, client, admin, topics }) => {
      const profiles = resolveProfiles(values['profiles-dir']);
      const sim = createGridSimulation({
        seed: 42,
        meters,
        start: '2026-01-05T00:00:00Z',
        days,
        resolutionMinutes: 15,
        profiles,
      });
      const sink = new ParallelKafkaEventSink(kafka, client, {
        workers: values.workers,
        chunkSize: 5_000,
        inFlightPerWorker: 3,
      });
      await sink.connect([topics.readings, topics.telemetry]);
      const mem = new PeakMemory();
      const result = await new SimulationRunner(sim, sink).run({
        mode: 'backfill',
        rate: 0,
        progress: true,
        topics,
      });
      await sink.close();
      const peak = mem.stop();
      const offsets = await admin.fetchTopicOffsets(topics.readings);
      const stored = offsets.reduce((a, o) => a + Number(o.high) - Number(o.low), 0);
      process.stdout.write(
        `${JSON.stringify({
          benchmark: 'simulator-backfill',
          meters,
          days,
          readings: result.readingsGenerated,
          telemetry: result.telemetry,
          messages: result.messagesProduced,
          readingsInBroker: stored,
          seconds: Math.round(result.seconds * 100) / 100,
          eventsPerSecond: Math.round(result.eventsPerSecond),
          peakRssMiB: mib(peak),
          workers: values.workers,
          target: { eventsPerSecond: 50_000 },
        })}\n`,
      );
    },
  );
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
