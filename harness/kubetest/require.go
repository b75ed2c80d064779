package kubetest

import (
	"context"
	"testing"
	"time"
)

// Require starts a control plane for t, stopped at cleanup. It skips t with one line when
// the cached binaries are missing, and fails it when they are there but do not start.
func Require(t testing.TB, opts Options) *Env {
	t.Helper()
	if m := MissingFor(opts); m != "" {
		t.Skip("kubetest: " + m)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	e, err := Start(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.Stop)
	return e
}
