/**
 * The apps_groups.conf behind a grouping, when it exposes one.
 */
import type { AppsGroups, ProcessGrouping } from '@ebpf-collectors/core';

/**
 * The apps_groups.conf behind a grouping, when it exposes one (core's PID
 * table does), to match victims the /proc scan never saw by name.
 */
// KIT-CANDIDATE: ProcessGrouping has no "group of a process that is gone"
// lookup (by name and parent PID); this reaches for PidTable's `apps` getter.
export function appsGroupsOfGrouping(grouping: ProcessGrouping): AppsGroups | undefined {
  const apps = (grouping as { apps?: unknown }).apps;
  return apps !== null && typeof apps === 'object' && typeof (apps as AppsGroups).match === 'function' ? (apps as AppsGroups) : undefined;
}
