package requirements

import (
	"context"
	"fmt"
	"sync"
	"time"

	c "github.com/zonemesh/zonemesh/conformance"
)

func init() {
	register(c.Requirement{
		ID: "MZ-LOAD-002", Title: "Load stays error-free while routes change",
		Level: c.Should, Profile: c.ProfileScale,
		Budget: budget(30*time.Second, 120*time.Second),
		Description: "400 calls from zone-a to backend with 8 concurrent callers must all answer 200 while the backend route is rewritten 6 times between 90/10 and 10/90. " +
			"Config updates must be hitless: draining and swapping routes may not drop in-flight or new requests.",
		Check: func(ctx context.Context, t *c.T) error {
			ctx, cancel := context.WithTimeout(ctx, t.Budget)
			defer cancel()
			if err := t.Apply(ctx, splitPolicy("conformance-load-split", c.ServiceBackend, "version: v1", 50, "version: v2", 50)); err != nil {
				return err
			}
			var wg sync.WaitGroup
			var applyErr error
			stop := make(chan struct{})
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range 6 {
					w := 90
					if i%2 == 1 {
						w = 10
					}
					select {
					case <-stop:
						return
					case <-time.After(150 * time.Millisecond):
					}
					if err := t.Target.Apply(ctx, []byte(splitPolicy("conformance-load-split", c.ServiceBackend, "version: v1", w, "version: v2", 100-w))); err != nil {
						applyErr = err
						return
					}
				}
			}()
			s := t.Calls(ctx, 400, 8, c.ZoneA, c.ServiceBackend, "/", nil)
			close(stop)
			wg.Wait()
			t.Logf("sample: %s in %v", s, s.Duration.Round(time.Millisecond))
			if applyErr != nil {
				return applyErr
			}
			if s.OK() != s.N {
				return fmt.Errorf("errors under route changes: %s (last error %v)", s, s.LastErr)
			}
			return nil
		},
	})
}
