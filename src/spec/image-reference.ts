/**
 * Container image references checked against the grammar of the distribution specification
 * (the one registries and podman parse): `[domain[:port]/]path[:tag][@digest]`. A reference
 * outside it (`localhost/../x:v1`, `x//y:v1`) never reaches the runtime, where podman would
 * answer with a redirect or an error on every pass.
 *
 * The grammar is checked piece by piece with small anchored patterns, each linear in its
 * input: the usual single regular expression has nested quantifiers that backtrack
 * exponentially in JavaScript (a 30-character name stalls it for seconds).
 */

/** The distribution specification's limit on the name (domain and path). */
const NAME_MAX = 255;
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}$/;
const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const DOMAIN_COMPONENT = /^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?$/;
const PORT = /^[0-9]+$/;
const IPV6 = /^\[[0-9A-Fa-f:.]+\]$/;

/** The parts of a reference that satisfies the grammar. */
export interface ImageReference {
  domain?: string;
  path: string;
  tag?: string;
  digest?: string;
}

/** A reference, or why it is not one (the offending part named). */
export type ParsedReference = { ok: true; ref: ImageReference } | { ok: false; reason: string };

const bad = (reason: string): ParsedReference => ({ ok: false, reason });

/** A first path element is a domain when it has a dot, a port or is localhost, as docker decides. */
const looksLikeDomain = (s: string): boolean =>
  s.includes('.') || s.includes(':') || s === 'localhost' || s.startsWith('[') || s !== s.toLowerCase();

const checkDomain = (domain: string): string | undefined => {
  const ipv6 = /^(\[[^\]]*\])(?::(.*))?$/.exec(domain);
  const [host, port] = ipv6 ? [ipv6[1], ipv6[2]] : domain.split(/:(.*)/s, 2);
  if (port !== undefined && !PORT.test(port)) return `registry port '${port}' is not a number`;
  if (ipv6) return IPV6.test(host) ? undefined : `registry address '${host}' is not an IPv6 address`;
  const bad = host.split('.').find((c) => !DOMAIN_COMPONENT.test(c));
  return bad === undefined ? undefined : `registry host '${host}' is not a host name`;
};

/** Parses `image` by the distribution grammar. */
export function parseImageReference(image: string): ParsedReference {
  let rest = image;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest)) return bad(`digest '${digest}' is not algorithm:hex`);
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) return bad(`tag '${tag}' must be letters, digits, '_', '.' or '-' (at most 128)`);
  }
  if (rest === '') return bad('the name is empty');
  if (rest.length > NAME_MAX) return bad(`the name is longer than ${NAME_MAX} characters`);
  const parts = rest.split('/');
  const domain = parts.length > 1 && looksLikeDomain(parts[0]) ? parts.shift() : undefined;
  if (domain !== undefined) {
    const why = checkDomain(domain);
    if (why) return bad(why);
  }
  for (const part of parts) {
    if (part === '') return bad("the name has an empty path component ('//' or a '/' at an end)");
    if (!PATH_COMPONENT.test(part))
      return bad(
        `path component '${part}' must be lower-case letters and digits, separated by '.', '_', '__' or '-'`,
      );
  }
  return {
    ok: true,
    ref: {
      ...(domain !== undefined && { domain }),
      path: parts.join('/'),
      ...(tag !== undefined && { tag }),
      ...(digest !== undefined && { digest }),
    },
  };
}
