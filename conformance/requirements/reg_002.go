package requirements

import (
	"context"
	"errors"
	"time"

	c "github.com/zonemesh/zonemesh/conformance"
)

func init() {
	register(c.Requirement{
		ID: "MZ-REG-002", Title: "A zone with a forged credential is refused",
		Level: c.Must, Profile: c.ProfileSecurity, Features: []c.Feature{c.FeatureZoneAuth},
		Budget: budget(3*time.Second, 10*time.Second),
		Description: "A zone control plane presenting a token signed by a key global does not trust must not be accepted, for the whole budget. " +
			"A zone receives every policy and every other zone's ingress addresses and may publish endpoints: admitting an impostor hands it the mesh.",
		Check: func(ctx context.Context, t *c.T) error {
			ok, err := t.Target.ProbeZoneAuth(ctx, "zone-forged", c.CredentialForged, t.Budget)
			if err != nil {
				return err
			}
			if ok {
				return errors.New("global accepted a zone whose token was signed by an unknown key")
			}
			return nil
		},
	})
}
