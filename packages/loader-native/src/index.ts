export type * from './types.js';
export { createLoader, openObject, type LoaderOptions } from './loader.js';
export { closeObjects } from './object.js';
export { trimHeap } from './heap.js';
export { probeFeatures, ensureTracefs, type FeatureOptions, type TracefsStatus } from './features.js';
export { BpfError, VerifierError, NotSupportedError, errnoName, type BpfErrorOptions, type FeatureName } from './errors.js';
export { versionCodeOf } from './kernel.js';
export {
  capabilities,
  dropCapabilities,
  threadCapabilities,
  capabilityNames,
  capabilityMask,
  CAPABILITY_NAMES,
} from './privileges.js';
