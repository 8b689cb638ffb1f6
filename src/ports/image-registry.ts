/**
 * A container registry as the digest check of `pull = "newer"` sees it: the manifest digest a
 * tag names now. Speaks only strings; no HTTP type crosses it.
 */
export interface ImageRegistry {
  /**
   * The digest (`sha256:...`) the registry's manifest for `ref`'s tag has now: one request (two
   * with an anonymous token), nothing downloaded. IMAGE_UNAVAILABLE, with the reason, when
   * the registry cannot be asked or does not know the tag.
   */
  digest(ref: string): Promise<string>;
  /**
   * The registry `ref` lives on (`https://registry-1.docker.io`): images of one registry that
   * could not be reached are not asked again in the same round. A failure to reach it carries
   * `data.unreachable = true`.
   */
  registryOf(ref: string): string;
}
