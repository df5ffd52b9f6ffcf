// SocialOmm keeps social media profiles connected and scheduled posts going
// out. main only wires the command line to the window.
package main

import (
	"context"
	"os"

	"github.com/socialomm/desktop/cli"
	"github.com/socialomm/desktop/ui"
)

func main() {
	gui := func(ctx context.Context, env cli.Env) error {
		return ui.Run(ctx, env.Engine, env.Lock, env.Logger, env.Exit, env.Background)
	}
	front := cli.Frontend{Window: gui, StartupError: ui.ShowStartupError}
	os.Exit(cli.Main(os.Args[1:], front, cli.IO{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr}))
}
