/**
 * Netdata-compatible configuration: `ebpf.d.conf`, `ebpf.d/<file>.conf`,
 * the module table of ebpf.plugin 1.37.1 and the command-line switches.
 */
export { ConfigError } from './errors.js';
export { ConfigFileError, MAX_CONFIG_FILE_BYTES, readConfigFileText } from './read-file.js';
export type { ConfigErrorDetails } from './errors.js';
export { BOOLEAN_ACCEPTED, netdataBoolean, parseBoolean, parseIni, readIniFile } from './ini.js';
export type { IniDocument } from './ini.js';
export { NETDATA_MODULES, NETWORK_CONNECTIONS_KEYS, configModules, findModule, moduleFileSections } from './modules.js';
export type { ModuleConfigSpec, ModuleDescriptor } from './modules.js';
export {
  DEFAULT_BTF_PATH,
  DEFAULT_LIFETIME,
  DEFAULT_PID_TABLE_SIZE,
  DEFAULT_UPDATE_EVERY,
  MAX_PID_TABLE_SIZE,
  OPTION_KEYS,
  builtinOptions,
  formatOption,
} from './options.js';
export type { OptionName, OptionSources, OptionValues } from './options.js';
export { parseNetdataArgs } from './cli.js';
export type { CliOverrides, ForcedMode, NetdataArgs } from './cli.js';
export {
  DEFAULT_USER_CONFIG_DIR,
  GLOBAL_SECTION,
  NETDATA_STOCK_CONFIG_DIR,
  PROGRAMS_SECTION,
  effectiveAppsCgroups,
  forcedMode,
  loadConfig,
  resolveConfigDirs,
  shippedConfigDir,
} from './load.js';
export type {
  AppsCgroupsDecision,
  ConfigDirs,
  GlobalConfig,
  LoadConfigOptions,
  LoadedConfig,
  ResolveConfigDirsOptions,
} from './load.js';
export { OPTION_ORDER, describeConfig } from './describe.js';
export type { DescribeConfigOptions } from './describe.js';
