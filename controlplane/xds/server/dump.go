package server

import (
	"encoding/json"
	"errors"
	"fmt"

	tlsv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/transport_sockets/tls/v3"
	resourcev3 "github.com/envoyproxy/go-control-plane/pkg/resource/v3"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"github.com/zonemesh/zonemesh/controlplane/xds"
)

// ErrUnknownProxy is returned for a proxy that is not connected or has no config yet.
var ErrUnknownProxy = errors.New("xds server: unknown proxy")

// ConfigDump is the JSON ProxyConfig returns.
type ConfigDump struct {
	ID      string                       `json:"id"`
	Version string                       `json:"version"`
	Status  ProxyStatus                  `json:"status"`
	Types   map[string][]json.RawMessage `json:"resources"`
}

// ProxyConfig returns the last config sent to a proxy (mesh "" for a zone ingress) as JSON,
// with private keys redacted.
func (s *Server) ProxyConfig(mesh, name string) ([]byte, error) {
	id := xds.NodeID(mesh, name)
	snap, err := s.cache.GetSnapshot(id)
	if err != nil {
		return nil, fmt.Errorf("%w %q", ErrUnknownProxy, id)
	}
	d := ConfigDump{ID: id, Types: map[string][]json.RawMessage{}}
	for _, st := range s.Proxies() {
		if st.ID == id {
			d.Status = st
			d.Version = st.Version
		}
	}
	mo := protojson.MarshalOptions{UseProtoNames: true}
	for _, t := range []string{resourcev3.ListenerType, resourcev3.RouteType, resourcev3.ClusterType, resourcev3.EndpointType, resourcev3.SecretType} {
		for _, name := range sortedNames(snap.GetResources(t)) {
			m := snap.GetResources(t)[name]
			if sec, ok := m.(*tlsv3.Secret); ok && sec.GetTlsCertificate() != nil {
				c := proto.Clone(sec).(*tlsv3.Secret)
				c.GetTlsCertificate().PrivateKey = nil
				m = c
			}
			b, err := mo.Marshal(m)
			if err != nil {
				return nil, fmt.Errorf("dump %s: %w", name, err)
			}
			d.Types[shortType(t)] = append(d.Types[shortType(t)], b)
		}
	}
	return json.MarshalIndent(d, "", "  ")
}
