package hub

import (
	"github.com/flock-off/ff/lib/app"
	"github.com/urfave/cli/v2"
)

// Names of the flags Flags adds.
const (
	FlagTokenFile = "hf-token-file"
	FlagEndpoint  = "endpoint"
	FlagPrivate   = "private"
)

// Flags are --hf-token-file, --endpoint and --private for commands that
// talk to the Hub. The token itself is never a flag: it comes from
// $HF_TOKEN, the file named here, or the Hugging Face CLI's stored token.
func Flags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: FlagTokenFile, Usage: "read the Hugging Face token from `FILE` (default: $HF_TOKEN, else the token the Hugging Face CLI stored at login)"},
		&cli.StringFlag{Name: FlagEndpoint, EnvVars: []string{"HF_ENDPOINT"}, Value: DefaultEndpoint, Usage: "Hugging Face Hub `URL` (a mirror or a test server)"},
		&cli.BoolFlag{Name: FlagPrivate, Usage: "create the dataset repo private if it does not exist"},
	}
}

// OptionsFrom builds Options from a running command: the Flags above where
// the command mounts them, its Log for notices and its stderr for progress.
func OptionsFrom(c *cli.Context) Options {
	// c.String is "" for a flag the command does not define.
	return Options{
		TokenFile: c.String(FlagTokenFile),
		Endpoint:  c.String(FlagEndpoint),
		Log:       app.NewLog(c),
		Stderr:    app.EnvOf(c).Stderr,
	}
}
