#!/bin/sh
# ff-dedup as a Slurm pipeline: N signature shards, one bucket job per band
# (14 by default), then clusters and filter. Every job reads and writes the
# shared directory $WORK; inputs are given in the same order to every stage.
#
#   WORK=/shared/dedup N=16 sh ff-dedup-slurm.sh data/part-*.jsonl
set -eu
: "${WORK:?set WORK to a directory every node sees}"
N=${N:-8}          # signature shards (array tasks)
BANDS=${BANDS:-14} # must match --bands of the signatures stage
mkdir -p "$WORK/sig" "$WORK/bkt" "$WORK/logs"
INPUTS="$*"

sig=$(sbatch --parsable --job-name=ffd-sig --array=0-$((N - 1)) \
	--cpus-per-task=8 --mem=4G --output="$WORK/logs/sig-%a.log" \
	--wrap "ff-dedup signatures --threads 8 --shard \$SLURM_ARRAY_TASK_ID/$N -o $WORK/sig/\$SLURM_ARRAY_TASK_ID.sig $INPUTS")

bkt=$(sbatch --parsable --job-name=ffd-bkt --dependency=afterok:$sig --array=0-$((BANDS - 1)) \
	--cpus-per-task=1 --mem=8G --output="$WORK/logs/bkt-%a.log" \
	--wrap "ff-dedup buckets --band \$SLURM_ARRAY_TASK_ID -o $WORK/bkt/\$SLURM_ARRAY_TASK_ID.bkt $WORK/sig/*.sig")

cls=$(sbatch --parsable --job-name=ffd-cls --dependency=afterok:$bkt \
	--cpus-per-task=1 --mem=16G --output="$WORK/logs/clusters.log" \
	--wrap "ff-dedup clusters -o $WORK/clusters.jsonl $WORK/sig/*.sig $WORK/bkt/*.bkt")

sbatch --parsable --job-name=ffd-filter --dependency=afterok:$cls \
	--cpus-per-task=2 --mem=2G --output="$WORK/logs/filter.log" \
	--wrap "ff-dedup filter --clusters $WORK/clusters.jsonl --removed $WORK/removed.jsonl -o $WORK/dedup.jsonl $INPUTS"
