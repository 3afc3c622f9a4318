import { main } from './billing.cli';

async function run(argv: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(
    argv,
    {},
    (s) => out.push(s),
    (s) => err.push(s),
  );
  return { code, out, err };
}

describe('billing CLI flags', () => {
  it('answers --help with every flag it takes', async () => {
    const r = await run(['--help']);
    expect(r.code).toBe(0);
    for (const f of ['--community', '--idle-ms', '--json', '--help']) expect(r.out.join('\n')).toContain(f);
  });

  it.each([
    [['reconcile'], '--community ID is required'],
    [
      ['reconcile', '--community', 'c1', '--idle-ms', 'soon'],
      '--idle-ms must be an integer ≥ 100, got "soon"',
    ],
    [['reconcile', '--community', 'c1', '--idle-ms', '50'], '--idle-ms must be an integer ≥ 100, got "50"'],
    [['reconcile', '--communty', 'c1'], 'unknown flag --communty'],
    [['settle', '--community', 'c1'], 'unknown command "settle"'],
  ])('%j exits 2 with one line naming the problem', async (argv, message) => {
    const r = await run(argv);
    expect([r.code, r.err]).toEqual([2, [`error: ${message} (npm run billing -- --help for usage)`]]);
  });
});
