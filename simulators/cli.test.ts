import { describe, expect, it } from 'vitest';
import { simulateCli } from './cli.ts';

async function run(args: string[], env: Record<string, string | undefined> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await simulateCli(args, {
    stdout: (s) => out.push(s),
    stderr: (s) => err.push(s),
    env,
  });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('sanbao simulate arguments', () => {
  it.each([
    [['--devices', 'many'], '--devices'],
    [['--devices', '0'], '--devices'],
    [['--faults', '1.5'], '--faults'],
    [['--speed', '-3'], '--speed'],
    [['--seed', '1.5'], '--seed'],
    [['--mix', 'air_conditioner=30,toaster=5'], '--mix'],
    [['--mix', 'air_conditioner'], '--mix'],
    [['--duration', '10 minutes'], '--duration'],
    [['--api', 'not a url'], '--api'],
    [['--mqtt', 'http://127.0.0.1:1883'], '--mqtt'],
    [['--days', '0', '--export', '/tmp/x'], '--days'],
    [['--start', 'yesterday'], '--start'],
    [['--frobnicate'], '--frobnicate'],
  ])('%j → exit 2 naming %s', async (args, name) => {
    const r = await run(args);
    expect(r.code).toBe(2);
    expect(r.err).toContain(name);
  });

  it('asks for a token when neither --token nor ADMIN_TOKEN is given', async () => {
    const r = await run(['--devices', '1']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--token/);
  });

  it('takes the API URL from SANBAO_API and checks it', async () => {
    const r = await run([], { SANBAO_API: 'nope', ADMIN_TOKEN: 't' });
    expect(r.code).toBe(2);
    expect(r.err).toContain('--api');
  });

  it('prints usage with --help', async () => {
    const r = await run(['--help']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('--mix');
  });
});
