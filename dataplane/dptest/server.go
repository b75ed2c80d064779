package dptest

import (
	"context"
	"crypto/tls"
	"net"
	"strings"
	"sync"
	"testing"

	discoveryv3 "github.com/envoyproxy/go-control-plane/envoy/service/discovery/v3"
	"github.com/envoyproxy/go-control-plane/pkg/cache/types"
	cachev3 "github.com/envoyproxy/go-control-plane/pkg/cache/v3"
	resourcev3 "github.com/envoyproxy/go-control-plane/pkg/resource/v3"
	serverv3 "github.com/envoyproxy/go-control-plane/pkg/server/v3"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
)

// Server is an in-process ADS server (go-control-plane snapshot cache in ADS mode) over TLS.
type Server struct {
	Addr  string
	CAPEM []byte // trust this to reach the server (the dp's --ca-file)
	Token string // required bearer token ("" accepts any)
	Cache cachev3.SnapshotCache

	gs   *grpc.Server
	wg   sync.WaitGroup
	leaf *Leaf
	srv  serverv3.Server

	mu     sync.Mutex
	nacks  []Nack
	acks   map[string]string // type URL → last ACKed version
	notify chan struct{}
}

// Nack is an error_detail a client sent.
type Nack struct {
	Node, TypeURL, Version, Message string
}

// Start serves on 127.0.0.1 with a fresh CA; the server stops when the test ends.
func Start(t testing.TB) *Server {
	t.Helper()
	ca := NewCA(t, "zonemesh control plane CA")
	leaf := ca.Issue(t, "", []string{"localhost"}, []net.IP{net.IPv4(127, 0, 0, 1)})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	s := &Server{Addr: ln.Addr().String(), CAPEM: ca.CertPEM, acks: map[string]string{}, notify: make(chan struct{}), leaf: leaf}
	s.Cache = cachev3.NewSnapshotCache(true, cachev3.IDHash{}, nil)
	cb := serverv3.CallbackFuncs{StreamRequestFunc: s.onRequest, StreamOpenFunc: s.onOpen}
	s.srv = serverv3.NewServer(context.Background(), s.Cache, cb)
	s.serve(ln)
	t.Cleanup(s.Stop)
	return s
}

func (s *Server) serve(ln net.Listener) {
	s.gs = grpc.NewServer(grpc.Creds(credentials.NewTLS(&tls.Config{Certificates: []tls.Certificate{s.leaf.TLS}})))
	discoveryv3.RegisterAggregatedDiscoveryServiceServer(s.gs, s.srv)
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		s.gs.Serve(ln)
	}()
}

// Restart serves again on the same address with the same certificate and snapshots, after Stop.
func (s *Server) Restart(t testing.TB) {
	t.Helper()
	ln, err := net.Listen("tcp", s.Addr)
	if err != nil {
		t.Fatalf("restart: %v", err)
	}
	s.serve(ln)
}

// Stop closes every stream and the listener.
func (s *Server) Stop() {
	s.gs.Stop()
	s.wg.Wait()
}

func (s *Server) onOpen(ctx context.Context, _ int64, _ string) error {
	if s.Token == "" {
		return nil
	}
	md, _ := metadata.FromIncomingContext(ctx)
	if v := md.Get("authorization"); len(v) != 1 || strings.TrimPrefix(v[0], "Bearer ") != s.Token {
		return status.Error(codes.Unauthenticated, "bad token")
	}
	return nil
}

func (s *Server) onRequest(_ int64, r *discoveryv3.DiscoveryRequest) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if d := r.GetErrorDetail(); d != nil {
		s.nacks = append(s.nacks, Nack{Node: r.GetNode().GetId(), TypeURL: r.GetTypeUrl(), Version: r.GetVersionInfo(), Message: d.GetMessage()})
	} else if r.GetResponseNonce() != "" {
		s.acks[r.GetTypeUrl()] = r.GetVersionInfo()
	}
	close(s.notify)
	s.notify = make(chan struct{})
	return nil
}

// Nacks returns the NACKs received so far.
func (s *Server) Nacks() []Nack {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Nack(nil), s.nacks...)
}

// WaitNack blocks until a NACK for typeURL arrives or ctx ends.
func (s *Server) WaitNack(ctx context.Context, typeURL string) (Nack, bool) {
	for {
		s.mu.Lock()
		for _, n := range s.nacks {
			if n.TypeURL == typeURL {
				s.mu.Unlock()
				return n, true
			}
		}
		ch := s.notify
		s.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return Nack{}, false
		}
	}
}

// Set installs a consistent snapshot for a node id; it fails the test if the snapshot is not.
func (s *Server) Set(t testing.TB, node, version string, res map[resourcev3.Type][]types.Resource) {
	t.Helper()
	snap, err := cachev3.NewSnapshot(version, res)
	if err != nil {
		t.Fatalf("snapshot: %v", err)
	}
	if err := snap.Consistent(); err != nil {
		t.Fatalf("snapshot %s for %s: %v", version, node, err)
	}
	if err := s.Cache.SetSnapshot(context.Background(), node, snap); err != nil {
		t.Fatalf("set snapshot: %v", err)
	}
}

// SetUnchecked installs a snapshot without the consistency check (for NACK tests).
func (s *Server) SetUnchecked(t testing.TB, node, version string, res map[resourcev3.Type][]types.Resource) {
	t.Helper()
	snap, err := cachev3.NewSnapshot(version, res)
	if err != nil {
		t.Fatalf("snapshot: %v", err)
	}
	if err := s.Cache.SetSnapshot(context.Background(), node, snap); err != nil {
		t.Fatalf("set snapshot: %v", err)
	}
}
