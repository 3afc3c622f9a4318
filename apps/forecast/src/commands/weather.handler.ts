import { createReadStream, readFileSync } from 'node:fs';
import {
  StoreWeatherForecastUseCase,
  WeatherForecastRepository,
  consumeWeatherForecasts,
} from '@gridwerk/forecast/data-access';
import {
  type WeatherForecastVintage,
  mosmixVintages,
  nearestStation,
  parseMosmixKmz,
  parseWeatherCsv,
} from '@gridwerk/forecast/domain';
import {
  DeadLetterPublisher,
  IdempotentProducer,
  createKafkaClient,
} from '@gridwerk/shared/data-access-kafka';
import { type FlagTable, helpText } from '@gridwerk/shared/util-config';
import { type CliCommand, type CliIo, EXIT_OK, UsageError, parseFlags } from './cli-command';
import { withJobContext } from './job-context';
import { intFlag } from './job-flags';

const FLAGS = {
  mosmix: { kind: 'value', arg: 'FILE', help: 'import / nearest: a DWD MOSMIX KMZ file (MOSMIX_L or _S)' },
  stations: { kind: 'value', arg: 'IDS', help: 'import --mosmix: only these station ids (comma-separated)' },
  csv: { kind: 'value', arg: 'FILE', help: 'import: weather forecasts in the CSV layout (see README)' },
  lat: { kind: 'value', arg: 'DEG', help: 'nearest: latitude of the site (e.g. a substation)' },
  lon: { kind: 'value', arg: 'DEG', help: 'nearest: longitude of the site' },
  topic: {
    kind: 'value',
    arg: 'NAME',
    help: 'ingest: the topic to read (default grid.weather.forecasts.v1; replays and tests)',
  },
  group: {
    kind: 'value',
    arg: 'ID',
    help: 'ingest: the consumer group (default gridwerk-forecast-weather)',
  },
  'timeout-seconds': {
    kind: 'value',
    arg: 'N',
    help: 'ingest: give up when not caught up within N seconds (default 300)',
  },
  json: { kind: 'boolean', help: 'print one JSON object on stdout' },
  help: { kind: 'boolean', help: 'show this help' },
} as const satisfies FlagTable;

const USAGE = helpText({
  usage: 'Usage: npm run forecast -- weather (ingest | import | nearest) [options]',
  description: `Weather forecasts with their issue time (vintage), the weather input of train and run.
  ingest   consume grid.weather.forecasts.v1 (the simulator's forecasts in dev) up to its end and store every
           vintage; invalid messages go to grid.dlq.v1 with the reason. Runs the migrations.
  import   store the vintages of a DWD MOSMIX KMZ (--mosmix, one per station) or a CSV file (--csv).
  nearest  the MOSMIX station nearest to --lat/--lon (to configure FORECAST_WEATHER_POINTS).
A vintage stored before is left as it is (idempotent).`,
  flags: FLAGS,
  footer: `Exit codes: 0 ok, 2 usage, configuration or input error (bad file: the code and line are named), 1 unexpected
error (e.g. Kafka unreachable).`,
});

function degrees(name: string, raw: string | undefined, limit: number): number {
  const n = Number(raw);
  if (raw === undefined || raw.trim() === '' || !Number.isFinite(n) || Math.abs(n) > limit)
    throw new UsageError(
      `weather nearest needs --${name} in degrees, -${limit} to ${limit}, got "${raw ?? ''}"`,
    );
  return n;
}

async function readMosmix(file: string, stations?: string): Promise<WeatherForecastVintage[]> {
  const ids = stations
    ?.split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  const f = await parseMosmixKmz(createReadStream(file), ids === undefined ? {} : { stations: ids });
  return mosmixVintages(f);
}

async function importVintages(
  io: CliIo,
  vintages: readonly WeatherForecastVintage[],
  json: boolean,
): Promise<number> {
  const result = await withJobContext(io, { migrate: true, tf: false }, async (ctx) => {
    const repo = new WeatherForecastRepository(ctx.db);
    let stored = 0;
    let duplicate = 0;
    let steps = 0;
    for (const [i, v] of vintages.entries()) {
      const n = await repo.save(v);
      if (n > 0) stored++;
      else duplicate++;
      steps += n;
      ctx.metrics.weatherVintages.inc({ result: n > 0 ? 'stored' : 'duplicate' });
      if ((i + 1) % 50 === 0)
        ctx.log.info('importing weather forecasts', { done: i + 1, of: vintages.length });
    }
    ctx.log.info('weather forecasts imported', { stored, duplicate, steps });
    return { vintages: vintages.length, stored, duplicate, steps };
  });
  io.out(
    json
      ? JSON.stringify(result)
      : `${result.stored} vintages stored (${result.steps} steps), ${result.duplicate} stored before`,
  );
  return EXIT_OK;
}

