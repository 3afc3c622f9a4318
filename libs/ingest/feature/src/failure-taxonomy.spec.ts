import { classifyFailure } from './failure-taxonomy';

const pg = (code: string) => Object.assign(new Error(`pg ${code}`), { code });

describe('classifyFailure', () => {
  it.each([
    ['22003', 'numeric value out of range'],
    ['22021', 'NUL byte in text'],
    ['22P02', 'invalid text representation'],
    ['23514', 'check violation'],
    ['54000', 'index row too large'],
  ])('%s (%s) is permanent', (code) => {
    expect(classifyFailure(pg(code))).toEqual({ kind: 'permanent', sqlState: code });
  });

  it.each([
    ['08006', 'connection failure'],
    ['40001', 'serialization failure'],
    ['40P01', 'deadlock'],
    ['57014', 'statement timeout'],
    ['57P01', 'admin shutdown'],
    ['53300', 'too many connections'],
    ['42P01', 'undefined table: a deployment problem, not the data'],
    ['23505', 'unique violation: a race of idempotent writers'],
  ])('%s (%s) is transient', (code) => {
    expect(classifyFailure(pg(code)).kind).toBe('transient');
  });

  it('treats errors without an SQLSTATE (network, kafkajs) as transient', () => {
    expect(
      classifyFailure(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })),
    ).toEqual({ kind: 'transient' });
    expect(classifyFailure(new Error('Connection terminated unexpectedly'))).toEqual({ kind: 'transient' });
    expect(classifyFailure('weird')).toEqual({ kind: 'transient' });
  });
});
