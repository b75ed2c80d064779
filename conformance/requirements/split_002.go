package requirements

import (
	"context"
	"fmt"
	"time"

	c "github.com/zonemesh/zonemesh/conformance"
)

func init() {
	register(c.Requirement{
		ID: "MZ-SPLIT-002", Title: "A version with weight 0 receives no traffic",
		Level: c.Must, Profile: c.ProfileRouting,
		Budget: budget(5*time.Second, 30*time.Second),
		Description: "With backend split v1=0, v2=100, every call (K consecutive batches of 20) must be answered by v2, and with v1=100, v2=0 by v1. " +
			"The ends of a rollout must be exact: a retired version that still gets 1% of traffic is an incident.",
		Check: func(ctx context.Context, t *c.T) error {
			for _, want := range []string{"v2", "v1"} {
				w1, w2 := 0, 100
				if want == "v1" {
					w1, w2 = 100, 0
				}
				if err := t.Apply(ctx, splitPolicy("conformance-split-edge", c.ServiceBackend, "version: v1", w1, "version: v2", w2)); err != nil {
					return err
				}
				if err := t.Eventually(ctx, "only "+want, func(ctx context.Context) error {
					s := t.Calls(ctx, 20, 4, c.ZoneA, c.ServiceBackend, "/", nil)
					if s.OK() != s.N || s.Version[want] != s.N {
						return fmt.Errorf("want every call on %s: %s", want, s)
					}
					return nil
				}); err != nil {
					return err
				}
			}
			return nil
		},
	})
}
