package fakeproxy_test

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/zonemesh/zonemesh/controlplane/resource"
	"github.com/zonemesh/zonemesh/controlplane/xds/server/servertest"
	"github.com/zonemesh/zonemesh/harness/fakeproxy"
)

// The memory benchmark runs the fake proxies in a child process (this test binary again), so
// that the parent's heap holds the zone control plane alone.
const childEnv = "ZONEMESH_FAKEPROXY_CHILD"

func TestMain(m *testing.M) {
	if os.Getenv(childEnv) != "" {
		if err := runChild(); err != nil {
			fmt.Fprintln(os.Stderr, "child:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// runChild connects the proxies named in the tokens file, says "ready <heap bytes>" once all
// have their config, and stops when stdin closes.
func runChild() error {
	var tokens map[string]string
	b, err := os.ReadFile(os.Getenv("FP_TOKENS"))
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, &tokens); err != nil {
		return err
	}
	caPEM, err := os.ReadFile(os.Getenv("FP_CA"))
	if err != nil {
		return err
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(caPEM)
	services, _ := strconv.Atoi(os.Getenv("FP_SERVICES"))
	f, err := fakeproxy.StartFleet(context.Background(), fakeproxy.FleetConfig{
		Addr: os.Getenv("FP_ADDR"), TLS: &tls.Config{RootCAs: pool, ServerName: "127.0.0.1"}, Zone: zone,
		Proxies: fakeproxy.SidecarResources("default", "dp", len(tokens), services),
		Token:   func(r *resource.Resource) (string, error) { return tokens[r.Name], nil },
	})
	if err != nil {
		return err
	}
	defer f.Close()
	for _, p := range f.Proxies() {
		<-p.Ready()
	}
	fmt.Printf("ready %d\n", liveBytes())
	bufio.NewReader(os.Stdin).ReadString('\n') // until the parent closes stdin
	return nil
}

// liveBytes is heap in use plus goroutine stacks in the steady state: after collections that
// also shrink oversized stacks and hand free pages back to the OS (as the background scavenger
// does within minutes in a long-running control plane), so RSS is comparable too.
func liveBytes() uint64 {
	runtime.GC()
	debug.FreeOSMemory()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapInuse + ms.StackInuse
}

func rssBytes() uint64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if f := strings.Fields(l); len(f) >= 2 && f[0] == "VmRSS:" {
			kb, _ := strconv.ParseUint(f[1], 10, 64)
			return kb * 1024
		}
	}
	return 0
}

// BenchmarkZoneMemoryPerProxy: zone control plane memory (heap + stacks, and RSS) per connected
// proxy with 1,000 fake proxies over 10 services, mTLS on. Run with -benchtime 1x.
func BenchmarkZoneMemoryPerProxy(b *testing.B) {
	const n, services = 1000, 10
	for b.Loop() {
		env := servertest.Start(b, zone, seed(b))
		dir := b.TempDir()
		tokens := map[string]string{}
		for _, r := range fakeproxy.SidecarResources("default", "dp", n, services) {
			tokens[r.Name] = env.Token(b, r.Mesh, r.Name)
		}
		tb, _ := json.Marshal(tokens)
		must(b, os.WriteFile(filepath.Join(dir, "tokens.json"), tb, 0o600))
		must(b, os.WriteFile(filepath.Join(dir, "ca.pem"), env.CAPEM, 0o600))

		before, rssBefore := liveBytes(), rssBytes()
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), childEnv+"=1", "FP_ADDR="+env.Addr, "FP_CA="+filepath.Join(dir, "ca.pem"),
			"FP_TOKENS="+filepath.Join(dir, "tokens.json"), "FP_SERVICES="+strconv.Itoa(services))
		stdin, err := cmd.StdinPipe()
		must(b, err)
		stdout, err := cmd.StdoutPipe()
		must(b, err)
		cmd.Stderr = os.Stderr
		start := time.Now()
		must(b, cmd.Start())
		line, err := bufio.NewReader(stdout).ReadString('\n')
		if err != nil || !strings.HasPrefix(line, "ready ") {
			b.Fatalf("child: %q %v", line, err)
		}
		converged := time.Since(start)
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		must(b, env.Server.WaitRevision(ctx, env.Store.Revision()))
		cancel()
		after, rssAfter := liveBytes(), rssBytes()
		if p := os.Getenv("FP_HEAPPROFILE"); p != "" {
			hf, err := os.Create(p)
			must(b, err)
			must(b, pprof.WriteHeapProfile(hf))
			hf.Close()
		}
		if got := len(env.Server.Proxies()); got != n {
			b.Fatalf("%d proxies connected", got)
		}
		childBytes, _ := strconv.ParseUint(strings.TrimSpace(strings.TrimPrefix(line, "ready ")), 10, 64)
		stdin.Close()
		must(b, cmd.Wait())
		b.ReportMetric(float64(after-before)/n, "heap+stack-B/proxy")
		b.ReportMetric(float64(rssAfter-rssBefore)/n, "rss-B/proxy")
		b.ReportMetric(float64(childBytes)/n, "fakeproxy-B/proxy")
		b.ReportMetric(converged.Seconds(), "s-to-converge")
		b.ReportMetric(float64(before), "idle-cp-heap-B")
	}
}

func must(b *testing.B, err error) {
	b.Helper()
	if err != nil {
		b.Fatal(err)
	}
}
