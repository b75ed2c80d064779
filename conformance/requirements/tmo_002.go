package requirements

import (
	"context"
	"fmt"
	"time"

	c "github.com/zonemesh/zonemesh/conformance"
)

// With a failure share of 0.3 and 5 attempts, a call fails with probability 0.3^5 ≈ 0.0024;
// at n=100 the expected number of failures is 0.24 and P(more than 3) < 0.0001.
const (
	retrySample   = 100
	retryMaxFails = 3
)

func init() {
	register(c.Requirement{
		ID: "MZ-TMO-002", Title: "Retries mask transient 5xx across zones",
		Level: c.Must, Profile: c.ProfileRouting, Features: []c.Feature{c.FeatureRetries, c.FeatureWorkloadFaults},
		Budget: budget(5*time.Second, 30*time.Second),
		Description: fmt.Sprintf("With every backend instance failing 30%% of requests with 503 and a Retry policy of 5 attempts on 5xx, at most %d of %d calls from zone-a may fail "+
			"(expected 0.24). MZ-TMO-003 checks the failures are real without retries.", retryMaxFails, retrySample),
		Check: func(ctx context.Context, t *c.T) error {
			doc := "kind: Retry\nmesh: default\nname: conformance-retry\nspec:\n  destination: {service: backend}\n  attempts: 5\n  perTryTimeout: 1s\n  on: [5xx, connect-failure]\n"
			if err := t.Apply(ctx, doc); err != nil {
				return err
			}
			if err := t.EventuallyWithin(ctx, setupWait, "policy in every zone", func(ctx context.Context) error {
				return policyEverywhere(ctx, t, "Retry", "conformance-retry", true)
			}); err != nil {
				return err
			}
			if err := t.SetBehaviour(ctx, "", c.ServiceBackend, c.Behaviour{FailShare: 0.3}); err != nil {
				return err
			}
			return t.Eventually(ctx, "retries in force", func(ctx context.Context) error {
				s := t.Calls(ctx, retrySample, 4, c.ZoneA, c.ServiceBackend, "/", nil)
				t.Logf("sample: %s", s)
				if fails := s.N - s.OK(); fails > retryMaxFails {
					return fmt.Errorf("%d of %d calls failed, at most %d allowed: %s", fails, s.N, retryMaxFails, s)
				}
				return nil
			})
		},
	})
}
