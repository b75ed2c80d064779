package app

import (
	"context"
	"fmt"

	"github.com/zonemesh/zonemesh/controlplane/global"
	"github.com/zonemesh/zonemesh/controlplane/kds"
)

func init() {
	register(Command{Name: "global", Summary: "run the global control plane (REST API, KDS, durable store)", Run: runGlobal})
}

func runGlobal(ctx context.Context, s Streams, args []string) error {
	fs := newFlagSet("global", s)
	var cfg global.Config
	var hosts stringList
	fs.StringVar(&cfg.DataDir, "data-dir", "zonemesh-global", "directory for the store, CA, keys and admin token")
	fs.StringVar(&cfg.APIAddr, "api-addr", "127.0.0.1:5681", "REST API listen address")
	fs.StringVar(&cfg.KDSAddr, "kds-addr", "127.0.0.1:5685", "KDS (gRPC, TLS) listen address")
	fs.BoolVar(&cfg.MemoryStore, "memory", false, "keep resources in memory only (tests)")
	fs.Var(&hosts, "kds-host", "extra host name or IP for the KDS certificate (repeatable)")
	fs.DurationVar(&cfg.Keepalive.Time, "keepalive", kds.DefaultKeepalive.Time, "KDS keepalive: ping a zone after this long without activity")
	fs.DurationVar(&cfg.Keepalive.Timeout, "keepalive-timeout", kds.DefaultKeepalive.Timeout, "KDS keepalive: mark a zone Offline when a ping is unanswered this long")
	ready := fs.String("ready-file", "", "write the bound addresses here (JSON) once serving")
	level := fs.String("log-level", "info", "debug, info, warn or error")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	cfg.KDSHosts = hosts
	log, err := newLogger(s, *level)
	if err != nil {
		return err
	}
	cfg.Logger = log
	g, err := global.Start(ctx, cfg)
	if err != nil {
		return err
	}
	defer g.Close()
	if err := writeReadyFile(*ready, map[string]string{"api": g.APIAddr(), "kds": g.KDSAddr()}); err != nil {
		return err
	}
	fmt.Fprintf(s.Out, "global: API http://%s, KDS %s, data %s\n", g.APIAddr(), g.KDSAddr(), cfg.DataDir)
	select {
	case <-ctx.Done():
		log.Info("shutting down")
		return nil
	case err := <-g.Err():
		return err
	}
}
