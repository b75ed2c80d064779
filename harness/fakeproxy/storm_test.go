package fakeproxy_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/zonemesh/zonemesh/controlplane/resource"
	"github.com/zonemesh/zonemesh/controlplane/xds/server"
	"github.com/zonemesh/zonemesh/controlplane/xds/server/servertest"
	"github.com/zonemesh/zonemesh/harness/fakeproxy"
)

// BenchmarkRegistrationStorm times a zone control plane taking n proxies that all connect at
// once — what follows a zone control plane restart — until every proxy holds the config that
// knows every other one. settle=-1s... is the baseline (settling off): one regeneration pass per batch of
// registrations, however small.
//
//	go test -run '^$' -bench RegistrationStorm -benchtime 3x ./harness/fakeproxy
func BenchmarkRegistrationStorm(b *testing.B) {
	for _, n := range []int{100, 300} {
		for _, settle := range []time.Duration{-1, server.DefaultSettle} {
			b.Run(fmt.Sprintf("proxies=%d/settle=%s", n, settle), func(b *testing.B) {
				var gens float64
				for i := 0; i < b.N; i++ {
					b.StopTimer()
					env := servertest.StartConfig(b, zone, seed(b), func(c *server.Config) {
						c.Settle = settle
						c.Logf = func(string, ...any) {}
					})
					before := generations(b, env)
					b.StartTimer()
					f, err := fakeproxy.StartFleet(context.Background(), fakeproxy.FleetConfig{
						Addr: env.Addr, TLS: env.ClientTLS(), Zone: zone, PerConn: 50,
						Proxies: fakeproxy.SidecarResources("default", "dp", n, 10),
						Token:   func(r *resource.Resource) (string, error) { return env.Token(b, r.Mesh, r.Name), nil },
					})
					if err != nil {
						b.Fatal(err)
					}
					ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
					for _, p := range f.Proxies() {
						select {
						case <-p.Ready():
						case <-ctx.Done():
							b.Fatalf("%s never got every type", p.ID())
						}
					}
					cancel()
					converge(b, env, f)
					b.StopTimer()
					gens += generations(b, env) - before
					f.Close()
				}
				b.ReportMetric(gens/float64(b.N), "generations/op")
			})
		}
	}
}

// generations reads the server's count of proxy configs generated.
func generations(tb testing.TB, env *servertest.Env) float64 {
	mfs, err := env.Registry.Gather()
	if err != nil {
		tb.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == "zonemesh_xds_generations_total" {
			return mf.GetMetric()[0].GetCounter().GetValue()
		}
	}
	tb.Fatal("no zonemesh_xds_generations_total")
	return 0
}

// TestPolicyEndsSettling: registrations may wait to be batched, a policy never does. With a
// settling time far longer than the test, connected proxies get their first config only
// because a policy write ends the wait.
func TestPolicyEndsSettling(t *testing.T) {
	env := servertest.StartConfig(t, zone, seed(t), func(c *server.Config) { c.Settle = time.Hour })
	f, err := fakeproxy.StartFleet(context.Background(), fakeproxy.FleetConfig{
		Addr: env.Addr, TLS: env.ClientTLS(), Zone: zone, PerConn: 8,
		Proxies: fakeproxy.SidecarResources("default", "dp", 5, 2),
		Token:   func(r *resource.Resource) (string, error) { return env.Token(t, r.Mesh, r.Name), nil },
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(f.Close)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for len(env.Server.Proxies()) < 5 { // every proxy registered; their configs wait
		select {
		case <-ctx.Done():
			t.Fatalf("%d of 5 proxies registered", len(env.Server.Proxies()))
		case <-time.After(10 * time.Millisecond):
		}
	}
	if _, err := env.Store.Put(ctx, permission("late", "svc-0")); err != nil {
		t.Fatal(err)
	}
	for _, p := range f.Proxies() {
		select {
		case <-p.Ready():
		case <-ctx.Done():
			t.Fatalf("%s got no config after a policy write: the policy waited for registrations to settle", p.ID())
		}
	}
}

// TestRestartedServerNeverRepeatsAVersion: a zone control plane that restarts with an empty
// memory store counts revisions from 1 again. A reconnecting proxy announces the version it
// holds, and the xDS server sends nothing to a proxy whose version equals its own, so two
// incarnations built from the same store must never hand out the same version.
func TestRestartedServerNeverRepeatsAVersion(t *testing.T) {
	versions := map[string]bool{}
	for i := 0; i < 2; i++ {
		env := servertest.Start(t, zone, seed(t))
		f := startFleet(t, env, 1, 1)
		ps := env.Server.Proxies()
		if len(ps) != 1 || ps[0].Version == "" {
			t.Fatalf("incarnation %d: proxies %+v", i, ps)
		}
		if versions[ps[0].Version] {
			t.Fatalf("incarnation %d handed out version %q again: a proxy holding it would get no config", i, ps[0].Version)
		}
		versions[ps[0].Version] = true
		f.Close()
	}
}
