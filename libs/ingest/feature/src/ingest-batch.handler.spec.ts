import { exampleEvent, Topics } from '@gridwerk/contracts';
import type { ReadingCopyBatch, ReadingRow } from '@gridwerk/ingest/data-access';
import type { DeadLetterReason, FailedMessage } from '@gridwerk/shared/data-access-kafka';
import {
  DeadLetterSink,
  IngestBatchHandler,
  ReadingSink,
  ReadingWriteResult,
  TelemetryRow,
} from './ingest-batch.handler';

/** Pure logic of one batch: validation routes messages; the sinks are in-memory fakes. */
class MemorySink implements ReadingSink {
  readonly readings = new Map<string, ReadingRow>();
  readonly telemetry: TelemetryRow[] = [];
  fail = false;
  /** Rows with this event id make the whole write fail as PostgreSQL would refuse them. */
  refuse = new Map<string, string>();
  writes = 0;
  async writeReadings(batch: ReadingCopyBatch): Promise<ReadingWriteResult> {
    this.writes += 1;
    const rows = batch.rows();
    if (this.fail) throw new Error('connection terminated');
    const bad = rows.find((r) => this.refuse.has(r.eventId));
    if (bad) throw Object.assign(new Error('value out of range'), { code: this.refuse.get(bad.eventId) });
    let inserted = 0;
    for (const r of rows) {
      const key = `${r.meterPointId}/${String(r.intervalStart)}`;
      if (!this.readings.has(key)) {
        this.readings.set(key, r);
        inserted += 1;
      }
    }
    return { inserted, duplicates: rows.length - inserted, corrections: 0, correctionsApplied: 0 };
  }
  async writeTelemetry(rows: TelemetryRow[]) {
    this.telemetry.push(...rows);
    return { inserted: rows.length, duplicates: 0 };
  }
}

type Published = { msg: FailedMessage; reason: DeadLetterReason }[];

function collecting(): { sink: DeadLetterSink; dead: Published } {
  const dead: Published = [];
  return {
    dead,
    sink: {
      publishAll: async (items) => {
        dead.push(...items);
        return { truncated: 0 };
      },
    },
  };
}

const reading = exampleEvent('de.gridwerk.meter.reading.v1');
const telemetry = exampleEvent('de.gridwerk.battery.telemetry.v1');
// the example instants are in early 2026; a clock beside them keeps the time window rules quiet
const now = () => new Date(new Date(reading.data.intervalEnd).getTime() + 3_600_000);

function msg(
  topic: string,
  value: string | Buffer | null,
  offset: number,
  key: string | null = reading.data.meterPointId,
): FailedMessage {
  return { topic, partition: 0, offset: String(offset), key, value };
}

function readingWith(
  id: string,
  patch: Record<string, unknown> = {},
  envelope: Record<string, unknown> = {},
) {
  return JSON.stringify({ ...reading, id, ...envelope, data: { ...reading.data, ...patch } });
}

