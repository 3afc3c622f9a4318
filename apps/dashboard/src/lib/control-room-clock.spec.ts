import { clockOffsetMs, controlRoomNowMs, UNREAD_CLOCK } from './control-room-clock';

describe("the control room's clock", () => {
  it('takes the server instant as the middle of the round trip', () => {
    // asked at browser 10:00:00.000, answered at 10:00:00.400: the server said 10:00:00.500
    const sent = Date.UTC(2026, 11, 1, 10);
    expect(clockOffsetMs('2026-12-01T10:00:00.500Z', sent, sent + 400)).toBe(300);
  });

  it('keeps a replayed day far from the browser, both ways', () => {
    const browser = Date.UTC(2026, 11, 7, 23, 30);
    const offset = clockOffsetMs('2026-01-14T15:00:00.000Z', browser, browser);
    expect(offset).toBe(Date.UTC(2026, 0, 14, 15) - browser);
    const clock = { offsetMs: offset ?? 0, readAtMs: browser };
    // a minute later by the browser, a minute later on the replayed day
    expect(controlRoomNowMs(clock, browser + 60_000)).toBe(Date.UTC(2026, 0, 14, 15, 1));
  });

  it("is the browser's clock before the first read, and refuses an answer that is no instant", () => {
    expect(controlRoomNowMs(UNREAD_CLOCK, 1234)).toBe(1234);
    expect(clockOffsetMs('not a time', 0, 10)).toBeUndefined();
  });
});
