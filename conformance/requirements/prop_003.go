package requirements

import (
	"context"
	"time"

	c "github.com/zonemesh/zonemesh/conformance"
)

func init() {
	register(c.Requirement{
		ID: "MZ-PROP-003", Title: "An updated policy replaces the old one in every zone and proxy",
		Level: c.Must, Profile: c.ProfileCore, Features: []c.Feature{c.FeatureL7Faults, c.FeaturePolicyReadback},
		Budget: budget(5*time.Second, 30*time.Second),
		Description: "Updating a FaultInjection from HTTP 418 to 429 must bring every zone's store to the new version and every caller to 429 within the budget. " +
			"Updates are the common case of policy change (a rollout step, a permission edit) and must not leave zones on the old version.",
		Check: func(ctx context.Context, t *c.T) error {
			if err := t.Apply(ctx, abortPolicy("conformance-prop-update", c.ServiceAPI, 418)); err != nil {
				return err
			}
			if err := t.EventuallyWithin(ctx, setupWait, "418 before the update", func(ctx context.Context) error {
				return statusIs(ctx, t, 2, c.ZoneA, c.ServiceAPI, 418)
			}); err != nil {
				return err
			}
			if err := t.Apply(ctx, abortPolicy("conformance-prop-update", c.ServiceAPI, 429)); err != nil {
				return err
			}
			return t.Eventually(ctx, "new version everywhere and 429 from every zone", func(ctx context.Context) error {
				if err := policyEverywhere(ctx, t, "FaultInjection", "conformance-prop-update", true); err != nil {
					return err
				}
				for _, z := range t.Topo.ZoneNames() {
					if err := statusIs(ctx, t, 3, z, c.ServiceAPI, 429); err != nil {
						return err
					}
				}
				return nil
			})
		},
	})
}
