package xds_test

import (
	"bytes"
	"testing"
	"time"

	"github.com/zonemesh/zonemesh/controlplane/resource"
	"github.com/zonemesh/zonemesh/controlplane/xds"
	"github.com/zonemesh/zonemesh/controlplane/xds/xdstest"
)

func TestCertCacheRotatesAt80Percent(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	c := xds.NewCertCache(clock)
	if _, _, err := c.Identity("default", "web"); err == nil {
		t.Fatal("identity without a CA")
	}
	ca := xdstest.MeshCA(t, "default").Spec.(*resource.MeshCASpec)
	if err := c.SetMeshCA("default", []byte(ca.CertPEM), []byte(ca.KeyPEM), time.Hour); err != nil {
		t.Fatal(err)
	}
	first, _, err := c.Identity("default", "web")
	if err != nil {
		t.Fatal(err)
	}
	if _, next := c.Due(); !next.Equal(now.Add(48 * time.Minute)) {
		t.Fatalf("next rotation %v, want at 80%% of 1h", next)
	}
	now = now.Add(47 * time.Minute)
	again, _, _ := c.Identity("default", "web")
	if !bytes.Equal(first, again) {
		t.Fatal("reissued before 80% of the lifetime")
	}
	now = now.Add(time.Minute)
	if due, _ := c.Due(); !due["default"] {
		t.Fatal("mesh not due at 80%")
	}
	rotated, _, _ := c.Identity("default", "web")
	if bytes.Equal(first, rotated) {
		t.Fatal("not rotated at 80% of the lifetime")
	}
	// the same CA again keeps certificates; a new CA drops them
	if err := c.SetMeshCA("default", []byte(ca.CertPEM), []byte(ca.KeyPEM), time.Hour); err != nil {
		t.Fatal(err)
	}
	if same, _, _ := c.Identity("default", "web"); !bytes.Equal(same, rotated) {
		t.Fatal("re-installing the same CA dropped the certificate")
	}
	other := xdstest.MeshCA(t, "default").Spec.(*resource.MeshCASpec)
	if err := c.SetMeshCA("default", []byte(other.CertPEM), []byte(other.KeyPEM), time.Hour); err != nil {
		t.Fatal(err)
	}
	if fresh, _, _ := c.Identity("default", "web"); bytes.Equal(fresh, rotated) {
		t.Fatal("a new CA kept a certificate of the old one")
	}
	if err := c.SetMeshCA("default", []byte("junk"), nil, 0); err == nil {
		t.Fatal("junk CA accepted")
	}
}
