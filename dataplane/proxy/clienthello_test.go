package proxy

import (
	"bytes"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"strings"
	"testing"
)

// hello captures the bytes crypto/tls sends as a ClientHello for the given server name.
func hello(t testing.TB, sni string, alpn []string) []byte {
	t.Helper()
	c, s := net.Pipe()
	go func() {
		tc := tls.Client(c, &tls.Config{ServerName: sni, NextProtos: alpn, InsecureSkipVerify: true})
		tc.Handshake()
	}()
	var buf bytes.Buffer
	b := make([]byte, 64<<10)
	// The hello is written in one go; one read gets it whole over a pipe.
	n, err := s.Read(b)
	if err != nil {
		t.Fatal(err)
	}
	buf.Write(b[:n])
	s.Close()
	c.Close()
	return buf.Bytes()
}

func TestReadClientHello(t *testing.T) {
	for _, sni := range []string{"echo.default.mesh", "v2.echo.default.mesh", strings.Repeat("a", 60) + ".mesh", ""} {
		for _, alpn := range [][]string{nil, {"h2", "http/1.1"}} {
			raw := hello(t, sni, alpn)
			got, name, err := readClientHello(bytes.NewReader(append(raw, "after"...)))
			if err != nil {
				t.Fatalf("sni %q: %v", sni, err)
			}
			if name != sni || !bytes.Equal(got, raw) {
				t.Fatalf("sni %q: got %q, %d of %d bytes", sni, name, len(got), len(raw))
			}
		}
	}
}

func TestReadClientHelloRefusesPlaintext(t *testing.T) {
	for _, in := range []string{"GET / HTTP/1.1\r\nHost: x\r\n\r\n", "\x16\x03\x01\x00\x05\x02\x00\x00\x01\x00", "P"} {
		_, _, err := readClientHello(strings.NewReader(in))
		if !errors.Is(err, ErrNotTLS) && !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Fatalf("%q: err %v, want ErrNotTLS", in, err)
		}
	}
}

func FuzzReadClientHello(f *testing.F) {
	f.Add(hello(f, "echo.default.mesh", []string{"h2"}))
	f.Add([]byte("GET / HTTP/1.1\r\n\r\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		got, _, err := readClientHello(bytes.NewReader(b))
		if err == nil && !bytes.HasPrefix(b, got) {
			t.Fatalf("returned bytes are not a prefix of the input")
		}
	})
}
