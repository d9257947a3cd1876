package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/pramaan/pramaan/internal/keys"
	"github.com/pramaan/pramaan/internal/server"
)

// runMigrate applies the migrations of the configured database (Postgres
// with --database-url or $PRAMAAN_DATABASE_URL, else SQLite in the data
// directory) and exits; serve also applies them at start.
func runMigrate(args []string, e env) int {
	fs := flag.NewFlagSet("migrate", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	var f serveFlags
	f.register(fs, false)
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(e.stderr, "pramaan migrate: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	cfg, err := f.load(e)
	if err != nil {
		fmt.Fprintf(e.stderr, "pramaan migrate: %v\n", err)
		return 1
	}
	if cfg.Server.DatabaseURL == "" {
		if err := ensureDir(cfg.Server.DataDir); err != nil {
			fmt.Fprintf(e.stderr, "pramaan migrate: %v\n", err)
			return 1
		}
	}
	st, where, err := server.OpenStore(e.context(), cfg.Server.DatabaseURL, cfg.Server.DataDir)
	if err != nil {
		fmt.Fprintf(e.stderr, "pramaan migrate: %v\n", err)
		return 1
	}
	defer st.Close()
	fmt.Fprintf(e.stdout, "migrations applied: %s\n", where)
	return 0
}

// ensureDir creates the data directory (mode 0700) for a SQLite database
// made before serve ever ran.
func ensureDir(dir string) error {
	if err := os.MkdirAll(dir, keys.DirMode); err != nil {
		return fmt.Errorf("data directory: %w", err)
	}
	return nil
}
