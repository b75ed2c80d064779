package requirements

import (
	"context"
	"net/http"
	"time"

	c "github.com/zonemesh/zonemesh/conformance"
)

func init() {
	register(c.Requirement{
		ID: "MZ-HDR-002", Title: "A header-presence match routes any value of the header",
		Level: c.Should, Profile: c.ProfileRouting, Features: []c.Feature{c.FeatureHeaderRouting},
		Budget: budget(5*time.Second, 30*time.Second),
		Description: "With a rule sending requests that carry x-debug (any value) to v2, calls with x-debug: 1 must reach v2 and calls without it v1. " +
			"Presence matches let tooling tag traffic without agreeing on values.",
		Check: func(ctx context.Context, t *c.T) error {
			return headerCheck(ctx, t, "{name: x-debug, present: true}", http.Header{"X-Debug": {"1"}}, nil)
		},
	})
}
