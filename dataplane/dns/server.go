package dns

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	mdns "github.com/miekg/dns"
)

// DefaultTTL is the TTL of answers: re-asking over loopback is cheap, and a short TTL makes a
// removed service stop resolving soon after the config that drops it.
const DefaultTTL = 5 * time.Second

// Options configure a Server.
type Options struct {
	// Addr is the host:port served over UDP and TCP (port 0 picks one, the same for both).
	Addr string
	// Upstream, host:port, receives every query outside .mesh. Empty: those are REFUSED, so a
	// sidecar never becomes an open resolver; set it where the app's resolv.conf points only at
	// the sidecar (a pod), so the app still resolves the rest of the world.
	Upstream string
	TTL      time.Duration // default DefaultTTL
	Logf     func(format string, args ...any)
}

// Server answers DNS queries from a table that Set replaces atomically.
type Server struct {
	o      Options
	table  atomic.Pointer[map[string]netip.Addr]
	udp    *mdns.Server
	tcp    *mdns.Server
	client *mdns.Client
	addr   string

	wg   sync.WaitGroup
	once sync.Once
}

// Start binds Addr over UDP and TCP and serves with an empty table.
func Start(o Options) (*Server, error) {
	if o.TTL <= 0 {
		o.TTL = DefaultTTL
	}
	if o.Logf == nil {
		o.Logf = func(string, ...any) {}
	}
	if o.Upstream != "" {
		if _, _, err := net.SplitHostPort(o.Upstream); err != nil {
			return nil, fmt.Errorf("dns: upstream %q: want host:port", o.Upstream)
		}
	}
	pc, ln, err := bindBoth(o.Addr)
	if err != nil {
		return nil, fmt.Errorf("dns: listen %s: %w", o.Addr, err)
	}
	s := &Server{o: o, addr: pc.LocalAddr().String(), client: &mdns.Client{Timeout: 2 * time.Second}}
	s.table.Store(&map[string]netip.Addr{})
	h := mdns.HandlerFunc(s.serve)
	// Close may follow at once: Shutdown only stops a server that has started, so wait for both.
	started := make(chan struct{}, 2)
	notify := func() { started <- struct{}{} }
	s.udp = &mdns.Server{PacketConn: pc, Handler: h, NotifyStartedFunc: notify}
	s.tcp = &mdns.Server{Listener: ln, Handler: h, NotifyStartedFunc: notify}
	failed := make(chan error, 2)
	for _, srv := range []*mdns.Server{s.udp, s.tcp} {
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			if err := srv.ActivateAndServe(); err != nil && !closedErr(err) {
				o.Logf("dns: %v", err)
				failed <- err
			}
		}()
	}
	for range 2 {
		select {
		case <-started:
		case err := <-failed:
			pc.Close()
			ln.Close()
			s.wg.Wait()
			return nil, fmt.Errorf("dns: serve %s: %w", s.addr, err)
		}
	}
	return s, nil
}

// bindBoth binds UDP and TCP on one port; with port 0 it retries when the port the kernel picked
// for UDP is taken for TCP.
func bindBoth(addr string) (net.PacketConn, net.Listener, error) {
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, nil, err
	}
	for try := 0; ; try++ {
		pc, err := net.ListenPacket("udp", addr)
		if err != nil {
			return nil, nil, err
		}
		ln, err := net.Listen("tcp", pc.LocalAddr().String())
		if err == nil {
			return pc, ln, nil
		}
		pc.Close()
		if port != "0" || try == 10 {
			return nil, nil, err
		}
	}
}

func closedErr(err error) bool {
	return errors.Is(err, net.ErrClosed) || strings.Contains(err.Error(), "server not started")
}

// Addr is the bound address (UDP and TCP).
func (s *Server) Addr() string { return s.addr }

// Set replaces the table: name (lower case, no trailing dot) → VIP. Queries see either the old
// or the new table, never a mix.
func (s *Server) Set(table map[string]netip.Addr) {
	cp := make(map[string]netip.Addr, len(table))
	for n, a := range table {
		cp[strings.ToLower(strings.TrimSuffix(n, "."))] = a
	}
	s.table.Store(&cp)
}

// Lookup returns the VIP of a name in the current table.
func (s *Server) Lookup(name string) (netip.Addr, bool) {
	a, ok := (*s.table.Load())[strings.ToLower(strings.TrimSuffix(name, "."))]
	return a, ok
}

// Close stops both servers and waits for them.
func (s *Server) Close() error {
	s.once.Do(func() {
		s.udp.Shutdown()
		s.tcp.Shutdown()
		s.wg.Wait()
	})
	return nil
}

// inMesh reports whether a name (lower case, no trailing dot) is ours to answer.
func inMesh(name string) bool { return name == "mesh" || strings.HasSuffix(name, ".mesh") }

func (s *Server) serve(w mdns.ResponseWriter, req *mdns.Msg) {
	if len(req.Question) != 1 || req.Opcode != mdns.OpcodeQuery {
		// Every resolver asks one question per query; anything else is not ours to guess at.
		m := new(mdns.Msg)
		m.SetRcode(req, mdns.RcodeFormatError)
		w.WriteMsg(m)
		return
	}
	q := req.Question[0]
	name := strings.ToLower(strings.TrimSuffix(q.Name, "."))
	if !inMesh(name) {
		s.forward(w, req)
		return
	}
	m := new(mdns.Msg)
	m.SetReply(req)
	m.Authoritative = true
	table := *s.table.Load()
	vip, ok := table[name]
	switch {
	case !ok:
		m.Rcode = mdns.RcodeNameError
	case q.Qtype == mdns.TypeA || q.Qtype == mdns.TypeANY:
		m.Answer = []mdns.RR{&mdns.A{
			Hdr: mdns.RR_Header{Name: q.Name, Rrtype: mdns.TypeA, Class: mdns.ClassINET, Ttl: uint32(s.o.TTL / time.Second)},
			A:   vip.AsSlice(),
		}}
	default:
		// The name exists but has no record of this type (VIPs are IPv4): NOERROR, no answer, so
		// a resolver asking A and AAAA together uses the A.
	}
	w.WriteMsg(m)
}

func (s *Server) forward(w mdns.ResponseWriter, req *mdns.Msg) {
	if s.o.Upstream == "" {
		m := new(mdns.Msg)
		m.SetRcode(req, mdns.RcodeRefused)
		w.WriteMsg(m)
		return
	}
	c := *s.client
	if _, tcp := w.RemoteAddr().(*net.TCPAddr); tcp {
		c.Net = "tcp"
	}
	resp, _, err := c.Exchange(req, s.o.Upstream)
	if err != nil {
		s.o.Logf("dns: forward %s to %s: %v", req.Question[0].Name, s.o.Upstream, err)
		m := new(mdns.Msg)
		m.SetRcode(req, mdns.RcodeServerFailure)
		w.WriteMsg(m)
		return
	}
	w.WriteMsg(resp)
}
