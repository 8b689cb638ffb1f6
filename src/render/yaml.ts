/**
 * YAML for the documents `mcp render` writes (compose files, kube manifests), by the `yaml`
 * package in YAML 1.1 mode: docker-compose (PyYAML) and podman read 1.1, where `no`, `on` and
 * `22:22` are not strings, so such strings are quoted. No line folding: a long command line
 * stays on one line.
 */
import { stringify } from 'yaml';

/** The values rendered documents hold. */
export type YamlValue = string | number | boolean | YamlValue[] | { [key: string]: YamlValue };

const OPTIONS = { version: '1.1', lineWidth: 0, indentSeq: true } as const;

/** A scalar as it appears in the rendered YAML (quoted when a YAML 1.1 reader would misread it). */
export const yamlScalar = (value: string | number | boolean): string => stringify(value, OPTIONS).trimEnd();

/** Block-style YAML for `value`, ending in a newline. */
export const toYaml = (value: YamlValue): string => stringify(value, OPTIONS);
