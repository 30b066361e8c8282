// The local stack's ports: LOCAL_STACK's defaults, overridable for tests, and who holds them.
import { createServer } from 'node:net';

export type ServiceKey = 'postgres' | 'rest' | 'resp';

export interface StackPorts {
  host: string;
  postgres: number;
  rest: number;
  resp: number;
}

/** What each local port serves, and the variable that points lessons elsewhere instead. */
export const PORT_ROLES: Record<ServiceKey, { label: string; envVar: string; portVar: string }> = {
  postgres: {
    label: 'embedded Postgres',
    envVar: 'DATABASE_URL',
    portVar: 'WORKSHOP_POSTGRES_PORT',
  },
  rest: {
    label: 'local Upstash REST',
    envVar: 'UPSTASH_REDIS_REST_URL',
    portVar: 'WORKSHOP_REST_PORT',
  },
  resp: { label: 'local Redis protocol', envVar: 'VALKEY_URL', portVar: 'WORKSHOP_RESP_PORT' },
};

/**
 * LOCAL_STACK's ports, each overridable by WORKSHOP_POSTGRES_PORT / WORKSHOP_REST_PORT /
 * WORKSHOP_RESP_PORT (tests use them so they never need the default ports free; 0 = any).
 */
export function stackPorts(
  defaults: { host: string; postgresPort: number; restPort: number; respPort: number },
  env: NodeJS.ProcessEnv = process.env,
): StackPorts {
  const pick = (key: ServiceKey, fallback: number): number => {
    const raw = env[PORT_ROLES[key].portVar];
    if (raw === undefined || raw === '') return fallback;
    const port = Number(raw);
    if (!Number.isInteger(port) || port < 0 || port > 65535) {
      throw new Error(`${PORT_ROLES[key].portVar}=${raw} is not a port number (0-65535).`);
    }
    return port;
  };
  return {
    host: defaults.host,
    postgres: pick('postgres', defaults.postgresPort),
    rest: pick('rest', defaults.restPort),
    resp: pick('resp', defaults.respPort),
  };
}

/** True when nothing listens on host:port (port 0 is always free). */
export function isPortFree(host: string, port: number): Promise<boolean> {
  if (port === 0) return Promise.resolve(true);
  return new Promise((resolvePromise, reject) => {
    const server = createServer();
    server.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EADDRINUSE' || error.code === 'EACCES') resolvePromise(false);
      else reject(error);
    });
    server.listen({ host, port, exclusive: true }, () => {
      server.close(() => resolvePromise(true));
    });
  });
}

/** The one-line message for a taken port: what is wrong and the two ways out. */
export function portInUseMessage(key: ServiceKey, port: number): string {
  const role = PORT_ROLES[key];
  return (
    `Port ${port} (${role.label}) is already in use: another local stack may be running ` +
    `(check with \`pnpm run doctor\`), or set ${role.envVar} in .env to use another service.`
  );
}

export class PortInUseError extends Error {
  constructor(
    readonly key: ServiceKey,
    readonly port: number,
  ) {
    super(portInUseMessage(key, port));
    this.name = 'PortInUseError';
  }
}
