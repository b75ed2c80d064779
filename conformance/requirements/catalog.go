package requirements

import (
	"context"
	"fmt"
	"net/http"
	"sort"
	"time"

	c "github.com/zonemesh/zonemesh/conformance"
)

var registry []*c.Requirement

func register(r c.Requirement) { registry = append(registry, &r) }

// Catalog returns every requirement, sorted by ID.
func Catalog() []*c.Requirement {
	out := append([]*c.Requirement(nil), registry...)
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// budget is a default and a documented maximum.
func budget(def, max time.Duration) c.Budget { return c.Budget{Default: def, Max: max} }

// setupWait bounds set-up steps that are not what a requirement measures.
const setupWait = 20 * time.Second

// callOK makes one call and fails unless it answered 200.
func callOK(ctx context.Context, t *c.T, from, service string, hdr http.Header) (*c.Answer, error) {
	a, err := t.Target.Call(ctx, from, service, "/", hdr)
	if err != nil {
		return nil, fmt.Errorf("call %s→%s: %w", from, service, err)
	}
	if a.Status != http.StatusOK {
		return a, fmt.Errorf("call %s→%s: HTTP %d", from, service, a.Status)
	}
	return a, nil
}

// allFrom makes n calls; each must answer 200 and satisfy ok.
func allFrom(ctx context.Context, t *c.T, n int, from, service string, hdr http.Header, ok func(*c.Answer) error) error {
	for range n {
		a, err := callOK(ctx, t, from, service, hdr)
		if err != nil {
			return err
		}
		if ok != nil {
			if err := ok(a); err != nil {
				return err
			}
		}
	}
	return nil
}

// inZone accepts answers from one of the zones.
func inZone(zones ...string) func(*c.Answer) error {
	return func(a *c.Answer) error {
		for _, z := range zones {
			if a.Zone == z {
				return nil
			}
		}
		return fmt.Errorf("answered by %s (%s), want zone %v", a.Instance, a.Zone, zones)
	}
}

// refused makes n calls and fails if any of them answered 200.
func refused(ctx context.Context, t *c.T, n int, from, service string) error {
	for range n {
		a, err := t.Target.Call(ctx, from, service, "/", nil)
		if err == nil && a.Status == http.StatusOK {
			return fmt.Errorf("call %s→%s answered 200 by %s", from, service, a.Instance)
		}
	}
	return nil
}

// statusIs makes n calls; every one must answer code.
func statusIs(ctx context.Context, t *c.T, n int, from, service string, code int) error {
	for range n {
		a, err := t.Target.Call(ctx, from, service, "/", nil)
		if err != nil {
			return err
		}
		if a.Status != code {
			return fmt.Errorf("call %s→%s: HTTP %d, want %d", from, service, a.Status, code)
		}
	}
	return nil
}

// policyEverywhere checks that every zone's store has kind/name at global's version (present)
// or does not have it (!present).
func policyEverywhere(ctx context.Context, t *c.T, kind, name string, present bool) error {
	gv, gfound, err := t.Target.PolicyVersion(ctx, "", kind, name)
	if err != nil {
		return err
	}
	if gfound != present {
		return fmt.Errorf("global: %s %s present=%v", kind, name, gfound)
	}
	for _, z := range t.Topo.ZoneNames() {
		v, found, err := t.Target.PolicyVersion(ctx, z, kind, name)
		if err != nil {
			return fmt.Errorf("zone %s: %w", z, err)
		}
		if found != present {
			return fmt.Errorf("zone %s: %s %s present=%v", z, kind, name, found)
		}
		if present && v != gv {
			return fmt.Errorf("zone %s: %s %s at version %d, global has %d", z, kind, name, v, gv)
		}
	}
	return nil
}

// zoneOnline checks one zone's status at global.
func zoneOnline(ctx context.Context, t *c.T, zone string, want bool) error {
	zs, err := t.Target.Zones(ctx)
	if err != nil {
		return err
	}
	for _, s := range zs {
		if s.Name == zone {
			if s.Online != want {
				return fmt.Errorf("zone %s online=%v, want %v", zone, s.Online, want)
			}
			return nil
		}
	}
	return fmt.Errorf("zone %s is not listed by global", zone)
}

// abortPolicy is a FaultInjection aborting every call to service with code.
func abortPolicy(name, service string, code int) string {
	return fmt.Sprintf(`kind: FaultInjection
mesh: default
name: %s
spec:
  destination: {service: %s}
  abort: {httpStatus: %d, percentage: 100}
`, name, service, code)
}

// localityPolicy makes service locality-aware with an optional failover order from one zone.
func localityPolicy(name, service, from string, order ...string) string {
	s := fmt.Sprintf(`kind: LoadBalancing
mesh: default
name: %s
spec:
  destination: {service: %s}
  localityAware: true
`, name, service)
	if from != "" {
		s += "  failover:\n  - from: " + from + "\n    to: ["
		for i, z := range order {
			if i > 0 {
				s += ", "
			}
			s += z
		}
		s += "]\n"
	}
	return s
}

// resilience lets callers route around a dead destination quickly: outlier ejection on
// gateway failures, retries on connect failure and 5xx, a short connect timeout.
func resilience(service string) string {
	return fmt.Sprintf(`kind: OutlierDetection
mesh: default
name: conformance-%[1]s-outliers
spec:
  destination: {service: %[1]s}
  consecutiveGatewayFailure: 2
  interval: 500ms
  baseEjectionTime: 3s
  maxEjectionPercent: 100
---
kind: Retry
mesh: default
name: conformance-%[1]s-retry
spec:
  destination: {service: %[1]s}
  attempts: 3
  perTryTimeout: 1s
  on: [5xx, connect-failure]
---
kind: Timeout
mesh: default
name: conformance-%[1]s-timeout
spec:
  destination: {service: %[1]s}
  connect: 300ms
  request: 5s
`, service)
}

// splitPolicy is an HTTPRoute sending service's traffic by version weights.
func splitPolicy(name, service string, weights ...any) string {
	s := fmt.Sprintf(`kind: HTTPRoute
mesh: default
name: %s
spec:
  destination: {service: %s}
  rules:
  - match: {path: {prefix: /}}
    split:
`, name, service)
	for i := 0; i+1 < len(weights); i += 2 {
		s += fmt.Sprintf("    - {%s, weight: %d}\n", weights[i], weights[i+1])
	}
	return s
}
