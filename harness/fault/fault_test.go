package fault

import (
	"bytes"
	"errors"
	"io"
	"net"
	"os"
	"testing"
	"time"

	"github.com/zonemesh/zonemesh/scenarios"
)

// upstream is a loopback TCP server that hands each accepted connection to the test, so the
// test can write and read on both ends of a link.
type upstream struct {
	ln    net.Listener
	conns chan net.Conn
}

func newUpstream(t *testing.T) *upstream {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	u := &upstream{ln: ln, conns: make(chan net.Conn, 16)}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			u.conns <- c
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		<-done
		close(u.conns)
		for c := range u.conns {
			c.Close()
		}
	})
	return u
}

// setup returns an injector with one link "a→b" in front of a fresh upstream.
func setup(t *testing.T) (*Injector, *upstream, string) {
	t.Helper()
	u := newUpstream(t)
	inj := NewInjector()
	t.Cleanup(func() { inj.Close() })
	addr, err := inj.AddLink("a→b", "127.0.0.1:0", u.ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	return inj, u, addr
}

// pair dials the link and returns the client end and the upstream's end of the connection.
func pair(t *testing.T, u *upstream, addr string) (client, server net.Conn) {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	select {
	case s := <-u.conns:
		t.Cleanup(func() { s.Close() })
		return c, s
	case <-time.After(5 * time.Second):
		t.Fatal("upstream never saw the connection")
	}
	return nil, nil
}

func send(t *testing.T, w net.Conn, msg string) {
	t.Helper()
	if _, err := w.Write([]byte(msg)); err != nil {
		t.Fatalf("write: %v", err)
	}
}

// arrives asserts that msg is read from r (generous deadline: it is a liveness bound).
func arrives(t *testing.T, r net.Conn, msg string) {
	t.Helper()
	r.SetReadDeadline(time.Now().Add(5 * time.Second))
	buf := make([]byte, len(msg))
	if _, err := io.ReadFull(r, buf); err != nil {
		t.Fatalf("read %q: %v", msg, err)
	}
	if string(buf) != msg {
		t.Fatalf("read %q, want %q", buf, msg)
	}
}

// silent asserts that nothing can be read from r for a while (absence can only be observed
// over some window; 300 ms is far above loopback delivery time).
func silent(t *testing.T, r net.Conn) {
	t.Helper()
	r.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
	buf := make([]byte, 64)
	n, err := r.Read(buf)
	var ne net.Error
	if n > 0 || !errors.As(err, &ne) || !ne.Timeout() {
		t.Fatalf("expected silence, read %q err %v", buf[:n], err)
	}
}

func TestLinkPassesData(t *testing.T) {
	_, u, addr := setup(t)
	c, s := pair(t, u, addr)
	send(t, c, "ping")
	arrives(t, s, "ping")
	send(t, s, "pong")
	arrives(t, c, "pong")
}

func TestLatencyAddsDelay(t *testing.T) {
	inj, u, addr := setup(t)
	c, s := pair(t, u, addr)
	const delay = 100 * time.Millisecond
	if _, err := inj.Inject("a→b", Latency{Delay: delay}); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	send(t, c, "x")
	arrives(t, s, "x")
	if got := time.Since(start); got < delay {
		t.Fatalf("forward trip took %v, want at least %v", got, delay)
	}
	// Backward is not delayed by a forward fault; only check that it still flows.
	send(t, s, "y")
	arrives(t, c, "y")
}

func TestTwoWayPartitionAndHeal(t *testing.T) {
	inj, u, addr := setup(t)
	c, s := pair(t, u, addr)
	id, err := inj.Inject("a→b", Partition{})
	if err != nil {
		t.Fatal(err)
	}
	send(t, c, "lost-forward")
	silent(t, s)
	send(t, s, "lost-backward")
	silent(t, c)

	// A new connection during the partition gets through to nothing.
	c2, s2 := pair(t, u, addr)
	send(t, c2, "hello")
	silent(t, s2)

	if err := inj.Heal(id); err != nil {
		t.Fatal(err)
	}
	c3, s3 := pair(t, u, addr)
	send(t, c3, "after")
	arrives(t, s3, "after")
	send(t, s3, "back")
	arrives(t, c3, "back")
}

func TestOneWayPartition(t *testing.T) {
	inj, u, addr := setup(t)
	c, s := pair(t, u, addr)
	if _, err := inj.Inject("a→b", Partition{OneWay: true}); err != nil {
		t.Fatal(err)
	}
	send(t, c, "forward")
	silent(t, s)
	send(t, s, "backward")
	arrives(t, c, "backward")
}

func TestResetClosesConnections(t *testing.T) {
	inj, u, addr := setup(t)
	c, s := pair(t, u, addr)
	if _, err := inj.Inject("a→b", Reset{}); err != nil {
		t.Fatal(err)
	}
	send(t, c, "boom")
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := c.Read(make([]byte, 8)); err == nil || errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("client read after reset: %v, want a closed connection", err)
	}
	s.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := s.Read(make([]byte, 8)); err == nil || errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("upstream read after reset: %v, want a closed connection", err)
	}
}

