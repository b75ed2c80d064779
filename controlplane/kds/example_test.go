package kds_test

import (
	"context"
	"crypto/tls"
	"net"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"

	"github.com/zonemesh/zonemesh/controlplane/kds"
	"github.com/zonemesh/zonemesh/controlplane/store"
)

type allowAll struct{}

func (allowAll) Authenticate(context.Context, string, string) error { return nil }

// Global serves KDS on a gRPC server of its own; a zone runs a client against it.
func Example() {
	serverTLS, clientTLS := &tls.Config{}, &tls.Config{} // certificates from the mesh CA
	globalStore := store.NewMemory(time.Now)
	g := kds.NewGlobalServer(globalStore, allowAll{}, kds.ServerOptions{})
	gs := grpc.NewServer(append(g.ServerOptions(), grpc.Creds(credentials.NewTLS(serverTLS)))...)
	g.Register(gs)
	lis, _ := net.Listen("tcp", "127.0.0.1:0")
	go gs.Serve(lis)

	zone := kds.NewZoneClient(kds.ZoneOptions{
		Zone: "zone-a", GlobalAddr: lis.Addr().String(), TLS: credentials.NewTLS(clientTLS),
		Token: "zone token", Store: store.NewMemory(time.Now), APIAddress: "127.0.0.1:5681",
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- zone.Run(ctx) }()

	// ... later: shut down in order.
	cancel()
	<-done
	gs.Stop()
	g.Close()
}
