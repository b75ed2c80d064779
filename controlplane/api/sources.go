package api

import (
	"context"
	"encoding/json"
	"time"

	"github.com/zonemesh/zonemesh/controlplane/resource"
)

// ZoneStatus is what global knows of one zone's connection.
type ZoneStatus struct {
	Name    string `json:"name"`
	Online  bool   `json:"online"`
	Enabled bool   `json:"enabled"`
	// LastSeen is the last message (or keepalive) from the zone.
	LastSeen time.Time `json:"lastSeen,omitzero"`
	// ConnectedSince is when the current stream opened; zero while offline.
	ConnectedSince time.Time `json:"connectedSince,omitzero"`
	// Address is the remote address of the zone's KDS stream.
	Address string `json:"address,omitempty"`
	// Version is the zone control plane's build version.
	Version string `json:"version,omitempty"`
	// ResourcesSynced counts, per kind, the resources in sync with the zone (policies sent
	// down and acknowledged, dataplanes and ingresses received).
	ResourcesSynced map[resource.Kind]int `json:"resourcesSynced,omitempty"`
}

// ZoneStatusSource reports the zones' status (global implements it over KDS).
type ZoneStatusSource interface {
	ZoneStatuses(ctx context.Context) ([]ZoneStatus, error)
}

// ProxyConfig is the configuration a control plane currently serves to one proxy.
type ProxyConfig struct {
	Mesh string `json:"mesh,omitempty"`
	Name string `json:"name"`
	Zone string `json:"zone,omitempty"`
	// Version is the version of the proxy's current snapshot.
	Version     string    `json:"version,omitempty"`
	GeneratedAt time.Time `json:"generatedAt,omitzero"`
	// Resources maps an xDS type URL to that type's resources, each in protojson form.
	Resources map[string][]json.RawMessage `json:"resources"`
}

// ProxyConfigSource reports a proxy's current config. It returns an error wrapping
// store.ErrNotFound for an unknown proxy (the API answers 404).
type ProxyConfigSource interface {
	ProxyConfig(ctx context.Context, mesh, name string) (*ProxyConfig, error)
}
