#!/usr/bin/env bash
# Stop the daemons tests/slurm/start_local_cluster.sh started (slurmd, slurmctld; munged is left running),
# by the process ids in their pid files. As root: sudo tests/slurm/stop_local_cluster.sh
set -uo pipefail

stop() {  # $1: pid file, $2: name
  if [ -s "$1" ] && kill "$(cat "$1")" 2>/dev/null; then
    echo "stop_local_cluster: stopped $2"
  fi
}
stop /run/slurmd.pid slurmd
stop /run/slurmctld.pid slurmctld
