package requirements

import (
	"context"
	"time"

	c "github.com/zonemesh/zonemesh/conformance"
)

func init() {
	register(c.Requirement{
		ID: "MZ-OFFL-003", Title: "A zone that comes back is marked Online again",
		Level: c.Should, Profile: c.ProfileResilience, Features: []c.Feature{c.FeatureZoneStatus, c.FeatureComponentOps},
		Budget: budget(15*time.Second, 60*time.Second), Disruptive: true,
		Description: "After its control plane is killed and restarted, a zone must reconnect and be reported Online within the budget. " +
			"Reconnection uses backoff; the budget bounds how long a recovered zone stays cut off from policy.",
		Check: func(ctx context.Context, t *c.T) error {
			cp := c.Component{Kind: c.ComponentZoneCP, Zone: c.ZoneC}
			if err := t.Target.Do(ctx, c.ActionKill, cp); err != nil {
				return err
			}
			if err := t.EventuallyWithin(ctx, setupWait, "zone-c offline", func(ctx context.Context) error { return zoneOnline(ctx, t, c.ZoneC, false) }); err != nil {
				t.Target.Do(ctx, c.ActionRestart, cp)
				return err
			}
			if err := t.Target.Do(ctx, c.ActionRestart, cp); err != nil {
				return err
			}
			return t.Eventually(ctx, "zone-c online again", func(ctx context.Context) error { return zoneOnline(ctx, t, c.ZoneC, true) })
		},
	})
}
