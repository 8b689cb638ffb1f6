/* Generated from schema/ by `npm run gen` (json-schema-to-typescript). Do not edit. */

/**
 * nodes/<node>.toml in the services repository: what the service files of that node are resolved with.
 */
export interface NodeFile {
  /**
   * Values of ${var.NAME} in the service files of this node. They win over the agent's own [vars], except those the agent marks local.
   */
  vars?: {
    [k: string]: string;
  };
}
