package submit

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/flock-off/ff/lib/app"
	"github.com/flock-off/ff/lib/chain"
	"github.com/flock-off/ff/lib/keys"
	"github.com/flock-off/ff/lib/rpc"
	"github.com/urfave/cli/v2"
)

func readFlags() []cli.Flag {
	fs := []cli.Flag{
		&cli.StringFlag{Name: "network", Value: "finney", EnvVars: []string{"FF_NETWORK"}, Usage: "`finney`, test, local or a ws(s):// URL"},
		&cli.DurationFlag{Name: "timeout", Value: 30 * time.Second, Usage: "per-request timeout"},
		&cli.IntFlag{Name: "retries", Value: 3, Usage: "retries on connection errors (exponential backoff)"},
	}
	fs = append(fs, app.JSONOutputFlag()) // -o: JSON lines go there atomically
	return append(fs, app.CommonFlags()...)
}

func withReadFlags(extra ...cli.Flag) []cli.Flag { return append(extra, readFlags()...) }

func withWriteFlags(extra []cli.Flag) []cli.Flag {
	fs := append(extra,
		&cli.StringFlag{Name: "wallet.path", Value: "~/.bittensor/wallets", Usage: "wallets `DIR`"},
		&cli.StringFlag{Name: "wallet.name", Value: "default", Usage: "wallet `NAME`"},
		&cli.StringFlag{Name: "wallet.hotkey", Value: "default", Usage: "hotkey `NAME` (signs every ff-submit extrinsic)"},
		&cli.StringFlag{Name: "mnemonic-env", Usage: "take the hotkey from the mnemonic in environment variable `VAR` instead of a wallet"},
		&cli.StringFlag{Name: "password-env", Usage: "password of an encrypted key file, from environment variable `VAR`"},
		&cli.BoolFlag{Name: "dry-run", Usage: "build and sign, print the extrinsic, send nothing"},
		&cli.BoolFlag{Name: "offline", Usage: "sign without a node (needs --metadata, --genesis, --spec-version, --tx-version, --nonce; immortal era)"},
		&cli.StringFlag{Name: "metadata", Usage: "runtime metadata `FILE` (SCALE, as state_getMetadata returns; raw or 0x-hex) for --offline"},
		&cli.StringFlag{Name: "genesis", Usage: "genesis block `HASH` for --offline"},
		&cli.UintFlag{Name: "spec-version", Usage: "runtime spec version `N` for --offline"},
		&cli.UintFlag{Name: "tx-version", Usage: "transaction version `N` for --offline"},
		&cli.Int64Flag{Name: "nonce", Value: -1, Usage: "account nonce `N` (required with --offline)", DefaultText: "asked from the node"},
		&cli.Uint64Flag{Name: "tip", Usage: "tip in raw units"},
		&cli.Uint64Flag{Name: "era", Value: 64, Usage: "mortal era `BLOCKS` (rounded up to a power of two); 0 = immortal"},
		&cli.StringFlag{Name: "wait", Value: "inclusion", Usage: "wait for `inclusion` or finalization"},
	)
	return append(fs, readFlags()...)
}

// signer loads the hotkey: from --mnemonic-env, else the wallet file.
func signer(c *cli.Context, log *app.Log) (*keys.Keypair, error) {
	if v := c.String("mnemonic-env"); v != "" {
		phrase := os.Getenv(v)
		if phrase == "" {
			return nil, app.Usagef("--mnemonic-env %s: the variable is empty or unset", v)
		}
		kp, err := keys.FromMnemonic(phrase, "")
		if err != nil {
			return nil, app.Usagef("--mnemonic-env %s: %v", v, err)
		}
		return kp, nil
	}
	path := keys.HotkeyPath(c.String("wallet.path"), c.String("wallet.name"), c.String("wallet.hotkey"))
	var password func() (string, error)
	if v := c.String("password-env"); v != "" {
		password = func() (string, error) {
			pw, ok := os.LookupEnv(v)
			if !ok {
				return "", fmt.Errorf("--password-env %s: the variable is unset", v)
			}
			return pw, nil
		}
	}
	kp, err := keys.LoadWallet(path, password, func(s string) { log.Warnf("%s", s) })
	if err != nil {
		return nil, app.Usagef("%v (or use --mnemonic-env VAR)", err)
	}
	return kp, nil
}

// connect dials --network and loads the runtime's metadata.
func connect(c *cli.Context) (*chain.Client, error) {
	url, err := rpc.Endpoint(c.String("network"))
	if err != nil {
		return nil, app.Usagef("%v", err)
	}
	cl, err := chain.Connect(c.Context, url, rpc.Options{Timeout: c.Duration("timeout"), Retries: c.Int("retries")})
	if err != nil {
		if c.Context.Err() != nil {
			return nil, context.Canceled
		}
		return nil, app.Failf("%s: %v", url, err)
	}
	return cl, nil
}

func netuid(c *cli.Context) (uint16, error) {
	n := c.Int("netuid")
	if n < 0 || n > 65535 {
		return 0, app.Usagef("--netuid %d: want 0..65535", n)
	}
	return uint16(n), nil
}
