package score

import (
	"errors"

	"github.com/urfave/cli/v2"

	"github.com/flock-off/ff/lib/chat"
)

func defaultDeps() deps {
	return deps{
		encoder: openChatEncoder,
		backend: func(c *cli.Context, name string) (Backend, error) {
			return pickBackend(c, name, func() Backend {
				return &cpuBackend{open: func(*Job) (Adapted, error) {
					return nil, errors.New("the CPU backend needs lib/model, which is not in this build yet")
				}}
			})
		},
		tokens: chat.TokensCommand,
	}
}
