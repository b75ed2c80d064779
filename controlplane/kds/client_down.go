package kds

import (
	"context"
	"errors"
	"fmt"
	"github.com/zonemesh/zonemesh/internal/defect"
	"io"
	"runtime"
	"sync"

	core "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	discovery "github.com/envoyproxy/go-control-plane/envoy/service/discovery/v3"
	rpcstatus "google.golang.org/genproto/googleapis/rpc/status"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"

	"github.com/zonemesh/zonemesh/controlplane/resource"
	"github.com/zonemesh/zonemesh/controlplane/store"
)

// runDown subscribes (wildcard) to every down type, applies global's pushes to the zone
// store and ACKs them. The first response of each type on a stream is global's complete set
// of it: after applying it, whatever global no longer has is deleted (the resync).
func (c *ZoneClient) runDown(ctx context.Context, conn *grpc.ClientConn, up func()) error {
	st, err := discovery.NewAggregatedDiscoveryServiceClient(conn).DeltaAggregatedResources(ctx)
	if err != nil {
		return fmt.Errorf("kds: open delta stream: %w", err)
	}
	node := &core.Node{Id: c.opts.Zone}
	for _, k := range DownKinds() {
		req := &discovery.DeltaDiscoveryRequest{Node: node, TypeUrl: TypeURL(k), ResourceNamesSubscribe: []string{"*"}}
		if err := st.Send(req); err != nil {
			if errors.Is(err, io.EOF) {
				// The server ended the stream (e.g. refused the zone); Recv has the status.
				_, err = st.Recv()
			}
			return fmt.Errorf("kds: subscribe %s: %w", k, err)
		}
	}
	resynced := map[string]bool{}
	known := map[string]map[string]bool{} // type → names received on this stream, for metrics
	for {
		resp, err := st.Recv()
		if err != nil {
			return fmt.Errorf("kds: global → zone stream: %w", err)
		}
		up()
		ack := &discovery.DeltaDiscoveryRequest{TypeUrl: resp.GetTypeUrl(), ResponseNonce: resp.GetNonce()}
		if known[resp.GetTypeUrl()] == nil {
			known[resp.GetTypeUrl()] = map[string]bool{}
		}
		if err := c.applyDown(ctx, resp, !resynced[resp.GetTypeUrl()], known[resp.GetTypeUrl()]); err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			ack.ErrorDetail = &rpcstatus.Status{Code: int32(codes.InvalidArgument), Message: err.Error()}
			c.log.Warn("NACK push from global", "type", resp.GetTypeUrl(), "err", err)
		}
		resynced[resp.GetTypeUrl()] = true
		c.met.sentAcks.WithLabelValues(resp.GetTypeUrl(), result(ack.ErrorDetail != nil)).Inc()
		if err := st.Send(ack); err != nil {
			if errors.Is(err, io.EOF) {
				_, err = st.Recv()
			}
			return fmt.Errorf("kds: ack: %w", err)
		}
	}
}

// applyDown writes one push into the zone store, keeping global's Meta. Errors of single
// resources are collected (and NACKed); the rest is applied.
func (c *ZoneClient) applyDown(ctx context.Context, resp *discovery.DeltaDiscoveryResponse, full bool, known map[string]bool) error {
	t := resp.GetTypeUrl()
	kind, err := KindOf(t)
	if err != nil {
		return err
	}
	if !IsDown(kind) {
		return fmt.Errorf("%s is not synced to zones", kind)
	}
	s := c.opts.Store
	var errs []error
	have := map[string]bool{}
	decoded := decodeAll(t, resp.GetResources())
	for i, res := range resp.GetResources() {
		have[res.GetName()] = true
		known[res.GetName()] = true
		r, err := decoded[i].r, decoded[i].err
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if c.isOwn(ctx, r.Key()) {
			errs = append(errs, fmt.Errorf("%s: would overwrite this zone's own resource", r.Key()))
			continue
		}
		if _, err := s.Put(ctx, r, store.KeepMeta()); err != nil {
			errs = append(errs, fmt.Errorf("store %s: %w", r.Key(), err))
			continue
		}
		c.met.applied.WithLabelValues(t, "put").Inc()
		if !r.ModificationTime.IsZero() {
			c.met.latency.WithLabelValues(t).Observe(c.opts.Clock().Sub(r.ModificationTime).Seconds())
		}
	}
	var dels []resource.Key
	for _, name := range resp.GetRemovedResources() {
		k, err := KeyOf(kind, name)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		dels = append(dels, k)
		delete(known, name)
	}
	if full {
		local, err := s.List(ctx, kind, "")
		if err != nil {
			return errors.Join(append(errs, fmt.Errorf("list %s: %w", kind, err))...)
		}
		dels = append(dels, StaleDown(local, c.opts.Zone, have)...)
	}
	// Seeded defect for the conformance mutation run only (constant false in production builds).
	if defect.Active(defect.DeletesDropped) {
		dels = nil
	}
	for _, k := range dels {
		if c.isOwn(ctx, k) {
			continue
		}
		if err := s.Delete(ctx, k); err != nil && !errors.Is(err, store.ErrNotFound) {
			errs = append(errs, fmt.Errorf("delete %s: %w", k, err))
			continue
		}
		c.met.applied.WithLabelValues(t, "delete").Inc()
	}
	c.met.resources.WithLabelValues(t).Set(float64(len(known)))
	return errors.Join(errs...)
}

// isOwn reports whether key names a resource this zone wrote itself (only zone-owned kinds
// can be), which global's pushes must never replace or delete.
func (c *ZoneClient) isOwn(ctx context.Context, k resource.Key) bool {
	if info, _ := resource.Info(k.Kind); !info.ZoneOwned {
		return false
	}
	r, err := c.opts.Store.Get(ctx, k)
	return err == nil && IsLocal(r, c.opts.Zone)
}

type decodedResource struct {
	r   *resource.Resource
	err error
}

// decodeAll decodes a push on every core: JSON decoding is most of a zone's apply cost, and
// the store writes that follow are serialised by the store anyway.
func decodeAll(typeURL string, rs []*discovery.Resource) []decodedResource {
	out := make([]decodedResource, len(rs))
	workers := min(runtime.GOMAXPROCS(0), len(rs)/64+1)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < len(rs); i += workers {
				out[i].r, out[i].err = Decode(typeURL, rs[i])
			}
		}()
	}
	wg.Wait()
	return out
}
