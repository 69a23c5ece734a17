export { NetdataSerializer, MAX_CHART_ID_BYTES, MAX_LINE_BYTES } from './serializer.js';
export { createNetdataOutput } from './output.js';
export type {
  NetdataOutputOptions,
  SerializeResult,
  SerializerDiagnostic,
  SerializerDiagnosticKind,
  SerializerOptions,
} from './types.js';
