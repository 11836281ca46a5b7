#!/bin/sh
# The whole ff pipeline on bundled data; `make demo` runs it with bin/ on PATH.
# A miner cleans, deduplicates and scores a dataset and signs its commitment;
# a validator scores three miners, turns the losses into weights and signs
# them. Nothing is sent anywhere: signing is offline (--dry-run --offline).
set -eu
cd "$(dirname "$0")"
out=${FF_DEMO_OUT:-${TMPDIR:-/tmp}/ff-demo}
rm -rf "$out"
mkdir -p "$out"
model=../tiny

echo "== ff-clean: raw rows in mixed formats (Alpaca, ShareGPT, OpenAI, prompt/completion) -> canonical SFT"
ff-clean -o "$out/clean.jsonl" --rejects "$out/rejects.jsonl" --stats "$out/clean-stats.json" raw.jsonl

echo
echo "== ff-dedup: duplicates within the data, and rows copied from the evaluation set"
ff-dedup --against eval.jsonl --clusters "$out/dedup-clusters.jsonl" --removed "$out/dedup-removed.jsonl" \
  -o "$out/data.jsonl" "$out/clean.jsonl"

echo
echo "== ff-score tokens: what the model sees (first row: ids, labels -100 where masked)"
ff-score tokens --model "$model" -o "$out/tokens.jsonl" "$out/data.jsonl"
head -n 1 "$out/tokens.jsonl" | cut -c1-300

echo
echo "== ff-score: LoRA-train the tiny bundled model on the data, evaluation loss before and after"
ff-score --model "$model" --eval eval.jsonl --quiet -o "$out/score.json" "$out/data.jsonl"
cat "$out/score.json"

# The miner's commitment, signed offline with Substrate's public development
# phrase (a well-known test key; never put a real mnemonic in a script).
FF_DEMO_MNEMONIC="bottom drive obey lake curtain smoke basket hold race lonely fit walk"
export FF_DEMO_MNEMONIC
offline="--dry-run --offline --metadata ../chain/metadata-v16-devnet.scale \
  --genesis 0x2f0555cc76fc2840a25a6ea3b9637146806f1f44b090c175ffde2a7e5ab36c03 \
  --spec-version 331 --tx-version 1 --nonce 0 --mnemonic-env FF_DEMO_MNEMONIC"
echo
echo "== ff-submit commit: the on-chain commitment, built and signed offline (nothing is sent)"
# shellcheck disable=SC2086
ff-submit commit --netuid 96 --repo demo/flock-sft --competition-id 1 \
  --revision 0123456789abcdef0123456789abcdef01234567 $offline

echo
echo "== a validator's round: uid 1 submits the data above, uid 2 off-task rows, uid 3 a copy of uid 1's data"
echo "   (committed later), uid 4 half good rows and half off-task rows"
cp "$out/data.jsonl" "$out/uid3.jsonl"
head -n 50 "$out/data.jsonl" > "$out/uid4.jsonl"
head -n 50 "$model/corpus/offtask.jsonl" >> "$out/uid4.jsonl"
ff-score --model "$model" --eval eval.jsonl --quiet -o "$out/score2.json" "$model/corpus/offtask.jsonl"
ff-score --model "$model" --eval eval.jsonl --quiet -o "$out/score3.json" "$out/uid3.jsonl"
ff-score --model "$model" --eval eval.jsonl --quiet -o "$out/score4.json" "$out/uid4.jsonl"
loss() { sed -n 's/^{"eval_loss":\([^,]*\),.*/\1/p' "$1"; }
{
  printf '{"uid":1,"hotkey":"5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty","block":4100,"competition_id":"1","eval_loss":%s}\n' "$(loss "$out/score.json")"
  printf '{"uid":2,"hotkey":"5FLSigC9HGRKVhB9FiEo4Y3koPsNmBmLJbpXg2mp1hXcS59Y","block":4000,"competition_id":"1","eval_loss":%s}\n' "$(loss "$out/score2.json")"
  printf '{"uid":3,"hotkey":"5DAAnrj7VHTznn2AWBemMuyBwZWs6FNFjdyVXUeYum3PTXFy","block":4200,"competition_id":"1","eval_loss":%s}\n' "$(loss "$out/score3.json")"
  printf '{"uid":4,"hotkey":"5HGjWAeFDfFCWPsjFQdVV2Msvz2XtMktvgocEZcCj68kUMaw","block":4150,"competition_id":"1","eval_loss":%s}\n' "$(loss "$out/score4.json")"
} > "$out/scores.jsonl"
cat "$out/scores.jsonl"

echo
echo "== ff-weights: losses -> weights with the normalized policy, every decision explained"
ff-weights --competition competition.json --metagraph metagraph.jsonl --plot "$out/weights.svg" \
  -o "$out/weights.jsonl" "$out/scores.jsonl"

echo
echo "== ff-submit weights: the set_weights extrinsic, built and signed offline (nothing is sent)"
# shellcheck disable=SC2086
ff-submit weights --netuid 96 $offline "$out/weights.jsonl"

echo
echo "demo outputs are in $out"
