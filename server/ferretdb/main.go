// Command ferretdb-launcher runs FerretDB 1.24.2 with its SQLite backend for local
// development and tests.
//
// It embeds the github.com/FerretDB/FerretDB/ferretdb package instead of using
// `go install .../cmd/ferretdb@v1.24.2`, because the binary built that way panics at start
// (it expects build metadata that only FerretDB's own release build provides).
//
// go.mod raises modernc.org/sqlite (FerretDB's SQLite driver, pure Go) from the v1.32.0 that
// FerretDB 1.24.2 names to v1.62.0: built with Go 1.26, the older driver's libc crashed the
// server under concurrent load ("fatal error: fault" in an update), a few times per full test
// run. FerretDB's own code is unchanged.
//
// Usage:
//
//	ferretdb-launcher -listen-addr 127.0.0.1:27099 -sqlite-dir .crony/ferretdb [-log-level warn]
//
// Once the listener is bound it prints exactly one line, `listening mongodb://ADDR/`, to
// stdout; logs go to stderr. SIGTERM or SIGINT shut it down cleanly with exit code 0.
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"github.com/FerretDB/FerretDB/ferretdb"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintf(os.Stderr, "ferretdb-launcher: %v\n", err)
		os.Exit(1)
	}
}

func run() error {
	listenAddr := flag.String("listen-addr", "", "TCP address to listen on, e.g. 127.0.0.1:27099 (required)")
	sqliteDir := flag.String("sqlite-dir", "", "directory for the SQLite databases, created if missing (required)")
	logLevel := flag.String("log-level", "warn", "log level: debug, info, warn or error")
	flag.Parse()

	if *listenAddr == "" || *sqliteDir == "" {
		flag.Usage()
		return fmt.Errorf("-listen-addr and -sqlite-dir are required")
	}

	var level slog.Level
	if err := level.UnmarshalText([]byte(*logLevel)); err != nil {
		return fmt.Errorf("invalid -log-level %q: %w", *logLevel, err)
	}

	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	// FerretDB also logs through slog.Default() in places that do not receive the logger.
	slog.SetDefault(logger)

	dir, err := filepath.Abs(*sqliteDir)
	if err != nil {
		return fmt.Errorf("resolving -sqlite-dir: %w", err)
	}
	if err = os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("creating -sqlite-dir: %w", err)
	}

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()

	f, err := ferretdb.New(&ferretdb.Config{
		Listener: ferretdb.ListenerConfig{TCP: *listenAddr},
		Logger:   logger,
		Handler:  "sqlite",
		// SQLite URI of a directory: the trailing slash is what makes FerretDB treat it as one.
		// _txlock=immediate: every transaction takes the write lock at BEGIN and waits for it
		// (busy_timeout), instead of upgrading a read lock later and failing with SQLITE_BUSY
		// when another connection wrote first. Several Cloud Crony processes write at once.
		// busy_timeout(30000): on a loaded machine a writer waits up to 30 s for that lock
		// rather than failing (FerretDB's default is 10 s).
		SQLiteURL: "file:" + filepath.ToSlash(dir) + "/?_txlock=immediate&_pragma=busy_timeout(30000)",
	})
	if err != nil {
		return err
	}

	// f.MongoDBURI() may block until Run has started the listener, so build the URI ourselves;
	// the listener is already bound by ferretdb.New.
	fmt.Printf("listening mongodb://%s/\n", *listenAddr)

	return f.Run(ctx)
}
