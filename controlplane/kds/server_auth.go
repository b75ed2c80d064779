package kds

import (
	"context"
	"errors"
	"github.com/zonemesh/zonemesh/internal/defect"
	"regexp"
	"strings"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/keepalive"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/zonemesh/zonemesh/controlplane/resource"
	"github.com/zonemesh/zonemesh/controlplane/store"
)

// Metadata keys a zone presents on every KDS stream.
const (
	MDAuthorization = "authorization" // "Bearer <zone token>"
	MDZone          = "zone"          // the zone's name
	MDZoneAPI       = "zone-api"      // the zone control plane's API address
)

const (
	deltaMethod = "/envoy.service.discovery.v3.AggregatedDiscoveryService/DeltaAggregatedResources"
	sotwMethod  = "/envoy.service.discovery.v3.AggregatedDiscoveryService/StreamAggregatedResources"
)

var zoneName = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$`)

type zoneKey struct{}

type zoneInfo struct{ zone, api string }

func zoneFrom(ctx context.Context) (zoneInfo, bool) {
	z, ok := ctx.Value(zoneKey{}).(zoneInfo)
	return z, ok
}

// ServerOptions returns the options KDS needs on its grpc.Server: the authenticating stream
// interceptor and keepalive (server pings plus a policy that lets zones ping). Add the
// transport credentials yourself.
func (g *GlobalServer) ServerOptions() []grpc.ServerOption {
	ka := g.opts.Keepalive
	minPing := ka.Time
	if minPing > 5e9 {
		minPing = 5e9
	}
	return []grpc.ServerOption{
		grpc.StreamInterceptor(g.StreamInterceptor),
		grpc.KeepaliveParams(keepalive.ServerParameters{Time: ka.Time, Timeout: ka.Timeout}),
		// Zone clients ping every ≥10s (gRPC's floor); allow that even on an idle connection.
		grpc.KeepaliveEnforcementPolicy(keepalive.EnforcementPolicy{MinTime: minPing, PermitWithoutStream: true}),
	}
}

// StreamInterceptor authenticates a zone before its stream reaches any KDS handler, marks the
// zone online for as long as the stream lives, and refuses state-of-the-world ADS.
func (g *GlobalServer) StreamInterceptor(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, h grpc.StreamHandler) error {
	switch info.FullMethod {
	case deltaMethod, uploadMethod:
	case sotwMethod:
		return status.Error(codes.Unimplemented, "kds: only delta xDS (DeltaAggregatedResources) is served")
	default:
		return h(srv, ss)
	}
	if g.ctx.Err() != nil {
		return status.Error(codes.Unavailable, "kds: global is shutting down")
	}
	zi, err := g.authenticate(ss.Context())
	if err != nil {
		if zi.zone != "" {
			g.mu.Lock()
			g.tracker.Refused(zi.zone, err)
			st, _ := g.tracker.Get(zi.zone)
			g.mu.Unlock()
			g.notify(st)
		}
		g.log.Warn("zone refused", "zone", zi.zone, "err", err)
		return err
	}
	g.streamOpened(zi)
	err = h(srv, &zoneStream{ServerStream: ss, ctx: context.WithValue(ss.Context(), zoneKey{}, zi)})
	g.streamClosed(zi.zone, err)
	return err
}

type zoneStream struct {
	grpc.ServerStream
	ctx context.Context
}

func (s *zoneStream) Context() context.Context { return s.ctx }

func (g *GlobalServer) authenticate(ctx context.Context) (zoneInfo, error) {
	md, _ := metadata.FromIncomingContext(ctx)
	first := func(k string) string {
		if v := md.Get(k); len(v) > 0 {
			return v[0]
		}
		return ""
	}
	zi := zoneInfo{zone: first(MDZone), api: first(MDZoneAPI)}
	if zi.zone == "" {
		return zi, status.Error(codes.Unauthenticated, "kds: no zone name in metadata \"zone\"")
	}
	if !zoneName.MatchString(zi.zone) {
		return zi, status.Errorf(codes.InvalidArgument, "kds: zone name %q in metadata \"zone\" is not a DNS label", zi.zone)
	}
	token, ok := strings.CutPrefix(first(MDAuthorization), "Bearer ")
	if !ok || token == "" {
		return zi, status.Errorf(codes.Unauthenticated, "kds: zone %s: no bearer token in metadata \"authorization\"", zi.zone)
	}
	if g.auth == nil {
		return zi, status.Errorf(codes.Unauthenticated, "kds: zone %s: global has no zone authenticator", zi.zone)
	}
	// Seeded defect for the conformance mutation run only (constant false in production builds).
	if defect.Active(defect.ZoneAuthBypass) {
		return zi, nil
	}
	if err := g.auth.Authenticate(ctx, zi.zone, token); err != nil {
		if _, isStatus := status.FromError(err); isStatus && status.Code(err) != codes.Unknown {
			return zi, err
		}
		return zi, status.Errorf(codes.Unauthenticated, "kds: zone %s: token refused: %v", zi.zone, err)
	}
	if err := g.registerZone(ctx, zi.zone); err != nil {
		return zi, err
	}
	return zi, nil
}

// registerZone writes the Zone resource on first connect and refuses a disabled zone.
func (g *GlobalServer) registerZone(ctx context.Context, zone string) error {
	key := resource.Key{Kind: resource.KindZone, Name: zone}
	z, err := g.store.Get(ctx, key)
	switch {
	case errors.Is(err, store.ErrNotFound):
		r := &resource.Resource{Kind: resource.KindZone, Meta: resource.Meta{Name: zone, Origin: zone}, Spec: &resource.ZoneSpec{}}
		if _, err := g.store.Put(ctx, r); err != nil {
			return status.Errorf(codes.Unavailable, "kds: zone %s: register: %v", zone, err)
		}
		return nil
	case err != nil:
		return status.Errorf(codes.Unavailable, "kds: zone %s: read zone: %v", zone, err)
	}
	if spec, ok := z.Spec.(*resource.ZoneSpec); ok && !spec.IsEnabled() {
		return status.Errorf(codes.PermissionDenied, "kds: zone %s is disabled at global", zone)
	}
	return nil
}

func (g *GlobalServer) streamOpened(zi zoneInfo) {
	g.mu.Lock()
	online := g.tracker.Opened(zi.zone, zi.api, g.opts.Clock())
	st, _ := g.tracker.Get(zi.zone)
	g.mu.Unlock()
	if online {
		g.met.online.WithLabelValues(zi.zone).Set(1)
		g.log.Info("zone online", "zone", zi.zone, "api", zi.api)
		g.notify(st)
	}
}

func (g *GlobalServer) streamClosed(zone string, err error) {
	if status.Code(err) == codes.Canceled || errors.Is(err, context.Canceled) {
		err = nil // the zone went away cleanly
	}
	g.mu.Lock()
	offline := g.tracker.Closed(zone, err)
	st, _ := g.tracker.Get(zone)
	g.mu.Unlock()
	if offline {
		g.met.online.WithLabelValues(zone).Set(0)
		g.log.Info("zone offline", "zone", zone, "err", err)
		g.notify(st)
	}
}

func (g *GlobalServer) notify(st ZoneStatus) {
	if g.opts.OnStatus != nil {
		g.opts.OnStatus(st)
	}
}

func (g *GlobalServer) seen(zone string) {
	g.mu.Lock()
	g.tracker.Seen(zone, g.opts.Clock())
	g.mu.Unlock()
}
