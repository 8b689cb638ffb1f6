/**
 * A minimal QMP (QEMU Machine Protocol) client: connect to a VM's monitor socket, leave
 * capabilities negotiation, run commands one after another, disconnect. QEMU accepts one
 * QMP client at a time, so every use is a short session, never a held connection.
 */
import { connect } from 'node:net';

export interface QmpCommand {
  execute: string;
  arguments?: Record<string, unknown>;
}

interface QmpMessage {
  QMP?: unknown;
  return?: unknown;
  error?: { class: string; desc: string };
  event?: string;
}

/** Runs `commands` in order; resolves with their `return` values. Rejects on an error reply, a closed socket or the deadline. */
export const qmp = (
  socketPath: string,
  commands: readonly QmpCommand[],
  timeoutMs = 5000,
): Promise<unknown[]> =>
  new Promise((resolve, reject) => {
    const socket = connect(socketPath);
    const queue: QmpCommand[] = [{ execute: 'qmp_capabilities' }, ...commands];
    const results: unknown[] = [];
    let greeted = false;
    let buffer = '';
    const fail = (err: Error) => {
      clearTimeout(timer);
      socket.destroy();
      reject(err);
    };
    const timer = setTimeout(() => fail(new Error(`QMP: no answer within ${timeoutMs} ms`)), timeoutMs);
    const next = () => {
      const command = queue[0];
      if (command) socket.write(`${JSON.stringify(command)}\n`);
      else {
        clearTimeout(timer);
        socket.end();
        resolve(results.slice(1));
      }
    };
    socket.on('data', (data) => {
      buffer += data.toString('utf8');
      let nl = buffer.indexOf('\n');
      while (nl >= 0) {
        const line = buffer.slice(0, nl).trim();
        buffer = buffer.slice(nl + 1);
        nl = buffer.indexOf('\n');
        if (!line) continue;
        const message = JSON.parse(line) as QmpMessage;
        if (message.event) continue;
        if (!greeted) {
          greeted = message.QMP !== undefined;
          next();
          continue;
        }
        const command = queue.shift();
        if (message.error) return fail(new Error(`QMP ${command?.execute}: ${message.error.desc}`));
        results.push(message.return);
        next();
      }
    });
    socket.on('error', (err) => fail(err));
    socket.on('close', () => {
      // `quit` may close the socket before or instead of its reply: that is its success.
      if (queue.length === 1 && queue[0].execute === 'quit') {
        clearTimeout(timer);
        resolve([...results.slice(1), {}]);
      } else if (queue.length) fail(new Error('QMP: connection closed'));
    });
  });
