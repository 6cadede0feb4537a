#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# A guest looping D3hot/D0 through PMCSR stalls nobody: pm_stall (the 6th
# argument) runs the loop and measures the other guest against this daemon; the daemon must
# then still be alive and stop cleanly.  pm_stall's exit status is the test's (77: skipped).
. "$(dirname "$0")/../integration/lib.sh"
PM_STALL=$6
start_daemon --device "victim=sim:$FIX/microvm-virtio.lspci#00:02.0" --device "pm=sim:$FIX/cap-dev3.lspci"
status=0
"$PM_STALL" "$T/sock" || status=$?
daemon_alive
stop_daemon
[ $status -eq 0 ] && pass "D3hot/D0 loop: the other guest was served while the transitions were in flight"
exit $status
