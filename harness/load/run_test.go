package load

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// zoneServer answers with the zone in a header for /hdr, in a JSON body for /json, and fails
// /fail with a 503.
func zoneServer(t *testing.T, hosts *sync.Map) *httptest.Server {
	t.Helper()
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if hosts != nil {
			hosts.Store(r.Host, true)
		}
		zone := []string{"zone-a", "zone-b"}[n.Add(1)%2]
		switch r.URL.Path {
		case "/hdr":
			w.Header().Set(ZoneHeader, zone)
		case "/json":
			fmt.Fprintf(w, `{"service":"backend","zone":%q}`, zone)
		case "/fail":
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestRunCountsZonesFromHeaderAndBody(t *testing.T) {
	srv := zoneServer(t, nil)
	for _, path := range []string{"/hdr", "/json"} {
		res, err := Run(context.Background(), Spec{Target: srv.URL + path, Rate: 100, Duration: 500 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		s := res.Summary()
		// The pacer allows 50; fewer may go out on a loaded machine, never more.
		if s.Requests < 1 || s.Requests > 51 {
			t.Fatalf("%s: %d requests at 100/s for 0.5s", path, s.Requests)
		}
		if s.ErrorRate != 0 || s.Successes != s.Requests {
			t.Fatalf("%s: errors %+v", path, s)
		}
		if s.ByZone["zone-a"]+s.ByZone["zone-b"] != s.Requests || s.ByZone["zone-a"] == 0 || s.ByZone["zone-b"] == 0 {
			t.Fatalf("%s: zones %v of %d", path, s.ByZone, s.Requests)
		}
		if share, n := res.ZoneShare("zone-a", 0, 0); n != s.Requests || share < 0.4 || share > 0.6 {
			t.Fatalf("%s: share %v over %d", path, share, n)
		}
	}
}

func TestRunErrorsAndHostHeader(t *testing.T) {
	var hosts sync.Map
	srv := zoneServer(t, &hosts)
	res, err := Run(context.Background(), Spec{Target: srv.URL + "/fail", Host: "backend.mesh",
		Headers: http.Header{"X-Test": {"1"}}, Rate: 50, Duration: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if rate, n := res.ErrorRate(0, 0); rate != 1 || n == 0 {
		t.Fatalf("error rate %v over %d", rate, n)
	}
	if _, ok := hosts.Load("backend.mesh"); !ok {
		t.Fatal("Host header not sent")
	}
	if res.Records[0].Code != http.StatusServiceUnavailable {
		t.Fatalf("code %d", res.Records[0].Code)
	}
}

func TestRunTransportErrorRecorded(t *testing.T) {
	srv := zoneServer(t, nil)
	url := srv.URL
	srv.Close() // nothing listens any more
	res, err := Run(context.Background(), Spec{Target: url, Rate: 20, Duration: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Records) == 0 || res.Records[0].Err == "" || res.Records[0].OK() {
		t.Fatalf("records %+v", res.Records)
	}
}

func TestRunCapsWorkersAndStopsOnCancel(t *testing.T) {
	var inflight, peak atomic.Int64
	release := make(chan struct{})
	full := make(chan struct{})
	var fullOnce sync.Once
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := inflight.Add(1)
		if n >= 4 {
			fullOnce.Do(func() { close(full) })
		}
		for {
			p := peak.Load()
			if n <= p || peak.CompareAndSwap(p, n) {
				break
			}
		}
		select {
		case <-release:
		case <-r.Context().Done():
		}
		inflight.Add(-1)
	}))
	defer srv.Close()
	defer close(release)

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan *Result)
	go func() {
		res, err := Run(ctx, Spec{Target: srv.URL, Rate: 200, Duration: time.Minute, Workers: 2, MaxWorkers: 4, Timeout: time.Minute})
		if err != nil {
			t.Error(err)
		}
		done <- res
	}()
	// Wait until the cap is reached, then cancel: Run must return long before its minute.
	<-full
	cancel()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("Run did not stop on cancel")
	}
	if p := peak.Load(); p > 4 {
		t.Fatalf("%d requests in flight, cap was 4", p)
	}
}

func TestRunRamps(t *testing.T) {
	srv := zoneServer(t, nil)
	res, err := Run(context.Background(), Spec{Target: srv.URL + "/hdr", Rate: 20, RampTo: 180, Duration: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	// 20 → 180 per second over 1 s is at most 100 requests (fewer on a loaded machine), three
	// times as many in the second half as in the first.
	a, b := len(res.Window(0, 500*time.Millisecond)), len(res.Window(500*time.Millisecond, 0))
	if n := a + b; n < 10 || n > 101 {
		t.Fatalf("%d requests, want at most 100", n)
	}
	if b <= a {
		t.Fatalf("first half %d, second half %d: no ramp", a, b)
	}
}

func TestSpecValidation(t *testing.T) {
	_, err := Run(context.Background(), Spec{Target: "backend", Rate: 0, Duration: 0, RampTo: -1, Workers: 9, MaxWorkers: 3})
	if err == nil {
		t.Fatal("bad spec accepted")
	}
	for _, f := range []string{"target", "rate", "rampTo", "duration", "maxWorkers"} {
		if !strings.Contains(err.Error(), f+":") {
			t.Errorf("error %q does not name %s", err, f)
		}
	}
}
