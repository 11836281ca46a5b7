#!/bin/sh
# The demo pipeline on bundled data; `make demo` runs it with bin/ on PATH.
set -eu
cd "$(dirname "$0")"
out=${TMPDIR:-/tmp}/ff-demo
mkdir -p "$out"
echo "== ff-clean: raw rows in mixed formats -> canonical SFT"
ff-clean -o "$out/clean.jsonl" --rejects "$out/rejects.jsonl" raw.jsonl || test $? -eq 1
