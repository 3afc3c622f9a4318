import { Controller, Get, Inject, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { dcatTurtle, StaError, StaVersion } from '@gridwerk/udp/domain';
import { GatewayRuntime } from '@gridwerk/udp/data-access';
import type { JsonLogger } from '@gridwerk/shared/util-logging';
import { UDP_CONFIG, UDP_LOGGER } from './tokens';
import type { UdpGatewayConfig } from './config/udp-gateway.config';

/** Splits `/v1.1/Things('a')?$top=1` into the path after the version and the raw (still encoded) query. */
function splitUrl(originalUrl: string, version: string): { path: string; query: string } {
  const q = originalUrl.indexOf('?');
  const rawPath = q < 0 ? originalUrl : originalUrl.slice(0, q);
  const after = rawPath.slice(rawPath.indexOf(version) + version.length);
  let path: string;
  try {
    path = after
      .split('/')
      .map((s) => decodeURIComponent(s))
      .join('/');
  } catch {
    throw new StaError('UDP.BAD_PATH', 'the path is not valid percent-encoding');
  }
  return { path, query: q < 0 ? '' : originalUrl.slice(q + 1) };
}

/** The SensorThings API (v1.1 and v1.0, read-only) and the DCAT-AP.de catalogue. Public: open data. */
@Controller()
export class SensorThingsHttpController {
  constructor(
    private readonly runtime: GatewayRuntime,
    @Inject(UDP_CONFIG) private readonly config: UdpGatewayConfig,
    @Inject(UDP_LOGGER) private readonly logger: JsonLogger,
  ) {}

  @Get(['v1.1', 'v1.1/*path'])
  async v11(@Req() req: Request, @Res() res: Response): Promise<void> {
    await this.serve('v1.1', req, res);
  }

  @Get(['v1.0', 'v1.0/*path'])
  async v10(@Req() req: Request, @Res() res: Response): Promise<void> {
    await this.serve('v1.0', req, res);
  }

  /** DCAT-AP.de 2.0 in Turtle, at a stable URL for GovData/CKAN harvesters. */
  @Get('catalog')
  async catalog(@Res() res: Response): Promise<void> {
    const body = dcatTurtle(
      this.runtime.dcatSettings(
        'Stadtwerk Leipzig (Verteilnetzbetreiber)',
        'https://www.l.de/',
        this.config.mqttPublicUrl,
        await this.runtime.coverageStart(),
      ),
    );
    res.status(200).type('text/turtle; charset=utf-8').send(body);
  }

  private async serve(v: StaVersion, req: Request, res: Response): Promise<void> {
    try {
      const { path, query } = splitUrl(req.originalUrl, v);
      const out = await this.runtime.service.handle(v, path, query);
      if ('text' in out) {
        res.status(out.status).type('text/plain; charset=utf-8').send(out.text);
        return;
      }
      const body = JSON.stringify(out.json);
      if (body.length > this.config.maxResponseBytes)
        throw new StaError(
          'UDP.QUERY_TOO_EXPENSIVE',
          `the response would exceed ${this.config.maxResponseBytes} bytes: use a smaller $top or fewer $expand`,
        );
      res.status(out.status).type('application/json').send(body);
    } catch (err) {
      if (err instanceof StaError) {
        res.status(err.status).json(err.body());
        return;
      }
      // never a stack trace to the client; the log has it
      this.logger.error('request failed', {
        url: req.originalUrl,
        error: err instanceof Error ? { message: err.message, stack: err.stack } : String(err),
      });
      res
        .status(500)
        .json({ code: 500, type: 'error', message: 'internal error', errorCode: 'UDP.INTERNAL' });
    }
  }
}
