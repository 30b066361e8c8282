// A TCP proxy in front of a real service, so a test can take the service away and bring it
// back (an outage, a blip) while the service itself keeps running for the file's other tests.

import { connect, createServer, type Socket } from 'node:net';

export interface TcpProxy {
  /** The proxy's port on 127.0.0.1: put it where the service's address was. */
  readonly port: number;
  /** Cuts every connection and refuses new ones: the service is "down". */
  cut(): Promise<void>;
  /** Listens again on the same port: the service is back. */
  restore(): Promise<void>;
  /** Stops for good. */
  close(): Promise<void>;
}

/** A TCP proxy on 127.0.0.1 to `target`, for tests that take a service away and back. */
export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = connect(target.port, target.host);
    sockets.add(client).add(upstream);
    client.pipe(upstream).pipe(client);
    const drop = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
  });
  const listen = (port: number) =>
    new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
  const cut = () =>
    new Promise<void>((resolve) => {
      for (const socket of sockets) socket.destroy();
      if (!server.listening) return resolve();
      server.close(() => resolve());
    });
  await listen(0);
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('the proxy has no port');
  const port = address.port;
  return { port, cut, restore: () => listen(port), close: cut };
}

/** `url` (http:// or redis://) with its host and port replaced by the proxy's. */
export function viaProxy(url: string, proxy: TcpProxy): string {
  const u = new URL(url);
  u.hostname = '127.0.0.1';
  u.port = String(proxy.port);
  return u.toString().replace(/\/$/, '');
}
