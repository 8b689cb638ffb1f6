/**
 * The API's certificate and key, read and tried before the server starts: a missing or
 * garbage file is a one-line INVALID_CONFIG naming it and the fix, not a crash at listen.
 */
import { readFile } from 'node:fs/promises';
import { createSecureContext } from 'node:tls';
import { McpError } from '../../domain/errors.js';

export interface TlsFiles {
  cert: Buffer;
  key: Buffer;
}

const FIX = 'point it at a PEM file, or remove tls_cert and tls_key to serve plain HTTP';

const read = (key: string, path: string): Promise<Buffer> =>
  readFile(path).catch((err: NodeJS.ErrnoException) => {
    throw new McpError('INVALID_CONFIG', `cannot read api.${key} ${path} (${err.code}): ${FIX}`, { path });
  });

const reason = (err: unknown): string => (err as Error).message.replace(/^error:[0-9A-F]+:/i, '');

/** The certificate and key at `certPath` and `keyPath`, proved usable together. */
export const loadTls = async (certPath: string, keyPath: string): Promise<TlsFiles> => {
  const cert = await read('tls_cert', certPath);
  const key = await read('tls_key', keyPath);
  try {
    createSecureContext({ cert });
  } catch (err) {
    throw new McpError(
      'INVALID_CONFIG',
      `api.tls_cert ${certPath} is not a certificate (${reason(err)}): ${FIX}`,
      {
        path: certPath,
      },
    );
  }
  try {
    createSecureContext({ cert, key });
  } catch (err) {
    throw new McpError(
      'INVALID_CONFIG',
      `api.tls_key ${keyPath} is not the key of ${certPath} (${reason(err)}): ${FIX}`,
      { path: keyPath },
    );
  }
  return { cert, key };
};
