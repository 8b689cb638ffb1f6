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
  const lines: string[] = [];
  emit(value, indent, lines);
  return `${lines.join('\n')}\n`;
}

/** Appends the lines of `value` to `lines`; `first` replaces the indentation of the first line (a list dash). */
function emit(value: YamlValue, indent: number, lines: string[], first?: string): void {
  const pad = ' '.repeat(indent);
  let lead = first ?? pad;
  if (isScalar(value)) {
    lines.push(lead + yamlScalar(value));
    return;
  }
  if (Array.isArray(value)) {
    for (const item of value) {
      if (isScalar(item)) lines.push(`${lead}- ${yamlScalar(item)}`);
      else if (isEmpty(item) || Array.isArray(item)) lines.push(`${lead}- ${JSON.stringify(item)}`);
      else emit(item, indent + 2, lines, `${lead}- `);
      lead = pad;
    }
    return;
  }
  for (const [key, v] of Object.entries(value)) {
    const k = `${lead}${yamlScalar(key)}:`;
    lead = pad;
    if (isScalar(v)) lines.push(`${k} ${yamlScalar(v)}`);
    else if (isEmpty(v)) lines.push(`${k} ${Array.isArray(v) ? '[]' : '{}'}`);
    else {
      lines.push(k);
      emit(v, indent + 2, lines);
    }
  }
}
