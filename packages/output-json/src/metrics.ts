/**
 * Constants of the JSON lines format.
 */

/**
 * Version of the line format (`schema` field of every line). Bumped when a
 * field changes meaning or goes away; new optional fields keep the version.
 */
export const JSON_SCHEMA_VERSION = 1;

/** `$id` of the JSON Schema shipped as `@ebpf-collectors/output-json/schema.json`. */
export const JSON_SCHEMA_ID = 'urn:ebpf-collectors:output-json:schema:1';
