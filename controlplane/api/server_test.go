package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/zonemesh/zonemesh/controlplane/api"
	"github.com/zonemesh/zonemesh/controlplane/resource"
	"github.com/zonemesh/zonemesh/controlplane/store"
	"github.com/zonemesh/zonemesh/controlplane/store/storetest"
)

const token = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

const policies = `kind: TrafficPermission
mesh: default
name: allow-web
spec:
  destination: {service: backend}
  sources: [{service: web}]
  action: allow
---
kind: Timeout
mesh: default
name: backend-timeout
spec: {destination: {service: backend}, request: 2s}
---
kind: Zone
name: zone-1
spec: {}
`

type fixture struct {
	store  store.Store
	srv    *httptest.Server
	client *api.Client
	reg    *prometheus.Registry
}

func newFixture(t *testing.T, mutate func(*api.Options)) *fixture {
	t.Helper()
	f := &fixture{store: store.NewMemory(storetest.NewClock().Now), reg: prometheus.NewRegistry()}
	opts := api.Options{Store: f.store, Origin: resource.OriginGlobal, AdminToken: token, Registry: f.reg}
	if mutate != nil {
		mutate(&opts)
	}
	h, err := api.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	f.srv = httptest.NewServer(h) // listens on 127.0.0.1
	f.client = &api.Client{BaseURL: f.srv.URL, Token: token, HTTP: f.srv.Client()}
	t.Cleanup(func() {
		f.srv.Close()
		f.store.Close()
	})
	return f
}

// call sends a raw request and returns the status and decoded JSON error body (if any).
func (f *fixture) call(t *testing.T, method, path, tok string, body string) (int, map[string]string) {
	t.Helper()
	req, err := http.NewRequest(method, f.srv.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	resp, err := f.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	var eb map[string]string
	if resp.StatusCode >= 400 {
		if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
			t.Fatalf("%s %s: error with content type %q: %s", method, path, ct, data)
		}
		if err := json.Unmarshal(data, &eb); err != nil || eb["error"] == "" {
			t.Fatalf("%s %s: error body %q is not {\"error\": ...}", method, path, data)
		}
	}
	return resp.StatusCode, eb
}

func TestApplyYAML(t *testing.T) {
	f := newFixture(t, nil)
	ctx := context.Background()
	rs, err := f.client.Apply(ctx, []byte(policies))
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) != 3 || rs[0].Version != 1 || rs[0].Origin != "global" || rs[2].Kind != resource.KindZone {
		t.Fatalf("apply returned %+v", rs)
	}
	got, err := f.store.Get(ctx, resource.Key{Kind: resource.KindTimeout, Mesh: "default", Name: "backend-timeout"})
	if err != nil || got.Spec.(*resource.TimeoutSpec).Request.Duration != 2*time.Second {
		t.Fatalf("stored %+v, %v", got, err)
	}
	// Applying again changes nothing; a changed document gets the next version.
	rs, err = f.client.Apply(ctx, []byte(strings.Replace(policies, "request: 2s", "request: 3s", 1)))
	if err != nil {
		t.Fatal(err)
	}
	if rs[0].Version != 1 || rs[1].Version != 2 {
		t.Fatalf("versions after re-apply: %d %d", rs[0].Version, rs[1].Version)
	}
	if f.store.Revision() != 4 {
		t.Fatalf("revision %d; want 4", f.store.Revision())
	}
}

func TestApplyJSON(t *testing.T) {
	f := newFixture(t, nil)
	one := `{"kind":"Mesh","name":"default","spec":{"mtls":{"enabled":true}}}`
	rs, err := f.client.Apply(context.Background(), []byte(one))
	if err != nil || len(rs) != 1 || !rs[0].Spec.(*resource.MeshSpec).MTLS.Enabled {
		t.Fatalf("%+v %v", rs, err)
	}
	arr := `[` + one + `,{"kind":"Zone","name":"z1","spec":{}}]`
	if rs, err := f.client.Apply(context.Background(), []byte(arr)); err != nil || len(rs) != 2 {
		t.Fatalf("array: %+v %v", rs, err)
	}
}

