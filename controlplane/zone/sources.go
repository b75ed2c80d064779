package zone

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/zonemesh/zonemesh/controlplane/api"
	"github.com/zonemesh/zonemesh/controlplane/store"
	xdsserver "github.com/zonemesh/zonemesh/controlplane/xds/server"
)

// proxyConfigs answers /api/v1/inspect/dataplanes from the xDS server's snapshots.
type proxyConfigs struct {
	x    *xdsserver.Server
	zone string
}

func (p proxyConfigs) ProxyConfig(_ context.Context, mesh, name string) (*api.ProxyConfig, error) {
	b, err := p.x.ProxyConfig(mesh, name)
	if errors.Is(err, xdsserver.ErrUnknownProxy) {
		return nil, fmt.Errorf("%w: %v", store.ErrNotFound, err)
	}
	if err != nil {
		return nil, err
	}
	var d xdsserver.ConfigDump
	if err := json.Unmarshal(b, &d); err != nil {
		return nil, err
	}
	return &api.ProxyConfig{Mesh: mesh, Name: name, Zone: p.zone, Version: d.Version, GeneratedAt: d.Status.GeneratedAt, Resources: d.Types}, nil
}

// proxyStatuses answers GET /api/v1/proxies: every connected proxy with what it was sent and
// what it ACKed, and when (the harness times the zone→proxy stage from these).
type proxyStatuses struct{ x *xdsserver.Server }

func (p proxyStatuses) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(p.x.Proxies())
}
