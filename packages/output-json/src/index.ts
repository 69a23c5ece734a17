export { createJsonOutput } from './output.js';
export { JsonSerializer } from './serializer.js';
export { JSON_SCHEMA_ID, JSON_SCHEMA_VERSION } from './metrics.js';
export type { JsonChart, JsonDimension, JsonFrame, JsonOutputOptions } from './types.js';
export { parseJsonFrame } from './reader.js';