func TestFlapTogglesAndStops(t *testing.T) {
	inj, u, addr := setup(t)
	states := make(chan bool, 16)
	id, err := inj.Inject("a→b", Flap{Period: 50 * time.Millisecond, Toggled: func(d bool) { states <- d }})
	if err != nil {
		t.Fatal(err)
	}
	want := []bool{true, false, true, false}
	for i, w := range want {
		select {
		case got := <-states:
			if got != w {
				t.Fatalf("toggle %d: down=%v, want %v", i, got, w)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("toggle %d never came", i)
		}
	}
	if err := inj.Heal(id); err != nil {
		t.Fatal(err)
	}
	if n := len(inj.links["a→b"].Toxics.GetToxicArray()); n != 0 {
		t.Fatalf("%d toxics left after heal", n)
	}
	c, s := pair(t, u, addr)
	send(t, c, "up")
	arrives(t, s, "up")
}

func TestBandwidthStillDelivers(t *testing.T) {
	inj, u, addr := setup(t)
	c, s := pair(t, u, addr)
	if _, err := inj.Inject("a→b", Bandwidth{RateKB: 64}); err != nil {
		t.Fatal(err)
	}
	msg := string(bytes.Repeat([]byte("z"), 16<<10)) // 16 KB at 64 KB/s: ≥ 250 ms
	start := time.Now()
	go c.Write([]byte(msg))
	arrives(t, s, msg)
	if got := time.Since(start); got < 200*time.Millisecond {
		t.Fatalf("16 KB at 64 KB/s took %v, want at least 200ms", got)
	}
}

func TestFromScenarioAndErrors(t *testing.T) {
	for _, typ := range []string{"partition", "latency", "bandwidth", "reset", "flap"} {
		f := &scenarios.Fault{Name: "f", Type: typ, Latency: scenarios.Duration(time.Millisecond),
			Rate: 10, Period: scenarios.Duration(time.Second)}
		flt, err := FromScenario(f)
		if err != nil || flt.Type() != typ {
			t.Errorf("%s: %v %v", typ, flt, err)
		}
	}
	if _, err := FromScenario(&scenarios.Fault{Name: "f", Type: "meteor"}); err == nil {
		t.Error("unknown type accepted")
	}
	inj, _, _ := setup(t)
	if _, err := inj.Inject("nope", Reset{}); err == nil {
		t.Error("inject on a missing link accepted")
	}
	if _, err := inj.Inject("a→b", Latency{}); err == nil {
		t.Error("zero latency accepted")
	}
	if err := inj.Heal("missing"); err == nil {
		t.Error("heal of unknown id accepted")
	}
	if _, err := inj.AddLink("a→b", "127.0.0.1:0", "127.0.0.1:1"); err == nil {
		t.Error("duplicate link accepted")
	}
	if err := inj.Close(); err != nil {
		t.Fatal(err)
	}
	if err := inj.Close(); err != nil {
		t.Fatal("second Close:", err)
	}
	if _, err := inj.Inject("a→b", Reset{}); !errors.Is(err, ErrClosed) {
		t.Errorf("inject after close: %v", err)
	}
}
