// The files this process holds open, in any of its threads, found by a part of their path: the
// import's temporary files have their names removed as they are opened (their link then reads
// "… (deleted)"), so only /proc/self/fd still shows them. Linux only.
import { readdirSync, readlinkSync, statSync } from 'node:fs';

/** The sizes of the files open in this process whose path contains `part`. */
export function openFiles(part: string): number[] {
  return readdirSync('/proc/self/fd').flatMap((fd) => {
    try {
      return readlinkSync(`/proc/self/fd/${fd}`).includes(part) ? [statSync(`/proc/self/fd/${fd}`).size] : [];
    } catch {
      // Closed between the listing and the look.
      return [];
    }
  });
}