func TestApplyIsAllOrNothing(t *testing.T) {
	f := newFixture(t, nil)
	bad := policies + "---\nkind: Retry\nmesh: default\nname: r\nspec: {destination: {service: backend}, attempts: -1}\n"
	status, eb := f.call(t, "POST", "/api/v1/apply", token, bad)
	if status != http.StatusBadRequest || eb["field"] != "spec.attempts" {
		t.Fatalf("status %d body %v; want 400 naming spec.attempts", status, eb)
	}
	dup := policies + "---\n" + strings.Split(policies, "---\n")[0]
	if status, eb := f.call(t, "POST", "/api/v1/apply", token, dup); status != http.StatusBadRequest {
		t.Fatalf("duplicate: %d %v", status, eb)
	}
	for _, body := range []string{"", "kind: Nope\nname: x\nspec: {}\n", "{not json", "[]", "[1]", "kind: Zone\nname: z\nspec: {}\nextra: 1\n"} {
		if status, eb := f.call(t, "POST", "/api/v1/apply", token, body); status != http.StatusBadRequest {
			t.Errorf("body %q: %d %v; want 400", body, status, eb)
		}
	}
	if f.store.Revision() != 0 {
		t.Fatalf("a refused apply wrote %d changes", f.store.Revision())
	}
}

func TestWritesNeedAdminToken(t *testing.T) {
	f := newFixture(t, nil)
	if _, err := f.client.Apply(context.Background(), []byte(policies)); err != nil {
		t.Fatal(err)
	}
	rev := f.store.Revision()
	put := `{"kind":"Zone","name":"zone-1","spec":{"enabled":false}}`
	for _, w := range []struct{ method, path, body string }{
		{"POST", "/api/v1/apply", policies},
		{"PUT", "/api/v1/resources/Zone/_/zone-1", put},
		{"DELETE", "/api/v1/resources/Zone/_/zone-1", ""},
	} {
		if status, _ := f.call(t, w.method, w.path, "", w.body); status != http.StatusUnauthorized {
			t.Errorf("%s without token: %d; want 401", w.method, status)
		}
		if status, _ := f.call(t, w.method, w.path, "wrong", w.body); status != http.StatusForbidden {
			t.Errorf("%s with a wrong token: %d; want 403", w.method, status)
		}
	}
	if f.store.Revision() != rev {
		t.Fatal("an unauthorised write changed the store")
	}
	// Reads need no token.
	anon := &api.Client{BaseURL: f.srv.URL}
	if rs, err := anon.List(context.Background(), resource.KindZone, ""); err != nil || len(rs) != 1 {
		t.Fatalf("anonymous list: %v %v", rs, err)
	}
	_, err := anon.Apply(context.Background(), []byte(policies))
	var ae *api.Error
	if !errors.As(err, &ae) || ae.Status != http.StatusUnauthorized || !strings.Contains(ae.Message, "admin token") {
		t.Fatalf("client error %#v", err)
	}
}

func TestGetListDelete(t *testing.T) {
	f := newFixture(t, nil)
	ctx := context.Background()
	if _, err := f.client.Apply(ctx, []byte(policies+"---\nkind: Timeout\nmesh: other\nname: t\nspec: {destination: {service: '*'}, idle: 1m}\n")); err != nil {
		t.Fatal(err)
	}
	all, err := f.client.List(ctx, resource.KindTimeout, "")
	if err != nil || len(all) != 2 {
		t.Fatalf("list: %v %v", all, err)
	}
	inOther, err := f.client.List(ctx, "timeout", "other") // kinds are case-insensitive
	if err != nil || len(inOther) != 1 || inOther[0].Mesh != "other" {
		t.Fatalf("list ?mesh=other: %v %v", inOther, err)
	}
	key := resource.Key{Kind: resource.KindZone, Name: "zone-1"}
	if z, err := f.client.Get(ctx, key); err != nil || z.Name != "zone-1" {
		t.Fatalf("get unscoped: %v %v", z, err)
	}
	if err := f.client.Delete(ctx, key); err != nil {
		t.Fatal(err)
	}
	if _, err := f.client.Get(ctx, key); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("get after delete: %v", err)
	}
	if err := f.client.Delete(ctx, key); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("second delete: %v", err)
	}
	if status, eb := f.call(t, "GET", "/api/v1/resources/Widget", "", ""); status != 400 || eb["field"] != "kind" {
		t.Fatalf("unknown kind: %d %v", status, eb)
	}
}

