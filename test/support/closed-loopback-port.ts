/**
 * A loopback port that nothing listens on, for tests of "the other side cannot be reached". A fixed
 * port (1, 9) is not that: on a shared machine anyone may be listening there. A port the system
 * just handed out and took back is closed, and the system hands out the others before it again.
 */
import { once } from 'node:events';
import { createServer, type AddressInfo } from 'node:net';

export async function closedLoopbackPort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}
