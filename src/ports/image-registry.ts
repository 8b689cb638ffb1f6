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
}
