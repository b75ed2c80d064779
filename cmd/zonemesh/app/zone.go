package app

import (
	"context"
	"fmt"
	"net/netip"
	"strings"

	"github.com/zonemesh/zonemesh/controlplane/auth"
	"github.com/zonemesh/zonemesh/controlplane/kds"
	"github.com/zonemesh/zonemesh/controlplane/xds"
	"github.com/zonemesh/zonemesh/controlplane/zone"
)

func init() {
	register(Command{Name: "zone", Summary: "run a zone control plane (joins global, serves xDS to the zone's proxies)", Run: runZone})
}

func runZone(ctx context.Context, s Streams, args []string) error {
	fs := newFlagSet("zone", s)
	var cfg zone.Config
	var hosts, ingress stringList
	fs.StringVar(&cfg.Name, "name", "", "zone name (required)")
	fs.StringVar(&cfg.GlobalAddr, "global", "", "global's KDS address host:port (required)")
	fs.StringVar(&cfg.GlobalServerName, "global-server-name", "", "name to check global's certificate against (default: the host of --global)")
	fs.StringVar(&cfg.GlobalCAFile, "ca-file", "", "PEM file of global's CA (required)")
	tokenFile := fs.String("token-file", "", "file holding the zone token issued by global (required)")
	fs.StringVar(&cfg.DataDir, "data-dir", "", "directory for the zone's CA, keys and admin token (default zonemesh-zone-NAME)")
	fs.StringVar(&cfg.APIAddr, "api-addr", "127.0.0.1:5681", "REST API listen address")
	fs.StringVar(&cfg.XDSAddr, "xds-addr", "127.0.0.1:5678", "xDS (gRPC, TLS) listen address for proxies")
	fs.Var(&hosts, "xds-host", "extra host name or IP for the xDS certificate (repeatable)")
	fs.Var(&ingress, "ingress-address", "FROM=HOST:PORT: reach the ingress advertised at FROM (host:port, or a zone name for all its ingresses) at HOST:PORT (repeatable)")
	fs.DurationVar(&cfg.Keepalive.Time, "keepalive", kds.DefaultKeepalive.Time, "KDS keepalive interval")
	fs.DurationVar(&cfg.Keepalive.Timeout, "keepalive-timeout", kds.DefaultKeepalive.Timeout, "KDS keepalive timeout")
	ready := fs.String("ready-file", "", "write the bound addresses here (JSON) once serving")
	level := fs.String("log-level", "info", "debug, info, warn or error")
	fs.Func("vip-cidr", "IPv4 range service VIPs are allocated from (default "+xds.DefaultVIPCIDR.String()+"; loopback needs no NET_ADMIN)", func(v string) error {
		p, err := netip.ParsePrefix(v)
		if err != nil || !p.Addr().Is4() {
			return fmt.Errorf("want an IPv4 CIDR such as %s", xds.DefaultVIPCIDR)
		}
		cfg.VIPCIDR = p
		return nil
	})
	kf := addKubeFlags(fs) // --mode kubernetes and its flags (install.go)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	for flag, v := range map[string]string{"--name": cfg.Name, "--global": cfg.GlobalAddr, "--ca-file": cfg.GlobalCAFile, "--token-file": *tokenFile} {
		if v == "" {
			return fmt.Errorf("%w: %s is required", ErrUsage, flag)
		}
	}
	cfg.XDSHosts = hosts
	cfg.IngressAddresses = map[string]string{}
	for _, e := range ingress {
		z, a, ok := strings.Cut(e, "=")
		if !ok || z == "" || a == "" {
			return fmt.Errorf("%w: --ingress-address %q: want FROM=HOST:PORT", ErrUsage, e)
		}
		cfg.IngressAddresses[z] = a
	}
	if cfg.DataDir == "" {
		cfg.DataDir = "zonemesh-zone-" + cfg.Name
	}
	tok, err := auth.ReadTokenFile(*tokenFile)
	if err != nil {
		return err
	}
	cfg.Token = tok
	log, err := newLogger(s, *level)
	if err != nil {
		return err
	}
	cfg.Logger = log
	if err := kf.setup(ctx, &cfg); err != nil {
		return err
	}
	z, err := zone.Start(ctx, cfg)
	if err != nil {
		return err
	}
	defer z.Close()
	if err := writeReadyFile(*ready, map[string]string{"api": z.APIAddr(), "xds": z.XDSAddr()}); err != nil {
		return err
	}
	fmt.Fprintf(s.Out, "zone %s: API http://%s, xDS %s, global %s\n", cfg.Name, z.APIAddr(), z.XDSAddr(), cfg.GlobalAddr)
	select {
	case <-ctx.Done():
		log.Info("shutting down")
		return nil
	case err := <-z.Err():
		return err
	}
}
