/**
 * Who may call the agent's API: bearer tokens, stored only as SHA-256 digests in
 * mcp-agent.toml, each with a role (read < operate); and git servers, whose webhooks are
 * signed with HMAC-SHA256 of the body in the GitHub / Gitea / Forgejo header style.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { McpError } from '../../domain/errors.js';

export type Role = 'read' | 'operate';

export interface ApiToken {
  name: string;
  /** Hex SHA-256 of the token. */
  sha256: string;
  role: Role;
}

export const tokenDigest = (token: string): string => createHash('sha256').update(token).digest('hex');

/** The configured token an `Authorization: Bearer ...` header carries, or undefined. */
export const authenticate = (
  header: string | undefined,
  tokens: readonly ApiToken[],
): ApiToken | undefined => {
  const bearer = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '')?.[1];
  if (!bearer) return undefined;
  const digest = Buffer.from(tokenDigest(bearer), 'hex');
  return tokens.find((t) => timingSafeEqual(Buffer.from(t.sha256, 'hex'), digest));
};

export const allows = (have: Role, need: Role): boolean => need === 'read' || have === 'operate';

/**
 * True when `body` carries a valid signature under `secret`: `X-Hub-Signature-256: sha256=HEX`
 * (GitHub, and Gitea / Forgejo as well), or the bare hex of `X-Gitea-Signature` /
 * `X-Forgejo-Signature`.
 */
/** The shortest webhook secret accepted: an empty or short key makes signatures forgeable. */
export const WEBHOOK_SECRET_MIN = 16;

/** INVALID_CONFIG when `secret` is too short to sign with. */
export const checkWebhookSecret = (secret: string, file = 'the webhook secret'): void => {
  if (Buffer.byteLength(secret) >= WEBHOOK_SECRET_MIN) return;
  throw new McpError(
    'INVALID_CONFIG',
    `${file} holds ${Buffer.byteLength(secret)} bytes; a webhook secret needs at least ${WEBHOOK_SECRET_MIN}: write a random one (openssl rand -hex 32)`,
  );
};

const signatureOf = (headers: IncomingHttpHeaders): string => {
  const header =
    headers['x-hub-signature-256'] ?? headers['x-gitea-signature'] ?? headers['x-forgejo-signature'];
  return typeof header === 'string' ? header.replace(/^sha256=/, '') : '';
};

/** True when the headers carry a well-formed signature: checked before the body is read. */
export const hasSignature = (headers: IncomingHttpHeaders): boolean =>
  /^[0-9a-f]{64}$/i.test(signatureOf(headers));

export const verifySignature = (secret: string, body: Buffer, headers: IncomingHttpHeaders): boolean => {
  if (!hasSignature(headers)) return false;
  const given = signatureOf(headers);
  return timingSafeEqual(createHmac('sha256', secret).update(body).digest(), Buffer.from(given, 'hex'));
};
