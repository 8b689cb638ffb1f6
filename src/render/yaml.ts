/**
 * A small YAML emitter for the narrow documents `mcp render` writes (compose files, kube
 * manifests): maps, lists, strings, numbers and booleans. Strings that YAML 1.1 parsers
 * could read as something else (`no`, `8080:80`, `1.0`) are double-quoted.
 */

/** The values the emitter accepts. */
export type YamlValue = string | number | boolean | YamlValue[] | { [key: string]: YamlValue };

const PLAIN = /^[A-Za-z_/][A-Za-z0-9_./@=+:-]*$/;
const RESERVED = /^(y|n|yes|no|on|off|true|false|null|~)$/i;

/** A scalar in its shortest unambiguous form. */
export const yamlScalar = (value: string | number | boolean): string => {
  if (typeof value !== 'string') return String(value);
  return PLAIN.test(value) && !value.endsWith(':') && !RESERVED.test(value) ? value : JSON.stringify(value);
};

const isScalar = (v: YamlValue): v is string | number | boolean => typeof v !== 'object';
const isEmpty = (v: YamlValue): boolean =>
  Array.isArray(v) ? v.length === 0 : typeof v === 'object' && Object.keys(v).length === 0;

/** Block-style YAML for `value`, every line indented by `indent` spaces, ending in a newline. */
export function toYaml(value: YamlValue, indent = 0): string {
  const pad = ' '.repeat(indent);
  if (isScalar(value)) return `${pad}${yamlScalar(value)}\n`;
  if (Array.isArray(value)) return value.map((item) => listItem(item, indent)).join('');
  return Object.entries(value)
    .map(([key, v]) => {
      const k = `${pad}${yamlScalar(key)}:`;
      if (isScalar(v)) return `${k} ${yamlScalar(v)}\n`;
      if (isEmpty(v)) return `${k} ${Array.isArray(v) ? '[]' : '{}'}\n`;
      return `${k}\n${toYaml(v, indent + 2)}`;
    })
    .join('');
}

function listItem(item: YamlValue, indent: number): string {
  const pad = ' '.repeat(indent);
  if (isScalar(item) || isEmpty(item) || Array.isArray(item)) {
    return isScalar(item) ? `${pad}- ${yamlScalar(item)}\n` : `${pad}- ${JSON.stringify(item)}\n`;
  }
  const body = toYaml(item, indent + 2);
  return `${pad}- ${body.slice(indent + 2)}`;
}
