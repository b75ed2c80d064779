package requirements

import (
	"context"
	"fmt"
	"time"

	c "github.com/zonemesh/zonemesh/conformance"
)

func init() {
	register(c.Requirement{
		ID: "MZ-HDR-003", Title: "A path-prefix match routes by path",
		Level: c.Should, Profile: c.ProfileRouting, Features: []c.Feature{c.FeatureHeaderRouting},
		Budget: budget(5*time.Second, 30*time.Second),
		Description: "With a rule sending /v2/ to v2 and / to v1, calls to /v2/x must reach v2 and calls to /x must reach v1. " +
			"Path routing splits one service name into independently rolled-out parts.",
		Check: func(ctx context.Context, t *c.T) error {
			doc := "kind: HTTPRoute\nmesh: default\nname: conformance-path\nspec:\n  destination: {service: backend}\n  rules:\n" +
				"  - match: {path: {prefix: /v2/}}\n    split: [{version: v2, weight: 100}]\n" +
				"  - match: {path: {prefix: /}}\n    split: [{version: v1, weight: 100}]\n"
			if err := t.Apply(ctx, doc); err != nil {
				return err
			}
			return t.Eventually(ctx, "path routing in force", func(ctx context.Context) error {
				for path, want := range map[string]string{"/v2/x": "v2", "/x": "v1"} {
					for range 3 {
						a, err := t.Target.Call(ctx, c.ZoneA, c.ServiceBackend, path, nil)
						if err != nil {
							return err
						}
						if a.Status != 200 || a.Version != want {
							return fmt.Errorf("%s: HTTP %d from %s, want %s", path, a.Status, a.Version, want)
						}
					}
				}
				return nil
			})
		},
	})
}
