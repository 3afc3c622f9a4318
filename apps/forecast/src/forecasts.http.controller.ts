import { BadRequestException, Controller, Get, NotFoundException, Param, Query } from '@nestjs/common';
import { type ForecastsView, GetForecastsUseCase, isForecastJobError } from '@gridwerk/forecast/data-access';

function single(query: Record<string, unknown>, name: string): string | undefined {
  const v = query[name];
  if (v === undefined || typeof v === 'string') return v;
  throw new BadRequestException({
    code: 'REQUEST.INVALID',
    message: `query parameter "${name}" must be given once`,
  });
}

/** `GET /forecasts/:seriesId?horizon=day-ahead&from=ISO&to=ISO` — thin: parameters → use case → JSON. */
@Controller('forecasts')
export class ForecastsHttpController {
  constructor(private readonly getForecasts: GetForecastsUseCase) {}

  @Get(':seriesId')
  async get(
    @Param('seriesId') seriesId: string,
    @Query() query: Record<string, unknown>,
  ): Promise<ForecastsView> {
    try {
      return await this.getForecasts.execute({
        seriesId,
        horizon: single(query, 'horizon'),
        from: single(query, 'from'),
        to: single(query, 'to'),
      });
    } catch (e) {
      if (isForecastJobError(e)) {
        if (e.code === 'SERIES.UNKNOWN') throw new NotFoundException({ code: e.code, message: e.message });
        if (e.isInputError) throw new BadRequestException({ code: e.code, message: e.message });
      }
      throw e;
    }
  }
}
