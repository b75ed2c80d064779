package app

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/zonemesh/zonemesh/controlplane/auth"
	"github.com/zonemesh/zonemesh/controlplane/resource"
	"github.com/zonemesh/zonemesh/harness/fakeproxy"
)

func init() {
	register(Command{Name: "fakeproxies", Summary: "run many lightweight ADS clients against a zone control plane", Run: runFakeProxies})
}

func runFakeProxies(ctx context.Context, s Streams, args []string) error {
	fs := newFlagSet("fakeproxies", s)
	cp := fs.String("cp", "", "zone control plane xDS address HOST:PORT (required)")
	caFile := fs.String("ca-file", "", "PEM CA that signed the control plane's certificate (required)")
	serverName := fs.String("server-name", "", "name to check the control plane's certificate against (default: the host of --cp)")
	zone := fs.String("zone", "", "zone the proxies are in (required)")
	mesh := fs.String("mesh", "default", "mesh of the proxies")
	count := fs.Int("count", 100, "number of proxies")
	services := fs.Int("services", 10, "number of services the proxies are spread over (svc-0..)")
	prefix := fs.String("prefix", "fake", "dataplane name prefix (<prefix>-<i>)")
	perConn := fs.Int("per-conn", 100, "proxies sharing one gRPC connection")
	tokenKey := fs.String("token-key", "", "the zone's dataplane signing key: tokens are issued locally")
	tokensFile := fs.String("tokens-file", "", "JSON object dataplane name → token (instead of --token-key)")
	statusAddr := fs.String("status", "127.0.0.1:0", "address of the HTTP status endpoint")
	readyFile := fs.String("ready-file", "", "write {\"status\": ADDR} here once every proxy has its config")
	seed := fs.Uint64("seed", 1, "seed of the reconnect jitter")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	for flag, v := range map[string]string{"--cp": *cp, "--ca-file": *caFile, "--zone": *zone} {
		if v == "" {
			return fmt.Errorf("%w: %s is required", ErrUsage, flag)
		}
	}
	if *count < 1 {
		return fmt.Errorf("%w: --count %d: want at least 1", ErrUsage, *count)
	}
	if (*tokenKey == "") == (*tokensFile == "") {
		return fmt.Errorf("%w: give exactly one of --token-key and --tokens-file", ErrUsage)
	}
	token, err := fakeProxyTokens(*tokenKey, *tokensFile)
	if err != nil {
		return err
	}
	tlsCfg, err := fakeProxyTLS(*caFile, *serverName, *cp)
	if err != nil {
		return err
	}
	fleet, err := fakeproxy.StartFleet(ctx, fakeproxy.FleetConfig{
		Addr: *cp, TLS: tlsCfg, Zone: *zone, PerConn: *perConn, Seed: *seed,
		Proxies: fakeproxy.SidecarResources(*mesh, *prefix, *count, *services), Token: token,
		Logf: func(f string, a ...any) { fmt.Fprintf(s.Err, f+"\n", a...) },
	})
	if err != nil {
		return err
	}
	defer fleet.Close()
	lis, err := net.Listen("tcp", *statusAddr)
	if err != nil {
		return fmt.Errorf("--status: %w", err)
	}
	hs := &http.Server{Handler: fleet.Handler(), ReadHeaderTimeout: 10 * time.Second}
	served := make(chan error, 1)
	go func() { served <- hs.Serve(lis) }()
	defer func() {
		hs.Close()
		<-served
	}()
	fmt.Fprintf(s.Out, "fakeproxies: %d proxies → %s, status on http://%s/status\n", *count, *cp, lis.Addr())
	start := time.Now()
	for _, p := range fleet.Proxies() {
		select {
		case <-p.Ready():
		case <-ctx.Done():
			return nil
		}
	}
	fmt.Fprintf(s.Out, "fakeproxies: all %d have their config after %v\n", *count, time.Since(start).Round(time.Millisecond))
	if err := writeReadyFile(*readyFile, map[string]string{"status": lis.Addr().String()}); err != nil {
		return err
	}
	<-ctx.Done()
	return nil
}

func fakeProxyTokens(keyFile, tokensFile string) (func(*resource.Resource) (string, error), error) {
	if keyFile != "" {
		k, err := auth.ReadKey(keyFile)
		if err != nil {
			return nil, fmt.Errorf("--token-key: %w", err)
		}
		signer := auth.NewSigner(k, time.Now)
		return func(r *resource.Resource) (string, error) {
			return signer.IssueDataplaneToken(r.Mesh, r.Name, auth.ProxySidecar, 24*time.Hour)
		}, nil
	}
	b, err := os.ReadFile(tokensFile)
	if err != nil {
		return nil, fmt.Errorf("--tokens-file: %w", err)
	}
	var tokens map[string]string
	if err := json.Unmarshal(b, &tokens); err != nil {
		return nil, fmt.Errorf("--tokens-file %s: %w", tokensFile, err)
	}
	return func(r *resource.Resource) (string, error) {
		t, ok := tokens[r.Name]
		if !ok {
			return "", fmt.Errorf("--tokens-file: no token for %q", r.Name)
		}
		return t, nil
	}, nil
}

func fakeProxyTLS(caFile, serverName, addr string) (*tls.Config, error) {
	pem, err := os.ReadFile(caFile)
	if err != nil {
		return nil, fmt.Errorf("--ca-file: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, errors.New("--ca-file: no PEM certificate")
	}
	if serverName == "" {
		host, _, err := net.SplitHostPort(addr)
		if err != nil {
			return nil, fmt.Errorf("%w: --cp %q: %v", ErrUsage, addr, err)
		}
		serverName = host
	}
	return &tls.Config{RootCAs: pool, ServerName: serverName, MinVersion: tls.VersionTLS12}, nil
}
