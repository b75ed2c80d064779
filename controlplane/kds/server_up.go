package kds

import (
	"context"
	"errors"
	"fmt"
	"github.com/zonemesh/zonemesh/internal/defect"

	discovery "github.com/envoyproxy/go-control-plane/envoy/service/discovery/v3"
	rpcstatus "google.golang.org/genproto/googleapis/rpc/status"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/zonemesh/zonemesh/controlplane/resource"
	"github.com/zonemesh/zonemesh/controlplane/store"
)

// upload serves one zone's upload stream: it stores what the zone sends under
// "<zone>.<name>" with Origin the zone, and answers each message with an ACK or NACK.
func (g *GlobalServer) upload(ss grpc.ServerStream) error {
	zi, ok := zoneFrom(ss.Context())
	if !ok {
		return status.Error(codes.Unauthenticated, "kds: stream not authenticated (serve KDS with GlobalServer.ServerOptions())")
	}
	held := map[resource.Kind]map[resource.Key]bool{} // what this stream has stored, per kind
	// Receive on a goroutine so that Close ends the stream; it stops when the handler returns
	// (gRPC then cancels the stream and RecvMsg fails).
	msgs, recvErr := make(chan *discovery.DeltaDiscoveryResponse), make(chan error, 1)
	go func() {
		for {
			msg := &discovery.DeltaDiscoveryResponse{}
			if err := ss.RecvMsg(msg); err != nil {
				recvErr <- err
				return
			}
			select {
			case msgs <- msg:
			case <-ss.Context().Done():
				return
			}
		}
	}()
	for {
		var msg *discovery.DeltaDiscoveryResponse
		select {
		case <-g.ctx.Done():
			return status.Error(codes.Unavailable, "kds: global is shutting down")
		case err := <-recvErr:
			return err
		case msg = <-msgs:
		}
		g.seen(zi.zone)
		ack := &discovery.DeltaDiscoveryRequest{TypeUrl: msg.GetTypeUrl(), ResponseNonce: msg.GetNonce()}
		if msg.GetTypeUrl() != HeartbeatType {
			kind, err := g.applyUpload(ss.Context(), zi.zone, msg, held)
			nack := err != nil
			if nack {
				ack.ErrorDetail = &rpcstatus.Status{Code: int32(codes.InvalidArgument), Message: err.Error()}
				g.log.Warn("zone upload refused", "zone", zi.zone, "type", msg.GetTypeUrl(), "err", err)
			}
			g.met.uploads.WithLabelValues(zi.zone, msg.GetTypeUrl(), result(nack)).Inc()
			if kind != "" {
				n := len(held[kind])
				g.mu.Lock()
				g.tracker.SetUp(zi.zone, kind, n)
				g.mu.Unlock()
				g.met.upHeld.WithLabelValues(zi.zone, msg.GetTypeUrl()).Set(float64(n))
			}
		}
		if err := ss.SendMsg(ack); err != nil {
			return err
		}
	}
}

// applyUpload validates the whole message first, so that a NACKed message changes nothing,
// then writes it. It returns the kind it concerned.
func (g *GlobalServer) applyUpload(ctx context.Context, zone string, msg *discovery.DeltaDiscoveryResponse, held map[resource.Kind]map[resource.Key]bool) (resource.Kind, error) {
	kind, err := KindOf(msg.GetTypeUrl())
	if err != nil {
		return "", err
	}
	if info, _ := resource.Info(kind); !info.ZoneOwned {
		return "", fmt.Errorf("%s is not written by zones", kind)
	}
	// Seeded defect for the conformance mutation run only (constant false in production builds).
	if defect.Active(defect.UploadDisabled) {
		return kind, nil
	}
	var puts []*resource.Resource
	var errs []error
	for _, res := range msg.GetResources() {
		r, err := DecodeDirect(msg.GetTypeUrl(), res)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if err := checkUpload(r, zone); err != nil {
			errs = append(errs, err)
			continue
		}
		puts = append(puts, ToGlobal(r, zone))
	}
	var dels []resource.Key
	for _, name := range msg.GetRemovedResources() {
		k, err := KeyOf(kind, name)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		k.Name = GlobalName(zone, k.Name)
		dels = append(dels, k)
	}
	if len(errs) > 0 {
		return kind, errors.Join(errs...)
	}
	// Seeded defect (zombie-dataplanes) for the mutation run only; constant false in production builds.
	if defect.Active(defect.ZombieDataplanes) {
		dels = nil
	}
	set := held[kind]
	if set == nil || msg.GetSystemVersionInfo() == FullState {
		set = map[resource.Key]bool{}
		held[kind] = set
	}
	for _, r := range puts {
		if _, err := g.store.Put(ctx, r); err != nil {
			return kind, fmt.Errorf("store %s: %w", r.Key(), err)
		}
		set[r.Key()] = true
	}
	for _, k := range dels {
		if err := g.store.Delete(ctx, k); err != nil && !errors.Is(err, store.ErrNotFound) {
			return kind, fmt.Errorf("delete %s: %w", k, err)
		}
		delete(set, k)
	}
	if msg.GetSystemVersionInfo() == FullState {
		existing, err := g.store.List(ctx, kind, "")
		if err != nil {
			return kind, fmt.Errorf("list %s: %w", kind, err)
		}
		for _, k := range StaleUp(existing, zone, set) {
			if err := g.store.Delete(ctx, k); err != nil && !errors.Is(err, store.ErrNotFound) {
				return kind, fmt.Errorf("delete stale %s: %w", k, err)
			}
		}
	}
	return kind, nil
}

// checkUpload refuses what a zone may not write: invalid resources and a ZoneIngress that
// claims to belong to another zone.
func checkUpload(r *resource.Resource, zone string) error {
	if r.Origin != "" && r.Origin != zone {
		return fmt.Errorf("%s: origin %q is not zone %s", r.Key(), r.Origin, zone)
	}
	if ing, ok := r.Spec.(*resource.ZoneIngressSpec); ok && ing.Zone != "" && ing.Zone != zone {
		return fmt.Errorf("%s: spec.zone %q is not zone %s", r.Key(), ing.Zone, zone)
	}
	if err := resource.Validate(r); err != nil {
		return err
	}
	return nil
}
