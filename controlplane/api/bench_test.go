package api_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/zonemesh/zonemesh/controlplane/api"
	"github.com/zonemesh/zonemesh/controlplane/store"
)

// benchApply applies one changed policy per iteration through a real loopback connection,
// from the client's call to the durable store's acknowledgement.
func benchApply(b *testing.B, st store.Store) {
	h, err := api.New(api.Options{Store: st, Origin: "global", AdminToken: token})
	if err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	c := &api.Client{BaseURL: srv.URL, Token: token, HTTP: srv.Client()}
	ctx := context.Background()
	i := 0
	b.ReportAllocs()
	for b.Loop() {
		body := fmt.Sprintf("kind: TrafficPermission\nmesh: default\nname: p%d\nspec: {destination: {service: backend}, sources: [{service: s%d}], action: allow}\n", i%100, i)
		i++
		if _, err := c.Apply(ctx, []byte(body)); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkApplyMemory(b *testing.B) {
	st := store.NewMemory(time.Now)
	defer st.Close()
	benchApply(b, st)
}

func BenchmarkApplyBolt(b *testing.B) {
	st, err := store.OpenBolt(filepath.Join(b.TempDir(), "bench.db"), time.Now)
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	benchApply(b, st)
}