async function ingest(
  io: CliIo,
  opts: { timeoutMs: number; topic?: string; groupId?: string },
  json: boolean,
): Promise<number> {
  const summary = await withJobContext(io, { migrate: true, tf: false }, async (ctx) => {
    // kafkajs' warnings and errors go to the job's JSON log on stderr, never to stdout
    const kafkaLog = ctx.log.child({ context: 'kafkajs' });
    const kafka = createKafkaClient(ctx.config.kafka, {
      warn: (m) => kafkaLog.warn(m),
      error: (m) => kafkaLog.error(m),
    });
    const producer = new IdempotentProducer(kafka);
    await producer.connect();
    try {
      const useCase = new StoreWeatherForecastUseCase(
        new WeatherForecastRepository(ctx.db),
        new DeadLetterPublisher(producer, ctx.config.kafka),
        ctx.log,
        ctx.metrics,
        opts.groupId,
      );
      const s = await consumeWeatherForecasts(kafka, useCase, {
        untilCaughtUp: true,
        timeoutMs: opts.timeoutMs,
        ...(opts.topic === undefined ? {} : { topic: opts.topic }),
        ...(opts.groupId === undefined ? {} : { groupId: opts.groupId }),
      });
      ctx.log.info('weather forecasts ingested', { ...s });
      return s;
    } finally {
      await producer.disconnect();
    }
  });
  io.out(
    json
      ? JSON.stringify(summary)
      : `${summary.stored} vintages stored, ${summary.duplicate} stored before, ${summary.deadLettered} dead-lettered (${summary.seconds} s)`,
  );
  return EXIT_OK;
}

export const weatherCommand: CliCommand = {
  name: 'weather',
  summary: 'weather forecasts by vintage: ingest the weather topic, import MOSMIX or CSV, nearest station',
  usage: USAGE,
  run: async (argv, io) => {
    const [action, ...rest] = argv;
    const f = parseFlags(rest, FLAGS);
    if (f['help'] === true || action === '--help' || action === '-h' || action === undefined) {
      io.out(USAGE);
      return action === undefined ? 2 : EXIT_OK;
    }
    const json = f['json'] === true;
    const str = (name: string): string | undefined => {
      const v = f[name];
      return typeof v === 'string' ? v : undefined;
    };
    switch (action) {
      case 'ingest':
        return ingest(
          io,
          {
            timeoutMs: intFlag(f, 'timeout-seconds', 300, 1) * 1000,
            ...(str('topic') === undefined ? {} : { topic: str('topic') }),
            ...(str('group') === undefined ? {} : { groupId: str('group') }),
          },
          json,
        );
      case 'import': {
        const mosmix = str('mosmix');
        const csv = str('csv');
        if ((mosmix === undefined) === (csv === undefined))
          throw new UsageError('weather import needs exactly one of --mosmix FILE and --csv FILE');
        const vintages =
          mosmix !== undefined
            ? await readMosmix(mosmix, str('stations'))
            : parseWeatherCsv(readFileSync(csv ?? '', 'utf8'));
        return importVintages(io, vintages, json);
      }
      case 'nearest': {
        const mosmix = str('mosmix');
        if (mosmix === undefined) throw new UsageError('weather nearest needs --mosmix FILE');
        const lat = degrees('lat', str('lat'), 90);
        const lon = degrees('lon', str('lon'), 180);
        const f2 = await parseMosmixKmz(createReadStream(mosmix));
        const best = nearestStation(f2.stations, lat, lon);
        if (best === undefined) throw new UsageError(`${mosmix} holds no station`);
        const out = {
          stationId: best.station.id,
          name: best.station.name,
          distanceKm: Math.round(best.distanceKm * 10) / 10,
        };
        io.out(json ? JSON.stringify(out) : `${out.stationId} ${out.name} (${out.distanceKm} km)`);
        return EXIT_OK;
      }
      default:
        throw new UsageError(`unknown weather action "${action}": ingest, import or nearest`);
    }
  },
};
