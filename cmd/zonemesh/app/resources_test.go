package app

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/zonemesh/zonemesh/controlplane/api"
	"github.com/zonemesh/zonemesh/controlplane/resource"
	"github.com/zonemesh/zonemesh/controlplane/store"
)

const cliToken = "cli-test-token"

const cliPolicies = `kind: TrafficPermission
mesh: default
name: allow-web
spec:
  destination: {service: backend}
  sources: [{service: web}]
  action: allow
---
kind: Timeout
mesh: other
name: slow
spec: {destination: {service: backend}, request: 5s}
`

type fakeZones []api.ZoneStatus

func (z fakeZones) ZoneStatuses(context.Context) ([]api.ZoneStatus, error) { return z, nil }

type fakeProxies struct{}

func (fakeProxies) ProxyConfig(_ context.Context, mesh, name string) (*api.ProxyConfig, error) {
	if name != "web-1" {
		return nil, fmt.Errorf("proxy %s: %w", name, store.ErrNotFound)
	}
	return &api.ProxyConfig{Mesh: mesh, Name: name, Version: "v9", Resources: map[string][]json.RawMessage{}}, nil
}

// cliServer starts the REST API on loopback and returns its URL, the store and a token file.
func cliServer(t *testing.T) (string, store.Store, string) {
	t.Helper()
	st := store.NewMemory(time.Now)
	seen := time.Now().Add(-5 * time.Second)
	h, err := api.New(api.Options{Store: st, Origin: "global", AdminToken: cliToken,
		Zones: fakeZones{
			{Name: "zone-1", Online: true, Enabled: true, LastSeen: seen, ConnectedSince: seen.Add(-time.Hour),
				ResourcesSynced: map[resource.Kind]int{resource.KindTrafficPermission: 4, resource.KindDataplane: 2}},
			{Name: "zone-2", Enabled: true},
		},
		Proxies: fakeProxies{}})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(func() { srv.Close(); st.Close() })
	tokFile := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(tokFile, []byte(cliToken+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return srv.URL, st, tokFile
}

// run calls Main in-process with stdin and returns the exit code, stdout and stderr.
func run(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errw bytes.Buffer
	code := Main(args, strings.NewReader(stdin), &out, &errw)
	return code, out.String(), errw.String()
}

func TestApplyGetDelete(t *testing.T) {
	url, st, tokFile := cliServer(t)
	file := filepath.Join(t.TempDir(), "p.yaml")
	os.WriteFile(file, []byte(cliPolicies), 0o644)

	code, out, errs := run(t, "", "apply", "-f", file, "--server", url, "--token-file", tokFile)
	if code != 0 || !strings.Contains(out, "TrafficPermission/default/allow-web applied (version 1)") {
		t.Fatalf("apply: %d %q %q", code, out, errs)
	}
	// stdin, with the token from the environment and the server from ZONEMESH_SERVER.
	t.Setenv("ZONEMESH_SERVER", url)
	t.Setenv("ZONEMESH_TOKEN", cliToken)
	zone := "kind: Zone\nname: zone-1\nspec: {}\n"
	if code, out, errs := run(t, zone, "apply", "-f", "-"); code != 0 || !strings.Contains(out, "Zone/zone-1 applied") {
		t.Fatalf("apply -f -: %d %q %q", code, out, errs)
	}

	code, out, _ = run(t, "", "get", "trafficpermission")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if code != 0 || len(lines) != 2 || !strings.HasPrefix(lines[0], "MESH") || !strings.Contains(lines[1], "allow web -> backend") {
		t.Fatalf("get table: %d\n%s", code, out)
	}
	// Flags after the positional arguments; one resource as YAML that decodes again.
	code, out, errs = run(t, "", "get", "Timeout", "slow", "--mesh", "other", "-o", "yaml")
	if code != 0 {
		t.Fatalf("get -o yaml: %d %s", code, errs)
	}
	rs, err := resource.DecodeYAML("out", []byte(out))
	if err != nil || rs[0].Version != 1 || rs[0].Spec.(*resource.TimeoutSpec).Request.Duration != 5*time.Second {
		t.Fatalf("yaml output %q: %v", out, err)
	}
	code, out, _ = run(t, "", "get", "timeout", "-o", "json", "--mesh", "other")
	var list []*resource.Resource
	if code != 0 || json.Unmarshal([]byte(out), &list) != nil || len(list) != 1 {
		t.Fatalf("get -o json: %d %q", code, out)
	}

	if code, out, _ := run(t, "", "delete", "TrafficPermission", "allow-web"); code != 0 || !strings.Contains(out, "deleted") {
		t.Fatalf("delete: %d %q", code, out)
	}
	if _, err := st.Get(context.Background(), resource.Key{Kind: resource.KindTrafficPermission, Mesh: "default", Name: "allow-web"}); err == nil {
		t.Fatal("delete left the resource in the store")
	}
	code, _, errs = run(t, "", "get", "TrafficPermission", "allow-web")
	if code != 1 || !strings.Contains(errs, "HTTP 404") {
		t.Fatalf("get deleted: %d %q", code, errs)
	}
}

func TestCLIErrors(t *testing.T) {
	url, st, _ := cliServer(t)
	file := filepath.Join(t.TempDir(), "bad.yaml")
	os.WriteFile(file, []byte("kind: Retry\nmesh: default\nname: r\nspec:\n  destination: {service: backend}\n  attempts: -3\n"), 0o644)
	t.Setenv("ZONEMESH_TOKEN", cliToken)
	code, _, errs := run(t, "", "apply", "-f", file, "--server", url)
	if code != 1 || !strings.Contains(errs, "spec.attempts") || !strings.Contains(errs, "line 6") {
		t.Fatalf("invalid apply: %d %q", code, errs)
	}
	t.Setenv("ZONEMESH_TOKEN", "wrong")
	good := filepath.Join(t.TempDir(), "good.yaml")
	os.WriteFile(good, []byte(cliPolicies), 0o644)
	if code, _, errs := run(t, "", "apply", "-f", good, "--server", url); code != 1 || !strings.Contains(errs, "HTTP 403") {
		t.Fatalf("wrong token: %d %q", code, errs)
	}
	if st.Revision() != 0 {
		t.Fatal("a refused apply wrote")
	}
	for _, args := range [][]string{
		{"apply"}, {"get"}, {"get", "Nope"}, {"get", "Zone", "a", "b"}, {"delete", "Zone"},
		{"inspect"}, {"inspect", "dataplane", "m"}, {"get", "Zone", "-o", "xml"}, {"inspect", "bogus"},
	} {
		if code, _, _ := run(t, "", append(args, "--server", url)...); code != 2 {
			t.Errorf("%v: exit %d; want 2 (usage)", args, code)
		}
	}
}

func TestInspect(t *testing.T) {
	url, _, _ := cliServer(t)
	code, out, errs := run(t, "", "inspect", "zones", "--server", url)
	if code != 0 {
		t.Fatalf("inspect zones: %d %s", code, errs)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 3 || !strings.Contains(lines[1], "zone-1") || !strings.Contains(lines[1], "Online") ||
		!strings.Contains(lines[1], "5s ago") || !strings.Contains(lines[1], "Dataplane=2 TrafficPermission=4") ||
		!strings.Contains(lines[2], "Offline") || !strings.Contains(lines[2], "never") {
		t.Fatalf("zones table:\n%s", out)
	}
	code, out, _ = run(t, "", "inspect", "dataplane", "default", "web-1", "--server", url)
	var pc api.ProxyConfig
	if code != 0 || json.Unmarshal([]byte(out), &pc) != nil || pc.Version != "v9" || pc.Name != "web-1" {
		t.Fatalf("inspect dataplane: %d %q", code, out)
	}
	if code, _, errs := run(t, "", "inspect", "dataplane", "default", "nope", "--server", url); code != 1 || !strings.Contains(errs, "404") {
		t.Fatalf("unknown dataplane: %d %q", code, errs)
	}
}

func TestResourceTable(t *testing.T) {
	now := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	rs := []*resource.Resource{
		{Kind: resource.KindZone, Meta: resource.Meta{Name: "zone-1", Version: 3, Origin: "global", CreationTime: now.Add(-90 * time.Minute)}, Spec: &resource.ZoneSpec{}},
		{Kind: resource.KindZone, Meta: resource.Meta{Name: "zone-22", Version: 1, CreationTime: now.Add(-72 * time.Hour)}, Spec: &resource.ZoneSpec{Enabled: new(bool)}},
	}
	var b bytes.Buffer
	if err := writeResourceTable(&b, rs, now); err != nil {
		t.Fatal(err)
	}
	want := "" +
		"NAME      VERSION   ORIGIN   AGE   DETAILS\n" +
		"zone-1    3         global   1h    enabled\n" +
		"zone-22   1         -        3d    disabled\n"
	if b.String() != want {
		t.Fatalf("table:\n%s\nwant:\n%s", b.String(), want)
	}
}
