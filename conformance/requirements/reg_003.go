package requirements

import (
	"context"
	"errors"
	"time"

	c "github.com/zonemesh/zonemesh/conformance"
)

func init() {
	register(c.Requirement{
		ID: "MZ-REG-003", Title: "A zone presenting another zone's credential is refused",
		Level: c.Must, Profile: c.ProfileSecurity, Features: []c.Feature{c.FeatureZoneAuth},
		Budget: budget(3*time.Second, 10*time.Second),
		Description: "A valid token issued to one zone must not let a control plane register under a different zone name. " +
			"Zone credentials are scoped to a zone so that one leaked credential cannot be used to impersonate, or overwrite the data plane of, every zone.",
		Check: func(ctx context.Context, t *c.T) error {
			ok, err := t.Target.ProbeZoneAuth(ctx, "zone-impostor", c.CredentialOtherZone, t.Budget)
			if err != nil {
				return err
			}
			if ok {
				return errors.New("global accepted zone-impostor with a token issued to another zone")
			}
			return nil
		},
	})
}
