package requirements

import (
	"context"
	"time"

	c "github.com/zonemesh/zonemesh/conformance"
)

func init() {
	register(c.Requirement{
		ID: "MZ-SEC-006", Title: "Removing a deny restores access",
		Level: c.Should, Profile: c.ProfileSecurity, Features: []c.Feature{c.FeatureMTLS},
		Budget: budget(5*time.Second, 30*time.Second),
		Description: "After a deny of client → backend is in force and then deleted, calls from zone-a must answer 200 again within the budget. " +
			"A permission fix during an incident must take effect as fast as the mistake did.",
		Check: func(ctx context.Context, t *c.T) error {
			if err := t.Apply(ctx, sprintf(denyClient, c.ServiceBackend)); err != nil {
				return err
			}
			if err := t.EventuallyWithin(ctx, setupWait, "deny in force", func(ctx context.Context) error {
				return refused(ctx, t, 3, c.ZoneA, c.ServiceBackend)
			}); err != nil {
				return err
			}
			if err := t.Target.Delete(ctx, "TrafficPermission", "conformance-deny-client"); err != nil {
				return err
			}
			return t.Eventually(ctx, "access restored", func(ctx context.Context) error {
				return allFrom(ctx, t, 5, c.ZoneA, c.ServiceBackend, nil, nil)
			})
		},
	})
}
