package requirements

import (
	"context"
	"time"

	c "github.com/zonemesh/zonemesh/conformance"
)

func init() {
	register(c.Requirement{
		ID: "MZ-PROP-002", Title: "A created policy is enforced by the proxies of every zone",
		Level: c.Must, Profile: c.ProfileCore, Features: []c.Feature{c.FeatureL7Faults},
		Budget: budget(5*time.Second, 30*time.Second),
		Description: "After a FaultInjection aborting every call to api with HTTP 418 is written at global, callers in every zone must get 418 " +
			"(K consecutive batches) within the budget. This is propagation end to end, judged by behaviour: stored is not enough, the proxies must apply it.",
		Check: func(ctx context.Context, t *c.T) error {
			if err := t.Apply(ctx, abortPolicy("conformance-prop-abort", c.ServiceAPI, 418)); err != nil {
				return err
			}
			return t.Eventually(ctx, "418 from every zone", func(ctx context.Context) error {
				for _, z := range t.Topo.ZoneNames() {
					if err := statusIs(ctx, t, 3, z, c.ServiceAPI, 418); err != nil {
						return err
					}
				}
				return nil
			})
		},
	})
}
