package store_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/zonemesh/zonemesh/controlplane/resource"
	"github.com/zonemesh/zonemesh/controlplane/store"
	"github.com/zonemesh/zonemesh/controlplane/store/storetest"
)

// crashEnv names the bolt file the helper process writes to; its presence selects helper mode.
const crashEnv = "ZONEMESH_STORE_CRASH_FILE"

func TestMain(m *testing.M) {
	if path := os.Getenv(crashEnv); path != "" {
		crashHelper(path)
	}
	os.Exit(m.Run())
}

// crashHelper runs in the child of TestBoltCrashLosesNoAcknowledgedWrite: it writes resources
// until it is killed (or a bound is reached), printing each name only after Put returned.
func crashHelper(path string) {
	s, err := store.OpenBolt(path, time.Now)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(3)
	}
	w := bufio.NewWriter(os.Stdout)
	for i := 0; i < 100000; i++ {
		name := fmt.Sprintf("p%06d", i)
		if _, err := s.Put(context.Background(), storetest.Permission("default", name, "backend", "web")); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(4)
		}
		w.WriteString(name + "\n")
		w.Flush()
	}
	os.Exit(0)
}

func TestBoltCrashLosesNoAcknowledgedWrite(t *testing.T) {
	path := filepath.Join(t.TempDir(), "crash.db")
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), crashEnv+"="+path)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var acked []string
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "p") {
			acked = append(acked, line)
		}
		if len(acked) == 150 {
			// SIGKILL: no deferred code, no bbolt close, in the middle of the next write.
			if err := cmd.Process.Kill(); err != nil {
				t.Fatal(err)
			}
			break
		}
	}
	// Lines the child printed before it died were acknowledged too.
	for sc.Scan() {
		if line := sc.Text(); strings.HasPrefix(line, "p") && len(line) == 7 {
			acked = append(acked, line)
		}
	}
	cmd.Wait()
	if len(acked) < 150 {
		t.Fatalf("helper acknowledged only %d writes before exiting", len(acked))
	}
	s, err := store.OpenBolt(path, time.Now)
	if err != nil {
		t.Fatalf("reopen after kill -9: %v", err)
	}
	defer s.Close()
	for _, name := range acked {
		key := resource.Key{Kind: resource.KindTrafficPermission, Mesh: "default", Name: name}
		if _, err := s.Get(context.Background(), key); err != nil {
			t.Fatalf("acknowledged write %s lost: %v", name, err)
		}
	}
	if s.Revision() < uint64(len(acked)) {
		t.Fatalf("revision %d after %d acknowledged writes", s.Revision(), len(acked))
	}
	t.Logf("%d acknowledged writes survived kill -9; revision %d", len(acked), s.Revision())
}
