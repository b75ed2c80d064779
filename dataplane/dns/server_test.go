package dns_test

import (
	"fmt"
	"net/netip"
	"sync"
	"testing"

	mdns "github.com/miekg/dns"

	"github.com/zonemesh/zonemesh/dataplane/dns"
)

var (
	apiVIP = netip.MustParseAddr("127.64.0.7")
	dbVIP  = netip.MustParseAddr("127.64.1.9")
)

func start(t *testing.T, upstream string) *dns.Server {
	t.Helper()
	s, err := dns.Start(dns.Options{Addr: "127.0.0.1:0", Upstream: upstream, Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	s.Set(map[string]netip.Addr{"api.mesh": apiVIP, "api.default.mesh": apiVIP, "db.mesh": dbVIP})
	return s
}

func ask(t *testing.T, net, addr, name string, qtype uint16) *mdns.Msg {
	t.Helper()
	m := new(mdns.Msg)
	m.SetQuestion(mdns.Fqdn(name), qtype)
	c := &mdns.Client{Net: net}
	r, _, err := c.Exchange(m, addr)
	if err != nil {
		t.Fatalf("%s %s %s: %v", net, name, mdns.TypeToString[qtype], err)
	}
	return r
}

func aOf(t *testing.T, r *mdns.Msg) netip.Addr {
	t.Helper()
	if r.Rcode != mdns.RcodeSuccess || len(r.Answer) != 1 {
		t.Fatalf("rcode %s, %d answers: want one A", mdns.RcodeToString[r.Rcode], len(r.Answer))
	}
	a, ok := r.Answer[0].(*mdns.A)
	if !ok {
		t.Fatalf("answer %v is not an A record", r.Answer[0])
	}
	ip, _ := netip.AddrFromSlice(a.A)
	return ip.Unmap()
}

func TestMeshNames(t *testing.T) {
	s := start(t, "")
	for _, proto := range []string{"udp", "tcp"} {
		for name, want := range map[string]netip.Addr{"api.mesh": apiVIP, "API.Default.Mesh": apiVIP, "db.mesh": dbVIP} {
			r := ask(t, proto, s.Addr(), name, mdns.TypeA)
			if got := aOf(t, r); got != want {
				t.Fatalf("%s %s → %s, want %s", proto, name, got, want)
			}
			if !r.Authoritative || r.Answer[0].Header().Ttl != uint32(dns.DefaultTTL.Seconds()) {
				t.Fatalf("%s: authoritative %v ttl %d", name, r.Authoritative, r.Answer[0].Header().Ttl)
			}
		}
	}
	// A known name has no AAAA: NOERROR without answers, not NXDOMAIN (that would hide the A).
	if r := ask(t, "udp", s.Addr(), "api.mesh", mdns.TypeAAAA); r.Rcode != mdns.RcodeSuccess || len(r.Answer) != 0 {
		t.Fatalf("AAAA api.mesh: rcode %s, %d answers", mdns.RcodeToString[r.Rcode], len(r.Answer))
	}
	for _, name := range []string{"nope.mesh", "api.other.mesh", "mesh"} {
		if r := ask(t, "udp", s.Addr(), name, mdns.TypeA); r.Rcode != mdns.RcodeNameError || !r.Authoritative {
			t.Fatalf("%s: rcode %s, want an authoritative NXDOMAIN", name, mdns.RcodeToString[r.Rcode])
		}
	}
	// Without an upstream, the rest of the world is refused.
	if r := ask(t, "udp", s.Addr(), "example.com", mdns.TypeA); r.Rcode != mdns.RcodeRefused {
		t.Fatalf("example.com without upstream: rcode %s, want REFUSED", mdns.RcodeToString[r.Rcode])
	}
	// Two questions in one query: FORMERR.
	m := new(mdns.Msg)
	m.SetQuestion("api.mesh.", mdns.TypeA)
	m.Question = append(m.Question, mdns.Question{Name: "db.mesh.", Qtype: mdns.TypeA, Qclass: mdns.ClassINET})
	r, err := mdns.Exchange(m, s.Addr())
	if err != nil || r.Rcode != mdns.RcodeFormatError {
		t.Fatalf("two questions: %v, %v", r, err)
	}
}

// upstream is a resolver for names outside .mesh: it answers every A query with 192.0.2.1.
func upstream(t *testing.T) string {
	t.Helper()
	s, err := dns.Start(dns.Options{Addr: "127.0.0.1:0"}) // only used for its sockets' address
	if err != nil {
		t.Fatal(err)
	}
	addr := s.Addr()
	s.Close()
	h := mdns.HandlerFunc(func(w mdns.ResponseWriter, req *mdns.Msg) {
		m := new(mdns.Msg)
		m.SetReply(req)
		m.Answer = []mdns.RR{&mdns.A{Hdr: mdns.RR_Header{Name: req.Question[0].Name, Rrtype: mdns.TypeA, Class: mdns.ClassINET, Ttl: 60},
			A: netip.MustParseAddr("192.0.2.1").AsSlice()}}
		w.WriteMsg(m)
	})
	for _, proto := range []string{"udp", "tcp"} {
		ready := make(chan struct{})
		srv := &mdns.Server{Addr: addr, Net: proto, Handler: h, NotifyStartedFunc: func() { close(ready) }}
		go srv.ListenAndServe()
		<-ready
		t.Cleanup(func() { srv.Shutdown() })
	}
	return addr
}

func TestForwardsOtherNames(t *testing.T) {
	s := start(t, upstream(t))
	for _, proto := range []string{"udp", "tcp"} {
		if got := aOf(t, ask(t, proto, s.Addr(), "example.com", mdns.TypeA)); got != netip.MustParseAddr("192.0.2.1") {
			t.Fatalf("%s example.com → %s, want the upstream's 192.0.2.1", proto, got)
		}
	}
	// .mesh names never leave the sidecar, even with an upstream.
	if got := aOf(t, ask(t, "udp", s.Addr(), "api.mesh", mdns.TypeA)); got != apiVIP {
		t.Fatalf("api.mesh → %s", got)
	}
	if r := ask(t, "udp", s.Addr(), "nope.mesh", mdns.TypeA); r.Rcode != mdns.RcodeNameError {
		t.Fatalf("nope.mesh with an upstream: %s, want NXDOMAIN", mdns.RcodeToString[r.Rcode])
	}
}

func TestUpstreamDown(t *testing.T) {
	dead, err := dns.Start(dns.Options{Addr: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	addr := dead.Addr()
	dead.Close()
	s := start(t, addr)
	if r := ask(t, "tcp", s.Addr(), "example.com", mdns.TypeA); r.Rcode != mdns.RcodeServerFailure {
		t.Fatalf("upstream down: rcode %s, want SERVFAIL", mdns.RcodeToString[r.Rcode])
	}
}

// TestSetWhileServing swaps tables while clients ask: every answer comes from one of the two
// tables (run with -race for the atomicity of the swap).
func TestSetWhileServing(t *testing.T) {
	s := start(t, "")
	tables := []map[string]netip.Addr{
		{"api.mesh": apiVIP},
		{"api.mesh": dbVIP},
	}
	var wg sync.WaitGroup
	stop := make(chan struct{})
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
				s.Set(tables[i%2])
			}
		}
	}()
	for i := 0; i < 200; i++ {
		got := aOf(t, ask(t, "udp", s.Addr(), "api.mesh", mdns.TypeA))
		if got != apiVIP && got != dbVIP {
			close(stop)
			t.Fatalf("answer %d: %s, from neither table", i, got)
		}
	}
	close(stop)
	wg.Wait()
}

func TestStartErrors(t *testing.T) {
	s := start(t, "")
	if _, err := dns.Start(dns.Options{Addr: s.Addr()}); err == nil {
		t.Fatal("second server on a bound address started")
	}
	if _, err := dns.Start(dns.Options{Addr: "127.0.0.1:0", Upstream: "no-port"}); err == nil {
		t.Fatal("upstream without a port accepted")
	}
	for i := 0; i < 5; i++ { // start then close at once, repeatedly: Close must not hang
		x, err := dns.Start(dns.Options{Addr: "127.0.0.1:0"})
		if err != nil {
			t.Fatal(fmt.Errorf("start %d: %w", i, err))
		}
		x.Close()
	}
}
