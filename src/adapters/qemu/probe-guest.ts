/**
 * The accelerator probe's guest (source: probe-guest.S beside this file): a boot sector that
 * enters 64-bit long mode, does ten million loop iterations and then writes PROBE_MARKER to
 * the first serial port. Its bytes are kept here so the probe needs no toolchain and no
 * kernel on the node.
 */
import { open } from 'node:fs/promises';

/** What the probe guest prints on its serial console once it has done its work. */
export const PROBE_MARKER = 'mcp-accel-ok';

const BOOT_SECTOR =
  '+jHAjtiO0LwAfA8BFth8DyDAZoPIAQ8iwOoefAgAZrgQAI7YjsCO0L8AEAAAMcC5ABAAAPOrxwUAEAAAAyAAAMcFACAAAAMwAADHBQAwAACDAAAAuAAQAAAPItgPIOCDyCAPIuC5gAAAwA8yDQABAAAPMA8gwA0AAACADyLA6oV8AAAYALmAlpgA/8l1/L6jfAAAZrr4A6yEwHQD7uv4+vTr/G1jcC1hY2NlbC1vawoADx+AAAAAAAAAAAAAAAAA//8AAACazwD//wAAAJLPAP//AAAAmq8AHwC4fAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAVao=';

/** SeaBIOS refuses to boot from a disk of one sector: the image is padded to 1 MiB (sparse). */
const IMAGE_SIZE = 1024 * 1024;

/** Writes the probe guest's disk image to `path` (raw format). */
export const writeProbeGuest = async (path: string): Promise<void> => {
  const file = await open(path, 'w');
  try {
    await file.write(Buffer.from(BOOT_SECTOR, 'base64'));
    await file.truncate(IMAGE_SIZE);
  } finally {
    await file.close();
  }
};
