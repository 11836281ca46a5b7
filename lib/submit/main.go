// Package submit is the ff-submit command: it publishes a miner's dataset
// commitment, reads commitments and the metagraph, and sets weights (or
// commits and reveals them) on Bittensor's subtensor, signing with sr25519
// keys from a Bittensor wallet or a mnemonic in the environment.
package submit

import (
	"io"

	"github.com/flock-off/ff/lib/app"
	"github.com/flock-off/ff/lib/hub"
	"github.com/urfave/cli/v2"
)

// Main runs ff-submit with args (without the program name) and returns its exit status.
func Main(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	hub.RegisterInputs(hub.Options{Stderr: stderr})
	a := &cli.App{
		Name:  "ff-submit",
		Usage: "commit datasets, read commitments and the metagraph, set weights on Bittensor (subtensor)",
		Description: `Talks to a subtensor node over JSON-RPC/WebSocket (--network finney|test|local|ws(s)://URL).
Call indices and transaction extensions are read from the chain's metadata.
Writing commands sign with a hotkey (--wallet.* or --mnemonic-env VAR) and
accept --dry-run (build and sign, print, send nothing) and --offline (sign
without a node: --metadata FILE --genesis HASH --spec-version N --tx-version N
--nonce N, immortal era) for air-gapped signing; 'broadcast' sends the result.
Secrets are read from files or named environment variables, never printed.`,
		Commands: []*cli.Command{
			commitCommand(), commitmentsCommand(), metagraphCommand(),
			weightsCommand(), revealCommand(), broadcastCommand(),
		},
	}
	return app.Run(a, args, stdin, stdout, stderr)
}

func commitCommand() *cli.Command {
	flags := []cli.Flag{
		&cli.IntFlag{Name: "netuid", Required: true, Usage: "subnet `N`"},
		&cli.StringFlag{Name: "repo", Required: true, Usage: "dataset repository `NAMESPACE/NAME` on the Hugging Face Hub"},
		&cli.StringFlag{Name: "competition-id", Required: true, Usage: "competition `ID`"},
		&cli.StringSliceFlag{Name: "file", Usage: "upload `FILE` to the repo first and commit the resulting revision (repeatable)"},
		&cli.StringFlag{Name: "path-in-repo", Value: "data.jsonl", Usage: "name of a single uploaded file in the repo (validators read data.jsonl)"},
		&cli.StringFlag{Name: "revision", Usage: "commit this Hub revision `SHA` without uploading"},
	}
	flags = append(flags, hub.Flags()...)
	return &cli.Command{
		Name:      "commit",
		Usage:     "publish NAMESPACE/NAME:COMPETITION:REVISION as this hotkey's commitment",
		UsageText: "ff-submit commit --netuid N --repo NS/NAME --competition-id ID (--file data.jsonl | --revision SHA) [--dry-run]",
		Description: `Uploads --file with the Hub client (one commit) and takes its sha, or uses
--revision; then signs Commitments.set_commitment with one Raw field holding
"NS/NAME:ID:SHA" (at most 128 bytes, checked before signing). If the same
commitment is already on chain for this hotkey it says so and sends nothing.
--dry-run prints the commitment and the signed extrinsic without sending.`,
		Flags:  withWriteFlags(flags),
		Action: runCommit,
	}
}

func commitmentsCommand() *cli.Command {
	return &cli.Command{
		Name:      "commitments",
		Usage:     "print every registered hotkey's commitment on a subnet as JSON lines",
		UsageText: "ff-submit commitments --netuid N [-o FILE]",
		Description: `One line per uid: uid, hotkey, coldkey, block (of the commitment), commitment
(the raw string) and its parts namespace, competition, revision; or error
saying why it does not parse; hotkeys without a commitment have commitment null.`,
		Flags:  withReadFlags(&cli.IntFlag{Name: "netuid", Required: true, Usage: "subnet `N`"}),
		Action: runCommitments,
	}
}

func metagraphCommand() *cli.Command {
	return &cli.Command{
		Name:      "metagraph",
		Usage:     "print a subnet's neurons as JSON lines",
		UsageText: "ff-submit metagraph --netuid N [-o FILE]",
		Description: `One line per uid: uid, hotkey, coldkey, stake (raw units), validator_permit,
block_at_registration, last_update, and subnet_owner where the hotkey is the
subnet owner's. This is the --metagraph input of ff-weights.`,
		Flags:  withReadFlags(&cli.IntFlag{Name: "netuid", Required: true, Usage: "subnet `N`"}),
		Action: runMetagraph,
	}
}

func weightsCommand() *cli.Command {
	flags := []cli.Flag{
		&cli.IntFlag{Name: "netuid", Required: true, Usage: "subnet `N`"},
		&cli.StringFlag{Name: "mode", Value: "auto", Usage: "`auto` (commit-reveal if the subnet has it on), set or commit; offline, auto means set"},
		&cli.Int64Flag{Name: "version-key", Value: -1, Usage: "weights version key `N`", DefaultText: "the subnet's WeightsVersionKey; offline: 0"},
		&cli.StringFlag{Name: "state", Value: "ff-submit-state.json", Usage: "`FILE` keeping pending weight commits for 'ff-submit reveal' (written atomically)"},
		app.SeedFlag(0),
	}
	return &cli.Command{
		Name:      "weights",
		Usage:     "set weights from ff-weights output (or commit them where commit-reveal is on)",
		UsageText: "ff-weights ... | ff-submit weights --netuid N [WEIGHTS.jsonl]",
		Description: `Reads one JSON line per uid (uid, weight_u16; or uid, weight as floats, which
are converted as the Bittensor SDK does: max → 65535, half-even rounding,
zeros dropped). Where the subnet has commit-reveal off it sends set_weights;
where it is on, commit_weights with the blake2b-256 commit hash and a random
salt, and keeps uids, values, salt and version key in --state for a later
'ff-submit reveal'. The rate limit and the pending-commit limit are checked
before sending. --seed fixes the salt (for tests only; the default is random).`,
		Flags:  withWriteFlags(flags),
		Action: runWeights,
	}
}

func revealCommand() *cli.Command {
	flags := []cli.Flag{
		&cli.IntFlag{Name: "netuid", Required: true, Usage: "subnet `N`"},
		&cli.StringFlag{Name: "state", Value: "ff-submit-state.json", Usage: "`FILE` with the pending commits written by 'ff-submit weights'"},
	}
	return &cli.Command{
		Name:      "reveal",
		Usage:     "reveal this hotkey's pending weight commits (reveal_weights)",
		UsageText: "ff-submit reveal --netuid N [--state FILE]",
		Description: `Sends reveal_weights for each pending commit of this hotkey on the subnet kept
in --state, oldest first, and removes each from the file once it is in a
block. A reveal the chain refuses (RevealTooEarly, ExpiredWeightCommit …) is
explained and stays in the file unless it expired.`,
		Flags:  withWriteFlags(flags),
		Action: runReveal,
	}
}

func broadcastCommand() *cli.Command {
	return &cli.Command{
		Name:      "broadcast",
		Usage:     "send an extrinsic signed earlier (the JSON --dry-run/--offline printed, or 0x-hex)",
		UsageText: "ff-submit broadcast FILE",
		Flags:     withReadFlags(&cli.StringFlag{Name: "wait", Value: "inclusion", Usage: "wait for `inclusion` or finalization"}),
		Action:    runBroadcast,
	}
}
