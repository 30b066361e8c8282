// The local stack's ports: LOCAL_STACK's defaults, overridable for tests, and who holds them.
import { createServer } from 'node:net';
import { LOCAL_SERVICES, type LocalServiceKey } from '@workshop/config/local-services';

export type ServiceKey = LocalServiceKey;

export interface StackPorts {
  host: string;
  postgres: number;
  rest: number;
  resp: number;
}

/** What each local port serves, and the variables that move it or replace it: db's descriptors. */
export const PORT_ROLES = LOCAL_SERVICES;

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
