import {
  DynamicModule,
  Inject,
  Injectable,
  Logger,
  Module,
  OnApplicationShutdown,
  OnModuleInit,
} from '@nestjs/common';
import type { Pool } from 'pg';
import { DataSource } from 'typeorm';
import { FORECAST_MIGRATIONS, GetForecastsUseCase, createForecastPool } from '@gridwerk/forecast/data-access';
import { PlatformModule } from '@gridwerk/shared/feature-ops';
import type { ForecastConfig } from './config/forecast.config';
import { ForecastsHttpController } from './forecasts.http.controller';

const FORECAST_CONFIG = Symbol('FORECAST_CONFIG');
const FORECAST_DB = Symbol('FORECAST_DB');
const FORECAST_SERIES_DB = Symbol('FORECAST_SERIES_DB');

/** Applies FORECAST_MIGRATIONS before the app serves (unless FORECAST_RUN_MIGRATIONS=false). */
@Injectable()
class ForecastMigrations implements OnModuleInit {
  private readonly log = new Logger('ForecastMigrations');

  constructor(
    private readonly dataSource: DataSource,
    @Inject(FORECAST_CONFIG) private readonly config: ForecastConfig,
  ) {}

  async onModuleInit(): Promise<void> {
    if (!this.config.runMigrations) return;
    const ran = await this.dataSource.runMigrations({ transaction: 'each' });
    if (ran.length > 0) this.log.log(`migrations applied: ${ran.map((m) => m.name).join(', ')}`);
  }
}

/** Closes the query pools on shutdown. */
@Injectable()
class PoolCloser implements OnApplicationShutdown {
  constructor(
    @Inject(FORECAST_DB) private readonly db: Pool,
    @Inject(FORECAST_SERIES_DB) private readonly seriesDb: Pool,
  ) {}

  async onApplicationShutdown(): Promise<void> {
    if (this.seriesDb !== this.db) await this.seriesDb.end();
    await this.db.end();
  }
}

@Module({})
export class ForecastAppModule {
  static forRoot(config: ForecastConfig): DynamicModule {
    return {
      module: ForecastAppModule,
      imports: [PlatformModule.forRoot(config, { migrations: FORECAST_MIGRATIONS })],
      controllers: [ForecastsHttpController],
      providers: [
        { provide: FORECAST_CONFIG, useValue: config },
        {
          provide: FORECAST_DB,
          useFactory: () => createForecastPool(config.databaseUrl, config.databasePoolMax),
        },
        {
          provide: FORECAST_SERIES_DB,
          useFactory: (db: Pool) =>
            config.seriesDatabaseUrl === undefined
              ? db
              : createForecastPool(config.seriesDatabaseUrl, 4, 'gridwerk-forecast-series'),
          inject: [FORECAST_DB],
        },
        {
          provide: GetForecastsUseCase,
          useFactory: (db: Pool, seriesDb: Pool) => new GetForecastsUseCase(db, seriesDb),
          inject: [FORECAST_DB, FORECAST_SERIES_DB],
        },
        ForecastMigrations,
        PoolCloser,
      ],
    };
  }
}
