package requirements

import (
	"context"
	"time"

	c "github.com/zonemesh/zonemesh/conformance"
)

func init() {
	register(c.Requirement{
		ID: "MZ-PROP-001", Title: "A created policy reaches every zone's store",
		Level: c.Must, Profile: c.ProfileCore, Features: []c.Feature{c.FeaturePolicyReadback},
		Budget: budget(2*time.Second, 10*time.Second),
		Description: "A policy written at global must be present, at global's version, in every online zone's store within the budget. " +
			"Global is the single source of policy; a zone that lags enforces yesterday's rules.",
		Check: func(ctx context.Context, t *c.T) error {
			if err := t.Apply(ctx, abortPolicy("conformance-prop-create", "conformance-none", 418)); err != nil {
				return err
			}
			return t.Eventually(ctx, "policy in every zone", func(ctx context.Context) error {
				return policyEverywhere(ctx, t, "FaultInjection", "conformance-prop-create", true)
			})
		},
	})
}
