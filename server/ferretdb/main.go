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
// run.
//
// FerretDB's own code is changed only by the patches in patches/, each with its reason. The
// launcher (server/src/db/ferretdb-source.ts) applies them to a copy of the module and builds
// against that copy; a plain `go build` here builds FerretDB unpatched.
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
	"database/sql"
	"flag"
	"fmt"
	"log/slog"
	"net/http"
	_ "net/http/pprof" // served only with -pprof-addr
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

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
	pprofAddr := flag.String("pprof-addr", "", "serve Go's profiler (/debug/pprof/) on this loopback address, e.g. 127.0.0.1:6060 (off by default)")
	flag.Parse()

	if *listenAddr == "" || *sqliteDir == "" {
		flag.Usage()
		return fmt.Errorf("-listen-addr and -sqlite-dir are required")
	}

	var level slog.Level
	if err := level.UnmarshalText([]byte(*logLevel)); err != nil {
		return fmt.Errorf("invalid -log-level %q: %w", *logLevel, err)
	}

	logger := slog.New(newLazyHandler(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level})))
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
		// synchronous(normal): in WAL mode (FerretDB's) a commit is not flushed to disk on its
		// own, only at checkpoints. A committed write survives a crash of FerretDB or of Cloud
		// Crony; an OS crash or power loss may roll back the last commits, never half of one.
		// It doubles write throughput (measured: 630 → 1,270 updates by _id per second), and
		// every write a run needs is a separate transaction here. Production uses MongoDB.
		SQLiteURL: "file:" + filepath.ToSlash(dir) + "/?_txlock=immediate&_pragma=busy_timeout(30000)&_pragma=synchronous(normal)",
	})
	if err != nil {
		return err
	}

	go fixIDIndexes(ctx, dir, logger)

	if *pprofAddr != "" {
		// For finding where the database spends its CPU under a benchmark (README, Benchmarks).
		go func() {
			if err := http.ListenAndServe(*pprofAddr, nil); err != nil {
				logger.Warn("serving the profiler", "addr", *pprofAddr, "error", err)
			}
		}()
	}

	// f.MongoDBURI() may block until Run has started the listener, so build the URI ourselves;
	// the listener is already bound by ferretdb.New.
	fmt.Printf("listening mongodb://%s/\n", *listenAddr)

	return f.Run(ctx)
}

// fixIDIndexes makes FerretDB's lookups by _id use an index.
//
// FerretDB 1.24.2 pushes a filter on _id down to SQLite as `WHERE _ferretdb_sjson->'$._id' = ?`
// but creates the _id index on `_ferretdb_sjson->"_id"`. SQLite matches an index on an
// expression only when the query's expression is the same tree, and the path literals differ,
// so every find, update and delete by _id scans the whole table: an update by _id costs 2 ms
// on 200 documents and 30 ms on 11,500 (measured), and grows with the collection. Adding an
// index on the exact expression FerretDB queries makes those lookups O(log n).
//
// FerretDB creates tables when a collection is first written, so this polls: every 250 ms it
// adds the index to tables that lack it. The index is not unique (FerretDB's own index enforces
// that) and FerretDB never sees it (it lists indexes from its own metadata); dropping the
// collection drops the table and its indexes with it.
func fixIDIndexes(ctx context.Context, dir string, logger *slog.Logger) {
	dbs := map[string]*sql.DB{}
	defer func() {
		for _, db := range dbs {
			_ = db.Close()
		}
	}()

	tick := time.NewTicker(250 * time.Millisecond)
	defer tick.Stop()

	for {
		files, _ := filepath.Glob(filepath.Join(dir, "*.sqlite"))
		for _, file := range files {
			db := dbs[file]
			if db == nil {
				var err error
				// The same pragmas as FerretDB's own connections: wait for the write lock, never fail on it.
				if db, err = sql.Open("sqlite", "file:"+filepath.ToSlash(file)+"?_txlock=immediate&_pragma=busy_timeout(30000)"); err != nil {
					logger.Warn("opening a database to index _id", "file", file, "error", err)
					continue
				}
				db.SetMaxOpenConns(1)
				dbs[file] = db
			}
			if err := addIDIndexes(ctx, db); err != nil && ctx.Err() == nil {
				logger.Debug("indexing _id", "file", file, "error", err)
			}
		}

		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// addIDIndexes adds the `<table>__id_expr` index to every collection table of one database that lacks it.
func addIDIndexes(ctx context.Context, db *sql.DB) error {
	rows, err := db.QueryContext(ctx, `SELECT c.table_name FROM _ferretdb_collections c
		WHERE NOT EXISTS (SELECT 1 FROM sqlite_master m WHERE m.type = 'index' AND m.name = c.table_name || '__id_expr')`)
	if err != nil {
		return err // e.g. the database file exists but FerretDB has not created its metadata table yet
	}
	var tables []string
	for rows.Next() {
		var t string
		if err = rows.Scan(&t); err != nil {
			_ = rows.Close()
			return err
		}
		tables = append(tables, t)
	}
	if err = rows.Close(); err != nil {
		return err
	}

	for _, t := range tables {
		q := `CREATE INDEX IF NOT EXISTS "` + strings.ReplaceAll(t+"__id_expr", `"`, `""`) + `" ON "` +
			strings.ReplaceAll(t, `"`, `""`) + `" (_ferretdb_sjson->'$._id')`
		if _, err = db.ExecContext(ctx, q); err != nil {
			return err // e.g. the collection was dropped meanwhile; the next round sees the truth
		}
	}
	return nil
}
