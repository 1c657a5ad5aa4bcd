// Command lingban-ferretdb runs FerretDB v1 as a MongoDB-wire database for
// local development and tests, on PostgreSQL (-postgresql-url, the default
// devstack provisions) or on SQLite (-sqlite-dir).
//
// We embed FerretDB as a library instead of `go install`-ing its own command
// because that command panics without the version files its release build
// generates; the embeddable package does not need them.
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	_ "net/http/pprof" // served only with -debug-addr
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"github.com/FerretDB/FerretDB/ferretdb"
)

func main() {
	listenAddr := flag.String("listen-addr", "127.0.0.1:27017", "TCP address to listen on")
	sqliteDir := flag.String("sqlite-dir", "data", "directory holding one SQLite file per database (SQLite backend)")
	postgresqlURL := flag.String("postgresql-url", "", "PostgreSQL connection string; when set, the PostgreSQL backend is used instead of SQLite")
	logLevel := flag.String("log-level", "warn", "log level: debug, info, warn or error")
	debugAddr := flag.String("debug-addr", "", "when set, serve Go's profiler (net/http/pprof) on this address, e.g. 127.0.0.1:6060")
	flag.Parse()
	if *debugAddr != "" {
		go func() {
			// For bench/ investigations only: the default mux holds just pprof.
			fmt.Fprintln(os.Stderr, "lingban-ferretdb: pprof:", http.ListenAndServe(*debugAddr, nil))
		}()
	}

	if err := run(*listenAddr, *sqliteDir, *postgresqlURL, *logLevel); err != nil {
		fmt.Fprintln(os.Stderr, "lingban-ferretdb:", err)
		os.Exit(1)
	}
}

func run(listenAddr, sqliteDir, postgresqlURL, logLevel string) error {
	var level slog.Level
	if err := level.UnmarshalText([]byte(logLevel)); err != nil {
		return fmt.Errorf("bad -log-level: %w", err)
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))

	dir, err := filepath.Abs(sqliteDir)
	if err != nil {
		return err
	}
	if err = os.MkdirAll(dir, 0o755); err != nil {
		return err
	}

	// FerretDB listens on a private socket; clients reach it through the
	// write serializer on the public address (see write_serializer.go).
	socket := filepath.Join(filepath.Dir(dir), "ferretdb.sock")
	_ = os.Remove(socket)
	config := &ferretdb.Config{
		Listener:  ferretdb.ListenerConfig{Unix: socket},
		Logger:    logger,
		Handler:   "sqlite",
		SQLiteURL: "file:" + dir + "/", // the trailing slash marks a directory for the SQLite backend
	}
	if postgresqlURL != "" {
		config.Handler = "postgresql"
		config.PostgreSQLURL = postgresqlURL
		config.SQLiteURL = ""
	}
	f, err := ferretdb.New(config)
	if err != nil {
		return err
	}

	// Cancelling the context makes Run close the listener, the connections
	// and the SQLite files, so SIGTERM is a clean shutdown.
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()

	listener, err := net.Listen("tcp", listenAddr)
	if err != nil {
		return err
	}
	// Per-document write locks on PostgreSQL; SQLite has a single writer anyway.
	serializer := &writeSerializer{
		backendSocket: socket, logger: logger,
		perDocument: postgresqlURL != "", locks: newWriteLocks(),
	}
	errs := make(chan error, 2)
	go func() { errs <- f.Run(ctx) }()
	go func() { errs <- serializer.serve(ctx, listener) }()

	logger.Warn("lingban-ferretdb listening", "addr", listenAddr, "backend", config.Handler)
	err = <-errs
	stop()
	return err
}
