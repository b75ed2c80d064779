package global

import (
	"context"
	"encoding/json"
	"fmt"
	"github.com/zonemesh/zonemesh/internal/defect"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/zonemesh/zonemesh/controlplane/api"
	"github.com/zonemesh/zonemesh/controlplane/kds"
	"github.com/zonemesh/zonemesh/controlplane/resource"
	"github.com/zonemesh/zonemesh/controlplane/store"
)

// zoneStatuses answers /api/v1/zones from KDS.
type zoneStatuses struct{ k *kds.GlobalServer }

func (z zoneStatuses) ZoneStatuses(ctx context.Context) ([]api.ZoneStatus, error) {
	var out []api.ZoneStatus
	for _, s := range z.k.Statuses() {
		synced := map[resource.Kind]int{}
		for k, n := range s.Down {
			synced[k] += n
		}
		for k, n := range s.Up {
			synced[k] += n
		}
		// Seeded defect for the conformance mutation run only (constant false in production builds).
		if defect.Active(defect.ZoneStatusOffline) {
			s.Online = false
		}
		out = append(out, api.ZoneStatus{Name: s.Zone, Online: s.Online, Enabled: true, LastSeen: s.LastSeen,
			ConnectedSince: s.ConnectedSince, Address: s.APIAddress, ResourcesSynced: synced})
	}
	return out, nil
}

// proxyConfigs fetches a proxy's config through the zone that serves it: global finds the
// dataplane's origin zone in its store and asks that zone's API, whose address the zone
// announced over KDS.
type proxyConfigs struct {
	store store.Store
	kds   *kds.GlobalServer
	http  *http.Client
}

func (p *proxyConfigs) ProxyConfig(ctx context.Context, mesh, name string) (*api.ProxyConfig, error) {
	dp, err := p.store.Get(ctx, resource.Key{Kind: resource.KindDataplane, Mesh: mesh, Name: name})
	if err != nil {
		return nil, err
	}
	zone := dp.Origin
	st, ok := p.kds.Status(zone)
	if !ok || !st.Online || st.APIAddress == "" {
		return nil, fmt.Errorf("dataplane %s/%s is in zone %s, which is offline or announced no API address", mesh, name, zone)
	}
	// Global names a zone's dataplane "<zone>.<name>"; the zone knows it by its own name.
	local := strings.TrimPrefix(name, zone+".")
	u := apiURL(st.APIAddress) + "/api/v1/inspect/dataplanes/" + url.PathEscape(mesh) + "/" + url.PathEscape(local)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	resp, err := p.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("zone %s: %w", zone, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return nil, fmt.Errorf("zone %s: %w", zone, err)
	}
	if resp.StatusCode == http.StatusNotFound {
		return nil, fmt.Errorf("zone %s: %w: %s", zone, store.ErrNotFound, body)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("zone %s: %s: %s", zone, resp.Status, body)
	}
	var pc api.ProxyConfig
	if err := json.Unmarshal(body, &pc); err != nil {
		return nil, fmt.Errorf("zone %s: bad config: %w", zone, err)
	}
	if pc.Zone == "" {
		pc.Zone = zone
	}
	return &pc, nil
}

func apiURL(addr string) string {
	if strings.HasPrefix(addr, "http://") || strings.HasPrefix(addr, "https://") {
		return strings.TrimSuffix(addr, "/")
	}
	return "http://" + addr
}
