package requirements

import (
	"context"
	"fmt"
	"net/http"
	"time"

	c "github.com/zonemesh/zonemesh/conformance"
)

func init() {
	register(c.Requirement{
		ID: "MZ-TMO-001", Title: "A request timeout cuts a slow cross-zone call short",
		Level: c.Must, Profile: c.ProfileRouting, Features: []c.Feature{c.FeatureTimeouts, c.FeatureWorkloadFaults},
		Budget: budget(5*time.Second, 30*time.Second),
		Description: "With backend answering after 3 s and a Timeout policy of 300 ms, calls from zone-a must fail with 504 in well under a second " +
			"(each call is bounded by 1.5 s). Timeouts stop one slow zone from tying up every caller's connections.",
		Check: func(ctx context.Context, t *c.T) error {
			if err := t.SetBehaviour(ctx, "", c.ServiceBackend, c.Behaviour{Delay: 3 * time.Second}); err != nil {
				return err
			}
			doc := "kind: Timeout\nmesh: default\nname: conformance-timeout\nspec:\n  destination: {service: backend}\n  request: 300ms\n  connect: 1s\n"
			if err := t.Apply(ctx, doc); err != nil {
				return err
			}
			return t.Eventually(ctx, "504 within 1.5s", func(ctx context.Context) error {
				cctx, cancel := context.WithTimeout(ctx, 1500*time.Millisecond)
				defer cancel()
				start := time.Now()
				a, err := t.Target.Call(cctx, c.ZoneA, c.ServiceBackend, "/", nil)
				if err != nil {
					return fmt.Errorf("after %v: %w", time.Since(start).Round(time.Millisecond), err)
				}
				if a.Status != http.StatusGatewayTimeout {
					return fmt.Errorf("HTTP %d after %v, want 504", a.Status, time.Since(start).Round(time.Millisecond))
				}
				return nil
			})
		},
	})
}
