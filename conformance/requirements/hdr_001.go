package requirements

import (
	"context"
	"fmt"
	"net/http"
	"time"

	c "github.com/zonemesh/zonemesh/conformance"
)

const headerRoute = `kind: HTTPRoute
mesh: default
name: conformance-hdr
spec:
  destination: {service: backend}
  rules:
  - match: {headers: [%s]}
    split: [{version: v2, weight: 100}]
  - match: {path: {prefix: /}}
    split: [{version: v1, weight: 100}]
`

// headerCheck applies a header rule and checks that matching calls go to v2, others to v1.
func headerCheck(ctx context.Context, t *c.T, match string, hit, miss http.Header) error {
	if err := t.Apply(ctx, fmt.Sprintf(headerRoute, match)); err != nil {
		return err
	}
	return t.Eventually(ctx, "header routing in force", func(ctx context.Context) error {
		if err := allFrom(ctx, t, 5, c.ZoneA, c.ServiceBackend, hit, versionIs("v2")); err != nil {
			return fmt.Errorf("matching request: %w", err)
		}
		if err := allFrom(ctx, t, 5, c.ZoneA, c.ServiceBackend, miss, versionIs("v1")); err != nil {
			return fmt.Errorf("other request: %w", err)
		}
		return nil
	})
}

func versionIs(v string) func(*c.Answer) error {
	return func(a *c.Answer) error {
		if a.Version != v {
			return fmt.Errorf("answered by %s %s, want %s", a.Instance, a.Version, v)
		}
		return nil
	}
}

func init() {
	register(c.Requirement{
		ID: "MZ-HDR-001", Title: "An exact header match routes to its own destination",
		Level: c.Must, Profile: c.ProfileRouting, Features: []c.Feature{c.FeatureHeaderRouting},
		Budget: budget(5*time.Second, 30*time.Second),
		Description: "With a rule sending requests carrying x-canary: yes to v2 and everything else to v1, every matching call from zone-a must reach v2 " +
			"and every other call v1 (also with x-canary: no). Header routing is how testers reach a canary before users do.",
		Check: func(ctx context.Context, t *c.T) error {
			return headerCheck(ctx, t, "{name: x-canary, exact: \"yes\"}",
				http.Header{"X-Canary": {"yes"}}, http.Header{"X-Canary": {"no"}})
		},
	})
}
