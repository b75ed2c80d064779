package app

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/zonemesh/zonemesh/controlplane/auth"
)

func init() {
	register(Command{Name: "token", Summary: "issue a zone token (token zone) or a dataplane token (token dataplane)", Run: runToken})
}

const tokenUsage = "token zone --name ZONE --key-file GLOBAL_KEY | token dataplane --mesh MESH --name NAME --key-file ZONE_KEY"

// runToken signs tokens offline with a key file: global's <data-dir>/zone-token-signing.pem
// for zone tokens, a zone's <data-dir>/dataplane-token-signing.pem for dataplane tokens.
func runToken(ctx context.Context, s Streams, args []string) error {
	if len(args) == 0 {
		return fmt.Errorf("%w: %s", ErrUsage, tokenUsage)
	}
	which := args[0]
	fs := newFlagSet("token "+which, s)
	name := fs.String("name", "", "zone name (token zone) or dataplane name (token dataplane)")
	keyFile := fs.String("key-file", "", "signing key: global's "+auth.ZoneTokenKeyFile+" or a zone's "+auth.DataplaneTokenKeyFile)
	ttl := fs.Duration("ttl", 24*time.Hour, "lifetime of the token")
	outFile := fs.String("out", "", "write the token to this file (mode 0600) instead of stdout")
	var mesh, kind *string
	switch which {
	case "zone":
	case "dataplane":
		mesh = fs.String("mesh", "", "mesh of the dataplane (empty for an ingress)")
		kind = fs.String("kind", string(auth.ProxySidecar), "proxy kind: sidecar or ingress")
	default:
		return fmt.Errorf("%w: unknown token type %q; %s", ErrUsage, which, tokenUsage)
	}
	pos, err := parseArgs(fs, args[1:])
	if err != nil {
		return err
	}
	if err := wantArgs(pos, 0, 0, tokenUsage); err != nil {
		return err
	}
	if *name == "" || *keyFile == "" {
		return fmt.Errorf("%w: --name and --key-file are required", ErrUsage)
	}
	// The key must exist: a fresh key would sign tokens that no control plane accepts.
	key, err := auth.ReadKey(*keyFile)
	if err != nil {
		return err
	}
	signer := auth.NewSigner(key, time.Now)
	var tok string
	if which == "zone" {
		tok, err = signer.IssueZoneToken(*name, *ttl)
	} else {
		tok, err = signer.IssueDataplaneToken(*mesh, *name, auth.ProxyKind(*kind), *ttl)
	}
	if err != nil {
		return fmt.Errorf("%w: %v", ErrUsage, err)
	}
	if *outFile == "" {
		_, err = fmt.Fprintln(s.Out, tok)
		return err
	}
	if err := os.WriteFile(*outFile, []byte(tok+"\n"), 0o600); err != nil {
		return err
	}
	return os.Chmod(*outFile, 0o600) // WriteFile keeps the mode of an existing file
}
