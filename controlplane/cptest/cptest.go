// Package cptest starts real control planes in-process on loopback for tests: a global and
// zones joined to it, with temporary data directories and short keepalives.
package cptest

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/zonemesh/zonemesh/controlplane/api"
	"github.com/zonemesh/zonemesh/controlplane/global"
	"github.com/zonemesh/zonemesh/controlplane/kds"
	"github.com/zonemesh/zonemesh/controlplane/zone"
)

// Keepalive is short so that hung zones are found within a test's patience.
var Keepalive = kds.Keepalive{Time: time.Second, Timeout: time.Second}

// Logger discards logs unless -v; tests that debug set ZONEMESH_TEST_LOG.
func Logger(t testing.TB) *slog.Logger {
	if testing.Verbose() {
		return slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelInfo}))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

type testWriter struct{ t testing.TB }

func (w testWriter) Write(b []byte) (int, error) { w.t.Log(string(b)); return len(b), nil }

// StartGlobal starts a global with a file store in dir (a fresh temp dir when empty).
func StartGlobal(t testing.TB, dir string) *global.Global {
	t.Helper()
	if dir == "" {
		dir = t.TempDir()
	}
	g, err := global.Start(context.Background(), global.Config{DataDir: dir, APIAddr: "127.0.0.1:0", KDSAddr: "127.0.0.1:0",
		Keepalive: Keepalive, Logger: Logger(t).With("at", "global")})
	if err != nil {
		t.Fatalf("start global: %v", err)
	}
	t.Cleanup(g.Close)
	return g
}

// ZoneOptions tune StartZone.
type ZoneOptions struct {
	// GlobalAddr overrides the address the zone dials (e.g. a relay in front of global).
	GlobalAddr string
	DataDir    string
	Token      string
}

// StartZone starts zone name joined to g.
func StartZone(t testing.TB, g *global.Global, name string, o ZoneOptions) *zone.Zone {
	t.Helper()
	if o.DataDir == "" {
		o.DataDir = t.TempDir()
	}
	if o.GlobalAddr == "" {
		o.GlobalAddr = g.KDSAddr()
	}
	if o.Token == "" {
		tok, err := g.Signer().IssueZoneToken(name, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		o.Token = tok
	}
	z, err := zone.Start(context.Background(), zone.Config{Name: name, GlobalAddr: o.GlobalAddr, GlobalServerName: "127.0.0.1",
		GlobalCAFile: filepath.Join(g.DataDir(), global.CADir, "ca.pem"), Token: o.Token, DataDir: o.DataDir,
		APIAddr: "127.0.0.1:0", XDSAddr: "127.0.0.1:0", Keepalive: Keepalive,
		Backoff: kds.Backoff{Min: 50 * time.Millisecond, Max: 500 * time.Millisecond}, Logger: Logger(t).With("at", name)})
	if err != nil {
		t.Fatalf("start zone %s: %v", name, err)
	}
	t.Cleanup(z.Close)
	return z
}

// Client returns an API client for global with its admin token.
func Client(g *global.Global) *api.Client {
	return &api.Client{BaseURL: "http://" + g.APIAddr(), Token: g.AdminToken()}
}

// Eventually polls cond every 10ms until it returns nil or the timeout passes.
func Eventually(t testing.TB, timeout time.Duration, what string, cond func() error) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	var err error
	for time.Now().Before(deadline) {
		if err = cond(); err == nil {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("%s: not within %v: %v", what, timeout, err)
}

// Errorf is fmt.Errorf, for conditions.
var Errorf = fmt.Errorf

// StartZoneFor starts a zone joined to a global that runs elsewhere (e.g. as a process).
func StartZoneFor(t testing.TB, name, kdsAddr, caFile, token string) *zone.Zone {
	t.Helper()
	z, err := zone.Start(context.Background(), zone.Config{Name: name, GlobalAddr: kdsAddr, GlobalServerName: "127.0.0.1",
		GlobalCAFile: caFile, Token: token, DataDir: t.TempDir(), APIAddr: "127.0.0.1:0", XDSAddr: "127.0.0.1:0",
		Keepalive: Keepalive, Backoff: kds.Backoff{Min: 50 * time.Millisecond, Max: 500 * time.Millisecond},
		Logger: Logger(t).With("at", name)})
	if err != nil {
		t.Fatalf("start zone %s: %v", name, err)
	}
	t.Cleanup(z.Close)
	return z
}
