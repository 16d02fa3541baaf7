import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import net from 'node:net';

/** Server used for Redis tests: the machine's own by default. */
export const TEST_REDIS = new URL(process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379');

/** One RESP reply: a status or bulk string, an integer, or null. */
type Reply = string | number | null;

/**
 * A few Redis commands over one connection, in RESP, one at a time: what a test needs to take a
 * database index of its own and empty it, without a client library of its own.
 */
async function session<T>(fn: (cmd: (...args: string[]) => Promise<Reply>) => Promise<T>) {
  const socket = net.connect(Number(TEST_REDIS.port || 6379), TEST_REDIS.hostname);
  socket.setTimeout(3000, () => socket.destroy(new Error('Redis did not answer within 3 s')));
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  let buf = Buffer.alloc(0);
  let waiting: { resolve: (r: Reply) => void; reject: (e: Error) => void } | undefined;
  const parse = () => {
    const end = buf.indexOf('\r\n');
    if (end < 0 || !waiting) return;
    const line = buf.subarray(1, end).toString();
    const kind = String.fromCharCode(buf[0]!);
    let reply: Reply;
    let used = end + 2;
    if (kind === '$') {
      const n = Number(line);
      if (n < 0) reply = null;
      else if (buf.length < used + n + 2) return;
      else {
        reply = buf.subarray(used, used + n).toString();
        used += n + 2;
      }
    } else if (kind === ':') reply = Number(line);
    else if (kind === '+') reply = line;
    else {
      const w = waiting;
      waiting = undefined;
      buf = buf.subarray(used);
      return w.reject(new Error(`Redis: ${line}`));
    }
    buf = buf.subarray(used);
    const w = waiting;
    waiting = undefined;
    w.resolve(reply!);
  };
  socket.on('data', (d) => {
    buf = Buffer.concat([buf, d]);
    parse();
  });
  socket.on('error', (err) => waiting?.reject(err));
  const cmd = (...args: string[]) =>
    new Promise<Reply>((resolve, reject) => {
      waiting = { resolve, reject };
      socket.write(
        `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`,
      );
    });
  try {
    if (TEST_REDIS.password) await cmd('AUTH', decodeURIComponent(TEST_REDIS.password));
    return await fn(cmd);
  } finally {
    socket.destroy();
  }
}

const CLAIM = 'sanbao-test:claimed-by';

export interface TestRedis {
  /** REDIS_URL of a database index nobody else uses during the test. */
  url: string;
  /** Empties the index and gives it back. */
  release(): Promise<void>;
}

/**
 * Claims an empty database index (1–15; 0 is left alone) for one test file, so nodes started
 * with its URL form a cluster of their own. Throws, never skips, when Redis is unreachable: a
 * cluster test that did not run must not pass.
 */
export async function claimRedisDb(): Promise<TestRedis> {
  const me = randomBytes(8).toString('hex');
  const db = await session(async (cmd) => {
    await cmd('PING');
    const start = 1 + Math.floor(Math.random() * 15);
    for (let i = 0; i < 15; i++) {
      const n = 1 + ((start - 1 + i) % 15);
      await cmd('SELECT', String(n));
      if ((await cmd('DBSIZE')) !== 0) continue;
      if ((await cmd('SET', CLAIM, me, 'NX')) === 'OK') return n;
    }
    throw new Error('no empty Redis database index (1–15) to claim');
  });
  const url = new URL(TEST_REDIS);
  url.pathname = `/${db}`;
  return {
    url: url.toString(),
    release: () =>
      session(async (cmd) => {
        await cmd('SELECT', String(db));
        if ((await cmd('GET', CLAIM)) === me) await cmd('FLUSHDB');
      }),
  };
}

/** A private redis-server a test may stop and start again on the same port. */
export interface PrivateRedis {
  url: string;
  /** Terminates it (SIGTERM); it keeps nothing, so a start after this is an empty Redis. */
  stop(): Promise<void>;
  /** SIGKILL: Redis gone without a word, as a crashed server. */
  kill(): Promise<void>;
  /** Starts it again, empty, on the same port. */
  start(): Promise<void>;
}

/** A private redis-server (Debian's; CI installs it) on a free port, keeping nothing on disk. */
export async function startPrivateRedis(): Promise<PrivateRedis> {
  const probe = net.createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  const port = (probe.address() as net.AddressInfo).port;
  await new Promise((r) => probe.close(r));
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  const start = async () => {
    const c = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      { stdio: 'ignore' },
    );
    child = c;
    exited = new Promise<void>((r) => c.once('exit', () => r()));
    for (let i = 0; ; i++) {
      const up = await new Promise<boolean>((resolve) => {
        const s = net.connect(port, '127.0.0.1');
        s.once('connect', () => (s.destroy(), resolve(true)));
        s.once('error', () => resolve(false));
      });
      if (up) break;
      if (i >= 100 || c.exitCode !== null) throw new Error(`redis-server did not start on ${port}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  const end = async (signal: NodeJS.Signals) => {
    if (child && child.exitCode === null && child.signalCode === null) child.kill(signal);
    await exited;
  };
  await start();
  return {
    url: `redis://127.0.0.1:${port}/0`,
    stop: () => end('SIGTERM'),
    kill: () => end('SIGKILL'),
    start,
  };
}
