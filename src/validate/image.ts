/** Image references that pin what runs: a moving tag would make a revision mean different things over time. */

/** Why `image` is not a pinned container image reference, or undefined when it is. */
export function unpinnedImage(image: string): { message: string; hint: string } | undefined {
  const at = image.indexOf('@');
  const repo = at >= 0 ? image.slice(0, at) : image;
  const lastSegment = repo.slice(repo.lastIndexOf('/') + 1);
  const colon = lastSegment.indexOf(':');
  const name = colon >= 0 ? repo.slice(0, repo.length - lastSegment.length + colon) : repo;
  const hint = `pin a version tag (${name}:v1.2.3) or a digest (${name}@sha256:<64 hex digits>)`;
  if (at >= 0) {
    return /^sha256:[0-9a-f]{64}$/.test(image.slice(at + 1))
      ? undefined
      : { message: `image '${image}' has a malformed digest`, hint };
  }
  if (image.startsWith('/')) {
    return {
      message: `container image '${image}' is a path`,
      hint: 'paths are for kind = "unikernel"; ' + hint,
    };
  }
  if (colon < 0) return { message: `image '${image}' has no tag`, hint };
  if (lastSegment.slice(colon + 1) === 'latest')
    return { message: `image '${image}' is not pinned: ':latest' moves`, hint };
  return undefined;
}
