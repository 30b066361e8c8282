// A port nothing listens on, for showing (and testing) what a client does when its server is
// not there: bind a free port, note it, close it.

import { createServer } from 'node:net';

export async function closedPort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  return typeof address === 'object' && address ? address.port : 0;
}
