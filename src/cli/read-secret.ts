/**
 * Reads a secret the operator types or pipes in: on a terminal without echo (raw mode, one
 * line, Ctrl-C aborts), from a pipe the whole of stdin. Trailing whitespace is dropped.
 */
import { McpError } from '../domain/errors.js';

/** The secret from `input`; `prompt` goes to `promptTo` only on a terminal. */
export const readSecret = async (
  prompt: string,
  input: NodeJS.ReadStream = process.stdin,
  promptTo: NodeJS.WriteStream = process.stderr,
): Promise<string> => {
  if (!input.isTTY) {
    const chunks: Buffer[] = [];
    for await (const chunk of input) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString('utf8').trim();
  }
  input.setRawMode(true); // before the prompt: what is typed after it is never echoed
  promptTo.write(prompt);
  input.resume();
  try {
    return await new Promise<string>((resolve, reject) => {
      let typed = '';
      const onData = (data: Buffer) => {
        for (const ch of data.toString('utf8')) {
          if (ch === '\r' || ch === '\n' || ch === '\u0004') {
            input.off('data', onData);
            return resolve(typed.trim());
          }
          if (ch === '\u0003') {
            input.off('data', onData);
            return reject(new McpError('USAGE', 'interrupted; nothing was written'));
          }
          typed = ch === '\u007f' || ch === '\b' ? typed.slice(0, -1) : typed + ch;
        }
      };
      input.on('data', onData);
    });
  } finally {
    input.setRawMode(false);
    input.pause();
    promptTo.write('\n');
  }
};
