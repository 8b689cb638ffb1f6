/** The PortProbe of the host: binds the port exclusively and lets it go at once. */
import { createServer } from 'node:net';
import type { PortProbe } from '../../ports/port-probe.js';

export const hostPortProbe: PortProbe = {
  isFree: (hostIp, port) =>
    new Promise((resolve) => {
      const server = createServer();
      server.once('error', () => resolve(false));
      server.listen({ host: hostIp, port, exclusive: true }, () => server.close(() => resolve(true)));
    }),
};
