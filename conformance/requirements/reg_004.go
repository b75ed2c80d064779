package requirements

import (
	"context"
	"errors"
	"time"

	c "github.com/zonemesh/zonemesh/conformance"
)

func init() {
	register(c.Requirement{
		ID: "MZ-REG-004", Title: "The policy API refuses writes without credentials",
		Level: c.Must, Profile: c.ProfileSecurity, Features: []c.Feature{c.FeatureAPIAuth, c.FeaturePolicyReadback},
		Budget: budget(2*time.Second, 10*time.Second),
		Description: "An anonymous apply to global's API must be refused and must leave no trace in the store. " +
			"Policies decide who may call whom across every zone; an anonymous write path is a mesh-wide privilege escalation.",
		Check: func(ctx context.Context, t *c.T) error {
			doc := abortPolicy("conformance-anonymous", c.ServiceAPI, 418)
			t.Cleanup("delete anonymous policy", func(ctx context.Context) error {
				return t.Target.Delete(ctx, "FaultInjection", "conformance-anonymous")
			})
			if err := t.Target.ApplyAnonymous(ctx, []byte(doc)); err == nil {
				return errors.New("global accepted an apply without credentials")
			}
			_, found, err := t.Target.PolicyVersion(ctx, "", "FaultInjection", "conformance-anonymous")
			if err != nil {
				return err
			}
			if found {
				return errors.New("the refused anonymous write is in global's store")
			}
			return nil
		},
	})
}
