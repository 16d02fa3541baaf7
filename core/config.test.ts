import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.ts';

describe('loadConfig', () => {
  it('gives the documented defaults for an empty environment', () => {
    const c = loadConfig({});
    expect(c.http.port).toBe(8080);
    expect(c.mqtt.port).toBe(1883);
    expect(c.mqtt.auth).toBe('device');
    expect(c.databaseUrl).toBeUndefined();
    expect(c.influx).toBeUndefined();
    expect(c.dataDir.endsWith('/data')).toBe(true);
    expect(Object.isFrozen(c)).toBe(true);
  });

  it('lists every problem at once, naming each variable', () => {
    try {
      loadConfig({
        HTTP_PORT: 'eighty',
        MQTT_PORT: '70000',
        MQTT_AUTH: 'open',
        DATABASE_URL: 'not a url',
        ADMIN_TOKEN: 'short',
      });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      const names = (err as ConfigError).problems.map((p) => p.split(':')[0]);
      expect(names).toEqual(
        expect.arrayContaining([
          'HTTP_PORT',
          'MQTT_PORT',
          'MQTT_AUTH',
          'DATABASE_URL',
          'ADMIN_TOKEN',
        ]),
      );
    }
  });

  it('MQTT_OPEN_DENY_SUBSCRIBE: topic filters, for the open broker only', () => {
    expect(loadConfig({}).mqtt.openDenySubscribe).toBeUndefined();
    const c = loadConfig({
      MQTT_AUTH: 'none',
      MQTT_OPEN_DENY_SUBSCRIBE: 'test/nosubscribe, x/+/#',
    });
    expect(c.mqtt.openDenySubscribe).toEqual(['test/nosubscribe', 'x/+/#']);
    const problems = (env: Record<string, string>) => {
      try {
        loadConfig(env);
        return [];
      } catch (err) {
        return (err as ConfigError).problems;
      }
    };
    expect(problems({ MQTT_OPEN_DENY_SUBSCRIBE: 'a/b' })).toEqual([
      'MQTT_OPEN_DENY_SUBSCRIBE: a development setting of the open broker: needs MQTT_AUTH=none',
    ]);
    for (const bad of ['a/#/b', 'a/b+', 'a,,b', 'a/x#'])
      expect(problems({ MQTT_AUTH: 'none', MQTT_OPEN_DENY_SUBSCRIBE: bad })).toHaveLength(1);
  });

  it('MQTT_MAX_TOPIC_LEVELS: at most 100, what the broker can match', () => {
    expect(loadConfig({ MQTT_MAX_TOPIC_LEVELS: '100' }).mqtt.maxTopicLevels).toBe(100);
    expect(() => loadConfig({ MQTT_MAX_TOPIC_LEVELS: '101' })).toThrow(
      /MQTT_MAX_TOPIC_LEVELS: at most 100/,
    );
  });

  it('alert escalation and notification cap, repair verification window: defaults, values, refusals', () => {
    const d = loadConfig({});
    expect(d.alerts).toEqual({ escalateAfterMs: 30 * 60_000, notifyMaxPerHour: 10 });
    expect(d.repairs).toEqual({ verifyWindowMs: 72 * 3_600_000, minHealth: 80 });
    const c = loadConfig({
      ALERT_ESCALATE_MINUTES: '0',
      ALERT_NOTIFY_MAX_PER_HOUR: '3',
      REPAIR_VERIFY_HOURS: '24',
      REPAIR_VERIFY_MIN_HEALTH: '90',
    });
    expect(c.alerts).toEqual({ escalateAfterMs: 0, notifyMaxPerHour: 3 });
    expect(c.repairs).toEqual({ verifyWindowMs: 24 * 3_600_000, minHealth: 90 });
    try {
      loadConfig({ ALERT_NOTIFY_MAX_PER_HOUR: '0', REPAIR_VERIFY_MIN_HEALTH: '101' });
      expect.unreachable();
    } catch (err) {
      const names = (err as ConfigError).problems.map((p) => p.split(':')[0]);
      expect(names.sort()).toEqual(['ALERT_NOTIFY_MAX_PER_HOUR', 'REPAIR_VERIFY_MIN_HEALTH']);
    }
  });

  it('selects InfluxDB 1.x without a token and 2.x with one', () => {
    expect(loadConfig({ INFLUX_URL: 'http://127.0.0.1:8086' }).influx).toEqual({
      version: 1,
      url: 'http://127.0.0.1:8086',
      database: 'sanbao',
    });
    expect(() => loadConfig({ INFLUX_URL: 'http://x:8086', INFLUX_TOKEN: 't' })).toThrow(
      /INFLUX_ORG/,
    );
    expect(
      loadConfig({
        INFLUX_URL: 'http://x:8086',
        INFLUX_TOKEN: 't',
        INFLUX_ORG: 'o',
        INFLUX_BUCKET: 'b',
      }).influx,
    ).toMatchObject({ version: 2 });
  });

  it('REDIS_URL: cluster mode on a redis:// or rediss:// URL whose path is a db index', () => {
    expect(loadConfig({}).cluster).toBeUndefined();
    expect(loadConfig({ REDIS_URL: '' }).cluster).toBeUndefined();
    expect(loadConfig({ REDIS_URL: 'redis://127.0.0.1:6379/3' }).cluster).toEqual({
      redisUrl: 'redis://127.0.0.1:6379/3',
    });
    expect(loadConfig({ REDIS_URL: 'rediss://:pw@redis.example:6380' }).cluster).toBeDefined();
    expect(() => loadConfig({ REDIS_URL: 'http://127.0.0.1:6379' })).toThrow(
      /REDIS_URL: a redis:\/\/ or rediss:\/\/ URL/,
    );
    expect(() => loadConfig({ REDIS_URL: '127.0.0.1:6379' })).toThrow(/REDIS_URL/);
    expect(() => loadConfig({ REDIS_URL: 'redis://127.0.0.1:6379/sanbao' })).toThrow(
      /REDIS_URL: the path is the database index/,
    );
  });

  it('MQTT_AGENT_PORT: HAProxy agent-check port, off when unset or empty', () => {
    expect(loadConfig({}).mqtt.agentPort).toBeUndefined();
    expect(loadConfig({ MQTT_AGENT_PORT: '' }).mqtt.agentPort).toBeUndefined();
    expect(loadConfig({ MQTT_AGENT_PORT: '1885' }).mqtt.agentPort).toBe(1885);
    expect(() => loadConfig({ MQTT_AGENT_PORT: '70000' })).toThrow(/MQTT_AGENT_PORT/);
  });

  it('requires certificate and key with the TLS port', () => {
    expect(() => loadConfig({ MQTT_TLS_PORT: '8883' })).toThrow(/MQTT_TLS_CERT/);
    expect(
      loadConfig({ MQTT_TLS_PORT: '8883', MQTT_TLS_CERT: 'c.pem', MQTT_TLS_KEY: 'k.pem' }).mqtt.tls,
    ).toEqual({
      port: 8883,
      certFile: 'c.pem',
      keyFile: 'k.pem',
    });
  });

  describe('SANBAO_ROLES', () => {
    const REDIS_URL = 'redis://127.0.0.1:6379/3';
    const DATABASE_URL = 'postgres://127.0.0.1:5432/sanbao';
    const cluster = { REDIS_URL, DATABASE_URL };
    const problems = (env: Record<string, string>) => {
      try {
        loadConfig(env);
        return [];
      } catch (err) {
        return (err as ConfigError).problems;
      }
    };

    it('unset or empty: every role, with or without Redis (one process runs everything)', () => {
      expect([...loadConfig({}).roles]).toEqual(['broker', 'diagnostics', 'http']);
      expect([...loadConfig({ SANBAO_ROLES: '' }).roles]).toEqual([
        'broker',
        'diagnostics',
        'http',
      ]);
      expect([...loadConfig({ SANBAO_ROLES: 'http,broker,diagnostics' }).roles]).toEqual([
        'broker',
        'diagnostics',
        'http',
      ]);
    });

    it('a comma list of roles, spaces allowed, in a cluster', () => {
      expect([...loadConfig({ SANBAO_ROLES: 'broker', ...cluster }).roles]).toEqual(['broker']);
      expect([...loadConfig({ SANBAO_ROLES: ' http , diagnostics', ...cluster }).roles]).toEqual([
        'diagnostics',
        'http',
      ]);
    });

    it('an unknown, a repeated or an empty role is named, every one', () => {
      expect(problems({ SANBAO_ROLES: 'broker,ingest', ...cluster })).toEqual([
        'SANBAO_ROLES: unknown role "ingest": the roles are broker, diagnostics, http',
      ]);
      expect(problems({ SANBAO_ROLES: 'http,http', ...cluster })).toEqual([
        'SANBAO_ROLES: role "http" is named twice',
      ]);
      expect(problems({ SANBAO_ROLES: 'http,,broker', ...cluster })).toEqual([
        'SANBAO_ROLES: an empty role in "http,,broker" (a stray comma?)',
      ]);
      expect(problems({ SANBAO_ROLES: 'Broker,api', ...cluster })).toHaveLength(2);
      expect(problems({ SANBAO_ROLES: ',', ...cluster })).toHaveLength(2);
    });

    it('part of the service needs REDIS_URL and DATABASE_URL: the cluster runs the rest', () => {
      expect(problems({ SANBAO_ROLES: 'broker' })).toEqual([
        expect.stringMatching(
          /^SANBAO_ROLES: broker is part of the service: .* needs REDIS_URL and DATABASE_URL \(/,
        ),
      ]);
      expect(problems({ SANBAO_ROLES: 'http,diagnostics', DATABASE_URL })).toEqual([
        expect.stringMatching(/^SANBAO_ROLES: diagnostics,http .* needs REDIS_URL \(/),
      ]);
      expect(problems({ SANBAO_ROLES: 'http', REDIS_URL })).toEqual([
        expect.stringMatching(/^SANBAO_ROLES: http .* needs DATABASE_URL \(/),
      ]);
      // All three named is the default, which needs nothing.
      expect(problems({ SANBAO_ROLES: 'broker,diagnostics,http' })).toEqual([]);
    });
  });
});
