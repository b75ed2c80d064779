package target

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"fmt"
	"time"

	"google.golang.org/grpc/credentials"

	"github.com/zonemesh/zonemesh/conformance"
	"github.com/zonemesh/zonemesh/controlplane/auth"
	"github.com/zonemesh/zonemesh/controlplane/kds"
	"github.com/zonemesh/zonemesh/controlplane/store"
)

// ZoneProbeToken is the bad credential a zone-auth probe presents for zone: a token signed by
// a key global never saw (forged), or one global's key signed for otherZone (other-zone).
func ZoneProbeToken(cred conformance.CredentialKind, zone, otherZone string, global *auth.Signer) (string, error) {
	switch cred {
	case conformance.CredentialForged:
		_, key, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			return "", err
		}
		return auth.NewSigner(key, time.Now).IssueZoneToken(zone, time.Hour)
	case conformance.CredentialOtherZone:
		return global.IssueZoneToken(otherZone, time.Hour)
	default:
		return "", fmt.Errorf("unknown credential %q: %w", cred, conformance.ErrUnsupported)
	}
}

// KDSAccepts runs an in-process KDS zone client for zone with token against global's KDS at
// addr and reports whether global let it connect within wait. online, when set, is asked
// after a wait without a connection: a client that connected without saying so still shows up
// at global as an online zone.
func KDSAccepts(ctx context.Context, addr string, creds credentials.TransportCredentials, zone, token string,
	wait time.Duration, online func(context.Context) bool) (bool, error) {
	connected := make(chan struct{}, 1)
	c := kds.NewZoneClient(kds.ZoneOptions{Zone: zone, GlobalAddr: addr, TLS: creds, Token: token,
		Store: store.NewMemory(time.Now), OnState: func(ok bool, _ error) {
			if ok {
				select {
				case connected <- struct{}{}:
				default:
				}
			}
		}})
	cctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- c.Run(cctx) }()
	accepted := false
	select {
	case <-connected:
		accepted = true
	case <-cctx.Done():
	}
	if !accepted && online != nil {
		accepted = online(ctx)
	}
	cancel()
	if err := <-done; err != nil && !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded) {
		return accepted, fmt.Errorf("probe zone client: %w", err)
	}
	return accepted, nil
}
