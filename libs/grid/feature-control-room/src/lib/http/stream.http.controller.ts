import { Controller, Get, Headers, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiHeader, ApiOperation, ApiProduces, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { StreamEvent } from '@gridwerk/grid/read-model';
import { CurrentUser, Roles, type AuthUser } from '@gridwerk/shared/auth';
import { badRequest } from '../errors';
import { LiveState, PerimeterService, TopologyService } from '../services';
import { snapshotFrame, StreamHub } from '../stream/stream-hub';

interface SseResponse {
  status(n: number): SseResponse;
  setHeader(k: string, v: string): void;
  flushHeaders(): void;
  write(chunk: string): boolean;
  once(ev: 'drain', fn: () => void): void;
}
interface SseRequest {
  on(ev: 'close', fn: () => void): void;
}

@ApiTags('stream')
@ApiBearerAuth()
@Controller('api/v1')
export class StreamHttpController {
  constructor(
    private readonly hub: StreamHub,
    private readonly perimeters: PerimeterService,
    private readonly live: LiveState,
    private readonly topology: TopologyService,
  ) {}

  @Get('stream')
  @Roles('viewer', 'operator', 'admin')
  @ApiOperation({
    summary: 'Live Server-Sent Events: load, battery, alarm (with id), heartbeat (every 15 s, no id)',
    description:
      'Read with fetch() and the bearer header (no token in the URL). Event ids are monotonic; send the last ' +
      'one as `Last-Event-ID` on reconnect to receive everything after it. Each data object carries observedAt ' +
      'and ageS. A new connection (no Last-Event-ID) first gets the current load of every node and the newest ' +
      'state of every battery as events without id, then the log. A `resync` event means the gap is older ' +
      'than the resume window: reload the views.',
  })
  @ApiHeader({ name: 'Last-Event-ID', required: false, description: 'resume after this event id' })
  @ApiProduces('text/event-stream')
  @ApiResponse({
    status: 200,
    description: 'text/event-stream',
    content: { 'text/event-stream': { schema: { type: 'string' } } },
  })
  async stream(
    @CurrentUser() user: AuthUser,
    @Headers('last-event-id') lastEventId: string | undefined,
    @Req() req: SseRequest,
    @Res() res: SseResponse,
  ): Promise<void> {
    let resume: number | undefined;
    if (lastEventId !== undefined && lastEventId !== '') {
      if (!/^\d{1,15}$/.test(lastEventId)) throw badRequest('Last-Event-ID must be a non-negative integer');
      resume = Number(lastEventId);
    }
    const perimeter = await this.perimeters.perimeterOf(user);
    const accepts = (e: StreamEvent): boolean => {
      if (perimeter === undefined) return true;
      const sub = e.data['substationId'];
      return typeof sub === 'string' && perimeter.includes(sub);
    };
    res.status(200);
    res.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
    res.setHeader('Cache-Control', 'no-cache, no-transform');
    res.setHeader('Connection', 'keep-alive');
    res.setHeader('X-Accel-Buffering', 'no');
    res.flushHeaders();
    res.write(
      `retry: 2000\nevent: heartbeat\ndata: ${JSON.stringify({ at: new Date().toISOString(), lastEventId: this.hub.lastId })}\n\n`,
    );
    let from = resume;
    if (resume === undefined) {
      // a fresh client (a reload) sees the grid at once: the current values first, then every log event
      // after the head taken before them, so that nothing between the two is missed
      from = this.hub.lastId;
      const now = Date.now();
      for (const e of this.live.snapshot(this.topology.index))
        if (accepts({ id: 0, ...e })) res.write(snapshotFrame(e.type, e.data, now));
    }
    const client = await this.hub.attach(
      { write: (c) => res.write(c), onceDrain: (fn) => res.once('drain', fn) },
      from,
      accepts,
    );
    req.on('close', () => this.hub.detach(client));
  }
}
