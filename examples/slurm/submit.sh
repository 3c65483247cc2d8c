#!/bin/bash
# Submits a linear-icl sweep to Slurm: an array job of SHARDS tasks (each one shard of the grid) and
# a merge job that starts when all of them succeeded (--dependency=afterok). Prints both job ids
# ("<array id> <merge id>") on stdout.
#
#   examples/slurm/submit.sh GRID.json [SHARDS] [RESULTS_DIR]
#
# Environment: LINEAR_ICL (the command that runs the CLI, default `linear-icl`); SBATCH_ARGS (extra
# sbatch options for both jobs, e.g. "--partition=short --time=01:00:00").
set -euo pipefail

if [ $# -lt 1 ]; then
  echo "usage: $0 GRID.json [SHARDS=4] [RESULTS_DIR=results]" >&2
  exit 2
fi
here=$(cd "$(dirname "$0")" && pwd)
GRID=$(realpath "$1")
SHARDS=${2:-4}
RESULTS=$(realpath -m "${3:-results}")
mkdir -p "$RESULTS"
read -r -a extra <<< "${SBATCH_ARGS:-}"

export GRID RESULTS
array=$(sbatch --parsable "${extra[@]}" --array="0-$((SHARDS - 1))" --export=ALL \
  --chdir="$RESULTS" --output="$RESULTS/slurm-%A_%a.out" "$here/sweep-array.sbatch")
array=${array%%;*}
merge=$(sbatch --parsable "${extra[@]}" --dependency="afterok:$array" --kill-on-invalid-dep=yes --export=ALL \
  --chdir="$RESULTS" --output="$RESULTS/slurm-merge-%j.out" "$here/merge.sbatch")
merge=${merge%%;*}
echo "$array $merge"