func TestPut(t *testing.T) {
	f := newFixture(t, nil)
	ctx := context.Background()
	r := storetest.Permission("default", "p", "backend", "web")
	got, err := f.client.Put(ctx, r)
	if err != nil || got.Version != 1 || got.Origin != "global" {
		t.Fatalf("put: %+v %v", got, err)
	}
	got.Spec.(*resource.TrafficPermissionSpec).Action = "deny"
	if got, err = f.client.Put(ctx, got); err != nil || got.Version != 2 {
		t.Fatalf("conditional put at the current version: %+v %v", got, err)
	}
	got.Version = 1
	if _, err := f.client.Put(ctx, got); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("stale version: %v; want a conflict", err)
	}
	body := `{"kind":"TrafficPermission","mesh":"default","name":"other","spec":{"destination":{"service":"a"},"sources":[{"service":"b"}],"action":"allow"}}`
	if status, eb := f.call(t, "PUT", "/api/v1/resources/TrafficPermission/default/p", token, body); status != 400 || eb["field"] != "name" {
		t.Fatalf("name mismatch: %d %v", status, eb)
	}
	bad := strings.Replace(body, `"allow"`, `"maybe"`, 1)
	if status, eb := f.call(t, "PUT", "/api/v1/resources/TrafficPermission/default/other", token, bad); status != 400 || eb["field"] != "spec.action" {
		t.Fatalf("invalid spec: %d %v", status, eb)
	}
	yamlBody := "kind: Zone\nname: z2\nspec: {enabled: false}\n"
	if status, eb := f.call(t, "PUT", "/api/v1/resources/Zone/_/z2", token, yamlBody); status != 200 {
		t.Fatalf("YAML put: %d %v", status, eb)
	}
}

func TestReadOnlyAndSystemKinds(t *testing.T) {
	f := newFixture(t, func(o *api.Options) {
		o.Origin = "zone-1"
		o.ReadOnlyKinds = func(k resource.Kind) bool { info, _ := resource.Info(k); return info.Policy }
	})
	status, eb := f.call(t, "POST", "/api/v1/apply", token, policies)
	if status != http.StatusConflict || !strings.Contains(eb["error"], "policies are written at global, the source of truth") {
		t.Fatalf("policy apply at a zone: %d %v", status, eb)
	}
	ca := `{"kind":"MeshCA","mesh":"default","name":"ca","spec":{"certPEM":"x","keyPEM":"y"}}`
	if status, eb := f.call(t, "PUT", "/api/v1/resources/MeshCA/default/ca", token, ca); status != http.StatusConflict || eb["field"] != "kind" {
		t.Fatalf("system kind: %d %v", status, eb)
	}
	if f.store.Revision() != 0 {
		t.Fatal("a refused write changed the store")
	}
	// A zone writes its own kinds with its name as origin.
	dp := "kind: Dataplane\nmesh: default\nname: web-1\nspec:\n  networking:\n    address: 127.0.0.2\n    inbound: [{port: 8080, servicePort: 9090, tags: {service: web}}]\n"
	rs, err := f.client.Apply(context.Background(), []byte(dp))
	if err != nil {
		t.Fatal(err)
	}
	if rs[0].Origin != "zone-1" {
		t.Fatalf("origin %q", rs[0].Origin)
	}
}

