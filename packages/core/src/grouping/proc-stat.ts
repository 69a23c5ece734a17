/** The fields of `/proc/<pid>/stat` the PID table keeps, parsed without making strings. */
export interface StatFields {
  state: number;
  ppid: number;
  startTime: number;
  /** Field 9, the kernel's `PF_*` task flags. */
  flags: number;
}

/**
 * Fields after the `)` that closes the name: 3 state, 4 ppid, 9 flags, ... 22
 * starttime, written into `out`. Returns false for a truncated line.
 */
export function parseStatFields(buf: Buffer, pos: number, end: number, out: StatFields): boolean {
  if (pos >= end) return false;
  const state = buf[pos]!;
  let field = 3;
  let value = 0;
  let ppid = -1;
  let flags = 0;
  let i = pos + 1;
  // Walk space-separated numeric fields; only ppid (4), flags (9) and starttime (22) are kept.
  while (i < end) {
    while (i < end && buf[i] === 0x20) i++;
    field++;
    value = 0;
    let negative = false;
    if (buf[i] === 0x2d) {
      negative = true;
      i++;
    }
    while (i < end) {
      const c = buf[i]! - 48;
      if (c < 0 || c > 9) break;
      value = value * 10 + c;
      i++;
    }
    if (negative) value = -value;
    if (field === 4) ppid = value;
    else if (field === 9) flags = value;
    else if (field === 22) {
      if (ppid < 0) return false;
      out.state = state;
      out.ppid = ppid;
      out.startTime = value;
      out.flags = flags;
      return true;
    }
    while (i < end && buf[i] !== 0x20) i++;
  }
  return false;
}
