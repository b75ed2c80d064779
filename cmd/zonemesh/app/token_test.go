package app

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/zonemesh/zonemesh/controlplane/auth"
)

func TestTokenCommands(t *testing.T) {
	dir := t.TempDir()
	globalKey := filepath.Join(dir, auth.ZoneTokenKeyFile)
	zoneKey := filepath.Join(dir, auth.DataplaneTokenKeyFile)
	gs, err := auth.LoadSigner(globalKey, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	zs, err := auth.LoadSigner(zoneKey, time.Now)
	if err != nil {
		t.Fatal(err)
	}

	code, out, errs := run(t, "", "token", "zone", "--name", "zone-1", "--key-file", globalKey, "--ttl", "1h")
	if code != 0 {
		t.Fatalf("token zone: %d %s", code, errs)
	}
	if err := gs.VerifyZoneToken(strings.TrimSpace(out), "zone-1"); err != nil {
		t.Fatalf("issued zone token does not verify: %v", err)
	}

	outFile := filepath.Join(dir, "dp.token")
	code, _, errs = run(t, "", "token", "dataplane", "--mesh", "default", "--name", "web-1", "--key-file", zoneKey, "--out", outFile)
	if code != 0 {
		t.Fatalf("token dataplane: %d %s", code, errs)
	}
	tok, err := auth.ReadTokenFile(outFile)
	if err != nil {
		t.Fatal(err)
	}
	if st, _ := os.Stat(outFile); st.Mode().Perm() != 0o600 {
		t.Fatalf("token file mode %v", st.Mode().Perm())
	}
	if kind, err := zs.VerifyDataplaneToken(tok, "default", "web-1"); err != nil || kind != auth.ProxySidecar {
		t.Fatalf("issued dataplane token: %v %v", kind, err)
	}
	// A dataplane token is no zone token, even if someone signs it with global's key.
	code, out, _ = run(t, "", "token", "dataplane", "--kind", "ingress", "--name", "zone-1", "--key-file", globalKey)
	if code != 0 {
		t.Fatal("ingress token")
	}
	if err := gs.VerifyZoneToken(strings.TrimSpace(out), "zone-1"); err == nil {
		t.Fatal("a dataplane token verified as a zone token")
	}

	for _, args := range [][]string{
		{"token"}, {"token", "admin"}, {"token", "zone", "--key-file", globalKey},
		{"token", "zone", "--name", "z", "--key-file", globalKey, "--ttl", "-1h"},
		{"token", "dataplane", "--name", "n", "--key-file", zoneKey}, // a sidecar needs a mesh
	} {
		if code, _, _ := run(t, "", args...); code != 2 {
			t.Errorf("%v: exit %d; want 2", args, code)
		}
	}
	// A missing key is an error, not a new key that no control plane knows.
	missing := filepath.Join(dir, "none.pem")
	if code, _, errs := run(t, "", "token", "zone", "--name", "z", "--key-file", missing); code != 1 || !strings.Contains(errs, "no such file") {
		t.Fatalf("missing key: %d %q", code, errs)
	}
	if _, err := os.Stat(missing); err == nil {
		t.Fatal("token zone created a key file")
	}
}
