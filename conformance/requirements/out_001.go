package requirements

import (
	"context"
	"time"

	c "github.com/zonemesh/zonemesh/conformance"
)

func init() {
	register(c.Requirement{
		ID: "MZ-OUT-001", Title: "With global down, the data plane keeps serving in and across zones",
		Level: c.Must, Profile: c.ProfileResilience, Features: []c.Feature{c.FeatureComponentOps},
		Budget: budget(5*time.Second, 30*time.Second), Disruptive: true,
		Description: "After global is killed, calls from every zone to api and from zone-a to backend (cross-zone) must keep answering 200 for the whole budget. " +
			"The global control plane is a management plane: losing it must freeze policy, never traffic.",
		Check: func(ctx context.Context, t *c.T) error {
			if err := t.Do(ctx, c.ActionKill, c.Component{Kind: c.ComponentGlobal}); err != nil {
				return err
			}
			return steadyFor(ctx, t, t.Budget, func(ctx context.Context) error {
				for _, z := range t.Topo.ZoneNames() {
					if err := allFrom(ctx, t, 1, z, c.ServiceAPI, nil, nil); err != nil {
						return err
					}
				}
				return allFrom(ctx, t, 2, c.ZoneA, c.ServiceBackend, nil, nil)
			})
		},
	})
}

// steadyFor requires fn to succeed on every attempt for d.
func steadyFor(ctx context.Context, t *c.T, d time.Duration, fn func(context.Context) error) error {
	end := time.Now().Add(d)
	n := 0
	for time.Now().Before(end) {
		if err := fn(ctx); err != nil {
			return err
		}
		n++
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
	t.Logf("%d rounds succeeded over %v", n, d)
	return nil
}
