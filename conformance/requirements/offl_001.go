package requirements

import (
	"context"
	"time"

	c "github.com/zonemesh/zonemesh/conformance"
)

func init() {
	register(c.Requirement{
		ID: "MZ-OFFL-001", Title: "A zone whose control plane dies is marked Offline",
		Level: c.Must, Profile: c.ProfileResilience, Features: []c.Feature{c.FeatureZoneStatus, c.FeatureComponentOps},
		Budget: budget(5*time.Second, 30*time.Second), Disruptive: true,
		Description: "When a zone control plane process is killed, its sync stream closes and global must report the zone Offline within the budget. " +
			"Operators and failover automation act on zone status; a dead zone shown Online hides an outage.",
		Check: func(ctx context.Context, t *c.T) error {
			cp := c.Component{Kind: c.ComponentZoneCP, Zone: c.ZoneC}
			if err := t.Do(ctx, c.ActionKill, cp); err != nil {
				return err
			}
			return t.Eventually(ctx, "zone-c offline", func(ctx context.Context) error { return zoneOnline(ctx, t, c.ZoneC, false) })
		},
	})
}
