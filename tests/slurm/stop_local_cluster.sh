#!/usr/bin/env bash
# Stop the daemons tests/slurm/start_local_cluster.sh started (slurmd, slurmctld; munged is left running),
# by the process ids in their pid files, and remove the slurm.conf it wrote: with a configuration
# but no controller, `scontrol` waits about 9 s for an answer, and Snakemake's SLURM plugin asks it
# at every start, local runs included. As root: sudo tests/slurm/stop_local_cluster.sh
set -uo pipefail

stop() {  # $1: pid file, $2: name
  if [ -s "$1" ] && kill "$(cat "$1")" 2>/dev/null; then
    echo "stop_local_cluster: stopped $2"
  fi
}
stop /run/slurmd.pid slurmd
stop /run/slurmctld.pid slurmctld

CONF=/etc/slurm/slurm.conf
if [ -f "$CONF" ] && head -n 1 "$CONF" | grep -qxF "# Written by tests/slurm/start_local_cluster.sh"; then
  rm -f "$CONF" && echo "stop_local_cluster: removed $CONF"
fi
