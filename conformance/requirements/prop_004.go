package requirements

import (
	"context"
	"time"

	c "github.com/zonemesh/zonemesh/conformance"
)

func init() {
	register(c.Requirement{
		ID: "MZ-PROP-004", Title: "A deleted policy disappears from every zone and proxy",
		Level: c.Must, Profile: c.ProfileCore, Features: []c.Feature{c.FeatureL7Faults, c.FeaturePolicyReadback},
		Budget: budget(5*time.Second, 30*time.Second),
		Description: "Deleting a FaultInjection at global must remove it from every zone's store and restore HTTP 200 for callers in every zone within the budget. " +
			"A delete that does not propagate leaves a zombie rule enforced where nobody can see it.",
		Check: func(ctx context.Context, t *c.T) error {
			if err := t.Apply(ctx, abortPolicy("conformance-prop-delete", c.ServiceAPI, 418)); err != nil {
				return err
			}
			if err := t.EventuallyWithin(ctx, setupWait, "418 before the delete", func(ctx context.Context) error {
				for _, z := range t.Topo.ZoneNames() {
					if err := statusIs(ctx, t, 1, z, c.ServiceAPI, 418); err != nil {
						return err
					}
				}
				return nil
			}); err != nil {
				return err
			}
			if err := t.Target.Delete(ctx, "FaultInjection", "conformance-prop-delete"); err != nil {
				return err
			}
			return t.Eventually(ctx, "policy gone and 200 from every zone", func(ctx context.Context) error {
				if err := policyEverywhere(ctx, t, "FaultInjection", "conformance-prop-delete", false); err != nil {
					return err
				}
				for _, z := range t.Topo.ZoneNames() {
					if err := allFrom(ctx, t, 3, z, c.ServiceAPI, nil, nil); err != nil {
						return err
					}
				}
				return nil
			})
		},
	})
}
