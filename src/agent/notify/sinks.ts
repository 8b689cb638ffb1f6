/**
 * The requests each kind of sink is sent, as their services document them: a generic JSON
 * webhook (optionally signed with HMAC-SHA256 of the body), a Slack-compatible incoming
 * webhook (Mattermost and Rocket.Chat take the same), a Matrix room message through the
 * client-server API, and commit statuses of Gitea / Forgejo and GitHub.
 */
import { createHmac } from 'node:crypto';
import type { Alert } from './conditions.js';

/** One HTTP request to send. */
export interface SinkRequest {
  method: 'POST' | 'PUT';
  url: string;
  headers: Record<string, string>;
  body: string;
}

/** A sink's configuration, secrets already read from their files. */
export interface SinkConfig {
  kind: 'webhook' | 'slack' | 'matrix' | 'gitea' | 'forgejo' | 'github';
  /** For messages and metrics: the kind and the host it posts to. */
  name: string;
  url?: string;
  secret?: string;
  homeserver?: string;
  room?: string;
  token?: string;
  apiUrl?: string;
  repository?: string;
  events?: readonly string[];
  services?: readonly string[];
  repeatAfterMs: number;
}

const json = { 'content-type': 'application/json' };

/** One line for a person: node, what, about what. */
export const alertText = (node: string, a: Alert): string =>
  `[mcp ${node}] ${a.kind}${a.service ? ` ${a.service}` : ''}: ${a.message}${a.revision ? ` (revision ${a.revision.slice(0, 7)})` : ''}`;

/** The request that tells `sink` about `alert`. */
export const alertRequest = (sink: SinkConfig, node: string, alert: Alert, txn: string): SinkRequest => {
  if (sink.kind === 'slack')
    return {
      method: 'POST',
      url: sink.url!,
      headers: json,
      body: JSON.stringify({ text: alertText(node, alert) }),
    };
  if (sink.kind === 'matrix') {
    const room = encodeURIComponent(sink.room!);
    return {
      method: 'PUT',
      url: `${sink.homeserver!.replace(/\/+$/, '')}/_matrix/client/v3/rooms/${room}/send/m.room.message/${encodeURIComponent(txn)}`,
      headers: { ...json, authorization: `Bearer ${sink.token}` },
      body: JSON.stringify({ msgtype: 'm.text', body: alertText(node, alert) }),
    };
  }
  const body = JSON.stringify({
    node,
    kind: alert.kind,
    subject: alert.subject,
    service: alert.service ?? null,
    revision: alert.revision ?? null,
    message: alert.message,
    at: alert.at,
    data: alert.data ?? {},
  });
  const signature: Record<string, string> = sink.secret
    ? { 'x-mcp-signature-256': `sha256=${createHmac('sha256', sink.secret).update(body).digest('hex')}` }
    : {};
  return { method: 'POST', url: sink.url!, headers: { ...json, ...signature }, body };
};

/** A commit status: pending while a node applies a commit, then success or failure (error: superseded). */
export interface CommitStatus {
  commit: string;
  state: 'pending' | 'success' | 'failure' | 'error';
  description: string;
}

/** The request that posts `status` to a Gitea / Forgejo or GitHub repository. */
export const statusRequest = (sink: SinkConfig, node: string, status: CommitStatus): SinkRequest => {
  const api = sink.apiUrl!.replace(/\/+$/, '');
  const auth: Record<string, string> =
    sink.kind === 'github'
      ? {
          authorization: `Bearer ${sink.token}`,
          accept: 'application/vnd.github+json',
          'x-github-api-version': '2022-11-28',
        }
      : { authorization: `token ${sink.token}` };
  return {
    method: 'POST',
    url: `${api}/repos/${sink.repository}/statuses/${status.commit}`,
    headers: { ...json, ...auth },
    // Both APIs cap the description at 140 characters.
    body: JSON.stringify({
      state: status.state,
      context: `mcp/${node}`,
      description: status.description.slice(0, 140),
    }),
  };
};

/** `owner/name` of a repository URL (https://host/owner/name.git), or undefined. */
export const repositoryOf = (url: string | undefined): string | undefined => {
  if (!url) return undefined;
  try {
    const parts = new URL(url).pathname
      .replace(/\.git$/, '')
      .split('/')
      .filter(Boolean);
    return parts.length >= 2 ? parts.slice(-2).join('/') : undefined;
  } catch {
    return undefined;
  }
};
