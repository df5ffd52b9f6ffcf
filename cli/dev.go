package cli

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/socialomm/desktop/core/devseed"
	"github.com/socialomm/desktop/core/secret"
	"github.com/socialomm/desktop/core/store"
)

func devCommands() []*command {
	return []*command{
		{name: "seed", summary: "write a realistic data set for benchmarks", run: (*runner).devSeed},
	}
}

func (r *runner) devSeed(ctx context.Context, args []string) error {
	fs := r.leaf("socialomm dev seed --accounts N --posts M --data-dir DIR",
		"Writes N accounts (networks mixed, expiries spread over 90 days, some disconnected) and M posts\n"+
			"(spread over a year, every target state) into an empty data folder, for benchmarks.\n"+
			"Seeded tokens go to the keyring like real ones (--no-secrets skips them).")
	accounts := fs.Int("accounts", 1000, "how many accounts")
	posts := fs.Int("posts", 10000, "how many posts")
	noSecrets := fs.Bool("no-secrets", false, "do not write seeded tokens to the keyring")
	if _, err := parseInterspersed(fs, args, 0); err != nil {
		return err
	}
	if r.dataDir == "" {
		return usageError("dev seed needs --data-dir DIR, so it never fills your real data folder")
	}
	if *accounts < 0 || *posts < 0 {
		return usageError("--accounts and --posts must not be negative")
	}
	if _, err := os.Stat(r.dataDir + "/" + store.FileName); err == nil {
		return fmt.Errorf("%s already holds a database; seed an empty folder", r.dataDir)
	}
	e, _, closeAll, err := r.openEngine(ctx, slog.LevelWarn)
	if err != nil {
		return err
	}
	defer closeAll()
	opts := devseed.Options{Accounts: *accounts, Posts: *posts, Now: time.Now(), Seed: 1,
		Progress: func(done, total int) { fmt.Fprintf(r.io.Stderr, "\rseeded %d of %d", done, total) }}
	if !*noSecrets {
		opts.Secrets = secret.NewKeyring()
	}
	start := time.Now()
	res, err := e.Seed(ctx, opts)
	fmt.Fprintln(r.io.Stderr)
	if err != nil {
		return err
	}
	fmt.Fprintf(r.io.Stdout, "seeded %d accounts, %d posts, %d targets in %s\n", res.Accounts, res.Posts, res.Targets, time.Since(start).Round(time.Millisecond))
	return nil
}
