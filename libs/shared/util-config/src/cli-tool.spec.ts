import { EXIT_FAILURE, EXIT_OK, EXIT_PARTIAL, EXIT_USAGE, UsageError } from './cli';
import { type CliIo, type CommandLineTool, runCommandLineTool } from './cli-tool';
import { ConfigError } from './service.config';

class ToolError extends Error {}

function recorder(): CliIo & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { stdout, stderr, out: (t) => stdout.push(t), err: (t) => stderr.push(t) };
}

function tool(run: CommandLineTool['run']): CommandLineTool {
  return {
    name: 'demo-tool',
    usage: 'Usage: npm run demo-tool -- <command>',
    commands: ['go'],
    run,
    explain: (e) =>
      e instanceof ToolError ? { message: `error: ${e.message}`, exitCode: EXIT_PARTIAL } : undefined,
  };
}

describe('runCommandLineTool', () => {
  it('prints the help on stdout for --help (0) and on stderr without a command (2)', async () => {
    const run = jest.fn(() => Promise.resolve(EXIT_OK));
    const a = recorder();
    expect(await runCommandLineTool(['--help'], a, tool(run))).toBe(EXIT_OK);
    expect(a.stdout).toEqual(['Usage: npm run demo-tool -- <command>']);
    const b = recorder();
    expect(await runCommandLineTool([], b, tool(run))).toBe(EXIT_USAGE);
    expect(b.stdout).toEqual([]);
    expect(b.stderr[0]).toContain('Usage:');
    expect(run).not.toHaveBeenCalled();
  });

  it('refuses an unknown command with exit 2 and passes the rest of the line to a known one', async () => {
    const run = jest.fn(() => Promise.resolve(EXIT_OK));
    const io = recorder();
    expect(await runCommandLineTool(['gone'], io, tool(run))).toBe(EXIT_USAGE);
    expect(io.stderr[0]).toMatch(/^error: unknown command "gone"/);
    expect(await runCommandLineTool(['go', '--x', '1'], io, tool(run))).toBe(EXIT_OK);
    expect(run).toHaveBeenCalledWith('go', ['--x', '1']);
  });

  it('maps usage and config errors to one line and exit 2, without a stack', async () => {
    const io = recorder();
    const usage = await runCommandLineTool(
      ['go'],
      io,
      tool(() => Promise.reject(new UsageError('--x must be 1'))),
    );
    expect(usage).toBe(EXIT_USAGE);
    expect(io.stderr).toEqual(['error: --x must be 1 (npm run demo-tool -- go --help for usage)']);
    const cfg = await runCommandLineTool(
      ['go'],
      io,
      tool(() => Promise.reject(new ConfigError('demo', ['DATABASE_URL: required']))),
    );
    expect(cfg).toBe(EXIT_USAGE);
    expect(io.stderr[1]).toContain('DATABASE_URL: required');
    expect(io.stderr.join('\n')).not.toMatch(/\n\s+at /);
  });

  it("uses the tool's own explanation, and exit 1 with the stack for anything else", async () => {
    const io = recorder();
    expect(
      await runCommandLineTool(
        ['go'],
        io,
        tool(() => Promise.reject(new ToolError('half done'))),
      ),
    ).toBe(EXIT_PARTIAL);
    expect(io.stderr).toEqual(['error: half done']);
    expect(
      await runCommandLineTool(
        ['go'],
        io,
        tool(() => Promise.reject(new Error('boom'))),
      ),
    ).toBe(EXIT_FAILURE);
    expect(io.stderr[1]).toMatch(/^unexpected error: Error: boom\n\s+at /);
  });
});
