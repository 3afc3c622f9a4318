import { parseArgs } from 'node:util';
import { createGridSimulation, resolveProfiles } from '@gridwerk/simulator/domain';
import { ParallelKafkaEventSink, SimulationRunner } from '@gridwerk/simulator/feature';
import { withBenchTopics } from '../lib/bench-kafka';
import { mib, PeakMemory } from '../lib/peak-memory';

/**
 * Backfill benchmark of the simulator into the real broker: N meters x D days of 15-minute readings
 * (default 10,000 x 7 = 6.72 M) into a dedicated topic that is deleted afterwards. Prints one JSON object.
 *   npm run bench:simulator [-- --meters 10000 --days 7 --workers 2]
 */
async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      meters: { type: 'string', default: '10000' },
      days: { type: 'string', default: '7' },
      workers: { type: 'string', default: '2' },
      'profiles-dir': { type: 'string' },
    },
  });
  const meters = Number(values.meters);
  const days = Number(values.days);
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
        workers: Number(values.workers),
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
          workers: Number(values.workers),
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
