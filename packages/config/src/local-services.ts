// The local stack's three services, described once: what each is called, the variable that
// replaces it with a real service, the variable that moves its port, its default port, its URL
// and how to ask it whether it answers. Config, the stack and the doctor all read them here. No
// imports: the CLI loads this without loading the database clients.

export type LocalServiceKey = 'postgres' | 'rest' | 'resp';

/**
 * How to ask a service whether it answers (the CLI's probes.ts runs it): `SELECT 1` over the
 * Postgres protocol, `PING` over Upstash REST with the token, `PING` over the Redis protocol.
 */
export type LocalServiceProbe = 'postgres' | 'upstash' | 'resp';

export interface LocalService {
  /** What it is, in messages: "embedded Postgres". */
  label: string;
  /** The variable that points lessons at a real service instead. */
  envVar: string;
  /** The variable that moves it to another port (tests use 0: any free port). */
  portVar: string;
  defaultPort: number;
  /** Its URL at host:port. */
  url(host: string, port: number): string;
  probe: LocalServiceProbe;
}

export const LOCAL_HOST = '127.0.0.1';

export const LOCAL_SERVICES: Record<LocalServiceKey, LocalService> = {
  postgres: {
    label: 'embedded Postgres',
    envVar: 'DATABASE_URL',
    portVar: 'WORKSHOP_POSTGRES_PORT',
    defaultPort: 54329,
    url: (host, port) => `postgres://postgres@${host}:${port}/postgres`,
    probe: 'postgres',
  },
  rest: {
    label: 'local Upstash REST',
    envVar: 'UPSTASH_REDIS_REST_URL',
    portVar: 'WORKSHOP_REST_PORT',
    defaultPort: 8079,
    url: (host, port) => `http://${host}:${port}`,
    probe: 'upstash',
  },
  // valkey-server when the stack finds one on the PATH, else the kv-server's engine.
  resp: {
    label: 'local Redis protocol',
    envVar: 'VALKEY_URL',
    portVar: 'WORKSHOP_RESP_PORT',
    defaultPort: 6479,
    url: (host, port) => `redis://${host}:${port}`,
    probe: 'resp',
  },
};

/**
 * Each service's port: its WORKSHOP_*_PORT when set, else its default. A value that is not a
 * port number (0-65535) is reported through `fail`, which names the variable.
 */
export function readLocalPorts(
  env: Record<string, string | undefined>,
  fail: (message: string) => Error,
): Record<LocalServiceKey, number> {
  const read = (key: LocalServiceKey): number => {
    const { portVar, defaultPort } = LOCAL_SERVICES[key];
    const raw = env[portVar]?.trim();
    if (raw === undefined || raw === '') return defaultPort;
    const port = Number(raw);
    if (!/^\d+$/.test(raw) || port > 65535) {
      throw fail(`${portVar}=${raw} is not a port number (0-65535; 0 picks a free one).`);
    }
    return port;
  };
  return { postgres: read('postgres'), rest: read('rest'), resp: read('resp') };
}
