package dataplane_test

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/envoyproxy/go-control-plane/pkg/cache/types"
	resourcev3 "github.com/envoyproxy/go-control-plane/pkg/resource/v3"
	"github.com/zonemesh/zonemesh/controlplane/resource"
	"github.com/zonemesh/zonemesh/dataplane"
	"github.com/zonemesh/zonemesh/dataplane/dptest"
	"github.com/zonemesh/zonemesh/dataplane/echo"
)

const meshName = "default"

// freeAddr returns a free host:port on ip (127.0.0.x).
func freeAddr(t testing.TB, ip string) string {
	t.Helper()
	ln, err := net.Listen("tcp", ip+":0")
	if err != nil {
		t.Fatalf("free port on %s: %v", ip, err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func startEcho(t testing.TB, ip string, id echo.Identity) *echo.Server {
	t.Helper()
	s := echo.New(id)
	if err := s.Start(ip+":0", ""); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// dataplaneResource is the Dataplane (or ZoneIngress) a proxy announces in its node metadata.
func dataplaneResource(t testing.TB, kind resource.Kind, name string) *resource.Resource {
	t.Helper()
	r, err := resource.New(kind)
	if err != nil {
		t.Fatal(err)
	}
	r.Name = name
	switch s := r.Spec.(type) {
	case *resource.DataplaneSpec:
		r.Mesh = meshName
		s.Networking.Address = "127.0.0.1"
	case *resource.ZoneIngressSpec:
		s.Zone = "zone-b"
		s.Networking.Address, s.Networking.Port = "127.0.0.1", 10001
	}
	return r
}

func startDP(t testing.TB, cp *dptest.Server, kind resource.Kind, name, zone string) *dataplane.Agent {
	t.Helper()
	a, err := dataplane.Start(dataplane.Options{CPAddr: cp.Addr, CAPEM: cp.CAPEM, Token: cp.Token, Zone: zone,
		Resource: dataplaneResource(t, kind, name), AdminAddr: "127.0.0.1:0", Logf: t.Logf,
		MinBackoff: 20 * time.Millisecond, MaxBackoff: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	return a
}

// waitApplied waits until the agent applied version v of every type.
func waitApplied(t testing.TB, a *dataplane.Agent, v string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	want := map[string]string{}
	for _, ty := range []string{resourcev3.ClusterType, resourcev3.ListenerType, resourcev3.EndpointType, resourcev3.RouteType, resourcev3.SecretType} {
		want[ty] = v
	}
	if err := a.ADS.WaitApplied(ctx, want); err != nil {
		t.Fatalf("waiting for version %s: %v; status %+v", v, err, a.ADS.Status())
	}
}

// snap is a snapshot under construction.
type snap map[resourcev3.Type][]types.Resource

func (s snap) add(t resourcev3.Type, rs ...types.Resource) snap {
	s[t] = append(s[t], rs...)
	return s
}

func secretsOf(leaf *dptest.Leaf, ca *dptest.CA) []types.Resource {
	var out []types.Resource
	for _, s := range dptest.Secrets(leaf, ca.CertPEM) {
		out = append(out, s)
	}
	return out
}

// call sends one request through an outbound listener with the given Host.
func call(t testing.TB, c *http.Client, outbound, host, path string, hdr map[string]string) (int, http.Header, echo.Reply) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, "http://"+outbound+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Host = host
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("request %s%s: %v", host, path, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	var rep echo.Reply
	if resp.StatusCode == http.StatusOK {
		if err := json.Unmarshal(body, &rep); err != nil {
			t.Fatalf("reply %q: %v", body, err)
		}
	}
	return resp.StatusCode, resp.Header, rep
}

func newClient() *http.Client {
	return &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 16}, Timeout: 10 * time.Second}
}