func TestLimitsAndRoutes(t *testing.T) {
	f := newFixture(t, func(o *api.Options) { o.MaxBodyBytes = 1024 })
	big := policies + "# " + strings.Repeat("x", 2048) + "\n"
	if status, _ := f.call(t, "POST", "/api/v1/apply", token, big); status != http.StatusRequestEntityTooLarge {
		t.Fatalf("big body: %d; want 413", status)
	}
	if status, _ := f.call(t, "PATCH", "/api/v1/apply", token, ""); status != http.StatusMethodNotAllowed {
		t.Fatalf("PATCH: %d; want 405", status)
	}
	if status, _ := f.call(t, "GET", "/nowhere", "", ""); status != http.StatusNotFound {
		t.Fatalf("unknown route: %d; want 404", status)
	}
	if status, _ := f.call(t, "GET", "/api/v1/zones", "", ""); status != http.StatusNotImplemented {
		t.Fatalf("zones without a source: %d; want 501", status)
	}
	if status, _ := f.call(t, "GET", "/healthz", "", ""); status != 200 {
		t.Fatalf("healthz %d", status)
	}
	resp, err := http.Get(f.srv.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	data, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	want := `zonemesh_api_requests_total{code="413",method="POST",route="/api/v1/apply"} 1`
	if !bytes.Contains(data, []byte(want)) {
		t.Fatalf("metrics lack %s:\n%s", want, data)
	}
}

type zoneSource []api.ZoneStatus

func (z zoneSource) ZoneStatuses(context.Context) ([]api.ZoneStatus, error) { return z, nil }

type proxySource map[string]*api.ProxyConfig

func (p proxySource) ProxyConfig(_ context.Context, mesh, name string) (*api.ProxyConfig, error) {
	if pc, ok := p[mesh+"/"+name]; ok {
		return pc, nil
	}
	return nil, fmt.Errorf("proxy %s/%s: %w", mesh, name, store.ErrNotFound)
}

func TestZonesAndInspect(t *testing.T) {
	seen := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	f := newFixture(t, func(o *api.Options) {
		o.Zones = zoneSource{
			{Name: "zone-2", Online: false, LastSeen: seen},
			{Name: "zone-1", Online: true, LastSeen: seen, ConnectedSince: seen.Add(-time.Hour), ResourcesSynced: map[resource.Kind]int{resource.KindTrafficPermission: 3}},
		}
		o.Proxies = proxySource{"default/web-1": {Mesh: "default", Name: "web-1", Version: "7",
			Resources: map[string][]json.RawMessage{"type.googleapis.com/envoy.config.listener.v3.Listener": {json.RawMessage(`{"name":"inbound"}`)}}}}
	})
	ctx := context.Background()
	zs, err := f.client.Zones(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(zs) != 2 || zs[0].Name != "zone-1" || !zs[0].Online || zs[0].ResourcesSynced[resource.KindTrafficPermission] != 3 || !zs[1].LastSeen.Equal(seen) {
		t.Fatalf("zones %+v", zs)
	}
	pc, err := f.client.InspectDataplane(ctx, "default", "web-1")
	if err != nil || pc.Version != "7" || len(pc.Resources) != 1 {
		t.Fatalf("inspect: %+v %v", pc, err)
	}
	if _, err := f.client.InspectDataplane(ctx, "default", "nope"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("inspect unknown: %v", err)
	}
}

func TestMeshCAKeyIsNeverRead(t *testing.T) {
	st := store.NewMemory(time.Now)
	ca := &resource.Resource{Kind: resource.KindMeshCA, Meta: resource.Meta{Mesh: "default", Name: "ca", Origin: resource.OriginGlobal},
		Spec: &resource.MeshCASpec{CertPEM: "-----BEGIN CERTIFICATE-----\nx\n-----END CERTIFICATE-----\n", KeyPEM: "-----BEGIN EC PRIVATE KEY-----\nsecret\n-----END EC PRIVATE KEY-----\n"}}
	if _, err := st.Put(context.Background(), ca); err != nil {
		t.Fatal(err)
	}
	srv, err := api.New(api.Options{Store: st, Origin: resource.OriginGlobal, AdminToken: "t"})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	defer hs.Close()
	for _, path := range []string{"/api/v1/resources/MeshCA", "/api/v1/resources/MeshCA/default/ca"} {
		resp, err := http.Get(hs.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || strings.Contains(string(b), "secret") || !strings.Contains(string(b), "redacted") {
			t.Fatalf("%s: %d %s", path, resp.StatusCode, b)
		}
	}
}
