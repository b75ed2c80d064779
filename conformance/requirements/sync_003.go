package requirements

import (
	"context"
	"fmt"
	"time"

	c "github.com/zonemesh/zonemesh/conformance"
)

func init() {
	register(c.Requirement{
		ID: "MZ-SYNC-003", Title: "Scaling a service up and down is reflected at global and in routing",
		Level: c.Must, Profile: c.ProfileScale, Features: []c.Feature{c.FeatureInventory, c.FeatureScale},
		Budget: budget(10*time.Second, 60*time.Second), Disruptive: true,
		Description: "When backend in zone-b goes from 1 to 2 replicas, global must list 2 dataplanes and callers in zone-b must reach both instances " +
			"(a sample of 40 calls); scaled back to 1, global must list 1 (no zombie dataplane). Autoscaling is constant in real clusters.",
		Check: func(ctx context.Context, t *c.T) error {
			count := func(ctx context.Context, want int) error {
				ws, err := t.Target.Inventory(ctx)
				if err != nil {
					return err
				}
				n := 0
				for _, w := range ws {
					if w.Kind == c.WorkloadDataplane && w.Zone == c.ZoneB && w.Service == c.ServiceBackend {
						n++
					}
				}
				if n != want {
					return fmt.Errorf("global lists %d backend dataplanes in zone-b, want %d", n, want)
				}
				return nil
			}
			if err := t.Apply(ctx, localityPolicy("conformance-sync-local", c.ServiceBackend, "")); err != nil {
				return err
			}
			if err := t.Target.Scale(ctx, c.ZoneB, c.ServiceBackend, 2); err != nil {
				return err
			}
			t.Cleanup("scale backend back to 1", func(ctx context.Context) error { return t.Target.Scale(ctx, c.ZoneB, c.ServiceBackend, 1) })
			if err := t.Eventually(ctx, "2 backend dataplanes at global, both answering", func(ctx context.Context) error {
				if err := count(ctx, 2); err != nil {
					return err
				}
				s := t.Calls(ctx, 40, 4, c.ZoneB, c.ServiceBackend, "/", nil)
				if s.OK() != s.N {
					return fmt.Errorf("calls from zone-b: %s", s)
				}
				if s.Zone[c.ZoneB] != s.N || len(s.Instance) != 2 {
					return fmt.Errorf("want both zone-b instances to answer: %s instances=%d", s, len(s.Instance))
				}
				return nil
			}); err != nil {
				return err
			}
			if err := t.Target.Scale(ctx, c.ZoneB, c.ServiceBackend, 1); err != nil {
				return err
			}
			return t.Eventually(ctx, "1 backend dataplane at global", func(ctx context.Context) error { return count(ctx, 1) })
		},
	})
}
