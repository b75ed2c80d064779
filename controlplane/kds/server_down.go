package kds

import (
	"context"

	core "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	discovery "github.com/envoyproxy/go-control-plane/envoy/service/discovery/v3"
	serverv3 "github.com/envoyproxy/go-control-plane/pkg/server/v3"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/zonemesh/zonemesh/internal/defect"
)

// downStream is global's view of one zone's delta stream: which names it has been sent, per
// type, for the status counts.
type downStream struct {
	zone string
	sent map[string]map[string]bool
}

func (g *GlobalServer) callbacks() serverv3.Callbacks {
	return serverv3.CallbackFuncs{
		DeltaStreamOpenFunc:     g.onDeltaOpen,
		DeltaStreamClosedFunc:   g.onDeltaClosed,
		StreamDeltaRequestFunc:  g.onDeltaRequest,
		StreamDeltaResponseFunc: g.onDeltaResponse,
	}
}

func (g *GlobalServer) onDeltaOpen(ctx context.Context, id int64, _ string) error {
	zi, ok := zoneFrom(ctx)
	if !ok {
		// The interceptor was not installed: refuse rather than serve an anonymous zone.
		return status.Error(codes.Unauthenticated, "kds: stream not authenticated (serve KDS with GlobalServer.ServerOptions())")
	}
	g.mu.Lock()
	g.down[id] = &downStream{zone: zi.zone, sent: map[string]map[string]bool{}}
	g.mu.Unlock()
	return nil
}

func (g *GlobalServer) onDeltaClosed(id int64, _ *core.Node) {
	g.mu.Lock()
	if ds := g.down[id]; ds != nil && defect.Active(defect.ResyncStale) {
		if g.staleSent == nil {
			g.staleSent = map[string]map[string]map[string]bool{}
		}
		g.staleSent[ds.zone] = ds.sent
	}
	delete(g.down, id)
	g.mu.Unlock()
}

// onDeltaRequest pins the node to the authenticated zone (the ZoneIngress cache routes by
// it, so a zone cannot ask for another zone's view) and counts ACKs and NACKs.
func (g *GlobalServer) onDeltaRequest(id int64, req *discovery.DeltaDiscoveryRequest) error {
	g.mu.Lock()
	ds := g.down[id]
	g.mu.Unlock()
	if ds == nil {
		return status.Error(codes.Unauthenticated, "kds: unknown stream")
	}
	if req.GetNode() != nil && req.GetNode().GetId() != "" && req.GetNode().GetId() != ds.zone {
		return status.Errorf(codes.PermissionDenied, "kds: zone %s sent node id %q", ds.zone, req.GetNode().GetId())
	}
	req.Node = &core.Node{Id: ds.zone}
	if _, err := KindOf(req.GetTypeUrl()); err != nil || !isDownType(req.GetTypeUrl()) {
		return status.Errorf(codes.InvalidArgument, "kds: type %q is not synced to zones", req.GetTypeUrl())
	}
	g.seen(ds.zone)
	if req.GetResponseNonce() != "" {
		nack := req.GetErrorDetail() != nil
		g.met.acks.WithLabelValues(ds.zone, req.GetTypeUrl(), result(nack)).Inc()
		if nack {
			g.log.Warn("zone NACKed a push", "zone", ds.zone, "type", req.GetTypeUrl(), "nonce", req.GetResponseNonce(), "err", req.GetErrorDetail().GetMessage())
		}
	}
	return nil
}

func (g *GlobalServer) onDeltaResponse(id int64, req *discovery.DeltaDiscoveryRequest, resp *discovery.DeltaDiscoveryResponse) {
	t := resp.GetTypeUrl()
	g.mu.Lock()
	ds := g.down[id]
	if ds == nil {
		g.mu.Unlock()
		return
	}
	names := ds.sent[t]
	if names == nil {
		names = map[string]bool{}
		ds.sent[t] = names
		if last, ok := g.staleSent[ds.zone][t]; ok && defect.Active(defect.ResyncStale) {
			// Seeded defect resync-stale: the first push of a reconnected zone's stream
			// holds only the names its previous stream had been sent.
			kept := resp.Resources[:0]
			for _, r := range resp.GetResources() {
				if last[r.GetName()] {
					kept = append(kept, r)
				}
			}
			resp.Resources = kept
		}
	}
	for _, r := range resp.GetResources() {
		names[r.GetName()] = true
	}
	for _, n := range resp.GetRemovedResources() {
		delete(names, n)
	}
	if k, err := KindOf(t); err == nil {
		g.tracker.SetDown(ds.zone, k, len(names))
	}
	g.mu.Unlock()
	g.met.pushes.WithLabelValues(ds.zone, t).Inc()
	g.met.pushed.WithLabelValues(ds.zone, t).Add(float64(len(resp.GetResources()) + len(resp.GetRemovedResources())))
}

func isDownType(t string) bool {
	k, err := KindOf(t)
	return err == nil && IsDown(k)
}