describe('IngestBatchHandler', () => {
  it('writes valid readings and telemetry, counts duplicates, and dead-letters the rest with reasons', async () => {
    const sink = new MemorySink();
    const { sink: dlq, dead } = collecting();
    const handler = new IngestBatchHandler(sink, dlq, undefined, { now });
    const negative = readingWith('neg', { importWh: -3 });
    const outcome = await handler.handle([
      msg(Topics.meterReadings, JSON.stringify(reading), 1),
      msg(Topics.meterReadings, JSON.stringify(reading), 2),
      msg(Topics.meterReadings, '{"broken', 3),
      msg(Topics.meterReadings, negative, 4),
      msg(Topics.meterReadings, JSON.stringify(telemetry), 5),
      msg(Topics.batteryTelemetry, JSON.stringify(telemetry), 6, telemetry.data.assetId),
      msg('grid.other.v1', JSON.stringify(reading), 7),
    ]);
    expect(outcome.readings).toEqual({ inserted: 1, duplicates: 1, corrections: 0, correctionsApplied: 0 });
    expect(outcome.telemetry).toEqual({ inserted: 1, duplicates: 0 });
    expect(outcome.deadLettered).toBe(4);
    expect(outcome.reasons).toEqual({
      'JSON.PARSE': 1,
      'CONTRACT.INVALID': 1,
      'EVENT.TYPE_MISMATCH': 1,
      'TOPIC.UNEXPECTED': 1,
    });
    expect(dead.map((d) => d.msg.offset)).toEqual(['3', '4', '5', '7']);
    expect(sink.readings.get(`${reading.data.meterPointId}/${reading.data.intervalStart}`)?.eventId).toBe(
      reading.id,
    );
  });

  it('gives each hostile class a reason of its own', async () => {
    const sink = new MemorySink();
    const { sink: dlq, dead } = collecting();
    const handler = new IngestBatchHandler(sink, dlq, undefined, { now, maxMessageBytes: 4096 });
    const t = Topics.meterReadings;
    const start = new Date(reading.data.intervalStart).getTime();
    const at = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');
    const outcome = await handler.handle([
      msg(t, null, 1),
      msg(t, Buffer.alloc(0), 2),
      msg(t, 'x'.repeat(5000), 3),
      msg(t, JSON.stringify(reading), 4, 'DE0000000000000000000000000000WRONG'),
      msg(t, readingWith('sub', {}, { subject: 'somebody-else' }), 5),
      msg(t, readingWith('frac', { intervalStart: reading.data.intervalStart.replace('Z', '.0009Z') }), 6),
      msg(t, readingWith('big', { registerImportWh: 2 ** 53 }), 7),
      msg(
        t,
        readingWith('future', {
          intervalStart: at(start + 86_400_000),
          intervalEnd: at(start + 86_400_000 + 900_000),
        }),
        8,
      ),
      msg(
        t,
        readingWith('old', {
          intervalStart: at(start - 500 * 86_400_000),
          intervalEnd: at(start - 500 * 86_400_000 + 900_000),
        }),
        9,
      ),
      msg(t, JSON.stringify(reading), 10),
    ]);
    expect(dead.map((d) => [d.msg.offset, d.reason.code])).toEqual([
      ['1', 'MESSAGE.TOMBSTONE'],
      ['2', 'MESSAGE.EMPTY'],
      ['3', 'MESSAGE.TOO_LARGE'],
      ['4', 'MESSAGE.KEY_MISMATCH'],
      ['5', 'CONTRACT.SUBJECT_MISMATCH'],
      ['6', 'CONTRACT.INSTANT_PRECISION'],
      ['7', 'CONTRACT.VALUE_OUT_OF_RANGE'],
      ['8', 'TIME.IN_FUTURE'],
      ['9', 'TIME.BEYOND_RETENTION'],
    ]);
    expect(outcome.readings.inserted).toBe(1);
    expect(outcome.deadLetterSamples).toHaveLength(5);
  });

  it('isolates rows the database refuses by bisecting, dead-letters them as DB.<SQLSTATE>, writes the rest', async () => {
    const sink = new MemorySink();
    sink.refuse.set('poison-a', '22003');
    sink.refuse.set('poison-b', '22021');
    const { sink: dlq, dead } = collecting();
    const handler = new IngestBatchHandler(sink, dlq, undefined, { now });
    const base = new Date(reading.data.intervalStart).getTime() - 40 * 900_000;
    const messages = Array.from({ length: 32 }, (_, i) => {
      const s = new Date(base + i * 900_000).toISOString().replace('.000Z', 'Z');
      const e = new Date(base + (i + 1) * 900_000).toISOString().replace('.000Z', 'Z');
      const id = i === 5 ? 'poison-a' : i === 27 ? 'poison-b' : `ok-${i}`;
      return msg(Topics.meterReadings, readingWith(id, { intervalStart: s, intervalEnd: e }), i);
    });
    const outcome = await handler.handle(messages);
    expect(dead.map((d) => [d.msg.offset, d.reason.code])).toEqual([
      ['5', 'DB.22003'],
      ['27', 'DB.22021'],
    ]);
    expect(outcome.readings.inserted).toBe(30);
    expect(outcome.reasons).toEqual({ 'DB.22003': 1, 'DB.22021': 1 });
    // two bad rows among 32: about 2 * log2(32) * 2 transactions, far from one per row
    expect(sink.writes).toBeLessThanOrEqual(1 + 2 * 2 * 5);
  });

  it('throws on a transient failure (so the caller neither commits nor skips) after dead-lettering', async () => {
    const sink = new MemorySink();
    sink.fail = true;
    const { sink: dlq, dead } = collecting();
    const handler = new IngestBatchHandler(sink, dlq, undefined, { now });
    await expect(
      handler.handle([
        msg(Topics.meterReadings, JSON.stringify(reading), 1),
        msg(Topics.meterReadings, 'x', 2),
      ]),
    ).rejects.toThrow('connection terminated');
    expect(dead).toHaveLength(1);
  });

  it('uses the configured topics', async () => {
    const sink = new MemorySink();
    const handler = new IngestBatchHandler(
      sink,
      collecting().sink,
      { readings: 'test.r', telemetry: 'test.t' },
      {
        now,
      },
    );
    const outcome = await handler.handle([
      msg('test.r', JSON.stringify(reading), 1),
      msg(Topics.meterReadings, JSON.stringify(reading), 2),
    ]);
    expect(outcome.readings.inserted).toBe(1);
    expect(outcome.reasons).toEqual({ 'TOPIC.UNEXPECTED': 1 });
  });
});
