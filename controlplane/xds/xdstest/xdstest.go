// Package xdstest holds fixtures shared by the xds tests: a small two-zone mesh, its CA, and
// generated meshes of any size for benchmarks.
package xdstest

import (
	"fmt"
	"testing"
	"time"

	"github.com/zonemesh/zonemesh/controlplane/ca"
	"github.com/zonemesh/zonemesh/controlplane/resource"
)

// Zone is the local zone of the fixtures.
const Zone = "zone-1"

// MeshYAML is mesh "default" seen from zone-1: web calls backend (v1, v2, and v1 in zone-2
// behind its ingress), db is TCP, and a policy of every kind.
const MeshYAML = `kind: Mesh
name: default
spec: {mtls: {enabled: true, certTTL: 1h}}
---
kind: Dataplane
mesh: default
name: web-1
origin: zone-1
spec:
  networking:
    address: 127.0.0.2
    outboundPort: 15001
    inbound:
    - {port: 20001, servicePort: 8080, tags: {service: web, version: v1}}
    outbound:
    - {port: 15432, service: db}
---
kind: Dataplane
mesh: default
name: backend-1
origin: zone-1
spec:
  networking:
    address: 127.0.0.3
    outboundPort: 15001
    inbound:
    - {port: 20002, servicePort: 8080, tags: {service: backend, version: v1}}
---
kind: Dataplane
mesh: default
name: backend-2
origin: zone-1
spec:
  networking:
    address: 127.0.0.4
    outboundPort: 15001
    inbound:
    - {port: 20002, servicePort: 8080, tags: {service: backend, version: v2}, ready: false}
---
kind: Dataplane
mesh: default
name: db-1
origin: zone-1
spec:
  networking:
    address: 127.0.0.5
    inbound:
    - {port: 20003, servicePort: 5432, tags: {service: db, protocol: tcp}}
---
kind: ZoneIngress
name: ingress-1
origin: zone-1
spec:
  zone: zone-1
  networking: {address: 127.0.0.6, port: 10001}
---
kind: ZoneIngress
name: ingress-2
origin: zone-2
spec:
  zone: zone-2
  networking: {address: 127.0.1.6, port: 10001}
  availableServices:
  - {mesh: default, tags: {service: backend, version: v1}, instances: 3}
  - {mesh: default, tags: {service: cache}, instances: 1}
---
kind: ZoneIngress
name: ingress-3
origin: zone-3
spec:
  zone: zone-3
  networking: {address: 127.0.2.6, port: 10001}
  availableServices:
  - {mesh: default, tags: {service: backend, version: v2}, instances: 2}
---
kind: TrafficPermission
mesh: default
name: web-to-backend
spec: {destination: {service: backend}, sources: [{service: web}], action: allow}
---
kind: TrafficPermission
mesh: default
name: all-to-db
spec: {destination: {service: db}, sources: [{service: "*"}], action: allow}
---
kind: TrafficPermission
mesh: default
name: no-cache-to-db
spec: {destination: {service: db}, sources: [{service: cache}], action: deny}
---
kind: HTTPRoute
mesh: default
name: backend-split
spec:
  destination: {service: backend}
  rules:
  - match: {path: {prefix: /api}, headers: [{name: x-canary, exact: "1"}]}
    split: [{version: v2, weight: 100}]
  - split: [{version: v1, weight: 80}, {version: v2, weight: 10}, {zone: zone-2, weight: 10}]
---
kind: Timeout
mesh: default
name: all
spec: {destination: {service: "*"}, connect: 2s, request: 3s}
---
kind: Retry
mesh: default
name: backend
spec: {destination: {service: backend}, attempts: 3, perTryTimeout: 1s, on: [5xx, reset]}
---
kind: LoadBalancing
mesh: default
name: backend
spec:
  destination: {service: backend}
  localityAware: true
  threshold: 0.5
  failover: [{from: "*", to: [zone-3, zone-2]}]
---
kind: OutlierDetection
mesh: default
name: backend
spec: {destination: {service: backend}, consecutive5xx: 5, interval: 1s, baseEjectionTime: 30s, maxEjectionPercent: 50}
---
kind: HealthCheck
mesh: default
name: backend
spec: {destination: {service: backend}, path: /ready, interval: 1s, timeout: 500ms}
---
kind: FaultInjection
mesh: default
name: backend-faults
spec: {destination: {service: backend}, abort: {httpStatus: 503, percentage: 12.5}, delay: {value: 100ms, percentage: 50}}
`

// Decode decodes and validates YAML resources.
func Decode(t testing.TB, yaml string) []*resource.Resource {
	t.Helper()
	rs, err := resource.DecodeYAML("fixture.yaml", []byte(yaml))
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rs {
		if err := resource.Validate(r); err != nil {
			t.Fatalf("%s: %v", r.Key(), err)
		}
	}
	return rs
}

// MeshCA returns a MeshCA resource for mesh holding a fresh CA.
func MeshCA(t testing.TB, mesh string) *resource.Resource {
	t.Helper()
	c, k, err := ca.NewCA("mesh "+mesh, 24*time.Hour, nil)
	if err != nil {
		t.Fatal(err)
	}
	return &resource.Resource{Kind: resource.KindMeshCA, Meta: resource.Meta{Mesh: mesh, Name: mesh},
		Spec: &resource.MeshCASpec{CertPEM: string(c), KeyPEM: string(k)}}
}

// Find returns the resource of kind k named name.
func Find(rs []*resource.Resource, k resource.Kind, name string) *resource.Resource {
	for _, r := range rs {
		if r.Kind == k && r.Name == name {
			return r
		}
	}
	return nil
}

// Dataplane returns a dataplane of service svc with one HTTP inbound, as the fake proxies and
// benchmarks register them.
func Dataplane(mesh, name, svc, version, addr string, port int) *resource.Resource {
	tags := map[string]string{resource.TagService: svc}
	if version != "" {
		tags[resource.TagVersion] = version
	}
	return &resource.Resource{Kind: resource.KindDataplane, Meta: resource.Meta{Mesh: mesh, Name: name},
		Spec: &resource.DataplaneSpec{Networking: resource.DataplaneNetworking{
			Address: addr, OutboundPort: 15001,
			Inbound: []resource.Inbound{{Port: port, ServicePort: 8080, Tags: tags}},
		}}}
}

// Scale returns a mesh with services services, one dataplane each, plus one allow-all
// TrafficPermission: the benchmark input.
func Scale(mesh string, services int) []*resource.Resource {
	rs := []*resource.Resource{{Kind: resource.KindMesh, Meta: resource.Meta{Name: mesh},
		Spec: &resource.MeshSpec{MTLS: resource.MTLS{Enabled: true}}}}
	for i := 0; i < services; i++ {
		rs = append(rs, Dataplane(mesh, fmt.Sprintf("svc-%d-0", i), fmt.Sprintf("svc-%d", i), "v1",
			fmt.Sprintf("127.1.%d.%d", i/250, i%250+1), 20000))
	}
	rs = append(rs, &resource.Resource{Kind: resource.KindTrafficPermission, Meta: resource.Meta{Mesh: mesh, Name: "allow-all"},
		Spec: &resource.TrafficPermissionSpec{Destination: resource.Selector{Service: "*"},
			Sources: []resource.Selector{{Service: "*"}}, Action: resource.ActionAllow}})
	return rs
}
