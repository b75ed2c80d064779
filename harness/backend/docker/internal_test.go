package docker

import (
	"errors"
	"os"
	"testing"
)

func TestDynamicBinaryIsRefused(t *testing.T) {
	for _, p := range []string{"/bin/sh", "/usr/bin/env"} {
		if _, err := os.Stat(p); err != nil {
			continue
		}
		err := checkStatic(p)
		if errors.Is(err, ErrDynamic) {
			return
		}
		t.Logf("%s: %v (statically linked here?)", p, err)
	}
	t.Skip("no dynamically linked executable at /bin/sh or /usr/bin/env on this machine")
}

func TestNotAnExecutableIsRefused(t *testing.T) {
	f := t.TempDir() + "/x"
	if err := os.WriteFile(f, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := checkStatic(f); err == nil {
		t.Fatal("a script was accepted as a static executable")
	}
}
