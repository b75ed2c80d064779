package dataplane_test

import (
	"crypto/tls"
	"crypto/x509"
	"io"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/zonemesh/zonemesh/dataplane/dptest"
)

func TestCrossZonePath(t *testing.T) {
	z := newCrossZone(t, dptest.AllowFrom(meshName, "web"))
	c := newClient()
	for i := 0; i < 20; i++ {
		code, hdr, rep := call(t, c, z.outA, "echo.mesh", "/hello", nil)
		if code != http.StatusOK {
			t.Fatalf("call %d: status %d", i, code)
		}
		if rep.Zone != "zone-b" || hdr.Get("X-Zonemesh-Zone") != "zone-b" {
			t.Fatalf("answered by zone %q (header %q), want zone-b", rep.Zone, hdr.Get("X-Zonemesh-Zone"))
		}
		if rep.Caller != dptest.SPIFFE(meshName, "web") {
			t.Fatalf("caller %q, want the web identity; headers %v", rep.Caller, rep.Headers)
		}
		if rep.Path != "/hello" {
			t.Fatalf("path %q", rep.Path)
		}
	}
	_, ing := z.ing.Proxy.Stats()
	if ing.NonTLS != 0 || ing.UnknownSNI != 0 {
		t.Fatalf("ingress saw non-TLS %d, unknown SNI %d; want 0", ing.NonTLS, ing.UnknownSNI)
	}
	cs, _ := z.ing.Proxy.Stats()
	if len(cs) != 1 || cs[0].Requests == 0 {
		t.Fatalf("ingress cluster stats %+v: no connection went through", cs)
	}
}

func TestPlaintextAndForeignCertRefused(t *testing.T) {
	z := newCrossZone(t, dptest.AllowFrom(meshName, "web"))
	before := z.echoB.Served()

	// Plaintext HTTP at the ingress: closed without an answer, counted as non-TLS.
	conn, err := net.Dial("tcp", z.ingAddr)
	if err != nil {
		t.Fatal(err)
	}
	conn.SetDeadline(time.Now().Add(5 * time.Second))
	io.WriteString(conn, "GET / HTTP/1.1\r\nHost: echo.mesh\r\n\r\n")
	if b, _ := io.ReadAll(conn); len(b) != 0 {
		t.Fatalf("ingress answered plaintext with %q", b)
	}
	conn.Close()
	if _, ing := z.ing.Proxy.Stats(); ing.NonTLS != 1 {
		t.Fatalf("ingress non-TLS count %d, want 1", ing.NonTLS)
	}

	// Plaintext HTTP at the sidecar's inbound: never reaches the app.
	if resp, err := http.Get("http://" + z.inB + "/"); err == nil {
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			t.Fatal("sidecar inbound answered plaintext with 200")
		}
	}

	// A client certificate from a foreign CA, straight at the inbound and through the ingress.
	foreign := dptest.NewCA(t, "foreign CA")
	leaf := foreign.Issue(t, dptest.SPIFFE(meshName, "web"), nil, nil)
	roots := x509.NewCertPool()
	roots.AddCert(z.ca.Cert)
	for _, target := range []string{z.inB, z.ingAddr} {
		tc := &tls.Config{Certificates: []tls.Certificate{leaf.TLS}, ServerName: z.mesh.SNI("echo", ""),
			InsecureSkipVerify: true} // the server's SPIFFE cert has no DNS SAN; only the refusal matters here
		c := &http.Client{Transport: &http.Transport{TLSClientConfig: tc}, Timeout: 5 * time.Second}
		resp, err := c.Get("https://" + target + "/")
		if err == nil {
			resp.Body.Close()
			t.Fatalf("%s accepted a foreign client certificate (status %d)", target, resp.StatusCode)
		}
	}
	if cs, _ := z.ing.Proxy.Stats(); cs[0].Requests == 0 {
		_, ing := z.ing.Proxy.Stats()
		t.Fatalf("the foreign-CA connection did not pass the ingress (%+v, %+v): the sidecar should refuse it", cs, ing)
	}
	// A mesh-CA certificate of another mesh fails the SPIFFE SAN prefix check.
	other := z.ca.Issue(t, "spiffe://other/web", nil, nil)
	tc := &tls.Config{Certificates: []tls.Certificate{other.TLS}, ServerName: z.mesh.SNI("echo", ""), InsecureSkipVerify: true}
	c := &http.Client{Transport: &http.Transport{TLSClientConfig: tc}, Timeout: 5 * time.Second}
	if resp, err := c.Get("https://" + z.inB + "/"); err == nil {
		resp.Body.Close()
		t.Fatalf("inbound accepted spiffe://other/web (status %d)", resp.StatusCode)
	}
	if got := z.echoB.Served(); got != before {
		t.Fatalf("echo served %d refused requests", got-before)
	}
}

func TestRBACDenyThenAllow(t *testing.T) {
	z := newCrossZone(t, dptest.AllowFrom(meshName)) // nobody allowed
	c := newClient()
	if code, _, _ := call(t, c, z.outA, "echo.mesh", "/", nil); code != http.StatusForbidden {
		t.Fatalf("status %d, want 403", code)
	}
	z.setB(t, "2", dptest.AllowFrom(meshName, "web"))
	waitApplied(t, z.b, "2")
	if code, _, rep := call(t, c, z.outA, "echo.mesh", "/", nil); code != http.StatusOK || rep.Caller != dptest.SPIFFE(meshName, "web") {
		t.Fatalf("after allow: status %d caller %q", code, rep.Caller)
	}
}
