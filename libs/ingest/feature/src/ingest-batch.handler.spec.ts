import { exampleEvent, Topics } from '@gridwerk/contracts';
import type { FailedMessage } from '@gridwerk/shared/data-access-kafka';
import {
  DeadLetterSink,
  IngestBatchHandler,
  MeterReadingRow,
  ReadingSink,
  TelemetryRow,
} from './ingest-batch.handler';

/** Pure logic of one batch: validation routes messages; the sinks are in-memory fakes. */
class MemorySink implements ReadingSink {
  readonly readings = new Map<string, MeterReadingRow>();
  readonly telemetry: TelemetryRow[] = [];
  fail = false;
  async writeReadings(rows: MeterReadingRow[]) {
    if (this.fail) throw new Error('connection terminated');
    let inserted = 0;
    for (const r of rows) {
      const key = `${r.meterPointId}/${r.intervalStart}`;
      if (!this.readings.has(key)) {
        this.readings.set(key, r);
        inserted += 1;
      }
    }
    return { inserted, duplicates: rows.length - inserted };
  }
  async writeTelemetry(rows: TelemetryRow[]) {
    this.telemetry.push(...rows);
    return { inserted: rows.length, duplicates: 0 };
  }
}

function msg(topic: string, value: string | Buffer, offset: number): FailedMessage {
  return { topic, partition: 0, offset: String(offset), key: 'k', value };
}

describe('IngestBatchHandler', () => {
  const reading = exampleEvent('de.gridwerk.meter.reading.v1');
  const telemetry = exampleEvent('de.gridwerk.battery.telemetry.v1');

  it('writes valid readings and telemetry, counts duplicates, and dead-letters the rest with reasons', async () => {
    const sink = new MemorySink();
    const dead: Parameters<DeadLetterSink['publishAll']>[0][] = [];
    const handler = new IngestBatchHandler(sink, { publishAll: async (items) => void dead.push(items) });
    const negative = { ...reading, id: 'neg', data: { ...reading.data, importWh: -3 } };
    const outcome = await handler.handle([
      msg(Topics.meterReadings, JSON.stringify(reading), 1),
      msg(Topics.meterReadings, JSON.stringify(reading), 2),
      msg(Topics.meterReadings, '{"broken', 3),
      msg(Topics.meterReadings, JSON.stringify(negative), 4),
      msg(Topics.meterReadings, JSON.stringify(telemetry), 5),
      msg(Topics.batteryTelemetry, JSON.stringify(telemetry), 6),
      msg('grid.other.v1', JSON.stringify(reading), 7),
    ]);
    expect(outcome.readings).toEqual({ inserted: 1, duplicates: 1 });
    expect(outcome.telemetry).toEqual({ inserted: 1, duplicates: 0 });
    expect(outcome.deadLettered).toBe(4);
    expect(outcome.reasons).toEqual({
      'JSON.PARSE': 1,
      'CONTRACT.INVALID': 1,
      'EVENT.TYPE_MISMATCH': 1,
      'TOPIC.UNEXPECTED': 1,
    });
    expect(dead).toHaveLength(1);
    expect(dead[0]?.map((d) => d.msg.offset)).toEqual(['3', '4', '5', '7']);
    expect(sink.readings.get(`${reading.data.meterPointId}/${reading.data.intervalStart}`)?.eventId).toBe(
      reading.id,
    );
  });

  it('throws on an infrastructure failure (so the caller neither commits nor skips) after dead-lettering', async () => {
    const sink = new MemorySink();
    sink.fail = true;
    let published = 0;
    const handler = new IngestBatchHandler(sink, {
      publishAll: async (items) => void (published += items.length),
    });
    await expect(
      handler.handle([
        msg(Topics.meterReadings, JSON.stringify(reading), 1),
        msg(Topics.meterReadings, 'x', 2),
      ]),
    ).rejects.toThrow('connection terminated');
    expect(published).toBe(1);
  });

  it('uses the configured topics', async () => {
    const sink = new MemorySink();
    const handler = new IngestBatchHandler(
      sink,
      { publishAll: async () => undefined },
      { readings: 'test.r', telemetry: 'test.t' },
    );
    const outcome = await handler.handle([
      msg('test.r', JSON.stringify(reading), 1),
      msg(Topics.meterReadings, JSON.stringify(reading), 2),
    ]);
    expect(outcome.readings.inserted).toBe(1);
    expect(outcome.reasons).toEqual({ 'TOPIC.UNEXPECTED': 1 });
  });
});
