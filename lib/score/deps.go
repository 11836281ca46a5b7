package score

import (
	"github.com/urfave/cli/v2"

	"github.com/flock-off/ff/lib/chat"
)

func defaultDeps() deps {
	return deps{
		encoder: openChatEncoder,
		backend: func(c *cli.Context, name string) (Backend, error) {
			return pickBackend(c, name, func() Backend {
				return &cpuBackend{open: openLoRA}
			})
		},
		tokens: chat.TokensCommand,
	}
}
