#!/usr/bin/env bash
# Start a one-node SLURM cluster on this machine, to try profiles/slurm without a real
# cluster (and for tests/test_slurm.py). Debian/Ubuntu, as root:
#
#   sudo tests/slurm/start_local_cluster.sh
#
# Installs slurm-wlm and munge with apt-get if they are missing, starts munged, writes
# /etc/slurm/slurm.conf (one node, "localhost" on 127.0.0.1, with this machine's CPUs and
# memory; partition "debug", the default; no accounting database; job-completion records
# in /var/log/slurm/jobcomp.log), then starts slurmctld and slurmd directly (no systemd).
# Does nothing when a cluster already answers `sinfo`. Refuses to overwrite a slurm.conf it
# did not write. Stop it with: tests/slurm/stop_local_cluster.sh
set -euo pipefail

MARKER="# Written by tests/slurm/start_local_cluster.sh"
CONF=/etc/slurm/slurm.conf
LOGS=/var/log/slurm

die() { echo "start_local_cluster: $*" >&2; exit 1; }

if timeout 10 sinfo --noheader >/dev/null 2>&1; then
  echo "start_local_cluster: a SLURM cluster already answers sinfo; nothing to do."
  exit 0
fi
[ "$(id -u)" -eq 0 ] || die "needs root (try: sudo $0)."

# --- packages -------------------------------------------------------------------------
if ! command -v slurmctld >/dev/null || ! command -v slurmd >/dev/null \
   || ! command -v sinfo >/dev/null || ! command -v munged >/dev/null; then
  command -v apt-get >/dev/null || die "no apt-get here: install slurm-wlm and munge with your package manager."
  echo "start_local_cluster: installing slurm-wlm and munge (apt-get)"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive DEBCONF_NOWARNINGS=yes apt-get install -y -qq slurm-wlm munge >/dev/null
fi

# --- munge (authentication between the SLURM daemons and clients) -----------------------
if ! (munge -n | unmunge) >/dev/null 2>&1; then
  install -d -o munge -g munge -m 0700 /etc/munge
  if [ ! -s /etc/munge/munge.key ]; then
    if command -v mungekey >/dev/null; then
      runuser -u munge -- mungekey --create --keyfile=/etc/munge/munge.key
    else
      /usr/sbin/create-munge-key -f
    fi
  fi
  chown munge:munge /etc/munge/munge.key && chmod 0400 /etc/munge/munge.key
  install -d -o munge -g munge -m 0755 /run/munge
  install -d -o munge -g munge -m 0700 /var/log/munge /var/lib/munge
  runuser -u munge -- /usr/sbin/munged
  for _ in $(seq 20); do (munge -n | unmunge) >/dev/null 2>&1 && break; sleep 0.5; done
  (munge -n | unmunge) >/dev/null 2>&1 || die "munged did not start (see /var/log/munge/munged.log)."
fi

# --- slurm.conf ---------------------------------------------------------------------------
if [ -e "$CONF" ] && ! head -n 1 "$CONF" | grep -qxF "$MARKER"; then
  die "$CONF exists and was not written by this script; start that cluster, or move the file away."
fi
# `slurmd -C` prints this machine's node line (CPUs, sockets, cores, threads, RealMemory).
hardware=$(slurmd -C | head -n 1 | sed -E 's/^NodeName=[^ ]+ //')
install -d -o slurm -g slurm -m 0755 /var/spool/slurmctld "$LOGS"
install -d -m 0755 /var/spool/slurmd
cat >"$CONF" <<EOF
$MARKER
# A one-node cluster on localhost for trying profiles/slurm; see README "On a cluster".
ClusterName=localcluster
SlurmctldHost=localhost
SlurmUser=slurm
AuthType=auth/munge
StateSaveLocation=/var/spool/slurmctld
SlurmdSpoolDir=/var/spool/slurmd
SlurmctldPidFile=/run/slurmctld.pid
SlurmdPidFile=/run/slurmd.pid
SlurmctldLogFile=$LOGS/slurmctld.log
SlurmdLogFile=$LOGS/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
# No slurmdbd: sacct does not work, so run Snakemake with --slurm-status-command squeue.
AccountingStorageType=accounting_storage/none
# Finished jobs stay visible to squeue for 5 minutes (the executor plugin's squeue check).
MinJobAge=300
JobCompType=jobcomp/filetxt
JobCompLoc=$LOGS/jobcomp.log
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
ReturnToService=2
NodeName=localhost NodeAddr=127.0.0.1 $hardware State=UNKNOWN
PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP
EOF
chmod 0644 "$CONF"

# --- daemons ------------------------------------------------------------------------------
running() { ps -C "$1" -o stat= | grep -qv '^Z'; }  # a live process of that name (not a zombie)
running slurmctld || slurmctld
running slurmd || slurmd -N localhost
for _ in $(seq 60); do
  state=$(timeout 5 sinfo --noheader --format=%T --nodes=localhost 2>/dev/null || true)
  case "$state" in
    idle*|mixed*|allocated*) echo "start_local_cluster: node localhost is $state; partition debug is ready."; exit 0 ;;
    down*|drain*) scontrol update NodeName=localhost State=RESUME >/dev/null 2>&1 || true ;;
  esac
  sleep 0.5
done
die "the node did not become idle (sinfo: '${state:-no answer}'); see $LOGS/slurmctld.log and $LOGS/slurmd.log."
