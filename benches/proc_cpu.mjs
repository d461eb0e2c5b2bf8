// CPU time of a process and its descendants, from /proc/<pid>/stat (utime +
// stime, fields 14 and 15, in clock ticks): what an edge runtime spent on
// requests, whatever the loopback client costs. Linux only.
import { readFileSync, readdirSync } from "node:fs";
import { execFileSync } from "node:child_process";

const ticksPerSecond = Number(execFileSync("getconf", ["CLK_TCK"]).toString().trim()) || 100;

function stat(pid) {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name (field 2) is in parentheses and may hold spaces.
    const f = s.slice(s.lastIndexOf(")") + 2).split(" ");
    return { ppid: Number(f[1]), ticks: Number(f[11]) + Number(f[12]) };
  } catch {
    return null;
  }
}

/** Seconds of CPU used so far by `root` and every live descendant. */
export function cpuSeconds(root) {
  const parent = new Map();
  const ticks = new Map();
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    const s = stat(name);
    if (s) {
      parent.set(Number(name), s.ppid);
      ticks.set(Number(name), s.ticks);
    }
  }
  let total = 0;
  for (const [pid, t] of ticks) {
    for (let p = pid; p > 1; p = parent.get(p) ?? 0) {
      if (p === root) {
        total += t;
        break;
      }
    }
  }
  return total / ticksPerSecond;
}
