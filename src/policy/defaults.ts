/** The admission policy a node has when its config says nothing: the schema's defaults. */
import schema from '../../schema/agent.schema.json' with { type: 'json' };
import type { AdmissionPolicy } from '../domain/admission.js';

const rules = schema.properties.admission.properties;

/** A fresh copy of the default rules (schema/agent.schema.json is their one source). */
export const defaultAdmissionPolicy = (): AdmissionPolicy => ({
  allowed_volume_roots: [...rules.allowed_volume_roots.default],
  allowed_networks: [...rules.allowed_networks.default],
  allowed_host_ips: [...rules.allowed_host_ips.default],
  host_ports: { min: rules.host_ports.properties.min.default, max: rules.host_ports.properties.max.default },
  allowed_image_roots: [...rules.allowed_image_roots.default],
  require_non_root: rules.require_non_root.default,
});

/** What every default agent protects from volumes: its podman socket and state directory, as configured by default. */
export const defaultProtectedPaths = (): string[] => [
  schema.properties.podman.properties.socket.default,
  schema.properties.state_dir.default,
];
